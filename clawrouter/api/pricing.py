"""GET /api/pricing (public; a session cookie narrows it to the user's group) and GET
/api/models (any user: default model names per channel type for the console's channel form).

Default models per type: every name in the built-in price tables (ModelRatio ∪ ModelPrice
defaults) is assigned to a vendor by its prefix (_VENDOR_PREFIXES, first match wins), and
each vendor's list goes to the channel types that serve that vendor (_VENDOR_TYPES). Types
without a vendor get an empty list."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from aiohttp import web

from clawrouter.api.model_catalog import ENDPOINTS, endpoint_types
from clawrouter.api.routing import Routes
from clawrouter.auth.roles import COMMON, PUBLIC
from clawrouter.billing import ratio_defaults
from clawrouter.db.repo import models as models_repo
from clawrouter.db.repo import vendors as vendors_repo
from clawrouter.http.render import json_response, ok
from clawrouter.keys import MAIN_DB, OPTIONS, RELAY, SESSION
from clawrouter.relay.providers import channel_types as ct
from clawrouter.wire.status import UserStatus

_VENDOR_PREFIXES = (
    ("openai", ("gpt-", "chatgpt-", "o1", "o3", "o4", "dall-e", "whisper", "tts-",
                "text-embedding-3", "text-embedding-ada", "text-moderation", "omni-moderation",
                "sora", "codex", "babbage", "davinci")),
    ("anthropic", ("claude",)),
    ("google", ("gemini", "gemma", "imagen", "veo", "text-embedding-004")),
    ("deepseek", ("deepseek",)),
    ("xai", ("grok",)),
    ("mistral", ("mistral", "codestral", "pixtral", "ministral", "open-mistral", "magistral")),
    ("moonshot", ("kimi", "moonshot")),
    ("ali", ("qwen",)),
    ("zhipu", ("glm", "chatglm", "cogview")),
    ("cohere", ("command", "embed-", "rerank-")),
    ("midjourney", ("mj_",)),
    ("suno", ("suno_",)),
)  # fmt: skip
_VENDOR_TYPES = {
    "openai": (ct.OPENAI, ct.AZURE, ct.OPENAI_MAX, ct.OHMYGPT, ct.CUSTOM, ct.AILS, ct.AIPROXY,
               ct.API2GPT, ct.AIGC2D, ct.OPENROUTER, ct.NEWAPI, ct.SUB2API),
    "anthropic": (ct.ANTHROPIC, ct.AWS, ct.OPENROUTER),
    "google": (ct.GEMINI, ct.VERTEX_AI),
    "deepseek": (ct.DEEPSEEK, ct.SILICONFLOW),
    "xai": (ct.XAI,),
    "mistral": (ct.MISTRAL,),
    "moonshot": (ct.MOONSHOT,),
    "ali": (ct.ALI,),
    "zhipu": (ct.ZHIPU, ct.ZHIPU_V4),
    "cohere": (ct.COHERE,),
    "midjourney": (ct.MIDJOURNEY, ct.MIDJOURNEY_PLUS),
    "suno": (ct.SUNO,),
}  # fmt: skip


def vendor_of(model: str) -> str | None:
    low = model.lower()
    return next((v for v, prefixes in _VENDOR_PREFIXES if low.startswith(prefixes)), None)


def default_models_by_type() -> dict[str, list[str]]:
    names = sorted(set(ratio_defaults.model_ratio()) | set(ratio_defaults.model_price()))
    out: dict[int, list[str]] = {t: [] for t in ct.CHANNEL_TYPES}
    for name in names:
        for t in _VENDOR_TYPES.get(vendor_of(name) or "", ()):
            out[t].append(name)
    return {str(t): models for t, models in out.items()}


async def channel_type_models(request: web.Request) -> web.Response:
    return ok(default_models_by_type())


def _caller_group(request: web.Request) -> str | None:
    """The logged-in user's group from the session cookie, or None (anonymous)."""
    uid = request[SESSION].get("id")
    user = request.config_dict[RELAY].users.get(int(uid)) if uid else None
    if user is None or user.status != UserStatus.ENABLED:
        return None
    return user.group or "default"


def _row(state: Any, name: str, meta: dict | None, groups: list[str]) -> dict[str, Any]:
    hit = state.ratios.resolve(name)
    per_call = bool(hit and hit[2])
    return {
        "model_name": name,
        "description": meta["description"] if meta else "",
        "icon": meta["icon"] if meta else "",
        "tags": meta["tags"] if meta else "",
        "vendor_id": meta["vendor_id"] if meta else 0,
        "quota_type": 1 if per_call else 0,
        "model_ratio": hit[1] if hit and not per_call else 0,
        "model_price": hit[1] if per_call else 0,
        "owner_by": "",
        "completion_ratio": state.ratios.completion_ratio_for(name),
        "cache_ratio": state.ratios.cache_ratio_for(name),
        "enable_groups": groups,
        "supported_endpoint_types": _endpoint_types(state, name, meta),
    }


def _endpoint_types(state: Any, name: str, meta: dict | None) -> list[str]:
    if meta and meta["endpoints"]:
        try:
            declared = orjson.loads(meta["endpoints"])
        except orjson.JSONDecodeError:
            declared = None
        if isinstance(declared, dict) and declared:
            return [str(k) for k in declared]
        if isinstance(declared, list) and declared:
            return [str(k) for k in declared]
    return endpoint_types(state, name)


async def get_pricing(request: web.Request) -> web.Response:
    state = request.config_dict[RELAY]
    user_group = _caller_group(request)
    usable = state.usable_groups(user_group or "default")
    by_model: dict[str, list[str]] = {}
    for group in sorted(usable):
        for model in state.index.get(group, {}):
            by_model.setdefault(model, []).append(group)
    db = request.config_dict[MAIN_DB]
    metas = {r["model_name"]: r for r in await models_repo.list_live_models(db)}
    data = [
        _row(state, name, metas.get(name), groups)
        for name, groups in sorted(by_model.items())
        if metas.get(name) is None or metas[name]["status"] == 1
    ]
    used_vendors = {d["vendor_id"] for d in data}
    vendors = [
        {"id": v["id"], "name": v["name"], "icon": v["icon"], "description": v["description"]}
        for v in await vendors_repo.list_live_vendors(db)
        if v["id"] in used_vendors
    ]
    group_ratio = {
        g: (state.ratios.group_ratio_for(g, user_group)[0] if user_group else
            state.ratios.group_ratio.get(g, 1.0))
        for g in usable
    }  # fmt: skip
    endpoint_names = {t for d in data for t in d["supported_endpoint_types"]}
    body = {
        "success": True,
        "message": "",
        "data": data,
        "vendors": vendors,
        "group_ratio": group_ratio,
        "usable_group": usable,
        "supported_endpoint": {t: ENDPOINTS[t] for t in sorted(endpoint_names) if t in ENDPOINTS},
        "auto_groups": [g for g in request.config_dict[OPTIONS]["AutoGroups"] if g in usable],
    }
    digest = hashlib.md5(orjson.dumps(body, option=orjson.OPT_SORT_KEYS), usedforsecurity=False)
    body["pricing_version"] = digest.hexdigest()
    return json_response(body)


def routes(r: Routes) -> None:
    r.add("GET", "/pricing", get_pricing, PUBLIC)
    r.add("GET", "/models", channel_type_models, COMMON)
