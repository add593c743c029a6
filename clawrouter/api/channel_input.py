"""Channel bodies for /api/channel: field validation, the add modes (single, batch,
multi_to_single), PUT's partial-update rules (the reference's GORM `Updates` semantics) and the
JSON view, which never carries the key. Pure functions: no I/O, the clock is passed in."""

from __future__ import annotations

from typing import Any

import orjson

from clawrouter.api.validate import comma_list, int_field, json_object_text, str_field
from clawrouter.db.repo.channels import COLUMNS
from clawrouter.errors import ApiError
from clawrouter.relay.providers import channel_types as ct
from clawrouter.relay.responses_route import MODES as RESPONSES_MODES
from clawrouter.wire.status import ChannelStatus

MODES = ("single", "batch", "multi_to_single")
MULTI_KEY_MODES = ("random", "polling")
KEY_MODES = ("replace", "append")
STATUSES = (ChannelStatus.ENABLED, ChannelStatus.MANUALLY_DISABLED, ChannelStatus.AUTO_DISABLED)
MAX_MODEL_NAME = 255
JSON_FIELDS = (
    "model_mapping", "status_code_mapping", "setting", "settings", "param_override",
    "header_override",
)  # fmt: skip
TEXT_FIELDS = (
    "name", "key", "base_url", "other", "openai_organization", "test_model", "tag", "remark",
)  # fmt: skip
# PUT writes these only when non-empty / non-zero (plain struct fields in the reference); every
# other field (a pointer there) is written whenever it is present and not null, even as "" or 0.
PLAIN = ("type", "key", "status", "name", "other", "models", "group", "settings")
_KEY_STATE = ("multi_key_status_list", "multi_key_disabled_reason", "multi_key_disabled_time")
_HIDDEN_INFO = ("multi_key_disabled_reason", "multi_key_disabled_time")
_INFO_DEFAULTS: dict[str, Any] = {
    "is_multi_key": False,
    "multi_key_size": 0,
    "multi_key_status_list": None,
    "multi_key_polling_index": 0,
    "multi_key_mode": "",
}
_CREATE_DEFAULTS: dict[str, Any] = {
    "name": "", "status": 1, "group": "default", "models": "", "base_url": "", "other": "",
    "status_code_mapping": "", "settings": "", "weight": 0, "priority": 0, "auto_ban": 1,
}  # fmt: skip


# ---- fields ------------------------------------------------------------------------------------
def _names(ch: dict[str, Any], key: str) -> str | None:
    text = str_field(ch, key)
    if text is None:
        return None
    names = comma_list(text)
    for name in names:
        if len(name) > MAX_MODEL_NAME:
            raise ApiError(f"{key}: name too long (max {MAX_MODEL_NAME}): {name[:40]}…")
    return ",".join(names)


def read_fields(ch: dict[str, Any]) -> dict[str, Any]:
    """Validate every known channel field present in `ch` (null counts as absent)."""
    out: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        text = str_field(ch, key, max_len=255 if key == "remark" else None)
        if text is not None:
            out[key] = text.strip()
    for key in JSON_FIELDS:
        text = json_object_text(ch, key)
        if text is not None:
            out[key] = text
    if "settings" in out:
        _check_settings(_json_dict(out["settings"]))
    ints = {
        "type": int_field(ch, "type", low=0),
        "weight": int_field(ch, "weight", low=0),
        "priority": int_field(ch, "priority", low=0),
        "auto_ban": int_field(ch, "auto_ban", low=0, high=1),
        "status": int_field(ch, "status"),
    }
    if ints["status"] not in (None, 0, *STATUSES):
        raise ApiError("status must be 1 (enabled), 2 (manually disabled) or 3 (auto disabled)")
    out.update({k: v for k, v in ints.items() if v is not None})
    for key in ("models", "group"):
        names = _names(ch, key)
        if names is not None:
            out[key] = names
    return out


def _json_dict(text: Any) -> dict[str, Any]:
    try:
        value = orjson.loads(text) if isinstance(text, str) and text.strip() else {}
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _check_settings(settings: dict[str, Any]) -> None:
    mode = settings.get("responses_mode")
    if mode not in (None, "", *RESPONSES_MODES):
        raise ApiError(
            "settings.responses_mode must be native, chat or auto (how Responses requests reach"
            " this channel: its /v1/responses, its chat completions, or native with a fallback)"
        )


def check_vertex(row: dict[str, Any]) -> None:
    if row.get("type") == ct.VERTEX_AI and "default" not in _json_dict(row.get("other")):
        raise ApiError(
            'other must be a JSON object naming the regions, with a "default" one, for Vertex AI'
            ' channels, e.g. {"default": "us-central1"}'
        )


def _multi_key_mode(body: dict[str, Any], default: str = "") -> str:
    mode = str_field(body, "multi_key_mode")
    info = body.get("channel_info")
    if not mode and isinstance(info, dict):
        mode = str_field(info, "multi_key_mode")
    if mode and mode not in MULTI_KEY_MODES:
        raise ApiError(f"multi_key_mode must be one of {', '.join(MULTI_KEY_MODES)}")
    return mode or default


# ---- keys --------------------------------------------------------------------------------------
def _lines(text: str) -> list[str]:
    return [k.strip() for k in text.split("\n") if k.strip()]


def _vertex_json(row: dict[str, Any]) -> bool:
    vertex = row.get("type") == ct.VERTEX_AI
    return vertex and _json_dict(row.get("settings")).get("vertex_key_type") != "api_key"


