"""Imagen on the Gemini API (`{base}/{version}/models/{model}:predict`): an OpenAI images
request as a predict call (prompt → instances, n → sampleCount, size → the nearest aspect
ratio Imagen offers), and its predictions as an OpenAI images answer (b64_json; Imagen returns
image bytes, never URLs). Pure."""

from __future__ import annotations

import re
import time
from typing import Any

import orjson

from clawrouter.relay.providers.base import UpstreamError

ASPECTS = {"1:1": 1.0, "3:4": 0.75, "4:3": 4 / 3, "9:16": 9 / 16, "16:9": 16 / 9}
_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


def is_imagen(model: str) -> bool:
    return model.removeprefix("models/").startswith("imagen")


def aspect_ratio(size: str) -> str | None:
    """The Imagen aspect ratio closest to an OpenAI size ("1792x1024" → "16:9")."""
    found = _SIZE.match(size or "")
    if not found or not int(found.group(2)):
        return None
    ratio = int(found.group(1)) / int(found.group(2))
    return min(ASPECTS, key=lambda name: abs(ASPECTS[name] - ratio))


def predict_body(body: dict[str, Any]) -> dict[str, Any]:
    n = body.get("n")
    params: dict[str, Any] = {"sampleCount": n if isinstance(n, int) and n > 0 else 1}
    aspect = aspect_ratio(str(body.get("size") or ""))
    if aspect:
        params["aspectRatio"] = aspect
    fmt = body.get("output_format")
    if isinstance(fmt, str) and fmt in ("png", "jpeg"):
        params["outputOptions"] = {"mimeType": f"image/{fmt}"}
    return {"instances": [{"prompt": body.get("prompt", "")}], "parameters": params}


def openai_images(raw: bytes, created: int | None = None) -> bytes:
    """`{"predictions": [{"bytesBase64Encoded", "mimeType"}]}` → `{"created", "data": [...]}`."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = None
    preds = data.get("predictions") if isinstance(data, dict) else None
    if not isinstance(preds, list):
        raise UpstreamError(502, "upstream returned an unexpected body", code="bad_response_body")
    images = [
        {"b64_json": p["bytesBase64Encoded"]}
        for p in preds
        if isinstance(p, dict) and isinstance(p.get("bytesBase64Encoded"), str)
    ]
    if not images:
        raise UpstreamError(
            502, "upstream returned no image (the prompt may have been filtered)",
            code="empty_response",
        )  # fmt: skip
    return orjson.dumps({"created": created or int(time.time()), "data": images})
