"""Plain words for network failures reaching an upstream (relay.upstream.network_problem)."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import aiohttp
import pytest

from clawrouter.relay.upstream import network_problem

KEY = SimpleNamespace(host="api.example.invalid", port=443, ssl=True)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (aiohttp.ClientConnectorDNSError(KEY, socket.gaierror(-2, "Name or service not known")),
         "host name could not be resolved"),
        (aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "refused")),
         "refused or dropped"),
        (aiohttp.ServerDisconnectedError(), "closed the connection before answering"),
        (aiohttp.InvalidURL("ht!tp://x"), "not a valid URL"),
        (aiohttp.ClientPayloadError("x"), "connection to the upstream failed"),
    ],
)  # fmt: skip
def test_network_problems_in_plain_words(error, words):
    assert words in network_problem(error)
    assert "example" not in network_problem(error)  # the channel's URL is not told to clients
