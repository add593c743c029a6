"""Account-level upstream calls for the management API: list a provider's models with a key
(type-aware) and read a channel's remaining balance. Transport only; no database."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import orjson

from clawrouter.relay.providers import channel_types as ct

TIMEOUT = aiohttp.ClientTimeout(total=30)
ANTHROPIC_VERSION = "2023-06-01"
MAX_PAGES = 20
BALANCE_TYPES = (ct.OPENAI, ct.CUSTOM, ct.DEEPSEEK, ct.OPENROUTER, ct.SILICONFLOW, ct.MOONSHOT)


class UpstreamInfoError(Exception):
    """The upstream could not be asked or answered badly; the message says why."""


def base_url(channel_type: int, configured: str) -> str:
    return (configured or ct.default_base_url(channel_type)).rstrip("/")


async def _get_json(http: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> Any:
    try:
        async with http.get(url, headers=headers, timeout=TIMEOUT, allow_redirects=False) as r:
            raw = await r.read()
            status = r.status
    except TimeoutError:
        raise UpstreamInfoError("upstream timed out") from None
    except aiohttp.ClientError as e:
        raise UpstreamInfoError(f"upstream request failed: {type(e).__name__}") from None
    if status != 200:
        text = raw[:300].decode("utf-8", "replace")
        raise UpstreamInfoError(f"upstream answered HTTP {status}: {text}")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UpstreamInfoError("upstream returned an invalid JSON body") from None


def _ids(items: Any, field: str, strip: str = "") -> list[str]:
    if not isinstance(items, list):
        raise UpstreamInfoError("upstream returned no model list")
    out = []
    for item in items:
        name = item.get(field) if isinstance(item, dict) else None
        if isinstance(name, str) and name:
            out.append(name.removeprefix(strip))
    return out


async def list_models(
    http: aiohttp.ClientSession, channel_type: int, configured_base: str, key: str
) -> list[str]:
    """Model ids the key can use: OpenAI-style /v1/models by default, Anthropic, Gemini
    (followed across pages) and Ollama (/api/tags) natively. The first key line is used."""
    key = (key or "").strip().split("\n")[0].strip()
    base = base_url(channel_type, configured_base)
    if not base:
        raise UpstreamInfoError("base_url is required for this channel type")
    if channel_type == ct.ANTHROPIC:
        headers = {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
        data = await _get_json(http, f"{base}/v1/models?limit=1000", headers)
        return _ids(data.get("data") if isinstance(data, dict) else None, "id")
    if channel_type == ct.GEMINI:
        names: list[str] = []
        token = ""
        for _ in range(MAX_PAGES):
            url = f"{base}/v1beta/models?pageSize=1000" + (f"&pageToken={token}" if token else "")
            data = await _get_json(http, url, {"x-goog-api-key": key})
            page = data.get("models") if isinstance(data, dict) else None
            names += _ids(page or [], "name", "models/")
            token = data.get("nextPageToken") if isinstance(data, dict) else ""
            if not token or not isinstance(token, str):
                break
        return names
    if channel_type == ct.OLLAMA:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        data = await _get_json(http, f"{base}/api/tags", headers)
        return _ids(data.get("models") if isinstance(data, dict) else None, "name")
    data = await _get_json(http, f"{base}/v1/models", {"Authorization": f"Bearer {key}"})
    return _ids(data.get("data") if isinstance(data, dict) else None, "id")


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UpstreamInfoError(f"upstream returned an unexpected balance: {value!r}") from None


def _field(data: Any, *path: str) -> Any:
    for name in path:
        if not isinstance(data, dict) or name not in data:
            raise UpstreamInfoError(f"upstream balance answer has no {'.'.join(path)}")
        data = data[name]
    return data


async def _openai_balance(http: aiohttp.ClientSession, base: str, auth: dict, now: float):
    sub = await _get_json(http, f"{base}/v1/dashboard/billing/subscription", auth)
    limit = _number(_field(sub, "hard_limit_usd"))
    start = time.strftime("%Y-%m-%d", time.gmtime(now - 100 * 86400))
    end = time.strftime("%Y-%m-%d", time.gmtime(now + 86400))
    url = f"{base}/v1/dashboard/billing/usage?start_date={start}&end_date={end}"
    usage = await _get_json(http, url, auth)
    return limit - _number(_field(usage, "total_usage")) / 100


async def _deepseek_balance(http: aiohttp.ClientSession, base: str, auth: dict) -> float:
    infos = _field(await _get_json(http, f"{base}/user/balance", auth), "balance_infos")
    if not isinstance(infos, list) or not infos:
        raise UpstreamInfoError("upstream balance answer has no balance_infos")
    by_currency = {i.get("currency"): i for i in infos if isinstance(i, dict)}
    chosen = by_currency.get("USD") or by_currency.get("CNY") or infos[0]
    return _number(_field(chosen, "total_balance"))


async def fetch_balance(
    http: aiohttp.ClientSession, channel_type: int, configured_base: str, key: str, now: float
) -> float:
    """The remaining balance as the provider reports it (USD, or CNY for CNY-billed vendors)."""
    if channel_type not in BALANCE_TYPES:
        raise UpstreamInfoError("balance query is not supported for this channel type")
    base = base_url(channel_type, configured_base)
    if not base:
        raise UpstreamInfoError("base_url is required for this channel type")
    auth = {"Authorization": f"Bearer {key.strip()}"}
    if channel_type in (ct.OPENAI, ct.CUSTOM):
        return await _openai_balance(http, base, auth, now)
    if channel_type == ct.DEEPSEEK:
        return await _deepseek_balance(http, base, auth)
    if channel_type == ct.OPENROUTER:
        url = base + ("/v1/credits" if base.endswith("/api") else "/api/v1/credits")
        data = _field(await _get_json(http, url, auth), "data")
        return _number(_field(data, "total_credits")) - _number(_field(data, "total_usage"))
    if channel_type == ct.SILICONFLOW:
        data = await _get_json(http, f"{base}/v1/user/info", auth)
        return _number(_field(data, "data", "totalBalance"))
    data = await _get_json(http, f"{base}/v1/users/me/balance", auth)  # Moonshot
    return _number(_field(data, "data", "available_balance"))
