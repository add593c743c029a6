"""OpenAI-compatible vendors that differ from OpenAI in a URL, a header or a parameter or two:
one small subclass each, its quirks listed in its docstring (new-api's per-vendor adaptors).
Vendors here skip OpenAI's reasoning-model rules unless they say otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from clawrouter.relay.providers.base import ChannelView, RelayRequest
from clawrouter.relay.providers.channel_types import SPECIAL_BASES
from clawrouter.relay.providers.openai import OpenAIAdapter, config_error, is_stream, join_url
from clawrouter.relay.providers.openai_params import clamp_top_p, max_tokens_field
from clawrouter.wire.formats import Endpoint

Json = dict[str, Any]

OPENROUTER_REFERER = "https://clawrouter.invalid"  # app attribution; clients may override
OPENROUTER_TITLE = "ClawRouter"
# Path tails under a coding-plan base (SPECIAL_BASES), which already ends in its version segment.
PLAN_TAILS: Mapping[str, str] = MappingProxyType(
    {
        Endpoint.CHAT: "/chat/completions",
        Endpoint.EMBEDDINGS: "/embeddings",
        Endpoint.RESPONSES: "/responses",
    }
)


def plan_url(ch: ChannelView, endpoint: Endpoint) -> str | None:
    """The coding-plan URL when the channel's base_url names a plan (e.g. "kimi-coding-plan")."""
    plan = SPECIAL_BASES.get(ch.base_url.strip())
    if plan is None:
        return None
    if endpoint not in PLAN_TAILS:
        raise config_error(ch, f"coding-plan channels do not serve {endpoint}")
    return plan.openai + PLAN_TAILS[endpoint]


class CompatAdapter(OpenAIAdapter):
    """Base for vendors: no OpenAI reasoning-model rules; coding-plan base URLs honoured."""

    __slots__ = ()
    reasoning_rules = False

    def url(self, req: RelayRequest, model: str, ch: ChannelView) -> str:
        return plan_url(ch, req.endpoint) or join_url(self.base_url(ch), self.paths[req.endpoint])


class OpenRouterAdapter(CompatAdapter):
    """OpenRouter (20): `usage: {include: true}`; `reasoning_effort` and a `-thinking` model suffix
    become OpenRouter's `reasoning` object; Anthropic-style `thinking` on anthropic/* models too;
    HTTP-Referer/X-Title attribution headers. No stream_options (usage comes via `usage`)."""

    __slots__ = ()
    name = "openrouter"
    endpoints = frozenset(
        {
            Endpoint.CHAT,
            Endpoint.COMPLETIONS,
            Endpoint.EMBEDDINGS,
            Endpoint.RESPONSES,
            Endpoint.MODELS,
        }
    )

    def extra_headers(self, req: RelayRequest, ch: ChannelView) -> dict[str, str]:
        return {
            "HTTP-Referer": OPENROUTER_REFERER,
            "X-Title": OPENROUTER_TITLE,
            "X-OpenRouter-Title": OPENROUTER_TITLE,
        }

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        if req.endpoint not in (Endpoint.CHAT, Endpoint.COMPLETIONS):
            return body
        out = dict(body)
        out.setdefault("usage", {"include": True})
        model = str(out.get("model") or "")
        effort = out.pop("reasoning_effort", None)
        if model.endswith("-thinking"):
            out["model"] = model.removesuffix("-thinking")
            if effort and effort != "none":
                out.setdefault("reasoning", {"enabled": True, "effort": effort})
            out.setdefault("reasoning", {"enabled": True})
        elif effort and "reasoning" not in out:
            enabled = effort != "none"
            out["reasoning"] = (
                {"enabled": True, "effort": effort} if enabled else {"enabled": False}
            )
        thinking = out.get("thinking")
        if model.startswith("anthropic") and isinstance(thinking, dict):
            del out["thinking"]
            if thinking.get("type") == "enabled":
                budget = thinking.get("budget_tokens")
                out["reasoning"] = {"enabled": True, **({"max_tokens": budget} if budget else {})}
        return out


class DeepSeekAdapter(CompatAdapter):
    """DeepSeek (43): completions are FIM on `{base}/beta/completions`; a `deepseek-v4-*-max` /
    `-none` model alias turns thinking on (effort max) / off."""

    __slots__ = ()
    name = "deepseek"
    endpoints = frozenset({Endpoint.CHAT, Endpoint.COMPLETIONS, Endpoint.MODELS})

    def url(self, req: RelayRequest, model: str, ch: ChannelView) -> str:
        root = self.base_url(ch).removesuffix("/beta")
        if req.endpoint == Endpoint.COMPLETIONS:
            return f"{root}/beta/completions"
        return join_url(root, self.paths[req.endpoint])

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        model = str(body.get("model") or "")
        if req.endpoint != Endpoint.CHAT or not model.startswith("deepseek-v4-"):
            return body
        out = dict(body)
        if model.endswith("-max"):
            out.update(model=model[:-4], thinking={"type": "enabled"}, reasoning_effort="max")
        elif model.endswith("-none"):
            out.update(model=model[:-5], thinking={"type": "disabled"})
            out.pop("reasoning_effort", None)
        return out


