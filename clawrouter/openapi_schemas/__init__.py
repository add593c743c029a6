"""The schema registry of the OpenAPI document: request bodies, query parameters and answers
of every route, keyed by (METHOD, path) as clawrouter.openapi lists the routes. Handlers never
import it: the schemas are read only when the document is built (GET /api/openapi.json,
`make openapi`).

Modules: common (helpers, envelope, error bodies), shapes (components/schemas of the
management data), api_accounts, api_admin, api_data (the /api routes) and relay (/v1, /v1beta,
/pg, the operational routes and the SPA)."""

from __future__ import annotations

from typing import Any

from clawrouter.openapi_schemas import api_accounts, api_admin, api_data, relay, shapes
from clawrouter.openapi_schemas.common import ERROR_REFS, STR, error_components, ref

Spec = dict[str, Any]


def registry() -> dict[tuple[str, str], Spec]:
    """Every declared operation's schemas (built on each call: no module-level state)."""
    return {
        **api_accounts.specs(),
        **api_admin.specs(),
        **api_data.specs(),
        **relay.specs(),
    }


def components() -> dict[str, Any]:
    return {**error_components(), **shapes.components()}


def protocol_of(path: str) -> str:
    """The error shape of `path`, as clawrouter.http.render.protocol_for renders it."""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/v1/messages"):
        return "anthropic"
    if path.startswith("/v1beta/") or path == "/v1/models/{target}":
        return "gemini"
    if path.startswith("/v1/video/generations"):
        return "task"
    return "openai"


def _content(media: str, schema: Any) -> dict[str, Any]:
    return {media: {"schema": schema}}


def _answers(path: str, spec: Spec) -> dict[str, Any]:
    protocol = spec["protocol"] or protocol_of(path)
    error = ref(ERROR_REFS[protocol])
    out: dict[str, Any] = {}
    answer = spec["answer"]
    if answer is not None:
        if protocol == "api" and spec["failure"]:
            answer = {"anyOf": [answer, ref("ApiFailure")]}
        content = _content(spec["media"], answer)
        if spec["stream"]:
            content["text/event-stream"] = {"schema": STR}
        out["200"] = {"description": "OK", "content": content}
    for status, why in spec["statuses"].items():
        if status[0] in "13":
            out[status] = {"description": why}
        elif path == "/readyz":
            out[status] = {"description": why, "content": _content("application/json", answer)}
        else:
            out[status] = {"description": why, "content": _content("application/json", error)}
    errors = _content("application/json", error)
    if spec["media"] == "text/plain" and protocol == "api":
        errors["text/plain"] = {"schema": STR}  # the payment webhooks answer in text
    out["4XX"] = {"description": "Refused: the error in the caller's protocol", "content": errors}
    if protocol != "api":
        out["5XX"] = {
            "description": "The upstream failed or is unavailable (after retries)",
            "content": _content("application/json", error),
        }
    return out


def apply(op: dict[str, Any], method: str, path: str, spec: Spec) -> None:
    """Put `spec`'s parameters, request body and answers into the operation `op`."""
    if spec["query"]:
        op["parameters"] = [*op.get("parameters", []), *spec["query"]]
    if spec["body"] is not None:
        op["requestBody"] = {
            "required": bool(spec["body"].get("required")),
            "content": _content("application/json", spec["body"]),
        }
    elif spec["form"] is not None:
        op["requestBody"] = {
            "required": True,
            "content": _content("multipart/form-data", spec["form"]),
        }
    op["responses"] = {
        **_answers(path, spec),
        **{k: v for k, v in op.get("responses", {}).items() if k != "200"},
    }
