"""The rerank answer: read the upstream's rerank document (Jina / OpenAI-compatible with a
`usage` object, Cohere with `meta.billed_units`, SiliconFlow with `meta.tokens`) and answer in
new-api's one shape, `{"results": [{index, relevance_score, document?}], "usage": {...}}`.

Billing as new-api: a `usage` object's `total_tokens` is billed as prompt tokens; Cohere and
SiliconFlow report input and output tokens; an answer with no usage at all is billed on the
request's estimate (query + documents). Documents the client asked for (`return_documents`) and
the upstream left out are filled in from the request."""

from __future__ import annotations

import time
from typing import Any

import orjson
from aiohttp import web

from clawrouter.relay import upstream
from clawrouter.relay.answers.delivery import Delivery
from clawrouter.relay.job import Job
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.settlement import finalize_usage, settle
from clawrouter.wire.usage import Usage


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def rerank_usage(data: dict[str, Any]) -> Usage | None:
    """The tokens a rerank answer reports, or None when it reports none."""
    usage = data.get("usage")
    if isinstance(usage, dict):
        prompt, completion = _int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens"))
        total = _int(usage.get("total_tokens")) or prompt + completion
        if total:
            return Usage(prompt_tokens=total)
    meta = data.get("meta")
    if isinstance(meta, dict):
        for name in ("billed_units", "tokens"):  # Cohere, SiliconFlow
            part = meta.get(name)
            if isinstance(part, dict) and _int(part.get("input_tokens")):
                return Usage(
                    prompt_tokens=_int(part.get("input_tokens")),
                    completion_tokens=_int(part.get("output_tokens")),
                )
    return None


def _results(job: Job, data: dict[str, Any]) -> list[dict[str, Any]]:
    results = data.get("results")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise UpstreamError(502, "upstream returned no rerank results", code="bad_response_body")
    docs = job.body.get("documents")
    want_docs = job.body.get("return_documents") is True and isinstance(docs, list)
    out = []
    for item in results:
        index = item.get("index")
        row: dict[str, Any] = {"index": index, "relevance_score": item.get("relevance_score")}
        document = item.get("document")
        if document is None and want_docs and isinstance(index, int) and 0 <= index < len(docs):
            document = docs[index]
        if document is not None:
            row = {"document": document, **row}
        out.append(row)
    return out


async def deliver(d: Delivery) -> web.Response:
    state, job = d.state, d.job
    raw = await upstream.read_body(d.resp)
    job.frt_ms = max(1, int((time.perf_counter() - job.started) * 1000))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise UpstreamError(502, "upstream returned an invalid JSON body", code="bad_response_body")
    results = _results(job, data)
    usage = finalize_usage(job, rerank_usage(data), str)
    settle(state, job, usage)
    out = {
        "results": results,
        "usage": {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.prompt_tokens + usage.completion_tokens,
        },
    }
    return web.Response(body=orjson.dumps(out), content_type="application/json")
