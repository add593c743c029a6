"""Price-table extras: reset ModelRatio, migrate the legacy console options, expose our ratios
(/api/ratio_config) and compare them with other instances' (/api/ratio_sync). The comparison
itself is billing.ratio_sync; this module fetches and answers. Root only, except ratio_config."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.auth.roles import PUBLIC, ROOT
from clawrouter.billing import ratio_sync
from clawrouter.changes.change import Change
from clawrouter.db.repo import options as options_repo
from clawrouter.errors import ApiError, BadRequestError, ForbiddenError
from clawrouter.http.render import ok
from clawrouter.http.request import read_json
from clawrouter.keys import CHANGES, HTTP, MAIN_DB, OPTIONS, RELAY
from clawrouter.options.defaults import price_table_defaults

MAX_FETCHES = 8  # upstreams fetched at once
DEFAULT_TIMEOUT, MAX_TIMEOUT = 10, 60  # seconds per upstream
MAX_BODY = 10 << 20
DEFAULT_ENDPOINT = "/api/pricing"
PRESETS = (
    {"id": -100, "name": "官方倍率预设", "base_url": "https://basellm.github.io",
     "endpoint": "/llm-metadata/api/newapi/ratio_config-v1-base.json"},
    {"id": -101, "name": "models.dev 价格预设", "base_url": "https://models.dev",
     "endpoint": "https://models.dev/api.json"},
)  # fmt: skip
_LEGACY_KEYS = ("ApiInfo", "Announcements", "FAQ", "UptimeKumaUrl", "UptimeKumaSlug")
_TABLE_KEYS = {
    "model_ratio": "ModelRatio", "completion_ratio": "CompletionRatio",
    "cache_ratio": "CacheRatio", "create_cache_ratio": "CreateCacheRatio",
    "image_ratio": "ImageRatio", "audio_ratio": "AudioRatio",
    "audio_completion_ratio": "AudioCompletionRatio", "model_price": "ModelPrice",
}  # fmt: skip
_EXPOSED = ("model_ratio", "completion_ratio", "cache_ratio", "create_cache_ratio", "model_price")


async def reset_model_ratio(request: web.Request) -> web.Response:
    """ModelRatio back to the built-in table (the other price tables are left alone)."""
    await request.config_dict[OPTIONS].set("ModelRatio", price_table_defaults()["ModelRatio"])
    await request.config_dict[CHANGES].publish(Change("option", "ModelRatio"), here=False)
    return ok()


def _json_list(text: str) -> list[Any] | None:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, list) else None


def console_migration(raw: dict[str, str]) -> dict[str, str]:
    """New console_setting.* values from the legacy keys (empty strings for those moved)."""
    out: dict[str, str] = {}
    if raw.get("ApiInfo"):
        items = _json_list(raw["ApiInfo"])
        if items is not None:
            out["console_setting.api_info"] = orjson.dumps(items[:50]).decode()
    if raw.get("Announcements"):
        out["console_setting.announcements"] = raw["Announcements"]
    if raw.get("FAQ"):
        items = _json_list(raw["FAQ"])
        if items is not None:
            faq = []
            for item in (i for i in items if isinstance(i, dict)):
                q = item.get("question") or item.get("title")
                a = item.get("answer") or item.get("content")
                if isinstance(q, str) and isinstance(a, str) and q and a:
                    faq.append({"question": q, "answer": a})
            out["console_setting.faq"] = orjson.dumps(faq[:50]).decode()
    url, slug = raw.get("UptimeKumaUrl", ""), raw.get("UptimeKumaSlug", "")
    if url and slug:
        group = {"id": 1, "categoryName": "old", "url": url, "slug": slug, "description": ""}
        out["console_setting.uptime_kuma_groups"] = orjson.dumps([group]).decode()
    return out


async def migrate_console_setting(request: web.Request) -> web.Response:
    """Move ApiInfo, Announcements, FAQ and UptimeKumaUrl/Slug into console_setting.*."""
    options = request.config_dict[OPTIONS]
    values = console_migration(dict(options.raw()))
    legacy = [k for k in _LEGACY_KEYS if k in options.raw()]
    # one transaction writes the new values and empties the old keys, then the rows go
    await options.set_many({**values, **dict.fromkeys(legacy, "")})
    await options_repo.delete_options(request.config_dict[MAIN_DB], legacy)
    await request.config_dict[CHANGES].publish(Change("option", [*values, *legacy]), here=False)
    return ok(message="console settings migrated")


def local_tables(request: web.Request) -> ratio_sync.Tables:
    options = request.config_dict[OPTIONS]
    return {field: dict(options[key]) for field, key in _TABLE_KEYS.items()}


async def ratio_config(request: web.Request) -> web.Response:
    if not request.config_dict[OPTIONS]["ExposeRatioEnabled"]:
        raise ForbiddenError("exposing the ratios is disabled (ExposeRatioEnabled)")
    tables = local_tables(request)
    return ok({field: tables[field] for field in _EXPOSED})


async def sync_channels(request: web.Request) -> web.Response:
    channels = sorted(request.config_dict[RELAY].channels.values(), key=lambda c: c.id)
    items = [
        {"id": c.id, "name": c.name, "base_url": c.base_url, "status": c.status, "type": c.type}
        for c in channels
        if c.base_url
    ]
    items += [{"id": p["id"], "name": p["name"], "base_url": p["base_url"]} for p in PRESETS]
    return ok(items)


def _upstream_url(base: str, endpoint: str) -> str:
    if endpoint == "openrouter":
        return base + "/v1/models"
    if endpoint.startswith(("http://", "https://")):
        return endpoint
    endpoint = endpoint or DEFAULT_ENDPOINT
    return base + (endpoint if endpoint.startswith("/") else "/" + endpoint)


def _targets(request: web.Request, body: dict[str, Any]) -> list[dict[str, Any]]:
    """[{name, url, kind}] from the body's upstreams and channel ids (presets included)."""
    ids, upstreams = body.get("channel_ids") or [], body.get("upstreams") or []
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise BadRequestError("channel_ids must be an array of integers")
    if not isinstance(upstreams, list) or not all(isinstance(u, dict) for u in upstreams):
        raise BadRequestError("upstreams must be an array of {name, base_url, endpoint}")
    found: list[dict[str, Any]] = []
    for u in upstreams:
        base, endpoint = u.get("base_url"), u.get("endpoint") or ""
        if not isinstance(base, str) or not isinstance(endpoint, str):
            raise BadRequestError("upstream base_url and endpoint must be strings")
        if base.startswith("http"):
            name = str(u.get("name") or base)
            found.append({"name": name, "base": base.rstrip("/"), "endpoint": endpoint})
    channels, presets = request.config_dict[RELAY].channels, {p["id"]: p for p in PRESETS}
    for cid in ids:
        if cid in presets:
            p = presets[cid]
            found.append({"name": p["name"], "base": p["base_url"], "endpoint": p["endpoint"]})
        elif (ch := channels.get(cid)) is not None and ch.base_url.startswith("http"):
            found.append({"name": f"{ch.name}({cid})", "base": ch.base_url, "endpoint": ""})
    for t in found:
        t["url"] = _upstream_url(t["base"], t["endpoint"])
        parts = urlsplit(t["url"])
        is_dev = parts.hostname == "models.dev" and parts.path.rstrip("/") == "/api.json"
        t["kind"] = "openrouter" if t["endpoint"] == "openrouter" else ""
        if is_dev:
            t["kind"] = "models.dev"
    return found


