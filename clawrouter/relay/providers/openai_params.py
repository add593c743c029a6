"""Pure rewrites of OpenAI-format request bodies shared by the OpenAI-family adapters: reasoning
model rules (o-series, gpt-5), `stream_options`, and the fields a channel filters by default.
Functions take a body dict and return a new one; the caller's dict is never mutated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from clawrouter.wire.formats import Endpoint

Json = dict[str, Any]

# Model-name effort aliases (o3-mini-high → o3-mini + reasoning_effort=high). "-xhigh" does not
# end in "-high", so the order does not matter.
EFFORT_SUFFIXES = ("-minimal", "-low", "-medium", "-high", "-xhigh", "-none")
_O_SERIES = re.compile(r"^o\d+(?:-|$)")

# ChannelOtherSettings flag -> request field it lets through (RemoveDisabledFields).
FILTERED_FIELDS = (
    ("allow_service_tier", "service_tier"),  # priority tiers bill extra
    ("allow_inference_geo", "inference_geo"),  # data-residency routing
    ("allow_speed", "speed"),  # Claude speed mode
    ("allow_safety_identifier", "safety_identifier"),  # reports end users to the vendor
)


def is_o_series(model: str) -> bool:
    return bool(_O_SERIES.match(model))


def is_reasoning_model(model: str) -> bool:
    """o1/o3/o4/… and gpt-5*: the models with OpenAI's reasoning-parameter rules."""
    return is_o_series(model) or model.startswith("gpt-5")


def split_effort_suffix(model: str) -> tuple[str, str]:
    """("o3-mini-high") -> ("o3-mini", "high"); no alias -> (model, "")."""
    for suffix in EFFORT_SUFFIXES:
        if model.endswith(suffix) and len(model) > len(suffix):
            return model[: -len(suffix)], suffix[1:]
    return model, ""


def text_of(content: Any) -> str:
    """The plain text of a message content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
        )
    return ""


def _index(messages: list[Any], role: str) -> int | None:
    for i, msg in enumerate(messages):
        if isinstance(msg, dict) and msg.get("role") == role:
            return i
    return None


def merge_system_into_user(messages: list[Any]) -> list[Any]:
    """Fold the first system message into the first user message (models without a system role)."""
    si = _index(messages, "system")
    if si is None:
        return messages
    text = text_of(messages[si].get("content"))
    rest = messages[:si] + messages[si + 1 :]
    ui = _index(rest, "user")
    if ui is None:
        rest.insert(si, {"role": "user", "content": text})
        return rest
    user = dict(rest[ui])
    content = user.get("content")
    if isinstance(content, list):
        user["content"] = [{"type": "text", "text": text}, *content]
    elif isinstance(content, str) and content:
        user["content"] = f"{text}\n\n{content}" if text else content
    else:
        user["content"] = text
    rest[ui] = user
    return rest


def reasoning_model_rules(body: Json) -> Json:
    """OpenAI chat rules for o-series and gpt-5 models; other models pass unchanged.

    - a model-name effort alias becomes `reasoning_effort` and is stripped from `model`;
    - `max_tokens` becomes `max_completion_tokens` (dropped when that is already set);
    - `temperature` and `top_p` are dropped; gpt-5 also drops `logprobs`/`top_logprobs`;
    - the first `system` message becomes `developer`, except on o1-mini/o1-preview, which take
      neither role: there it is merged into the first user message.
    """
    model = str(body.get("model") or "")
    if not is_reasoning_model(model):
        return body
    out = dict(body)
    base, effort = split_effort_suffix(model)
    if effort:
        out["model"], out["reasoning_effort"] = base, effort
    max_tokens = out.pop("max_tokens", None)
    if max_tokens and not out.get("max_completion_tokens"):
        out["max_completion_tokens"] = max_tokens
    out.pop("temperature", None)
    out.pop("top_p", None)
    if base.startswith("gpt-5"):
        out.pop("logprobs", None)
        out.pop("top_logprobs", None)
    messages = out.get("messages")
    if isinstance(messages, list):
        if base.startswith(("o1-mini", "o1-preview")):
            out["messages"] = merge_system_into_user(list(messages))
        else:
            si = _index(messages, "system")
            if si is not None:
                messages = list(messages)
                messages[si] = {**messages[si], "role": "developer"}
                out["messages"] = messages
    return out


def apply_stream_options(body: Json, endpoint: Endpoint, stream: bool, supported: bool) -> Json:
    """Chat/completions: force `{include_usage: true}` on streams to types that accept it, else
    drop the field. Responses keeps the client's options on streams. Elsewhere it is dropped."""
    if endpoint in (Endpoint.CHAT, Endpoint.COMPLETIONS) and stream and supported:
        return {**body, "stream_options": {"include_usage": True}}
    if (endpoint == Endpoint.RESPONSES and stream) or "stream_options" not in body:
        return body
    out = dict(body)
    del out["stream_options"]
    return out


def remove_filtered_fields(body: Json, settings: Mapping[str, Any]) -> Json:
    """Drop the request fields a channel filters unless its settings allow them
    (new-api `RemoveDisabledFields`); `store` is dropped only when `disable_store` is set."""
    out = body
    for flag, name in FILTERED_FIELDS:
        if name in out and not settings.get(flag):
            out = {k: v for k, v in out.items() if k != name}
    if settings.get("disable_store") and "store" in out:
        out = {k: v for k, v in out.items() if k != "store"}
    options = out.get("stream_options")
    if (
        isinstance(options, dict)
        and "include_obfuscation" in options
        and not settings.get("allow_include_obfuscation")
    ):
        rest = {k: v for k, v in options.items() if k != "include_obfuscation"}
        out = {**out, "stream_options": rest}
        if not rest:
            del out["stream_options"]
    return out


def max_tokens_field(body: Json) -> Json:
    """For vendors that only know `max_tokens`: fold `max_completion_tokens` into it."""
    if "max_completion_tokens" not in body:
        return body
    out = dict(body)
    value = out.pop("max_completion_tokens")
    if value and not out.get("max_tokens"):
        out["max_tokens"] = value
    return out


def clamp_top_p(body: Json, low: float | None, high: float) -> Json:
    """Keep a client `top_p` inside a vendor's open interval (only when one was sent)."""
    top_p = body.get("top_p")
    if not isinstance(top_p, int | float) or isinstance(top_p, bool):
        return body
    if top_p >= 1:
        return {**body, "top_p": high}
    if low is not None and top_p <= 0:
        return {**body, "top_p": low}
    return body
