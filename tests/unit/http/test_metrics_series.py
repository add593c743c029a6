"""The per-request metrics held as plain numbers (clawrouter.metrics._Family, one process) scrape
exactly as prometheus-client's own Counter and Histogram would: the same observations on both,
then both expositions (Prometheus text and OpenMetrics) compared line by line, the `_created`
values (their creation times) apart."""

from __future__ import annotations

import re
import time

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

from clawrouter.metrics import DURATION_BUCKETS, _Family

# (labels, amount): boundaries, zero, past the last bound, huge; labels of every type str()ed
OBSERVED = [
    (("/v1/chat", 200), 0.005), (("/v1/chat", 200), 0.0051), (("/v1/chat", 200), 0.0),
    (("/v1/chat", 499), 300), (("/v1/chat", 499), 301.5), (("/api", 200), 1e-9),
    (("/v1/chat", 200), 2.5), (("/api", 200), 1e12), (("/v1/chat", 502), 0.25),
]  # fmt: skip
COUNTED = [(("gpt-4o", 3), 1), (("gpt-4o", 3), 150), (("", ""), 1), (("claude", None), 7)]


def _both(kind: str) -> tuple[CollectorRegistry, CollectorRegistry]:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    name, doc, labels = "clawrouter_x", "What x counts", ["a", "b"]
    if kind == "counter":
        mine: object = _Family("counter", name, doc, labels, ours)
        ref: object = Counter(name, doc, labels, registry=theirs)
        for values, amount in COUNTED:
            mine.labels(*values).inc(amount)  # type: ignore[attr-defined]
            ref.labels(*values).inc(amount)  # type: ignore[attr-defined]
    else:
        mine = _Family("histogram", name, doc, labels, ours, DURATION_BUCKETS)
        ref = Histogram(name, doc, labels, buckets=DURATION_BUCKETS, registry=theirs)
        for values, amount in OBSERVED:
            mine.labels(*values).observe(amount)  # type: ignore[attr-defined]
            ref.labels(*values).observe(amount)  # type: ignore[attr-defined]
    return ours, theirs


def _masked(text: bytes) -> tuple[str, list[float]]:
    stamps: list[float] = []

    def keep(m: re.Match[str]) -> str:
        stamps.append(float(m.group(2)))
        return m.group(1) + " <created>"

    return re.sub(r"^(\S+_created(?:\{[^}]*\})?) (\S+)$", keep, text.decode(), flags=re.M), stamps


@pytest.mark.parametrize("kind", ["counter", "histogram"])
@pytest.mark.parametrize("encode", [generate_latest, generate_openmetrics])
def test_plain_series_scrape_as_prometheus_clients_own(kind, encode):
    ours, theirs = _both(kind)
    mine, mine_stamps = _masked(encode(ours))
    ref, ref_stamps = _masked(encode(theirs))
    assert mine == ref
    assert "_bucket" in mine if kind == "histogram" else "_total" in mine
    assert len(mine_stamps) == len(ref_stamps) > 0
    assert all(
        abs(a - b) < 5 and a <= time.time() for a, b in zip(mine_stamps, ref_stamps, strict=True)
    )
