"""OpenAPI 3.1 document of the whole HTTP surface, generated from the app's router (root app
plus the /api sub-app): every path and method with a summary, a tag and the role it needs
(`x-clawrouter-role`, from the route's declared level) and the named rate limit it declares
(`x-clawrouter-rate-limit`, with its 429 answer), and from the schema registry
(clawrouter/openapi_schemas) its query parameters, request body and answers, errors included.
`python -m clawrouter.openapi` prints it; `make openapi` writes docs/openapi.json, which a
meta-test keeps in step with the routes."""

from __future__ import annotations

import re
import sys
from typing import Any

import orjson
from aiohttp import web

from clawrouter import __version__
from clawrouter.api.routing import is_alias, level_of, limit_of
from clawrouter.auth.roles import ADMIN, COMMON, PUBLIC, ROOT
from clawrouter.openapi_schemas import Spec, apply, components, registry

ANY_METHODS = ("get", "post", "put", "patch", "delete")
ROLE_NAMES = {PUBLIC: "public", COMMON: "user", ADMIN: "admin", ROOT: "root"}
_SECURITY = {
    "public": [],
    "api_key": [{"apiKey": []}],
    "user": [{"session": []}, {"accessToken": []}],
}
_PARAM = re.compile(r"{(\w+)}")

# Hand-kept summaries and tags: (METHOD, path) -> (tag, summary). Routes not listed fall back
# to the handler's docstring (first line) or name, tagged by their first path segment.
SUMMARIES: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/v1/chat/completions"): ("relay", "Chat completion (OpenAI), JSON or SSE"),
    ("POST", "/v1/completions"): ("relay", "Legacy text completion (OpenAI)"),
    ("POST", "/v1/responses"): ("relay", "Responses API (OpenAI)"),
    ("POST", "/v1/messages"): ("relay", "Messages API (Anthropic)"),
    ("POST", "/v1/embeddings"): ("relay", "Embeddings"),
    ("POST", "/v1/moderations"): ("relay", "Moderation"),
    ("POST", "/v1/rerank"): ("relay", "Rerank (Jina, Cohere, SiliconFlow, compatible), one shape"),
    ("POST", "/v1/videos"): ("relay", "Submit a video task (OpenAI Videos API)"),
    ("GET", "/v1/videos/{task_id}"): ("relay", "A video task (OpenAI video object)"),
    ("GET", "/v1/videos/{task_id}/content"): ("relay", "A finished video, streamed"),
    ("POST", "/v1/videos/{task_id}/remix"): ("relay", "Remix a finished video (a new task)"),
    ("POST", "/v1/video/generations"): ("relay", "Submit a video task (new-api unified API)"),
    ("GET", "/v1/video/generations/{task_id}"): ("relay", "A video task (new-api TaskDto)"),
    ("POST", "/v1/images/generations"): ("relay", "Image generation (OpenAI), JSON or SSE"),
    ("POST", "/v1/images/edits"): ("relay", "Image edit (OpenAI), multipart"),
    ("POST", "/v1/edits"): ("relay", "Image edit (OpenAI), multipart; legacy path"),
    ("POST", "/v1/audio/speech"): ("relay", "Text to speech (OpenAI), audio bytes streamed"),
    ("POST", "/v1/audio/transcriptions"): ("relay", "Speech to text (OpenAI), multipart"),
    ("POST", "/v1/audio/translations"): ("relay", "Speech to English text (OpenAI), multipart"),
    ("GET", "/v1/models"): ("relay", "Model list (OpenAI, Anthropic or Gemini shape)"),
    ("GET", "/v1beta/models"): ("relay", "Model list (Gemini shape)"),
    ("GET", "/v1beta/models/{model}"): ("relay", "One model (Gemini shape)"),
    ("GET", "/v1/models/{model}"): ("relay", "One model (OpenAI, Anthropic or Gemini shape)"),
    ("POST", "/v1beta/models/{target}"): ("relay", "Gemini generateContent / stream"),
    ("GET", "/api/models/"): ("models", "List model metadata"),
    ("POST", "/api/models/"): ("models", "Create model metadata"),
    ("PUT", "/api/models/"): ("models", "Update model metadata (?status_only=true)"),
    ("GET", "/api/models/search"): ("models", "Search model metadata"),
    ("GET", "/api/models/missing"): ("models", "Enabled models without metadata"),
    ("GET", "/api/models/sync_upstream/preview"): ("models", "Preview upstream metadata sync"),
    ("POST", "/api/models/sync_upstream"): ("models", "Sync model metadata from upstream"),
    ("GET", "/api/models/{id}"): ("models", "Get model metadata"),
    ("DELETE", "/api/models/{id}"): ("models", "Delete model metadata"),
    ("GET", "/api/vendors/"): ("vendors", "List vendors"),
    ("POST", "/api/vendors/"): ("vendors", "Create a vendor"),
    ("PUT", "/api/vendors/"): ("vendors", "Update a vendor"),
    ("GET", "/api/vendors/search"): ("vendors", "Search vendors"),
    ("GET", "/api/vendors/{id}"): ("vendors", "Get a vendor"),
    ("DELETE", "/api/vendors/{id}"): ("vendors", "Delete a vendor"),
    ("GET", "/api/pricing"): ("public", "Model prices visible to the caller"),
    ("GET", "/api/models"): ("public", "Default models per channel type"),
    ("GET", "/api/openapi.json"): ("public", "This OpenAPI document"),
    ("GET", "/api/status"): ("public", "System status"),
    ("GET", "/{tail}"): ("spa", "Web console (single-page app)"),
    ("GET", "/healthz"): ("operations", "Alive (200 while the process serves)"),
    ("GET", "/readyz"): ("operations", "Ready for traffic (503 naming the failing check)"),
    ("GET", "/metrics"): ("operations", "Prometheus metrics (Bearer metrics.token when set)"),
}


