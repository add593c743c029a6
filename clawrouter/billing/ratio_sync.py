"""Ratio sync, the pure part: read another instance's price tables (its /api/ratio_config map,
its /api/pricing list, OpenRouter's /v1/models or models.dev's /api.json) into one shape, and
compare them with ours field by field. No I/O: the API module fetches, this module decides."""

from __future__ import annotations

import math
from typing import Any

FIELDS = (
    "model_ratio", "completion_ratio", "cache_ratio", "create_cache_ratio", "image_ratio",
    "audio_ratio", "audio_completion_ratio", "model_price",
)  # fmt: skip
USD_RATIO = 500  # ratio 1 = $0.002 per 1K tokens, so $1 per token-thousand = 500
UNTRUSTED = (37.5, 1.0)  # (model_ratio, completion_ratio) /api/pricing shows for unknown models
Tables = dict[str, dict[str, Any]]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and value >= 0 else None


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


def from_pricing_list(items: list[Any]) -> Tables:
    """/api/pricing rows → tables: per-call models carry model_price, the rest ratios."""
    out: Tables = {f: {} for f in FIELDS}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("model_name"), str):
            continue
        name = item["model_name"]
        fields = ["model_price"] if item.get("quota_type") == 1 else ["model_ratio"]
        if item.get("quota_type") != 1:
            fields.append("completion_ratio")
        fields += ["cache_ratio", "create_cache_ratio", "image_ratio", "audio_ratio"]
        fields.append("audio_completion_ratio")
        for field in fields:
            if item.get(field) is not None:
                out[field][name] = item[field]
    return out


def from_openrouter(body: Any) -> Tables:
    """OpenRouter /v1/models (USD per token as strings) → ratios."""
    out: Tables = {f: {} for f in FIELDS}
    for m in body.get("data", []) if isinstance(body, dict) else []:
        pricing = m.get("pricing") if isinstance(m, dict) else None
        if not isinstance(pricing, dict) or not isinstance(m.get("id"), str):
            continue
        try:
            prompt = float(pricing.get("prompt") or 0)
            completion = float(pricing.get("completion") or 0)
        except (TypeError, ValueError):
            continue
        if prompt < 0 or completion < 0 or (prompt == 0 and completion > 0):
            continue
        if prompt == 0:
            out["model_ratio"][m["id"]] = 0.0
            continue
        out["model_ratio"][m["id"]] = round(prompt * 1000 * USD_RATIO, 6)
        out["completion_ratio"][m["id"]] = round(completion / prompt, 6)
        try:
            cache = float(pricing["input_cache_read"])
        except (KeyError, TypeError, ValueError):
            continue
        if cache >= 0:
            out["cache_ratio"][m["id"]] = round(cache / prompt, 6)
    return out


def from_models_dev(body: Any) -> Tables:
    """models.dev /api.json (USD per 1M tokens per provider) → ratios; a model listed by
    several providers takes the cheapest non-zero input price."""
    best: dict[str, tuple[float, dict[str, Any]]] = {}
    for provider in sorted(body) if isinstance(body, dict) else []:
        models = body[provider].get("models") if isinstance(body[provider], dict) else None
        for name in sorted(models) if isinstance(models, dict) else []:
            cost = models[name].get("cost") if isinstance(models[name], dict) else None
            inp = _number(cost.get("input")) if isinstance(cost, dict) else None
            if inp is None:
                continue
            out = _number(cost.get("output"))
            if inp == 0 and out:
                continue
            old = best.get(name)
            if old is None or (inp > 0 and (old[0] == 0 or inp < old[0])):
                best[name] = (inp, cost)
    tables: Tables = {f: {} for f in FIELDS}
    for name, (inp, cost) in best.items():
        tables["model_ratio"][name] = round(inp / 2, 6)
        if inp > 0:
            for field, key in (("completion_ratio", "output"), ("cache_ratio", "cache_read")):
                value = _number(cost.get(key))
                if value is not None:
                    tables[field][name] = round(value / inp, 6)
    return tables


def parse_upstream(data: Any) -> Tables | None:
    """The `data` of an instance's answer: a ratio_config map or a pricing list."""
    if isinstance(data, dict) and any(f in data for f in FIELDS):
        return {f: dict(data[f]) if isinstance(data.get(f), dict) else {} for f in FIELDS}
    if isinstance(data, list):
        return from_pricing_list(data)
    return None


def effective(tables: Tables) -> Tables:
    """Only what prices a model: non-negative numbers; a per-call price hides the ratios;
    a model with neither a price nor a model ratio is dropped."""
    out: Tables = {f: {} for f in FIELDS}
    for field in FIELDS:
        for name, value in (tables.get(field) or {}).items():
            number = _number(value)
            if number is not None:
                out[field][name] = number
    names = {n for f in FIELDS for n in out[f]}
    for name in names:
        fixed, token = name in out["model_price"], name in out["model_ratio"]
        for field in FIELDS:
            if (not fixed and not token) or (fixed and field != "model_price"):
                out[field].pop(name, None)
    return out


def _confidence(tables: Tables, names: set[str]) -> dict[str, bool]:
    ratios, completions = tables["model_ratio"], tables["completion_ratio"]
    if not ratios or not completions:
        return dict.fromkeys(names, True)
    return {
        n: not (
            n in ratios
            and n in completions
            and _close(ratios[n], UNTRUSTED[0])
            and _close(completions[n], UNTRUSTED[1])
        )
        for n in names
    }


def differences(local: Tables, upstreams: dict[str, Tables]) -> dict[str, dict[str, Any]]:
    """{model: {field: {current, upstreams: {name: value|"same"|None}, confidence}}} for every
    field where some upstream has a value we lack or differ from; upstreams that differ nowhere
    are left out."""
    local = effective(local)
    remote = {name: effective(t) for name, t in upstreams.items()}
    names = {n for t in [local, *remote.values()] for f in FIELDS for n in t[f]}
    trust = {name: _confidence(t, names) for name, t in remote.items()}
    out: dict[str, dict[str, Any]] = {}
    for model in sorted(names):
        for field in FIELDS:
            current = local[field].get(model)
            values: dict[str, Any] = {}
            differs = False
            for name, tables in remote.items():
                value = tables[field].get(model)
                if value is None:
                    value = "same" if current is None else None
                elif current is not None and _close(value, current):
                    value = "same"
                else:
                    differs = True
                values[name] = value
            if differs:
                conf = {name: trust[name][model] for name in remote}
                item = {"current": current, "upstreams": values, "confidence": conf}
                out.setdefault(model, {})[field] = item
    return _drop_agreeing(out)


def _drop_agreeing(out: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    differing = {
        name
        for fields in out.values()
        for item in fields.values()
        for name, value in item["upstreams"].items()
        if value not in (None, "same")
    }
    for model in list(out):
        for field, item in list(out[model].items()):
            for name in [n for n in item["upstreams"] if n not in differing]:
                del item["upstreams"][name]
                item["confidence"].pop(name, None)
            if all(v == "same" for v in item["upstreams"].values()):
                del out[model][field]
        if not out[model]:
            del out[model]
    return out
