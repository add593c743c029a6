"""/api/option: list (secrets hidden) and update one option, root only."""

from __future__ import annotations

import orjson
from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.auth.roles import ROOT
from clawrouter.billing.ratio_defaults import completion_ratio_rule
from clawrouter.changes.change import Change
from clawrouter.errors import ApiError, BadRequestError
from clawrouter.http.render import ok
from clawrouter.http.request import read_json
from clawrouter.keys import CHANGES, OPTIONS
from clawrouter.options.registry import OptionError, is_secret


def completion_ratio_meta(model_ratio: dict, completion_ratio: dict) -> dict[str, dict]:
    """{model: {ratio, locked}}: the completion ratio in force and whether a built-in rule
    locks it (the console greys those out)."""
    meta = {}
    for model in sorted(set(model_ratio) | set(completion_ratio)):
        rule = completion_ratio_rule(model)
        if rule is not None and rule[1]:
            meta[model] = {"ratio": rule[0], "locked": True}
        else:
            fallback = rule[0] if rule is not None else 1
            meta[model] = {"ratio": completion_ratio.get(model, fallback), "locked": False}
    return meta


async def list_options(request: web.Request) -> web.Response:
    options = request.config_dict[OPTIONS]
    items = [{"key": k, "value": v} for k, v in sorted(options.raw().items()) if not is_secret(k)]
    meta = completion_ratio_meta(options["ModelRatio"], options["CompletionRatio"])
    items.append({"key": "CompletionRatioMeta", "value": orjson.dumps(meta).decode()})
    return ok(items)


async def update_option(request: web.Request) -> web.Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object with key and value")
    if "key" not in body or "value" not in body:
        raise ApiError("both key and value are required")
    try:
        await request.config_dict[OPTIONS].set(body["key"], body["value"])
    except OptionError as e:
        raise ApiError(f"{body['key']}: {e}") from None
    # Options.set applied it in this process (and told its listeners); the others re-read it
    await request.config_dict[CHANGES].publish(Change("option", body["key"]), here=False)
    return ok()


def routes(r: Routes) -> None:
    r.add("GET", "/option/", list_options, ROOT)
    r.add("PUT", "/option/", update_option, ROOT)
