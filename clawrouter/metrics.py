"""Prometheus metrics on an app-owned registry (prometheus-client, never its global one): what
each request counts, read at scrape time for the rest (channel status, write-behind backlog).

The hot path pays a few dictionary lookups and float adds per request: each labelled child is
looked up once and kept in a dictionary keyed by its label values (as many entries as the
registry holds series), so a request does not pay `labels()` (a lock and label validation) on
every metric; nothing waits. In one process the per-request counters and histograms are plain
numbers (_Family: no lock per add, every request is counted and scraped on the event loop's
thread) exposed exactly as prometheus-client's Counter and Histogram expose theirs.
docs/operations.md says what each metric means. Only this module imports prometheus_client.

With --workers N, every worker counts into prometheus-client's multiprocess files in one
directory (<data_dir>/metrics, emptied by the supervisor before the workers start) and a scrape
answered by any worker sums every worker's counters and histograms (docs/operations.md).
"""

from __future__ import annotations

import shutil
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.gc_collector import GCCollector
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from prometheus_client.utils import INF, floatToGoString

from clawrouter.config import export_environment

# Relay answers take seconds to minutes (a long stream); the dashboard's calls milliseconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
FIRST_BYTE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)
FLUSH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
CHANNEL_STATES = {1: "enabled", 2: "manually_disabled", 3: "auto_disabled"}


class _LiveState(Collector):
    """Gauges read when scraped: each channel's status and the write-behind backlog."""

    def __init__(self, channels: Callable[[], Any], backlog: Callable[[], dict[str, int]]):
        self._channels, self._backlog = channels, backlog

    def describe(self) -> list[Any]:
        return []  # collected only on scrape, never at registration

    def collect(self) -> Iterator[Any]:
        status = GaugeMetricFamily(
            "clawrouter_channel_status",
            "Channel status: 1 enabled, 2 manually disabled, 3 auto-disabled",
            labels=["channel", "name", "type"],
        )
        up = GaugeMetricFamily(
            "clawrouter_channel_up", "1 when the channel is enabled, else 0", labels=["channel"]
        )
        for ch in list(self._channels().values()):
            status.add_metric([str(ch.id), ch.name, str(ch.type)], ch.status)
            up.add_metric([str(ch.id)], 1 if ch.status == 1 else 0)
        yield status
        yield up
        queue = GaugeMetricFamily(
            "clawrouter_usage_queue_depth",
            "Write-behind backlog not yet flushed to the stores, by kind",
            labels=["kind"],
        )
        for kind, depth in self._backlog().items():
            queue.add_metric([kind], depth)
        yield queue


class _Count:
    """One series of a counter (prometheus-client's value starts as a float too)."""

    __slots__ = ("created", "value")

    def __init__(self) -> None:
        self.value, self.created = 0.0, time.time()

    def inc(self, amount: float = 1) -> None:
        self.value += amount


