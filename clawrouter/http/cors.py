"""CORS for browser use of the relay (/v1, /v1beta) and, only when cors.api_origins is set,
of the management API (/api) with its login cookie. Off (not installed) when neither is set.

Preflights (OPTIONS with Access-Control-Request-Method) are answered here before routing; the
headers of real answers are added in on_response_prepare, so streamed answers get them too."""

from __future__ import annotations

from aiohttp import web

from clawrouter.config import CorsConfig, origin_list
from clawrouter.errors import ForbiddenError
from clawrouter.http.render import error_response, protocol_for

ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
EXPOSE = "X-Request-Id, Retry-After, Content-Type"
RELAY, API = "relay", "api"


def _area(path: str) -> str | None:
    for prefix, area in (("/v1", RELAY), ("/v1beta", RELAY), ("/api", API)):
        if path == prefix or path.startswith(prefix + "/"):
            return area
    return None


def _vary(headers, value: str) -> None:
    have = headers.get("Vary")
    if not have:
        headers["Vary"] = value
    elif value.lower() not in have.lower():
        headers["Vary"] = f"{have}, {value}"


class Cors:
    def __init__(self, cfg: CorsConfig) -> None:
        relay = origin_list(cfg.origins)
        self.relay_any = "*" in relay
        self.origins = {RELAY: frozenset(relay), API: frozenset(origin_list(cfg.api_origins))}
        self.max_age = str(cfg.max_age_seconds)

    @classmethod
    def enabled(cls, cfg: CorsConfig) -> bool:
        return bool(origin_list(cfg.origins) or origin_list(cfg.api_origins))

    def _allows(self, area: str, origin: str) -> bool:
        if area == RELAY and self.relay_any:
            return True
        return origin.rstrip("/") in self.origins[area]

    def _allow_origin(self, headers, area: str, origin: str) -> None:
        if area == RELAY and self.relay_any:
            headers["Access-Control-Allow-Origin"] = "*"  # API keys in headers, no cookies
        else:
            headers["Access-Control-Allow-Origin"] = origin
            _vary(headers, "Origin")
        if area == API:
            headers["Access-Control-Allow-Credentials"] = "true"

    @web.middleware
    async def preflight(self, request: web.Request, handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if (
            request.method != "OPTIONS"
            or not origin
            or "Access-Control-Request-Method" not in request.headers
        ):
            return await handler(request)
        area = _area(request.path)
        if area is None or not self.origins[area]:
            return await handler(request)  # no CORS here: routing answers (405)
        if not self._allows(area, origin):
            setting = "cors.origins" if area == RELAY else "cors.api_origins"
            err = ForbiddenError(
                f"CORS: origin {origin} is not allowed ({setting})", code="cors_origin_denied"
            )
            return error_response(err, protocol_for(request.path, request.headers))
        response = web.Response(status=204)
        self._allow_origin(response.headers, area, origin)
        response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        asked = request.headers.get("Access-Control-Request-Headers")
        if asked:  # SDKs send their own (x-stainless-*, anthropic-*, x-goog-*): echo them
            response.headers["Access-Control-Allow-Headers"] = asked
            _vary(response.headers, "Access-Control-Request-Headers")
        response.headers["Access-Control-Max-Age"] = self.max_age
        return response

    async def on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        origin = request.headers.get("Origin")
        if not origin:
            return
        area = _area(request.path)
        if area is None or not self._allows(area, origin):
            return
        self._allow_origin(response.headers, area, origin)
        response.headers["Access-Control-Expose-Headers"] = EXPOSE
