"""Conversation bodies between OpenAI chat `messages` and Gemini `contents`.

`chat_to_contents` turns chat messages into systemInstruction parts and Gemini contents (same-role
turns merged, tool results named after the call they answer, the first function call of a model
turn signed). `contents_to_messages` goes the other way, giving calls without an id a stable one
and pairing each functionResponse with its call.
"""

from __future__ import annotations

from typing import Any

from clawrouter.relay.convert.gemini_parts import (
    THOUGHT_SIGNATURE_SKIP,
    as_dict,
    data_url,
    dicts,
    dumps,
    file_extension,
    guess_mime,
    loads_object,
    parse_data_url,
    pick,
    signature_of,
    text_of,
    tool_call_id,
)

Json = dict[str, Any]


# --- chat messages → Gemini contents -------------------------------------------------------


def chat_to_contents(messages: Any) -> tuple[list[Json], list[Json]]:
    """Split chat messages into systemInstruction parts and role-merged Gemini contents."""
    system: list[Json] = []
    contents: list[Json] = []
    names: dict[str, str] = {}  # tool_call_id → function name, for functionResponse
    for msg in dicts(messages):
        role = msg.get("role")
        if role in ("system", "developer"):
            system.extend(_text_parts(msg.get("content")))
        elif role == "assistant":
            _append(contents, "model", _assistant_parts(msg, names))
        elif role in ("tool", "function"):
            _append(contents, "user", [_function_response(msg, names)])
        else:
            _append(contents, "user", _user_parts(msg.get("content")))
    return system, contents


def _append(contents: list[Json], role: str, parts: list[Json]) -> None:
    if not parts:
        return
    if contents and contents[-1]["role"] == role:
        contents[-1]["parts"].extend(parts)
    else:
        contents.append({"role": role, "parts": parts})


def _text_parts(content: Any) -> list[Json]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    return [{"text": t} for t in _texts(content)]


