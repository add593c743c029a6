"""Small pieces shared by the OpenAI chat ↔ Gemini converters.

Finish-reason tables, tool-call ids, thought-signature carriage, data-URL and MIME helpers,
camelCase/snake_case key lookup for Gemini bodies, and JSON helpers. Pure functions only.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any, Final

import orjson

from clawrouter.relay.convert.base import ConvertContext
from clawrouter.wire.usage import Usage

# Gemini finish reasons that mean the output was withheld or cut by a filter.
_FILTERED: Final = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
    }
)

_TO_GEMINI_FINISH: Final = MappingProxyType(
    {
        "stop": "STOP",
        "length": "MAX_TOKENS",
        "content_filter": "SAFETY",
        "tool_calls": "STOP",
        "function_call": "STOP",
    }
)

# Documented by Google: a placeholder signature that makes Gemini 3 skip the check that every
# function call of the current turn carries the thoughtSignature it was issued with.
THOUGHT_SIGNATURE_SKIP: Final = "skip_thought_signature_validator"

_MIME_BY_EXT: Final = MappingProxyType(
    {
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "gif": "image/gif",
        "webp": "image/webp",
        "heic": "image/heic",
        "heif": "image/heif",
        "pdf": "application/pdf",
        "txt": "text/plain",
        "md": "text/md",
        "html": "text/html",
        "csv": "text/csv",
        "mp3": "audio/mp3",
        "wav": "audio/wav",
        "flac": "audio/flac",
        "ogg": "audio/ogg",
        "aac": "audio/aac",
        "mp4": "video/mp4",
        "mov": "video/mov",
        "webm": "video/webm",
    }
)

_EXT_BY_MIME: Final = MappingProxyType(
    {
        "application/pdf": "pdf",
        "text/plain": "txt",
        "text/md": "md",
        "text/markdown": "md",
        "text/html": "html",
        "text/csv": "csv",
        "image/jpeg": "jpg",
    }
)

_UPPER: Final = re.compile(r"([A-Z])")
_SNAKE_TAIL: Final = re.compile(r"_([a-z0-9])")


def finish_to_chat(reason: str | None, has_tool_calls: bool) -> str:
    """Gemini finishReason → OpenAI finish_reason."""
    if reason == "MAX_TOKENS":
        return "length"
    if reason in _FILTERED:
        return "content_filter"
    return "tool_calls" if has_tool_calls else "stop"


def finish_to_gemini(reason: str | None) -> str:
    """OpenAI finish_reason → Gemini finishReason (function calls finish with STOP)."""
    return _TO_GEMINI_FINISH.get(reason or "stop", "STOP")


def tool_call_id(ctx_id: str, choice: int, index: int) -> str:
    """Stable id for a function call Gemini returned without one: call_<ctx.id>_<index>."""
    if choice:
        return f"call_{ctx_id}_{choice}_{index}"
    return f"call_{ctx_id}_{index}"


def signature_of(tool_call: dict[str, Any]) -> str | None:
    """The Gemini thoughtSignature a chat tool call carries (Google's OpenAI-compat field)."""
    extra = tool_call.get("extra_content")
    google = extra.get("google") if isinstance(extra, dict) else None
    sig = google.get("thought_signature") if isinstance(google, dict) else None
    return sig if isinstance(sig, str) and sig else None


def signature_extra(signature: str) -> dict[str, Any]:
    return {"google": {"thought_signature": signature}}


def parse_data_url(url: str) -> tuple[str, str] | None:
    """`data:<mime>;base64,<data>` → (mime, data); None for other URLs."""
    if not url.startswith("data:"):
        return None
    header, sep, data = url[5:].partition(",")
    params = header.split(";")
    if not sep or "base64" not in params[1:]:
        return None
    return params[0] or "application/octet-stream", data


def data_url(mime: str, data: str) -> str:
    return f"data:{mime};base64,{data}"


def guess_mime(url: str, default: str) -> str:
    """MIME type from a URL's file extension, else `default`."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    name = path.rsplit("/", 1)[-1]
    if "." not in name:
        return default
    return _MIME_BY_EXT.get(name.rsplit(".", 1)[-1].lower(), default)


def file_extension(mime: str) -> str:
    return _EXT_BY_MIME.get(mime) or mime.rsplit("/", 1)[-1] or "bin"


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of a JSON array (anything else is skipped); [] when it is not an array."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def pick(obj: Any, camel: str) -> Any:
    """Read a Gemini field by its camelCase name or the snake_case form the REST API also takes."""
    if not isinstance(obj, dict):
        return None
    if camel in obj:
        return obj[camel]
    return obj.get(_UPPER.sub(r"_\1", camel).lower())


def camel(key: str) -> str:
    """snake_case → camelCase (keys already in camelCase come back unchanged)."""
    return _SNAKE_TAIL.sub(lambda m: m.group(1).upper(), key)


def dumps(obj: Any) -> str:
    """Compact JSON text, UTF-8 kept (the shape OpenAI uses for tool-call arguments)."""
    return orjson.dumps(obj).decode()


def loads_object(text: Any) -> dict[str, Any] | None:
    """Parse a JSON object from text; None when it is not one."""
    if isinstance(text, dict):
        return text
    if not isinstance(text, str | bytes) or not text:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def text_of(content: Any, sep: str = "") -> str:
    """Text of a chat `content` (a string or a list of parts); non-text parts are skipped."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
    return sep.join(t for t in texts if isinstance(t, str))


def usage_or_estimate(usage: Usage | None, ctx: ConvertContext) -> Usage:
    """The upstream usage, or a prompt-only estimate when the upstream reported none."""
    if usage is not None:
        return usage
    return Usage(prompt_tokens=ctx.prompt_tokens_estimate, estimated=True)
