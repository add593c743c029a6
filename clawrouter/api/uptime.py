"""/api/uptime/status: monitors of the configured Uptime Kuma status pages, fetched concurrently."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web

from clawrouter.keys import HTTP, OPTIONS

log = logging.getLogger(__name__)
_TIMEOUT = aiohttp.ClientTimeout(total=10)


async def _get(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with http.get(url, timeout=_TIMEOUT) as resp:
        resp.raise_for_status()
        data = await resp.json(content_type=None)
        return data if isinstance(data, dict) else {}


async def _category(http: aiohttp.ClientSession, group: dict[str, Any]) -> dict[str, Any]:
    name = str(group.get("categoryName", ""))
    base, slug = str(group.get("url", "")).rstrip("/"), str(group.get("slug", ""))
    monitors: list[dict[str, Any]] = []
    if not base or not slug:
        return {"categoryName": name, "monitors": monitors}
    try:
        page, beats = await asyncio.gather(
            _get(http, f"{base}/api/status-page/{slug}"),
            _get(http, f"{base}/api/status-page/heartbeat/{slug}"),
        )
    except (aiohttp.ClientError, TimeoutError, ValueError) as e:
        log.warning("uptime kuma %s/%s unreachable: %s", base, slug, e)
        return {"categoryName": name, "monitors": monitors}
    uptimes = beats.get("uptimeList") or {}
    heartbeats = beats.get("heartbeatList") or {}
    for grp in page.get("publicGroupList") or []:
        for mon in grp.get("monitorList") or []:
            mid = str(mon.get("id"))
            last = (heartbeats.get(mid) or [{}])[-1]
            monitors.append(
                {
                    "name": mon.get("name", ""),
                    "uptime": uptimes.get(f"{mid}_24", 0),
                    "status": last.get("status", 0),
                    "group": grp.get("name", ""),
                }
            )
    return {"categoryName": name, "monitors": monitors}


async def uptime_status(request: web.Request) -> list[dict[str, Any]]:
    app = request.config_dict
    groups = app[OPTIONS]["console_setting.uptime_kuma_groups"]
    if not app[OPTIONS]["console_setting.uptime_kuma_enabled"] or not isinstance(groups, list):
        return []
    valid = [g for g in groups if isinstance(g, dict)]
    return list(await asyncio.gather(*(_category(app[HTTP], g) for g in valid)))