class _Observed:
    """One series of a histogram: per-bucket counts (the first bound >= the amount, as
    prometheus-client's observe picks it) and the sum."""

    __slots__ = ("bounds", "counts", "created", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds, self.counts = bounds, [0.0] * len(bounds)
        self.sum, self.created = 0.0, time.time()

    def observe(self, amount: float) -> None:
        self.sum += amount
        self.counts[bisect_left(self.bounds, amount)] += 1


def _created_series() -> bool:
    """Whether prometheus-client exposes `_created` series (PROMETHEUS_DISABLE_CREATED_SERIES),
    asked of an unregistered counter."""
    probe = Counter("clawrouter_probe", "", registry=None)
    return any(s.name.endswith("_created") for s in probe.collect()[0].samples)


class _Family(Collector):
    """A labelled Counter ("counter") or Histogram ("histogram", with `buckets`) of one process,
    held as plain numbers and collected into the samples prometheus-client's own would give
    (same names, labels, float values, `_created` stamps, series in first-use order)."""

    def __init__(
        self,
        kind: str,
        name: str,
        doc: str,
        labelnames: list[str],
        registry: CollectorRegistry,
        buckets: tuple[float, ...] = (),
    ) -> None:
        self.kind, self.name, self.doc, self.labelnames = kind, name, doc, tuple(labelnames)
        self.bounds = (*(float(b) for b in buckets), INF) if kind == "histogram" else ()
        self._les = tuple(floatToGoString(b) for b in self.bounds)
        self.children: dict[tuple[str, ...], Any] = {}
        registry.register(self)

    def labels(self, *values: Any) -> Any:
        key = tuple(str(v) for v in values)
        child = self.children.get(key)
        if child is None:
            child = _Count() if self.kind == "counter" else _Observed(self.bounds)
            self.children[key] = child
        return child

    def describe(self) -> list[Metric]:
        return [Metric(self.name, self.doc, self.kind)]

    def collect(self) -> list[Metric]:
        name, metric = self.name, Metric(self.name, self.doc, self.kind)
        with_created = _created_series()
        for key, child in list(self.children.items()):
            labels = dict(zip(self.labelnames, key, strict=True))
            if self.kind == "counter":
                metric.add_sample(name + "_total", labels, child.value)
            else:
                acc = 0.0
                for le, n in zip(self._les, child.counts, strict=True):
                    acc += n
                    metric.add_sample(name + "_bucket", {**labels, "le": le}, acc)
                metric.add_sample(name + "_count", labels, acc)
                metric.add_sample(name + "_sum", labels, child.sum)
            if with_created:
                metric.add_sample(name + "_created", labels, child.created)
        return [metric]


def multiprocess_dir(data_dir: Path) -> Path:
    """Where the workers of one gateway keep their metric files."""
    return Path(data_dir) / "metrics"


def prepare_multiprocess(data_dir: Path) -> None:
    """The supervisor, before forking its workers: an empty metrics directory, named in the
    environment the workers inherit (prometheus-client finds its files there)."""
    path = multiprocess_dir(data_dir)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    export_environment("PROMETHEUS_MULTIPROC_DIR", str(path))


class Metrics:
    """The registry and every metric the gateway keeps. `shared`: a directory of multiprocess
    files (one of --workers N): this process counts into it and a scrape sums all of them."""

    def __init__(self, *, process: bool = True, shared: Path | None = None) -> None:
        self.registry = r = CollectorRegistry(auto_describe=True)
        self._children: dict[tuple[Any, ...], Any] = {}  # see _child
        self._answers: dict[tuple[Any, ...], list[Any]] = {}  # see observe
        self._scraped = r  # what exposition() encodes
        if shared is not None:
            values.ValueClass = values.MultiProcessValue()  # this process's values: mmap files
            self._scraped = CollectorRegistry()
            MultiProcessCollector(self._scraped, path=str(shared))
            process = False  # one process's CPU and memory would pass for the gateway's
        if process:
            ProcessCollector(registry=r)
            PlatformCollector(registry=r)
            GCCollector(registry=r)
        self._local = shared is None  # per-request series as plain numbers (_Family)
        self.requests = self._counter(
            "clawrouter_http_requests",
            "HTTP requests answered, by route template, method, status, model and channel",
            ["route", "method", "status", "model", "channel"],
        )
        self.duration = self._histogram(
            "clawrouter_http_request_duration_seconds",
            "Time from the request's arrival to the end of its answer (a stream: its last byte)",
            ["route", "model"],
            DURATION_BUCKETS,
        )
        self.first_byte = self._histogram(
            "clawrouter_relay_first_byte_seconds",
            "Relay: time from arrival to the upstream answer's first byte reaching the client",
            ["model", "channel"],
            FIRST_BYTE_BUCKETS,
        )
        self.upstream_errors = self._counter(
            "clawrouter_upstream_errors",
            "Relay attempts that failed at a channel (error status, timeout, refused)",
            ["channel"],
        )
        self.retries = self._counter(
            "clawrouter_relay_retries",
            "Relay attempts after the first one of a request (each on another channel)",
            ["model"],
        )
        self.failovers = self._counter(
            "clawrouter_relay_failovers",
            "Relay requests answered by a channel other than the first one tried",
            ["model"],
        )
        self.quota = self._counter(
            "clawrouter_quota_spent", "Quota units charged for relay requests, by model", ["model"]
        )
        self.flush_seconds = Histogram(
            "clawrouter_usage_flush_duration_seconds",
            "Write-behind flushes: time to write a batch of balances and log rows",
            buckets=FLUSH_BUCKETS,
            registry=r,
        )
        self.flush_failures = Counter(
            "clawrouter_usage_flush_failures",
            "Write-behind flushes that failed (the batch is kept and retried)",
            registry=r,
        )

    def _counter(self, name: str, doc: str, labels: list[str]) -> Any:
        if self._local:
            return _Family("counter", name, doc, labels, self.registry)
        return Counter(name, doc, labels, registry=self.registry)  # multiprocess files

    def _histogram(self, name: str, doc: str, labels: list[str], buckets: tuple) -> Any:
        if self._local:
            return _Family("histogram", name, doc, labels, self.registry, buckets)
        return Histogram(name, doc, labels, buckets=buckets, registry=self.registry)

    def watch(self, channels: Callable[[], Any], backlog: Callable[[], dict[str, int]]) -> None:
        """Report channel status and the write-behind backlog (read at scrape time)."""
        self._scraped.register(_LiveState(channels, backlog))

    def observe_flush(self, seconds: float, ok: bool) -> None:
        self.flush_seconds.observe(seconds)
        if not ok:
            self.flush_failures.inc()

    def _child(self, metric: Any, *labels: Any) -> Any:
        """metric.labels(*labels), looked up once per distinct label values."""
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*(str(v) for v in labels))
        return child

    def observe(self, route: str, method: str, status: int, seconds: float, job: Any) -> None:
        """One answered request; `job` is the relay's Job when the request reached one."""
        if job is None:
            model, channel = "", ""
        else:
            model = job.model
            channel = job.channel.id if job.channel is not None else ""
        key = (route, method, status, model, channel)
        answer = self._answers.get(key)  # an answer's children in one lookup
        if answer is None:
            # requests, duration; first byte and quota once used (a child is a series)
            answer = self._answers[key] = [
                self._child(self.requests, *key), self._child(self.duration, route, model),
                None, None,
            ]  # fmt: skip
        answer[0].inc()
        answer[1].observe(seconds)
        if job is None:
            return
        if job.frt_ms:
            first_byte = answer[2]
            if first_byte is None:
                first_byte = answer[2] = self._child(self.first_byte, model, channel)
            first_byte.observe(job.frt_ms / 1000)
        tried = job.tried
        if len(tried) > 1 or (tried and status >= 400):
            child = self._child
            # every attempt but the last failed; the last one failed when the answer is an
            # error (499: the client hung up, not the channel's fault)
            last_failed = status >= 400 and status != 499
            for cid in tried if last_failed else tried[:-1]:
                child(self.upstream_errors, cid).inc()
            if len(tried) > 1:
                child(self.retries, model).inc(len(tried) - 1)
                if status < 400:
                    child(self.failovers, model).inc()
        charge = job.charge
        if charge is not None and charge.settled:
            quota = answer[3]
            if quota is None:
                quota = answer[3] = self._child(self.quota, model)
            quota.inc(charge.settled)

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The registry in the format the scraper asks for (Prometheus text or OpenMetrics)."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self._scraped), content_type
