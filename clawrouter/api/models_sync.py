"""Model metadata sync from the upstream catalogue ([relay] models_metadata_url, the
reference's llm-metadata format: /api/newapi/models.json and /vendors.json, each an envelope
{success, data}): preview (missing models, field conflicts) and apply (create missing models and
vendors, overwrite chosen fields), all in one transaction."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from clawrouter.api.validate import str_field
from clawrouter.db.repo import models as models_repo
from clawrouter.db.repo import vendors as vendors_repo
from clawrouter.db.store import Tx
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import read_object
from clawrouter.keys import CLOCK, CONFIG, HTTP, MAIN_DB

SYNC_FIELDS = ("description", "icon", "tags", "vendor", "name_rule", "status")


def _source(request: web.Request, locale: str) -> dict[str, str]:
    base = request.config_dict[CONFIG].relay.models_metadata_url.rstrip("/")
    return {
        "locale": locale,
        "models_url": f"{base}/api/newapi/models.json",
        "vendors_url": f"{base}/api/newapi/vendors.json",
    }


async def _fetch(request: web.Request, url: str, locale: str) -> list[dict[str, Any]]:
    """The `data` list of one catalogue file; ApiError (success:false) when unreachable."""
    seconds = request.config_dict[CONFIG].relay.models_metadata_timeout_seconds
    params = {"locale": locale} if locale else None
    try:
        async with request.config_dict[HTTP].get(
            url, params=params, timeout=aiohttp.ClientTimeout(total=seconds)
        ) as resp:
            if resp.status != 200:
                raise ApiError(f"upstream metadata {url} answered HTTP {resp.status}")
            body = orjson.loads(await resp.read())
    except (aiohttp.ClientError, TimeoutError) as e:
        raise ApiError(f"upstream metadata {url} is unreachable: {e or type(e).__name__}") from None
    except orjson.JSONDecodeError:
        raise ApiError(f"upstream metadata {url} is not JSON") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or not body.get("success"):
        raise ApiError(f"upstream metadata {url} has no {{success: true, data: [...]}} envelope")
    return [d for d in data if isinstance(d, dict)]


def _text(value: Any, limit: int | None = None) -> str:
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    text = value if isinstance(value, str) else ""
    return text[:limit] if limit else text


def _int(value: Any, low: int, high: int, default: int) -> int:
    ok_int = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return value if ok_int else default


def _upstream_model(d: dict[str, Any]) -> dict[str, Any]:
    """An upstream entry normalised to our columns, with `vendor` as a name."""
    endpoints = d.get("endpoints")
    if isinstance(endpoints, dict | list):
        endpoints = orjson.dumps(endpoints).decode()
    return {
        "model_name": _text(d.get("model_name")).strip(),
        "description": _text(d.get("description")),
        "icon": _text(d.get("icon"), 128),
        "tags": _text(d.get("tags"), 255),
        "vendor": _text(d.get("vendor_name") or d.get("vendor")),
        "endpoints": endpoints if isinstance(endpoints, str) else "",
        "name_rule": _int(d.get("name_rule"), 0, 3, 0),
        "status": _int(d.get("status"), 0, 1, 1),
    }


async def _catalogue(request: web.Request, locale: str):
    src = _source(request, locale)
    models_raw, vendors_raw = await asyncio.gather(
        _fetch(request, src["models_url"], locale), _fetch(request, src["vendors_url"], locale)
    )
    models = {m["model_name"]: m for m in map(_upstream_model, models_raw) if m["model_name"]}
    models = {k: v for k, v in models.items() if len(k) <= 128}
    vendors = {_text(v.get("name")): v for v in vendors_raw if _text(v.get("name"))}
    return src, models, vendors


async def _local(db: Any) -> tuple[dict[str, dict], dict[int, str]]:
    rows = await models_repo.list_live_models(db)
    vendors = await vendors_repo.list_live_vendors(db)
    return {r["model_name"]: r for r in rows}, {v["id"]: v["name"] for v in vendors}


def _conflicts(local: dict, up: dict, vendor_names: dict[int, str]) -> list[dict[str, Any]]:
    mine = {**{f: local[f] for f in SYNC_FIELDS if f != "vendor"}}
    mine["vendor"] = vendor_names.get(local["vendor_id"], "")
    return [
        {"field": f, "local": mine[f], "upstream": up[f]} for f in SYNC_FIELDS if mine[f] != up[f]
    ]


async def preview_sync(request: web.Request) -> web.Response:
    locale = request.query.get("locale", "").strip()
    src, upstream, _ = await _catalogue(request, locale)
    local, vendor_names = await _local(request.config_dict[MAIN_DB])
    conflicts = []
    for name, up in sorted(upstream.items()):
        row = local.get(name)
        if row is not None and row["sync_official"] != 0:
            fields = _conflicts(row, up, vendor_names)
            if fields:
                conflicts.append({"model_name": name, "fields": fields})
    missing = sorted(set(upstream) - set(local))
    return ok({"missing": missing, "conflicts": conflicts, "source": src})


def _overwrites(body: dict[str, Any]) -> dict[str, list[str]]:
    raw = body.get("overwrite") or []
    if not isinstance(raw, list):
        raise ApiError("overwrite must be a list of {model_name, fields}")
    out: dict[str, list[str]] = {}
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("model_name"), str):
            raise ApiError("each overwrite entry needs a model_name")
        fields = item.get("fields") or []
        if not isinstance(fields, list) or any(f not in SYNC_FIELDS for f in fields):
            raise ApiError(f"overwrite fields must be among {', '.join(SYNC_FIELDS)}")
        out[item["model_name"]] = list(dict.fromkeys(fields))
    return out


async def _vendor_id(tx: Tx, name: str, info: dict, now: int, created: list[str]) -> int:
    if not name:
        return 0
    row = await vendors_repo.get_vendor_by_name(tx, name)
    if row is not None:
        return int(row["id"])
    created.append(name)
    return await vendors_repo.insert_vendor(
        tx,
        {
            "name": name[:128],
            "description": _text(info.get("description")),
            "icon": _text(info.get("icon"), 128),
            "status": _int(info.get("status"), 0, 1, 1),
            "created_time": now,
            "updated_time": now,
        },
    )


async def sync_upstream(request: web.Request) -> web.Response:
    body = await read_object(request, allow_empty=True)
    locale = (str_field(body, "locale", "") or "").strip()
    overwrite = _overwrites(body)
    src, upstream, vendors = await _catalogue(request, locale)
    now = int(request.config_dict[CLOCK]())
    created, updated, skipped, new_vendors = [], [], [], []
    async with request.config_dict[MAIN_DB].transaction() as tx:
        local, _ = await _local(tx)
        for name, up in sorted(upstream.items()):
            if name in local:
                continue
            vid = await _vendor_id(
                tx, up["vendor"], vendors.get(up["vendor"], {}), now, new_vendors
            )
            fields = {k: v for k, v in up.items() if k != "vendor"}
            fields.update(vendor_id=vid, sync_official=1, created_time=now, updated_time=now)
            await models_repo.insert_model(tx, fields)
            created.append(name)
        for name, wanted in overwrite.items():
            row, up = local.get(name), upstream.get(name)
            if row is None or up is None or row["sync_official"] == 0 or not wanted:
                skipped.append(name)
                continue
            fields = {f: up[f] for f in wanted if f != "vendor"}
            if "vendor" in wanted:
                info = vendors.get(up["vendor"], {})
                fields["vendor_id"] = await _vendor_id(tx, up["vendor"], info, now, new_vendors)
            fields["updated_time"] = now
            await models_repo.update_model(tx, row["id"], fields)
            updated.append(name)
    data = {
        "created_models": len(created),
        "created_vendors": len(new_vendors),
        "updated_models": len(updated),
        "skipped_models": skipped,
        "created_list": created,
        "updated_list": updated,
        "source": src,
    }
    return ok(data)