def _json_keys(text: str) -> list[str]:
    try:
        items = orjson.loads(text)
    except orjson.JSONDecodeError:
        items = None
    if not isinstance(items, list):
        raise ApiError('Vertex AI keys must be a JSON array, e.g. [{"type": ...}, ...]')
    keys = [i.strip() if isinstance(i, str) else orjson.dumps(i).decode() for i in items]
    if not any(keys):
        raise ApiError("the Vertex AI key array is empty")
    return [k for k in keys if k]


def key_count(key: str) -> int:
    text = (key or "").strip()
    if text.startswith("["):
        try:
            items = orjson.loads(text)
        except orjson.JSONDecodeError:
            items = None
        if isinstance(items, list):
            return len(items)
    return len(_lines(text))


# ---- add ---------------------------------------------------------------------------------------
def _info(**overrides: Any) -> str:
    return orjson.dumps({**_INFO_DEFAULTS, **overrides}).decode()


def new_channels(body: dict[str, Any], now: int) -> list[dict[str, Any]]:
    """The rows POST /api/channel/ inserts, fully validated before anything is written."""
    ch = body.get("channel")
    if not isinstance(ch, dict):
        raise ApiError("channel is required: a JSON object with the channel's fields")
    mode = str_field(body, "mode") or "single"
    if mode not in MODES:
        raise ApiError(f"mode must be one of {', '.join(MODES)}")
    fields = read_fields(ch)
    if "type" not in fields:
        raise ApiError("type is required (an integer channel type)")
    if not fields.get("key"):
        raise ApiError("key is required")
    row = {**_CREATE_DEFAULTS, **fields, "created_time": now}
    row["status"] = row["status"] or 1
    row["group"] = row["group"] or "default"
    check_vertex(row)
    if mode == "single":
        return [{**row, "channel_info": _info()}]
    keys = _json_keys(row["key"]) if _vertex_json(row) else _lines(row["key"])
    if mode == "multi_to_single":
        info = _info(
            is_multi_key=True,
            multi_key_size=len(keys),
            multi_key_status_list={},
            multi_key_mode=_multi_key_mode(body, "random"),
        )
        return [{**row, "key": "\n".join(keys), "channel_info": info}]
    prefix = body.get("batch_add_set_key_prefix_2_name") is True and len(keys) > 1
    return [
        {**row, "key": k, "name": f"{row['name']} {k[:8]}" if prefix else row["name"],
         "channel_info": _info()}
        for k in keys
    ]  # fmt: skip


# ---- update ------------------------------------------------------------------------------------
def _merged_key(old: str, new: str, key_mode: str) -> str:
    if new.startswith("["):
        if key_mode == "append":
            raise ApiError("key_mode append is not supported for JSON-array keys; send them all")
        return new
    lines = _lines(new)
    if key_mode == "append":
        if old.strip().startswith("["):
            raise ApiError("key_mode append is not supported for JSON-array keys; send them all")
        existing = _lines(old)
        lines = existing + [k for k in dict.fromkeys(lines) if k not in set(existing)]
    return "\n".join(lines)


def _fit_key_state(info: dict[str, Any], size: int) -> None:
    """Resize a multi-key channel's state to `size` keys, dropping out-of-range entries."""
    info["multi_key_size"] = size
    for name in _KEY_STATE:
        state = info.get(name)
        if isinstance(state, dict):
            info[name] = {k: v for k, v in state.items() if str(k).isdigit() and int(k) < size}
    if not 0 <= int(info.get("multi_key_polling_index") or 0) < max(size, 1):
        info["multi_key_polling_index"] = 0


def update_changes(stored: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The columns PUT /api/channel/ writes, from the stored row and the request body."""
    fields = read_fields(body)
    changes = {k: v for k, v in fields.items() if k not in PLAIN or v}
    key_mode = str_field(body, "key_mode") or "replace"
    if key_mode not in KEY_MODES:
        raise ApiError(f"key_mode must be one of {', '.join(KEY_MODES)}")
    info = {**_INFO_DEFAULTS, **_json_dict(stored.get("channel_info"))}
    before = dict(info)
    mode = _multi_key_mode(body)
    if mode:
        info["multi_key_mode"] = mode
    key = changes.pop("key", "")
    if key:
        multi = bool(info["is_multi_key"])
        changes["key"] = _merged_key(stored["key"], key, key_mode) if multi else key
    if info["is_multi_key"]:
        _fit_key_state(info, key_count(changes.get("key", stored["key"])))
    if info != before:  # leave it alone otherwise: the relay writes per-key state there too
        changes["channel_info"] = orjson.dumps(info).decode()
    check_vertex({**stored, **changes})
    return changes


# ---- view --------------------------------------------------------------------------------------
def channel_view(row: dict[str, Any], used_quota: int | None = None) -> dict[str, Any]:
    """A channel as the API shows it: key blanked, channel_info as an object without the
    per-key disabled reasons/times, JSON-text columns as the stored strings."""
    out = {"id": row["id"], **{c: row[c] for c in COLUMNS}}
    out["key"] = ""
    info = {**_INFO_DEFAULTS, **_json_dict(row.get("channel_info"))}
    for name in _HIDDEN_INFO:
        info.pop(name, None)
    out["channel_info"] = info
    if used_quota is not None:
        out["used_quota"] = used_quota
    return out