async def _read_limited(resp: aiohttp.ClientResponse) -> bytes:
    chunks, size = [], 0
    async for chunk in resp.content.iter_chunked(65536):
        size += len(chunk)
        if size > MAX_BODY:
            raise ValueError(f"answer larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _tables(kind: str, raw: bytes) -> ratio_sync.Tables:
    body = orjson.loads(raw)
    if kind == "openrouter":
        return ratio_sync.from_openrouter(body)
    if kind == "models.dev":
        return ratio_sync.from_models_dev(body)
    if not isinstance(body, dict):
        raise ValueError("the answer is not a JSON object")
    if not body.get("success"):
        raise ValueError(str(body.get("message") or "the upstream answered success=false"))
    tables = ratio_sync.parse_upstream(body.get("data"))
    if tables is None:
        raise ValueError("unrecognised data format (expected ratio_config or pricing)")
    return tables


async def _fetch(
    http: aiohttp.ClientSession, target: dict[str, Any], seconds: float, gate: asyncio.Semaphore
) -> ratio_sync.Tables | str:
    """The upstream's tables, or an error text."""
    async with gate:
        try:
            async with asyncio.timeout(seconds):
                async with http.get(target["url"], allow_redirects=True) as resp:
                    if resp.status != 200:
                        return f"HTTP {resp.status} {resp.reason or ''}".strip()
                    raw = await _read_limited(resp)
            return _tables(target["kind"], raw)
        except TimeoutError:
            return f"timed out after {seconds:g} s"
        except (aiohttp.ClientError, ValueError) as e:
            return str(e) or type(e).__name__


async def fetch_ratios(request: web.Request) -> web.Response:
    """Fetch other instances' price tables concurrently and list where they differ from ours."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    timeout = body.get("timeout") or DEFAULT_TIMEOUT
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
        raise BadRequestError("timeout must be a positive number of seconds")
    timeout = min(float(timeout), MAX_TIMEOUT)
    targets = _targets(request, body)
    if not targets:
        raise ApiError("no valid upstream: give upstreams with an http(s) base_url or channel_ids")
    gate, http = asyncio.Semaphore(MAX_FETCHES), request.config_dict[HTTP]
    results = await asyncio.gather(*(_fetch(http, t, timeout, gate) for t in targets))
    tests, good = [], {}
    for target, result in zip(targets, results, strict=True):
        if isinstance(result, str):
            tests.append({"name": target["name"], "status": "error", "error": result})
        else:
            tests.append({"name": target["name"], "status": "success"})
            good[target["name"]] = result
    diffs = ratio_sync.differences(local_tables(request), good)
    return ok({"differences": diffs, "test_results": tests})


def routes(r: Routes) -> None:
    r.add("POST", "/option/rest_model_ratio", reset_model_ratio, ROOT)
    r.add("POST", "/option/migrate_console_setting", migrate_console_setting, ROOT)
    r.add("GET", "/ratio_config", ratio_config, PUBLIC, limit="critical")
    r.add("GET", "/ratio_sync/channels", sync_channels, ROOT)
    r.add("POST", "/ratio_sync/fetch", fetch_ratios, ROOT)
