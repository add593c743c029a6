"""Every typed key the application and its requests carry (state hangs off the app, not modules)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from clawrouter.auth.sessions import Session, SessionCodec
from clawrouter.changes.change import ChangeFeed
from clawrouter.claims import Claims
from clawrouter.config import Config
from clawrouter.db.store import Store
from clawrouter.http.outbound import OutboundClient
from clawrouter.http.ratelimit import Limiters
from clawrouter.http.upstream_client import UpstreamClient
from clawrouter.jobs.channel_tests import BackgroundRun
from clawrouter.jobs.outbox import Outbox
from clawrouter.jobs.usage_writer import UsageWriter
from clawrouter.metrics import Metrics
from clawrouter.options.store import Options
from clawrouter.redis_link import RedisLink
from clawrouter.relay.state import RelayState
from clawrouter.worker import Worker

CONFIG = web.AppKey("config", Config)
MAIN_DB = web.AppKey("main_db", Store)
LOG_DB = web.AppKey("log_db", Store)
OPTIONS = web.AppKey("options", Options)
SESSIONS = web.AppKey("sessions", SessionCodec)
HTTP = web.AppKey("http", aiohttp.ClientSession)
# the relay's lean client for JSON calls upstream (absent when relay.upstream_client = "aiohttp")
UPSTREAM = web.AppKey("upstream", UpstreamClient)
# fetches a user controls (notification URLs), checked against the fetch_setting.* options
OUTBOUND = web.AppKey("outbound", OutboundClient)
LIMITERS = web.AppKey("limiters", Limiters)
# the one Redis client of this process, with its deadlines (present only when redis.url is set)
REDIS = web.AppKey("redis", RedisLink)
CLOCK = web.AppKey("clock", Callable[[], float])
STARTED_AT = web.AppKey("started_at", int)
RELAY = web.AppKey("relay", RelayState)
WRITER = web.AppKey("writer", UsageWriter)
CHANNEL_TESTS = web.AppKey("channel_tests", BackgroundRun)  # the "test all channels" run
OUTBOX = web.AppKey("outbox", Outbox)  # mails sent after the response (password reset)
# "used once" marks and leases shared by every worker and instance (store or Redis)
CLAIMS = web.AppKey("claims", Claims)
REALTIME_SESSIONS = web.AppKey("realtime_sessions", weakref.WeakSet)  # open /v1/realtime clients
METRICS = web.AppKey("metrics", Metrics)  # the app's Prometheus registry and metrics
CHANGES = web.AppKey("changes", ChangeFeed)  # publish a Change after a write commits
DRAINING = web.AppKey("draining", asyncio.Event)  # set on SIGTERM: /readyz answers 503
WORKER = web.AppKey("worker", Worker)  # which of --workers N this process is (0: the leader)

REQUEST_ID = web.RequestKey("request_id", str)
SESSION = web.RequestKey("session", Session)
CALLER = web.RequestKey("caller", dict[str, Any])
STREAMING = web.RequestKey("streaming", bool)  # a streamed response has started
LIMITED = web.RequestKey("limited", set[str])  # rate limiters this request was counted by
# a relay request's relay.job.Job (metrics and the access log read it; not imported here:
# relay.job depends on this module)
JOB = web.RequestKey("job", object)