class MoonshotAdapter(CompatAdapter):
    """Moonshot / Kimi (25): plain OpenAI paths; base_url "kimi-coding-plan" selects the plan."""

    __slots__ = ()
    name = "moonshot"
    endpoints = frozenset(
        {Endpoint.CHAT, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS, Endpoint.MODELS}
    )


class ZhipuV4Adapter(CompatAdapter):
    """Zhipu GLM v4 (26): `/api/paas/v4/...`; top_p ≥ 1 → 0.99; `stop` must be a list; data-URL
    images are sent as bare base64; `developer` → `system`; no stream_options (usage is always
    sent); base_url "glm-coding-plan(-international)" selects the plan."""

    __slots__ = ()
    name = "zhipu_v4"
    endpoints = frozenset({Endpoint.CHAT, Endpoint.EMBEDDINGS})
    paths = MappingProxyType(
        {
            Endpoint.CHAT: "/api/paas/v4/chat/completions",
            Endpoint.EMBEDDINGS: "/api/paas/v4/embeddings",
        }
    )

    def stream_usage(self, ch: ChannelView) -> bool:
        return False

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        if req.endpoint != Endpoint.CHAT:
            return body
        out = clamp_top_p(max_tokens_field(body), None, 0.99)
        if isinstance(out.get("stop"), str):
            out = {**out, "stop": [out["stop"]]}
        messages = out.get("messages")
        if isinstance(messages, list):
            out = {**out, "messages": [_zhipu_message(m) for m in messages]}
        return out


def _zhipu_message(msg: Any) -> Any:
    if not isinstance(msg, dict):
        return msg
    if msg.get("role") == "developer":
        msg = {**msg, "role": "system"}
    content = msg.get("content")
    if isinstance(content, list):
        msg = {**msg, "content": [_bare_base64_image(part) for part in content]}
    return msg


def _bare_base64_image(part: Any) -> Any:
    if not isinstance(part, dict) or part.get("type") != "image_url":
        return part
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url.startswith("data:image/") or "," not in url:
        return part
    bare = url.split(",", 1)[1]
    return {**part, "image_url": {**image, "url": bare} if isinstance(image, dict) else bare}


class MiniMaxAdapter(CompatAdapter):
    """MiniMax (35): chat only, at `{base}/v1/text/chatcompletion_v2`."""

    __slots__ = ()
    name = "minimax"
    endpoints = frozenset({Endpoint.CHAT})
    paths = MappingProxyType({Endpoint.CHAT: "/v1/text/chatcompletion_v2"})


class SiliconFlowAdapter(CompatAdapter):
    """SiliconFlow (40): a FIM chat request (`prefix`/`suffix`, no messages) gets an empty user
    message, which SiliconFlow requires. Rerank at `{base}/v1/rerank` (usage in meta.tokens)."""

    __slots__ = ()
    name = "siliconflow"
    endpoints = frozenset(
        {Endpoint.CHAT, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS, Endpoint.MODELS, Endpoint.RERANK}
    )

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        if (
            req.endpoint == Endpoint.CHAT
            and ("prefix" in body or "suffix" in body)
            and not body.get("messages")
        ):
            return {**body, "messages": [{"role": "user", "content": ""}]}
        return body


class VolcEngineAdapter(CompatAdapter):
    """VolcEngine Ark / Doubao (45): `/api/v3/...`, `bot-*` models on `/api/v3/bots/...`; a
    `deepseek*-thinking` model alias turns thinking on; base_url "doubao-coding-plan" selects
    the plan."""

    __slots__ = ()
    name = "volcengine"
    endpoints = frozenset({Endpoint.CHAT, Endpoint.EMBEDDINGS, Endpoint.RESPONSES})
    paths = MappingProxyType(
        {
            Endpoint.CHAT: "/api/v3/chat/completions",
            Endpoint.EMBEDDINGS: "/api/v3/embeddings",
            Endpoint.RESPONSES: "/api/v3/responses",
        }
    )

    def url(self, req: RelayRequest, model: str, ch: ChannelView) -> str:
        if (
            req.endpoint == Endpoint.CHAT
            and model.startswith("bot")
            and not plan_url(ch, Endpoint.CHAT)
        ):
            return f"{self.base_url(ch)}/api/v3/bots/chat/completions"
        return super().url(req, model, ch)

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        model = str(body.get("model") or "")
        if (
            req.endpoint == Endpoint.CHAT
            and model.startswith("deepseek")
            and model.endswith("-thinking")
        ):
            return {
                **body,
                "model": model.removesuffix("-thinking"),
                "thinking": {"type": "enabled"},
            }
        return body