def role_of(path: str, handler: Any) -> str:
    level = level_of(handler)
    if level is not None:
        return ROLE_NAMES.get(level, str(level))
    if path.startswith(("/v1/", "/v1beta/")):
        return "api_key"
    return "public"


def _describe(method: str, path: str, handler: Any) -> tuple[str, str]:
    if (method, path) in SUMMARIES:
        return SUMMARIES[(method, path)]
    parts = [p for p in path.split("/") if p]
    tag = (
        "relay"
        if parts and parts[0] in ("v1", "v1beta")
        else (parts[1] if len(parts) > 1 else "spa")
    )
    doc = (getattr(handler, "__doc__", None) or "").strip().splitlines()
    name = getattr(handler, "__name__", "handler").replace("_", " ")
    return tag, (doc[0].rstrip(".") if doc else name.capitalize())


def routes_of(app: web.Application) -> list[tuple[str, str, Any]]:
    """(method, path, handler) for every route of `app` and its sub-apps; `*` expands. The
    trailing-slash twins of /api routes are left out: each path is listed once, as declared."""
    out = []
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None or is_alias(route):
            continue
        path = route.resource.canonical
        methods = ANY_METHODS if route.method == "*" else (route.method.lower(),)
        out += [(m, path, route.handler) for m in methods]
    return out


def _operation(method: str, path: str, handler: Any, spec: Spec | None) -> dict[str, Any]:
    tag, summary = _describe(method.upper(), path, handler)
    role = role_of(path, handler)
    op: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "operationId": re.sub(r"[^A-Za-z0-9]+", "_", f"{method}{path}").strip("_"),
        "x-clawrouter-role": role,
        "security": _SECURITY.get(role, _SECURITY["user"]),
        "responses": {"200": {"description": "OK"}},
    }
    limit = limit_of(handler)
    if limit is not None:
        op["x-clawrouter-rate-limit"] = limit
        op["responses"]["429"] = {
            "description": f"Over the {limit} rate limit (security.{limit}_rate_limit); "
            "Retry-After says when to retry"
        }
    params = _PARAM.findall(path)
    if params:
        op["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in params
        ]
    if spec is not None:
        apply(op, method, path, spec)
    return op


def missing_schemas(app: web.Application) -> list[tuple[str, str]]:
    """The declared routes the schema registry has no entry for (a meta-test keeps it empty)."""
    known = registry()
    return sorted({(m.upper(), p) for m, p, _ in routes_of(app)} - set(known))


def build_document(app: web.Application) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    specs = registry()
    for method, path, handler in routes_of(app):
        spec = specs.get((method.upper(), path))
        paths.setdefault(path, {}).setdefault(method, _operation(method, path, handler, spec))
    return {
        "openapi": "3.1.0",
        "info": {"title": "ClawRouter", "version": __version__},
        "paths": {p: dict(sorted(ops.items())) for p, ops in sorted(paths.items())},
        "components": {
            "schemas": components(),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "accessToken": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "http", "scheme": "bearer", "description": "sk-... key"},
            },
        },
    }


def render(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def main() -> None:
    from clawrouter.app import create_app  # late: app imports the API modules that import us
    from clawrouter.config import Config

    sys.stdout.buffer.write(render(build_document(create_app(Config()))))


if __name__ == "__main__":
    main()
