"""/v1/rerank through Jina (38), Cohere (34), SiliconFlow (40) and OpenAI-compatible (1)
channels, one answer shape to the client, billed on what each upstream reports; and
/v1/moderations through the official openai SDK, billed on the estimate (OpenAI reports no
usage for moderations)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from fractions import Fraction

import orjson
import pytest

from clawrouter.keys import OPTIONS
from tests.support.gateway import RelayEnv
from tests.support.upstream_tasks import FakeTaskUpstream

QUERY = "which animal purrs"
DOCS = ["The cat purrs on the mat", "Dogs bark at night", "A fish swims"]
RERANK = {"query": QUERY, "documents": DOCS, "top_n": 2, "return_documents": True}
RATIO = "0.05"  # ModelRatio of the rerank models here


def quota(tokens: int, ratio: str = RATIO) -> int:
    """prompt tokens × model ratio (group ratio 1), rounded half up, at least 1."""
    return max(int(tokens * Fraction(ratio) + Fraction(1, 2)), 1)


def estimated(*texts: str) -> int:
    """The gateway's documented estimate: ceil(len / 4) per ASCII string."""
    return sum(math.ceil(len(t) / 4) for t in texts)


def upstream_tokens() -> int:
    """What the fakes report: words of the query and the documents."""
    return len(QUERY.split()) + sum(len(d.split()) for d in DOCS)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTaskUpstream]:
    async with FakeTaskUpstream() as up:
        yield up


async def rerank_channel(env: RelayEnv, fake: FakeTaskUpstream, style: str, ch_type: int) -> int:
    fake.style = style
    await env.gw.app[OPTIONS].set(
        "ModelRatio", {"rerank-small": float(RATIO), "omni-moderation-latest": 0.1}
    )
    return await env.gw.add_channel(
        fake.base_url, type=ch_type, models="rerank-small", key=f"sk-{style}-upstream",
        name=style, model_mapping='{"rerank-small": "upstream-reranker"}',
    )  # fmt: skip


async def balance(env: RelayEnv) -> int:
    return (await env.user_row())["quota"]


@pytest.mark.parametrize(("style", "ch_type"), [("jina", 38), ("jina", 1)])
async def test_usage_total_tokens_billed_as_prompt(
    relay_env: RelayEnv, fake: FakeTaskUpstream, style: str, ch_type: int
):
    """Jina and OpenAI-compatible channels call {base}/v1/rerank and bill usage.total_tokens."""
    cid = await rerank_channel(relay_env, fake, style, ch_type)
    before = await balance(relay_env)
    status, body, _ = await relay_env.post("/v1/rerank", {"model": "rerank-small", **RERANK})
    assert status == 200, body
    tokens = upstream_tokens()
    assert body == {
        "results": [
            {"document": {"text": DOCS[0]}, "index": 0, "relevance_score": 1.0},
            {"document": {"text": DOCS[1]}, "index": 1, "relevance_score": 0.5},
        ],
        "usage": {"prompt_tokens": tokens, "completion_tokens": 0, "total_tokens": tokens},
    }
    sent = fake.last
    assert (sent.method, sent.path, sent.api_key) == ("POST", "/v1/rerank", f"sk-{style}-upstream")
    assert sent.json == {"model": "upstream-reranker", **RERANK}
    assert before - await balance(relay_env) == quota(tokens)
    (log,) = await relay_env.logs()
    assert (log["type"], log["model_name"], log["channel_id"]) == (2, "rerank-small", cid)
    assert (log["prompt_tokens"], log["completion_tokens"], log["quota"]) == (
        tokens,
        0,
        quota(tokens),
    )
    other = orjson.loads(log["other"])
    assert other["request_path"] == "/v1/rerank" and other["upstream_model_name"] == (
        "upstream-reranker"
    )


async def test_cohere_without_tokens_is_billed_on_the_estimate(
    relay_env: RelayEnv, fake: FakeTaskUpstream
):
    """Cohere reports search units only: the estimate of query + documents is billed, and the
    documents it does not echo are filled in from the request."""
    await rerank_channel(relay_env, fake, "cohere", 34)
    before = await balance(relay_env)
    status, body, _ = await relay_env.post("/v1/rerank", {"model": "rerank-small", **RERANK})
    assert status == 200, body
    tokens = estimated(QUERY, *DOCS)
    assert body["results"] == [
        {"document": DOCS[0], "index": 0, "relevance_score": 1.0},
        {"document": DOCS[1], "index": 1, "relevance_score": 0.5},
    ]
    assert body["usage"] == {
        "prompt_tokens": tokens,
        "completion_tokens": 0,
        "total_tokens": tokens,
    }
    assert fake.last.path == "/v1/rerank" and fake.last.api_key == "sk-cohere-upstream"
    assert before - await balance(relay_env) == quota(tokens)
    (log,) = await relay_env.logs()
    assert log["prompt_tokens"] == tokens and log["quota"] == quota(tokens)
    assert "tokens estimated" in log["content"]


