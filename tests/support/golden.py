"""Golden-fixture machinery shared by the converter tests.

A case is one file tests/fixtures/convert/<direction>/<kind>/<case>.json holding
{"input": <path under tests/fixtures>, "ctx": {ConvertContext overrides}, "expected": …}
(streams also pin "usage", the converter's Usage after finish()). Adding a case = adding a
fixture and a golden; UPDATE_GOLDEN=1 rewrites "expected"/"usage" — review the diff.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from clawrouter.relay.convert import (
    chat_to_gemini,
    chat_to_messages,
    gemini_to_chat,
    messages_to_chat,
)
from clawrouter.relay.convert.base import ConvertContext
from clawrouter.wire.sse import DONE, SSEDecoder

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOLDEN = FIXTURES / "convert"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
KINDS = ("request", "response", "stream")

Json = dict[str, Any]


def load(path: Path) -> Any:
    """Parse one JSON file."""
    return json.loads(path.read_text())


def sse_json(path: Path) -> list[Json]:
    """The JSON payloads of a recorded .sse file, [DONE] skipped."""
    decoder = SSEDecoder()
    events = decoder.feed(path.read_bytes()) + decoder.finish()
    return [event.json() for event in events if event.data != DONE]


def replay(path: Path, stream: Any) -> list[Json]:
    """Feed every JSON event of a recorded .sse file to stream, then finish()."""
    out: list[Json] = []
    for chunk in sse_json(path):
        out += stream.feed(chunk)
    return out + stream.finish()


def check(path: Path, case: Json, actual: Json) -> None:
    """Assert actual matches the case's pinned keys (rewriting them first under UPDATE_GOLDEN)."""
    if UPDATE:
        case.update(actual)
        path.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")
    for key, value in actual.items():
        assert value == case.get(key), f"{path.name}: {key} differs from the golden"


class Goldens:
    """Golden cases of one pair of converter directions, with their ConvertContext defaults."""

    def __init__(
        self, modules: dict[str, ModuleType], base_ctx: dict[str, Json], common_ctx: Json
    ) -> None:
        self.modules, self.base_ctx, self.common_ctx = modules, base_ctx, common_ctx

    def cases(self, kind: str, directions: tuple[str, ...] | None = None) -> list[Any]:
        """pytest params (direction, path) for every golden of kind."""
        return [
            pytest.param(direction, path, id=f"{direction}/{path.stem}")
            for direction in directions or tuple(self.modules)
            for path in sorted((GOLDEN / direction / kind).glob("*.json"))
        ]

    def ctx(self, direction: str, overrides: Json | None = None, stream: bool = False) -> Any:
        """A ConvertContext for direction: common, then per-direction, then overrides."""
        fields = {**self.common_ctx, **self.base_ctx[direction], "stream": stream}
        return ConvertContext(**{**fields, **(overrides or {})})

    def run(self, direction: str, kind: str, case: Json) -> Json:
        """Convert the case's input; request/response converters must not mutate it."""
        module = self.modules[direction]
        if kind == "stream":
            stream = module.Stream(self.ctx(direction, case.get("ctx"), stream=True))
            events = replay(FIXTURES / case["input"], stream)
            usage = dataclasses.asdict(stream.usage) if stream.usage else None
            return {"expected": events, "usage": usage}
        body = load(FIXTURES / case["input"])
        before = copy.deepcopy(body)
        out = getattr(module, kind)(body, self.ctx(direction, case.get("ctx")))
        assert body == before, "converters must not mutate their input"
        return {"expected": out}

    def check_case(self, direction: str, kind: str, path: Path) -> None:
        """Run one golden case and compare it with its pinned output."""
        case = load(path)
        check(path, case, self.run(direction, kind, case))

    def missing_inputs(self) -> list[str]:
        """Ids of goldens whose input fixture does not exist."""
        return [
            param.id
            for kind in KINDS
            for param in self.cases(kind)
            if not (FIXTURES / load(param.values[1])["input"]).is_file()
        ]

    def expected(self, direction: str, kind: str, name: str) -> Any:
        """The pinned "expected" of one named golden."""
        return load(GOLDEN / direction / kind / f"{name}.json")["expected"]


GEMINI = Goldens(
    {"chat_to_gemini": chat_to_gemini, "gemini_to_chat": gemini_to_chat},
    {
        "chat_to_gemini": {"model": "gemini-2.5-flash", "id": "chatcmpl-g1"},
        "gemini_to_chat": {
            "model": "gpt-4o-mini",
            "client_model": "gemini-2.5-flash",
            "id": "g2c1",
        },
    },
    {"created": 1767225600, "prompt_tokens_estimate": 42},
)
MESSAGES = Goldens(
    {"chat_to_messages": chat_to_messages, "messages_to_chat": messages_to_chat},
    {
        "chat_to_messages": {"model": "claude-sonnet-4-5-20250929", "client_model": "gpt-4o"},
        "messages_to_chat": {
            "model": "gpt-4o",
            "client_model": "claude-sonnet-4-5",
            "id": "msg_t1",
        },
    },
    {"id": "chatcmpl-t1", "created": 1767225600, "prompt_tokens_estimate": 42},
)