class BaiduV2Adapter(CompatAdapter):
    """Baidu Qianfan v2 (46): `/v2/...`; key `token|appid` → Bearer token + `appid` header; a
    `-search` model alias enables `web_search`."""

    __slots__ = ()
    name = "baidu_v2"
    endpoints = frozenset({Endpoint.CHAT, Endpoint.EMBEDDINGS})
    paths = MappingProxyType(
        {Endpoint.CHAT: "/v2/chat/completions", Endpoint.EMBEDDINGS: "/v2/embeddings"}
    )

    def auth_headers(self, ch: ChannelView) -> dict[str, str]:
        token, _, appid = ch.key.partition("|")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if appid:
            headers["appid"] = appid
        return headers

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        model = str(body.get("model") or "")
        if req.endpoint != Endpoint.CHAT or not model.endswith("-search"):
            return body
        out = {**body, "model": model.removesuffix("-search")}
        out.setdefault(
            "web_search",
            {"enable": True, "enable_citation": True, "enable_trace": True, "enable_status": False},
        )
        return out


class XaiAdapter(CompatAdapter):
    """xAI Grok (48): a `-search` model alias sets `search_parameters: {mode: on}`; grok-3-mini
    takes `max_completion_tokens` and a `-high`/`-low` alias as `reasoning_effort`."""

    __slots__ = ()
    name = "xai"
    endpoints = frozenset(
        {Endpoint.CHAT, Endpoint.COMPLETIONS, Endpoint.RESPONSES, Endpoint.MODELS, Endpoint.IMAGES}
    )  # grok-2-image

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        model = str(body.get("model") or "")
        if req.endpoint != Endpoint.CHAT:
            return body
        if model.endswith("-search"):
            return {
                **body,
                "model": model.removesuffix("-search"),
                "search_parameters": {"mode": "on"},
            }
        if not model.startswith("grok-3-mini"):
            return body
        out = dict(body)
        max_tokens = out.pop("max_tokens", None)
        if max_tokens and not out.get("max_completion_tokens"):
            out["max_completion_tokens"] = max_tokens
        for effort in ("high", "low"):
            if model.endswith(f"-{effort}"):
                out.update(model=model.removesuffix(f"-{effort}"), reasoning_effort=effort)
        return out


class AliAdapter(CompatAdapter):
    """Alibaba DashScope / Bailian (17) in compatible mode: `/compatible-mode/v1/...`, Responses on
    `/api/v2/apps/protocols/compatible-mode/v1/responses`; `X-DashScope-SSE: enable` on streams,
    `X-DashScope-Plugin` from the channel's `other`; a sent top_p is kept inside (0, 1)."""

    __slots__ = ()
    name = "ali"
    endpoints = frozenset(
        {
            Endpoint.CHAT,
            Endpoint.COMPLETIONS,
            Endpoint.EMBEDDINGS,
            Endpoint.RESPONSES,
            Endpoint.MODELS,
        }
    )
    paths = MappingProxyType(
        {
            Endpoint.CHAT: "/compatible-mode/v1/chat/completions",
            Endpoint.COMPLETIONS: "/compatible-mode/v1/completions",
            Endpoint.EMBEDDINGS: "/compatible-mode/v1/embeddings",
            Endpoint.RESPONSES: "/api/v2/apps/protocols/compatible-mode/v1/responses",
            Endpoint.MODELS: "/compatible-mode/v1/models",
        }
    )

    def extra_headers(self, req: RelayRequest, ch: ChannelView) -> dict[str, str]:
        headers = {"X-DashScope-SSE": "enable"} if is_stream(req) else {}
        if ch.other.strip():
            headers["X-DashScope-Plugin"] = ch.other.strip()
        return headers

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        if req.endpoint in (Endpoint.CHAT, Endpoint.COMPLETIONS):
            return clamp_top_p(body, 0.001, 0.999)
        return body


class CloudflareAdapter(CompatAdapter):
    """Cloudflare Workers AI (39): `{base}/client/v4/accounts/{account}/ai/v1/...`, the account id
    taken from the channel's `other` field."""

    __slots__ = ()
    name = "cloudflare"
    endpoints = frozenset({Endpoint.CHAT, Endpoint.EMBEDDINGS, Endpoint.RESPONSES})

    def url(self, req: RelayRequest, model: str, ch: ChannelView) -> str:
        account = ch.other.strip()
        if not account:
            raise config_error(ch, "Cloudflare needs the account id in the channel's `other` field")
        account = quote(account, safe="")
        return f"{self.base_url(ch)}/client/v4/accounts/{account}/ai{self.paths[req.endpoint]}"


class OllamaAdapter(CompatAdapter):
    """Ollama (4) through its OpenAI-compatible `/v1` API (new-api uses the native /api/chat)."""

    __slots__ = ()
    name = "ollama"
    endpoints = frozenset(
        {
            Endpoint.CHAT,
            Endpoint.COMPLETIONS,
            Endpoint.EMBEDDINGS,
            Endpoint.RESPONSES,
            Endpoint.MODELS,
        }
    )


class SubmodelAdapter(CompatAdapter):
    """Submodel (53): chat only."""

    __slots__ = ()
    name = "submodel"
    endpoints = frozenset({Endpoint.CHAT})