async def test_siliconflow_meta_tokens(relay_env: RelayEnv, fake: FakeTaskUpstream):
    await rerank_channel(relay_env, fake, "siliconflow", 40)
    body_in = {"model": "rerank-small", "query": QUERY, "documents": DOCS}
    status, body, _ = await relay_env.post("/v1/rerank", body_in)
    assert status == 200, body
    tokens = upstream_tokens()
    assert [r["index"] for r in body["results"]] == [0, 1, 2]
    assert all("document" not in r for r in body["results"])
    assert body["usage"]["prompt_tokens"] == tokens
    (log,) = await relay_env.logs()
    assert log["quota"] == quota(tokens) and log["prompt_tokens"] == tokens


@pytest.mark.parametrize(
    ("patch", "param"),
    [({"documents": []}, "documents"), ({"query": ""}, "query"), ({"top_n": "two"}, "top_n")],
)
async def test_bad_rerank_requests_are_400_and_never_sent(
    relay_env: RelayEnv, fake: FakeTaskUpstream, patch: dict, param: str
):
    await rerank_channel(relay_env, fake, "jina", 38)
    before = await balance(relay_env)
    status, body, _ = await relay_env.post(
        "/v1/rerank", {"model": "rerank-small", **RERANK, **patch}
    )
    assert status == 400
    assert body["error"]["param"] == param and body["error"]["type"] == "invalid_request_error"
    assert fake.requests == [] and await balance(relay_env) == before


async def test_upstream_error_is_relayed_and_refunded(relay_env: RelayEnv, fake: FakeTaskUpstream):
    await rerank_channel(relay_env, fake, "jina", 38)
    await relay_env.gw.add_channel(
        fake.base_url, type=38, models="rerank-fail-429", name="busy", key="sk-busy"
    )
    await relay_env.gw.app[OPTIONS].set("ModelRatio", {"rerank-fail-429": 1})
    await relay_env.gw.app[OPTIONS].set("ErrorLogEnabled", True)
    uid = await relay_env.gw.add_user("payer", quota=1_000_000)
    key = await relay_env.gw.add_token(user_id=uid, unlimited_quota=0, remain_quota=500_000)
    status, body, _ = await relay_env.post(
        "/v1/rerank", {"model": "rerank-fail-429", **RERANK}, key=key
    )
    assert status == 429 and body["error"]["message"] == "fake jina error 429"
    assert fake.last.api_key == "sk-busy"
    row = await relay_env.user_row(uid)
    assert row["quota"] == 1_000_000 and row["used_quota"] == 0  # the reservation came back
    (log,) = await relay_env.logs()
    assert log["type"] == 5 and log["content"].startswith("status_code=429")


# ---- moderations --------------------------------------------------------------------------
async def test_moderations_through_the_sdk_billed_on_the_estimate(relay_env: RelayEnv):
    await relay_env.gw.app[OPTIONS].set("ModelRatio", {"omni-moderation-latest": 0.1})
    await relay_env.gw.add_channel(
        relay_env.up.base_url, models="omni-moderation-latest", key="sk-moderation"
    )
    client = relay_env.openai()
    before = await balance(relay_env)
    texts = ["a kind sentence about gardens", "please flag-me now"]
    result = await client.moderations.create(model="omni-moderation-latest", input=texts)
    assert [r.flagged for r in result.results] == [False, True]
    assert result.results[1].categories.violence is True
    sent = relay_env.up.last
    assert sent.path == "/v1/moderations" and sent.api_key == "sk-moderation"
    assert sent.json == {"model": "omni-moderation-latest", "input": texts}
    tokens = estimated(*texts)
    expected = quota(tokens, "0.1")
    assert before - await balance(relay_env) == expected
    (log,) = await relay_env.logs()
    assert (log["type"], log["prompt_tokens"], log["completion_tokens"]) == (2, tokens, 0)
    assert log["quota"] == expected and log["model_name"] == "omni-moderation-latest"
    assert "tokens estimated" in log["content"]


async def test_moderations_bad_input_is_400(relay_env: RelayEnv):
    status, body, _ = await relay_env.post("/v1/moderations", {"input": 42})
    assert status == 400 and body["error"]["param"] == "input"
    assert relay_env.up.requests == []


async def test_jina_embeddings_drop_encoding_format(relay_env: RelayEnv):
    await relay_env.gw.app[OPTIONS].set("ModelRatio", {"jina-embeddings-v3": 0.01})
    await relay_env.gw.add_channel(
        relay_env.up.base_url, type=38, models="jina-embeddings-v3", key="sk-jina"
    )
    client = relay_env.openai()
    result = await client.embeddings.create(
        model="jina-embeddings-v3", input=["a jina sentence"], encoding_format="float"
    )
    assert len(result.data) == 1 and len(result.data[0].embedding) == 8
    sent = relay_env.up.last
    assert sent.path == "/v1/embeddings" and sent.api_key == "sk-jina"
    assert sent.json == {"input": ["a jina sentence"], "model": "jina-embeddings-v3"}
