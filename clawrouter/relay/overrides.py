"""A channel's request overrides: the system prompt setting, param_override (flat map or the
operations form) and header_override with its placeholders. Pure functions on dicts."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.wire.formats import Endpoint

_NEVER_PASS = frozenset(
    {
        "host", "content-length", "connection", "keep-alive", "transfer-encoding", "upgrade",
        "te", "trailer", "proxy-authorization", "proxy-authenticate", "cookie",
        "accept-encoding", "authorization", "x-api-key", "x-goog-api-key",
        "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol",
        "sec-websocket-extensions", "new-api-user",
    }
)  # fmt: skip
_CLIENT_HEADER = re.compile(r"^\{client_header:([^}]+)\}$")


def system_prompt(ch: ChannelEntry, endpoint: Endpoint, body: dict[str, Any]) -> None:
    """The channel's system prompt: added when the request has none; with
    system_prompt_override it is put in front of the existing one."""
    prompt = ch.setting.get("system_prompt")
    if endpoint != Endpoint.CHAT or not isinstance(prompt, str) or not prompt:
        return
    messages = body.get("messages")
    if not isinstance(messages, list):
        return
    first = messages[0] if messages else None
    if isinstance(first, dict) and first.get("role") in ("system", "developer"):
        if ch.setting.get("system_prompt_override") and isinstance(first.get("content"), str):
            body["messages"] = [
                {**first, "content": prompt + "\n" + first["content"]},
                *messages[1:],
            ]
        return
    body["messages"] = [{"role": "system", "content": prompt}, *messages]


# ---- param_override ----------------------------------------------------------------------------
def _split(path: str) -> list[str]:
    return [p for p in path.split(".") if p]


def _get(doc: Any, path: str) -> tuple[bool, Any]:
    cur = doc
    for part in _split(path):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif (
            isinstance(cur, list)
            and part.lstrip("-").isdigit()
            and -len(cur) <= int(part) < len(cur)
        ):
            cur = cur[int(part)]
        else:
            return False, None
    return True, cur


def _parent(doc: dict[str, Any], path: str, create: bool) -> tuple[Any, str] | None:
    parts = _split(path)
    if not parts:
        return None
    cur: Any = doc
    for part in parts[:-1]:
        if isinstance(cur, dict):
            if part not in cur and create:
                cur[part] = {}
            cur = cur.get(part)
        elif isinstance(cur, list) and part.lstrip("-").isdigit():
            cur = cur[int(part)] if -len(cur) <= int(part) < len(cur) else None
        else:
            return None
    return (cur, parts[-1]) if isinstance(cur, dict | list) else None


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    found = _parent(doc, path, create=True)
    if found and isinstance(found[0], dict):
        found[0][found[1]] = value


def _delete(doc: dict[str, Any], path: str) -> None:
    found = _parent(doc, path, create=False)
    if found and isinstance(found[0], dict):
        found[0].pop(found[1], None)


def _condition(doc: dict[str, Any], cond: Mapping[str, Any]) -> bool:
    present, value = _get(doc, str(cond.get("path", "")))
    if not present:
        result = bool(cond.get("pass_missing_key"))
    else:
        mode, want = cond.get("mode", "full"), cond.get("value")
        text, wtext = str(value), str(want)
        try:
            result = {
                "full": lambda: value == want,
                "prefix": lambda: text.startswith(wtext),
                "suffix": lambda: text.endswith(wtext),
                "contains": lambda: wtext in text,
                "gt": lambda: float(value) > float(want),
                "gte": lambda: float(value) >= float(want),
                "lt": lambda: float(value) < float(want),
                "lte": lambda: float(value) <= float(want),
            }.get(mode, lambda: False)()
        except (TypeError, ValueError):
            result = False
    return not result if cond.get("invert") else result


def _operation(doc: dict[str, Any], op: Mapping[str, Any]) -> None:
    conds = op.get("conditions") or []
    if conds:
        checks = [_condition(doc, c) for c in conds if isinstance(c, dict)]
        if not (any(checks) if str(op.get("logic", "OR")).upper() == "OR" else all(checks)):
            return
    mode, path = op.get("mode", "set"), str(op.get("path", ""))
    present, current = _get(doc, path)
    if mode == "set":
        if not (op.get("keep_origin") and present):
            _set(doc, path, copy.deepcopy(op.get("value")))
    elif mode == "delete":
        _delete(doc, path)
    elif mode in ("move", "copy"):
        ok, value = _get(doc, str(op.get("from", "")))
        if ok:
            _set(doc, str(op.get("to", "")), copy.deepcopy(value))
            if mode == "move":
                _delete(doc, str(op.get("from", "")))
    elif mode == "return_error":
        raise UpstreamError(
            int(op.get("status_code") or 400), str(op.get("value") or "request refused"),
            code=str(op.get("code") or "param_override_error"), local=True,
        )  # fmt: skip
    elif present and isinstance(current, str):
        _string_op(doc, path, mode, current, op)


def _string_op(doc: dict[str, Any], path: str, mode: str, cur: str, op: Mapping[str, Any]):
    value = str(op.get("value", ""))
    new = {
        "prepend": lambda: value + cur,
        "append": lambda: cur + value,
        "trim_prefix": lambda: cur.removeprefix(value),
        "trim_suffix": lambda: cur.removesuffix(value),
        "ensure_prefix": lambda: cur if cur.startswith(value) else value + cur,
        "ensure_suffix": lambda: cur if cur.endswith(value) else cur + value,
        "trim_space": lambda: cur.strip(),
        "to_lower": lambda: cur.lower(),
        "to_upper": lambda: cur.upper(),
        "replace": lambda: cur.replace(str(op.get("from", "")), str(op.get("to", ""))),
        "regex_replace": lambda: re.sub(str(op.get("from", "")), str(op.get("to", "")), cur),
    }.get(mode)
    if new is not None:
        _set(doc, path, new())


def apply_param_override(override: Mapping[str, Any] | None, body: dict[str, Any]) -> dict:
    """Flat keys are set literally at the top level; `operations` run in order."""
    if not override:
        return body
    for key, value in override.items():
        if key != "operations":
            body[key] = copy.deepcopy(value)
    for op in override.get("operations") or []:
        if isinstance(op, dict):
            _operation(body, op)
    return body


# ---- header_override ---------------------------------------------------------------------------
def apply_header_override(
    override: Mapping[str, Any] | None,
    headers: MutableMapping[str, str],
    client: Mapping[str, str],
    key: str,
) -> None:
    """Applied after the adapter's headers, so it wins. `{api_key}` is the channel key,
    `{client_header:Name}` copies a client header; "*" and "re:<regex>" pass client headers
    through (never credentials, cookies or hop-by-hop headers)."""
    if not override:
        return
    for name, raw in override.items():
        if name == "*" or name.startswith(("re:", "regex:")):
            pattern = None if name == "*" else re.compile(name.split(":", 1)[1], re.I)
            for cname, cvalue in client.items():
                low = cname.lower()
                if low not in _NEVER_PASS and (pattern is None or pattern.search(cname)):
                    headers[cname] = cvalue
            continue
        value = str(raw)
        m = _CLIENT_HEADER.match(value)
        if m:
            value = client.get(m.group(1), "")
            if not value:
                continue
        headers[name] = value.replace("{api_key}", key)
