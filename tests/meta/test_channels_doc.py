"""docs/channels.md stays true: its channel-type table equals the code's, and every base_url
example resolves to the URL it shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clawrouter.relay.providers import channel_types as ct
from clawrouter.relay.providers.registry import ADAPTERS, protocol_of
from clawrouter.wire.formats import Endpoint, Format
from tests.support.adapter_calls import CONTENTS, MSG, prepare

DOC = Path(__file__).resolve().parents[2] / "docs" / "channels.md"


def block(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(f"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert found, f"docs/channels.md has no {name} block"
    return found.group(1)


def rows(name: str) -> list[list[str]]:
    lines = [line for line in block(name).splitlines() if line.startswith("|")][2:]
    return [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in lines]


def test_channel_type_table_matches_the_code():
    expected = [
        [str(t), ct.CHANNEL_TYPES[t].name, protocol_of(t), ct.CHANNEL_TYPES[t].base_url]
        for t in sorted(ADAPTERS)
    ]
    assert rows("channel-types") == expected


def test_unsupported_list_matches_the_code():
    listed = re.findall(r"(\d+) ([^,.]+)", block("unsupported-types").replace("\n", " "))
    expected = [(str(t), c.name) for t, c in sorted(ct.CHANNEL_TYPES.items()) if t not in ADAPTERS]
    assert [(n, name.strip()) for n, name in listed] == expected


REQUESTS = {
    Format.OPENAI: (Endpoint.CHAT, "gpt-4o", {"messages": MSG}),
    Format.ANTHROPIC: (Endpoint.MESSAGES, "claude-x", {"messages": MSG, "max_tokens": 9}),
    Format.GEMINI: (Endpoint.GEMINI, "gemini-2.0-flash", {"contents": CONTENTS}),
}


@pytest.mark.parametrize("row", rows("url-examples"), ids=lambda r: "-".join(filter(None, r[:3])))
def test_base_url_examples_resolve_as_documented(row: list[str]):
    type_, base_url, other, url = row
    endpoint, model, body = REQUESTS[protocol_of(int(type_))]
    call = prepare(
        int(type_), {"model": model, **body}, endpoint=endpoint, model=model,
        base_url=base_url, other=other, created_time=1_800_000_000,
    )  # fmt: skip
    assert call.url == url
