"""JSON Schema ↔ Gemini `Schema`, the OpenAPI subset generateContent accepts.

`to_gemini` keeps only the keywords Gemini knows: `$ref`s are inlined from `$defs`/`definitions`,
`allOf` is merged, `oneOf` becomes `anyOf`, a `null` branch or type becomes `nullable`, `const`
becomes a one-value `enum`, and keys Gemini rejects (`$schema`, `additionalProperties`, `strict`,
`exclusiveMinimum`, unsupported `format`s, …) are dropped. `from_gemini` goes the other way.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Final

from clawrouter.relay.convert.gemini_parts import camel

_KEEP: Final = frozenset(
    {
        "title",
        "description",
        "enum",
        "maxItems",
        "minItems",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "example",
        "propertyOrdering",
        "default",
        "minimum",
        "maximum",
    }
)
_FORMATS: Final = MappingProxyType(
    {
        "STRING": frozenset({"enum", "date-time"}),
        "INTEGER": frozenset({"int32", "int64"}),
        "NUMBER": frozenset({"float", "double"}),
    }
)
_INT_KEYS: Final = frozenset(
    {"maxItems", "minItems", "minProperties", "maxProperties", "minLength", "maxLength"}
)
_MAX_DEPTH: Final = 32

Schema = dict[str, Any]


def to_gemini(schema: Any) -> Schema | None:
    """Clean a JSON Schema for Gemini; None when it is not a schema object."""
    if not isinstance(schema, dict):
        return None
    defs = {**(schema.get("definitions") or {}), **(schema.get("$defs") or {})}
    return _clean(schema, defs, 0)


def to_gemini_parameters(schema: Any) -> Schema | None:
    """Function parameters: an object without properties is omitted (Gemini rejects it)."""
    out = to_gemini(schema)
    if out is None or (out.get("type") == "OBJECT" and not out.get("properties")):
        return None
    return out


def _clean(node: Any, defs: Schema, depth: int) -> Schema:
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return {}
    node, nullable = _flatten(node, defs)
    out: Schema = {}
    kind = _gemini_type(node.get("type"))
    if kind:
        out["type"] = kind
    if nullable or _is_nullable_type(node.get("type")) or node.get("nullable") is True:
        out["nullable"] = True
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _clean(sub, defs, depth + 1) for name, sub in value.items()}
        elif key == "items":
            item = value[0] if isinstance(value, list) and value else value
            out[key] = _clean(item, defs, depth + 1)
        elif key == "anyOf" and isinstance(value, list):
            out[key] = [_clean(sub, defs, depth + 1) for sub in value]
        elif key in _KEEP:
            out[key] = value
    if "format" in node and node["format"] in _FORMATS.get(out.get("type", ""), ()):
        out["format"] = node["format"]
    _fix_enum(out)
    _fix_required(out, node.get("required"))
    return out


def _flatten(node: Schema, defs: Schema) -> tuple[Schema, bool]:
    """Inline $ref, merge allOf, turn oneOf/const into anyOf/enum, lift a null anyOf branch."""
    node = _resolve(node, defs)
    if isinstance(node.get("allOf"), list):
        merged: Schema = {}
        for sub in node["allOf"]:
            if isinstance(sub, dict):
                merged.update(_resolve(sub, defs))
        node = {**merged, **{k: v for k, v in node.items() if k != "allOf"}}
    if "oneOf" in node and "anyOf" not in node:
        node = {**{k: v for k, v in node.items() if k != "oneOf"}, "anyOf": node["oneOf"]}
    if "const" in node and "enum" not in node:
        node = {**node, "enum": [node["const"]]}
    branches = node.get("anyOf")
    if not isinstance(branches, list):
        return node, False
    kept = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
    nullable = len(kept) < len(branches)
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    if len(kept) == 1 and isinstance(kept[0], dict):
        return {**_resolve(kept[0], defs), **rest}, nullable
    return {**rest, "anyOf": kept}, nullable


def _resolve(node: Schema, defs: Schema) -> Schema:
    for _ in range(_MAX_DEPTH):
        ref = node.get("$ref")
        if not isinstance(ref, str):
            break
        target = defs.get(ref.rsplit("/", 1)[-1])
        rest = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **rest} if isinstance(target, dict) else rest
    return node


def _gemini_type(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v != "null"), None)
    return value.upper() if isinstance(value, str) and value != "null" else None


def _is_nullable_type(value: Any) -> bool:
    return isinstance(value, list) and "null" in value


def _fix_enum(out: Schema) -> None:
    enum = out.get("enum")
    if enum is None:
        return
    if not isinstance(enum, list) or not all(isinstance(v, str) for v in enum):
        del out["enum"]
        return
    out.setdefault("type", "STRING")


def _fix_required(out: Schema, required: Any) -> None:
    props = out.get("properties")
    if not isinstance(required, list) or not isinstance(props, dict):
        return
    names = [name for name in required if name in props]
    if names:
        out["required"] = names


def from_gemini(node: Any) -> Schema:
    """Gemini `Schema` (camelCase or snake_case keys, upper-case types) → JSON Schema."""
    if not isinstance(node, dict):
        return {}
    out: Schema = {}
    nullable = False
    for raw_key, value in node.items():
        key = camel(raw_key)
        if key == "type" and isinstance(value, str) and value.upper() != "TYPE_UNSPECIFIED":
            out["type"] = value.lower()
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: from_gemini(sub) for name, sub in value.items()}
        elif key == "items":
            out[key] = from_gemini(value)
        elif key == "anyOf" and isinstance(value, list):
            out[key] = [from_gemini(sub) for sub in value]
        elif key == "nullable":
            nullable = value is True
        elif key in _INT_KEYS and isinstance(value, str) and value.isdigit():
            out[key] = int(value)
        elif key not in ("propertyOrdering", "example"):
            out[key] = value
    if nullable and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out
