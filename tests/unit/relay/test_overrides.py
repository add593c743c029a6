"""param_override, header_override and the channel system prompt (pure)."""

from __future__ import annotations

import pytest

from clawrouter.relay.overrides import apply_header_override, apply_param_override
from clawrouter.relay.providers.base import UpstreamError


@pytest.mark.parametrize(
    ("override", "body", "expected"),
    [
        ({"temperature": 0.2, "max_tokens": 10}, {"temperature": 1}, {"temperature": 0.2, "max_tokens": 10}),
        ({"a.b": 1}, {}, {"a.b": 1}),
        ({"operations": [{"path": "x.y", "mode": "set", "value": 3}]}, {}, {"x": {"y": 3}}),
        ({"operations": [{"path": "t", "mode": "set", "value": 3, "keep_origin": True}]}, {"t": 1}, {"t": 1}),
        ({"operations": [{"path": "t", "mode": "delete"}]}, {"t": 1, "u": 2}, {"u": 2}),
        ({"operations": [{"mode": "move", "from": "a", "to": "b"}]}, {"a": 1}, {"b": 1}),
        ({"operations": [{"mode": "copy", "from": "a", "to": "b.c"}]}, {"a": 1}, {"a": 1, "b": {"c": 1}}),
        ({"operations": [{"path": "model", "mode": "ensure_prefix", "value": "org/"}]}, {"model": "m"}, {"model": "org/m"}),
        ({"operations": [{"path": "model", "mode": "trim_suffix", "value": "-x"}]}, {"model": "m-x"}, {"model": "m"}),
        ({"operations": [{"path": "model", "mode": "regex_replace", "from": "^gpt", "to": "GPT"}]}, {"model": "gpt-4"}, {"model": "GPT-4"}),
        (
            {"operations": [{"path": "max_tokens", "mode": "set", "value": 100,
                             "conditions": [{"path": "model", "mode": "prefix", "value": "o1"}]}]},
            {"model": "gpt-4o"}, {"model": "gpt-4o"},
        ),
        (
            {"operations": [{"path": "max_tokens", "mode": "set", "value": 100,
                             "conditions": [{"path": "max_tokens", "mode": "gt", "value": 50}]}]},
            {"max_tokens": 80}, {"max_tokens": 100},
        ),
        ({"operations": [{"path": "messages.0.content", "mode": "prepend", "value": "Hi "}]},
         {"messages": [{"content": "there"}]}, {"messages": [{"content": "Hi there"}]}),
    ],
)  # fmt: skip
def test_param_override(override, body, expected):
    assert apply_param_override(override, body) == expected


def test_param_override_return_error():
    op = {"operations": [{"mode": "return_error", "value": "nope", "status_code": 403}]}
    with pytest.raises(UpstreamError) as info:
        apply_param_override(op, {})
    assert info.value.status == 403 and info.value.message == "nope"


def test_header_override_placeholders_and_pass_through():
    headers = {"Authorization": "Bearer k"}
    client = {
        "X-Trace": "t1",
        "Cookie": "secret",
        "X-Other": "o",
        "Authorization": "Bearer sk-client",
    }
    override = {
        "X-Key": "key={api_key}",
        "X-From-Client": "{client_header:X-Trace}",
        "X-Missing": "{client_header:Nope}",
        "re:^x-oth": "",
    }
    apply_header_override(override, headers, client, "k")
    assert headers == {
        "Authorization": "Bearer k",
        "X-Key": "key=k",
        "X-From-Client": "t1",
        "X-Other": "o",
    }
    everything: dict[str, str] = {}
    apply_header_override({"*": ""}, everything, client, "k")
    assert "Cookie" not in everything and "Authorization" not in everything
    assert everything == {"X-Trace": "t1", "X-Other": "o"}
