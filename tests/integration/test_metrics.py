"""GET /metrics: scraped over HTTP and parsed with prometheus-client's own parsers (text and
OpenMetrics); requests counted by route template, model and channel; failover, retries, upstream
errors, time to first byte, quota, channel status, the write-behind backlog and flushes; the
optional bearer token; off when metrics.enabled is false."""

from __future__ import annotations

import orjson
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_families
from prometheus_client.parser import text_string_to_metric_families

from clawrouter.config import Config, replace
from clawrouter.keys import OPTIONS
from tests.support.gateway import Gateway, RelayEnv

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}


def samples(text: str, parser=text_string_to_metric_families) -> dict[tuple, float]:
    """{(sample name, sorted labels...): value} of a scrape."""
    out = {}
    for family in parser(text):
        for s in family.samples:
            out[(s.name, *sorted(s.labels.items()))] = s.value
    return out


def value(found: dict[tuple, float], metric: str, **labels: str) -> float:
    return found.get((metric, *sorted(labels.items())), 0.0)


async def scrape(gw: Gateway, **headers: str) -> tuple[int, str, str]:
    resp = await gw.client().request("GET", "/metrics", headers=headers)
    return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


async def test_relay_requests_failover_and_quota_are_counted(relay_env: RelayEnv):
    gw = relay_env.gw
    await gw.app[OPTIONS].set("RetryTimes", 3)
    bad = await gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", name="bad", priority=10,
        model_mapping=orjson.dumps({"gpt-4o": "gpt-4o-fail-429"}).decode(),
    )  # fmt: skip
    good = relay_env.channel_id
    client = relay_env.openai()
    reply = await client.chat.completions.create(**CHAT)
    assert reply.choices[0].message.content
    stream = await client.chat.completions.create(**CHAT, stream=True)
    assert [chunk async for chunk in stream]
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, key="sk-wrong")
    assert status == 401
    logs = await relay_env.logs()  # flushes the write-behind writer too
    assert [row["channel_id"] for row in logs] == [good, good]

    status, content_type, text = await scrape(gw)
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    found = samples(text)
    route = "/v1/chat/completions"
    assert value(
        found, "clawrouter_http_requests_total",
        route=route, method="POST", status="200", model="gpt-4o", channel=str(good),
    ) == 2  # fmt: skip
    assert value(
        found, "clawrouter_http_requests_total",
        route=route, method="POST", status="401", model="", channel="",
    ) == 1  # fmt: skip
    failed_at_bad = sum(r.json["model"] == "gpt-4o-fail-429" for r in relay_env.up.requests)
    assert failed_at_bad == 2
    assert value(found, "clawrouter_upstream_errors_total", channel=str(bad)) == 2
    assert value(found, "clawrouter_upstream_errors_total", channel=str(good)) == 0
    assert value(found, "clawrouter_relay_retries_total", model="gpt-4o") == 2
    assert value(found, "clawrouter_relay_failovers_total", model="gpt-4o") == 2
    assert value(
        found, "clawrouter_relay_first_byte_seconds_count", model="gpt-4o", channel=str(good)
    ) == 2  # fmt: skip
    assert value(
        found, "clawrouter_http_request_duration_seconds_count", route=route, model="gpt-4o"
    ) == 2  # fmt: skip
    assert (
        value(found, "clawrouter_quota_spent_total", model="gpt-4o")
        == sum(row["quota"] for row in logs)
        > 0
    )
    assert value(found, "clawrouter_channel_status", channel=str(good), name="test", type="1") == 1
    assert value(found, "clawrouter_channel_up", channel=str(bad)) == 1
    assert ("clawrouter_usage_queue_depth", ("kind", "log_rows")) in found
    assert value(found, "clawrouter_usage_flush_duration_seconds_count") >= 1
    assert value(found, "process_cpu_seconds_total") > 0  # process metrics (Linux)
    assert any(k[0] == "python_info" for k in found)  # the platform collector


async def test_management_routes_are_labelled_by_template_and_openmetrics_parses(
    gateway: Gateway,
):
    await gateway.setup_root()
    root = await gateway.login("root", "rootpass123")
    await root.request("GET", "/api/user/self")
    await root.request("GET", "/api/channel/12345")
    await root.request("GET", "/no-such-page.php")
    resp = await gateway.client().request(
        "GET", "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/openmetrics-text")
    found = samples(await resp.text(), om_families)
    counted = {
        (dict(k[1:])["route"], dict(k[1:])["status"])
        for k in found
        if k[0] == "clawrouter_http_requests_total"
    }
    assert ("/api/user/self", "200") in counted
    assert ("/api/channel/{id}", "200") in counted  # the template, not /api/channel/12345
    assert not any("12345" in route for route, _ in counted)
    assert ("/{tail}", "404") in counted  # unknown paths share the catch-all's label


async def test_the_metrics_token_guards_the_endpoint(config: Config):
    gw = Gateway(replace(config, metrics={"token": "scrape-secret"}))
    await gw.start()
    try:
        status, _, text = await scrape(gw)
        assert status == 401 and orjson.loads(text)["error"]["code"] == "invalid_metrics_token"
        status, _, _ = await scrape(gw, Authorization="Bearer not-it")
        assert status == 401
        status, _, text = await scrape(gw, Authorization="Bearer scrape-secret")
        assert status == 200 and "clawrouter_http_requests_total" in text
    finally:
        await gw.stop()


async def test_metrics_can_be_switched_off(config: Config):
    gw = Gateway(replace(config, metrics={"enabled": False}))
    await gw.start()
    try:
        status, content_type, text = await scrape(gw)
        assert status == 404 and content_type.startswith("application/json"), text
    finally:
        await gw.stop()
