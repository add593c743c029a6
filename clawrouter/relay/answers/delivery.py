"""What an answer kind receives: the request, the job, the upstream's 200 response and how to
read it (the adapter, and the converter with its context when the formats differ)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from clawrouter.relay.convert.base import ConvertContext
from clawrouter.relay.job import Job
from clawrouter.relay.providers.base import ProviderAdapter
from clawrouter.relay.state import RelayState


@dataclass(slots=True)
class Delivery:
    request: web.Request
    state: RelayState
    job: Job
    resp: aiohttp.ClientResponse
    adapter: ProviderAdapter
    conv: Any  # the converter (module or Composed) when formats differ, else None
    ctx: ConvertContext | None