def _texts(content: Any) -> list[str]:
    if not isinstance(content, list):
        return []
    found = (p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return [t for t in found if isinstance(t, str) and t]


def _user_parts(content: Any) -> list[Json]:
    if not isinstance(content, list):
        return _text_parts(content)
    parts: list[Json] = []
    for item in content:
        part = _user_part(item) if isinstance(item, dict) else None
        if part:
            parts.append(part)
    return parts


def _user_part(item: Json) -> Json | None:
    kind = item.get("type")
    if kind == "text":
        text = item.get("text")
        return {"text": text} if isinstance(text, str) and text else None
    if kind == "image_url":
        image = item.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        return _media_part(url, "image/jpeg") if isinstance(url, str) else None
    if kind == "input_audio":
        audio = as_dict(item.get("input_audio"))
        fmt = audio.get("format") or "wav"
        return {"inlineData": {"mimeType": f"audio/{fmt}", "data": audio.get("data", "")}}
    if kind == "file":
        file = as_dict(item.get("file"))
        data = file.get("file_data")
        mime = guess_mime(file.get("filename") or "", "application/pdf")
        return _media_part(data, mime) if isinstance(data, str) and data else None
    return None


def _media_part(url: str, default_mime: str) -> Json:
    """data: URL → inlineData; http(s) URL → fileData; bare base64 → inlineData."""
    parsed = parse_data_url(url)
    if parsed:
        return {"inlineData": {"mimeType": parsed[0], "data": parsed[1]}}
    if url.startswith(("http://", "https://", "gs://")):
        return {"fileData": {"mimeType": guess_mime(url, default_mime), "fileUri": url}}
    return {"inlineData": {"mimeType": default_mime, "data": url}}


def _assistant_parts(msg: Json, names: dict[str, str]) -> list[Json]:
    parts = _text_parts(msg.get("content"))
    calls = dicts(msg.get("tool_calls"))
    legacy = msg.get("function_call")
    if isinstance(legacy, dict):
        calls.append({"id": "", "function": legacy})
    signed = False
    for call in calls:
        fn = as_dict(call.get("function"))
        name = str(fn.get("name") or "")
        names[call.get("id") or ""] = name
        part: Json = {
            "functionCall": {"name": name, "args": loads_object(fn.get("arguments")) or {}}
        }
        signature = signature_of(call)
        if signature:
            part["thoughtSignature"] = signature
        elif not signed:
            # Gemini 3 needs a signature on the first call of a step; this one is documented.
            part["thoughtSignature"] = THOUGHT_SIGNATURE_SKIP
        signed = True
        parts.append(part)
    return parts


def _function_response(msg: Json, names: dict[str, str]) -> Json:
    call_id = str(msg.get("tool_call_id") or "")
    name = names.get(call_id) or msg.get("name") or call_id
    text = text_of(msg.get("content"), "\n")
    response = loads_object(text) or {"content": text}
    return {"functionResponse": {"name": name, "response": response}}


# --- Gemini contents → chat messages -------------------------------------------------------


def contents_to_messages(system: Any, contents: Any, ctx_id: str) -> list[Json]:
    """systemInstruction + contents → chat messages (system first)."""
    messages = _system(system)
    messages.extend(_messages(dicts(contents), _CallIds(ctx_id)))
    return messages


class _CallIds:
    """Ids for function calls in the history, and which response answers which call."""

    def __init__(self, ctx_id: str) -> None:
        self.ctx_id = ctx_id
        self.count = 0
        self.pending: dict[str, list[str]] = {}  # function name → ids still unanswered

    def issue(self, call: Json) -> str:
        call_id = str(call.get("id") or self._new())
        self.pending.setdefault(str(call.get("name", "")), []).append(call_id)
        return call_id

    def answer(self, response: Json) -> str:
        queue = self.pending.get(str(response.get("name", ""))) or []
        given = response.get("id")
        if given:
            if given in queue:
                queue.remove(given)
            return str(given)
        return queue.pop(0) if queue else self._new()

    def _new(self) -> str:
        self.count += 1
        return tool_call_id(self.ctx_id, 0, self.count - 1)


def _system(instruction: Any) -> list[Json]:
    if isinstance(instruction, str):
        text = instruction
    else:
        parts = dicts(pick(instruction, "parts"))
        text = "\n".join(p["text"] for p in parts if isinstance(p.get("text"), str))
    return [{"role": "system", "content": text}] if text else []


def _messages(contents: list[Json], ids: _CallIds) -> list[Json]:
    out: list[Json] = []
    for content in contents:
        parts = dicts(content.get("parts"))
        if content.get("role") == "model":
            message = _assistant(parts, ids)
            if message:
                out.append(message)
        else:
            out.extend(_user(parts, ids))
    return out


def _assistant(parts: list[Json], ids: _CallIds) -> Json | None:
    texts: list[str] = []
    calls: list[Json] = []
    for part in parts:
        call = pick(part, "functionCall")
        if isinstance(call, dict):
            arguments = dumps(call.get("args") or {})
            fn = {"name": call.get("name", ""), "arguments": arguments}
            calls.append({"id": ids.issue(call), "type": "function", "function": fn})
        elif isinstance(part.get("text"), str) and not part.get("thought"):
            texts.append(part["text"])
    text = "".join(texts)
    if not text and not calls:
        return None
    message: Json = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    return message


def _user(parts: list[Json], ids: _CallIds) -> list[Json]:
    out: list[Json] = []
    items: list[Json] = []
    for part in parts:
        result = pick(part, "functionResponse")
        if isinstance(result, dict):
            content = _response_text(result.get("response"))
            out.append({"role": "tool", "tool_call_id": ids.answer(result), "content": content})
        else:
            item = _content_item(part)
            if item:
                items.append(item)
    if items:
        out.append({"role": "user", "content": _user_content(items)})
    return out


def _user_content(items: list[Json]) -> str | list[Json]:
    if all(item["type"] == "text" for item in items):
        return "\n".join(item["text"] for item in items)
    return items


def _response_text(response: Any) -> str:
    """Undo the {"content": text} wrapping; any other response object is sent as JSON."""
    if isinstance(response, dict) and list(response) == ["content"]:
        inner = response["content"]
        if isinstance(inner, str):
            return inner
    return dumps(response if response is not None else {})


def _content_item(part: Json) -> Json | None:
    if part.get("thought"):
        return None
    if isinstance(part.get("text"), str):
        return {"type": "text", "text": part["text"]} if part["text"] else None
    blob = pick(part, "inlineData")
    if isinstance(blob, dict):
        return _blob_item(str(pick(blob, "mimeType") or ""), str(blob.get("data", "")), blob)
    ref = pick(part, "fileData")
    if isinstance(ref, dict):
        uri = str(pick(ref, "fileUri") or "")
        mime = str(pick(ref, "mimeType") or "")
        if not mime or mime.startswith("image/"):
            return {"type": "image_url", "image_url": {"url": uri}}
        return {"type": "text", "text": uri}  # chat has no URL form for other files
    return None


def _blob_item(mime: str, data: str, blob: Json) -> Json:
    if mime.startswith("image/"):
        return {"type": "image_url", "image_url": {"url": data_url(mime, data)}}
    if mime in ("audio/wav", "audio/x-wav", "audio/mp3", "audio/mpeg"):
        fmt = "wav" if "wav" in mime else "mp3"
        return {"type": "input_audio", "input_audio": {"data": data, "format": fmt}}
    name = pick(blob, "displayName") or f"file.{file_extension(mime)}"
    return {"type": "file", "file": {"filename": name, "file_data": data_url(mime, data)}}
