"""Pure parts of the fake upstreams: behaviour markers, the usage formula and the reply plan
(text pieces, thinking, tool calls). No I/O; the provider modules turn a plan into wire format."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

THINKING_TEXT = "Let me think about the question."
LONG_WORDS = 200

# ---------------------------------------------------------------- usage


@dataclass(frozen=True)
class Usage:
    """Canonical counts. prompt_tokens includes cached and cache-write tokens; completion_tokens
    includes reasoning tokens (each provider module maps these onto its own fields)."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    cache_creation_5m: int = 0
    cache_creation_1h: int = 0
    reasoning_tokens: int = 0

    @property
    def cache_creation_tokens(self) -> int:
        return self.cache_creation_5m + self.cache_creation_1h

    @property
    def uncached_prompt_tokens(self) -> int:
        """Anthropic's input_tokens: the prompt minus cache reads and cache writes."""
        n = self.prompt_tokens - self.cached_tokens - self.cache_creation_tokens
        if n < 0:
            raise ValueError(f"usage override leaves negative uncached prompt tokens: {self}")
        return n

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def words(text: str) -> int:
    return len(text.split())


def texts(obj: Any) -> Iterator[str]:
    """Every string under `content`, `text` and `parts` keys (recursively through lists)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, list):
        for item in obj:
            yield from texts(item)
    elif isinstance(obj, dict):
        for key in ("content", "text", "parts"):
            if key in obj:
                yield from texts(obj[key])


def message_tokens(messages: Iterable[Any]) -> int:
    """The prompt formula: 3 per message plus the words of its text."""
    return sum(3 + sum(words(t) for t in texts(m)) for m in messages)


def input_tokens(value: Any) -> int:
    """Embeddings/completions input: words of strings, length of token arrays."""
    if isinstance(value, str):
        return words(value)
    if isinstance(value, list) and value and all(isinstance(x, int) for x in value):
        return len(value)
    if isinstance(value, list):
        return sum(input_tokens(x) for x in value)
    return 0


def embedding_vector(index: int, dims: int) -> list[float]:
    """The fake vector for input number `index`: exact float32 values (i+1)/4 + j/8."""
    return [(index + 1) / 4 + j / 8 for j in range(dims)]


# ---------------------------------------------------------------- markers

MARKER = re.compile(
    r"(?<![a-z0-9])(fail-\d{3}|slow-\d+|first-\d+|hang|midstream-error|cut|eof|no-usage|long"
    r"|tools-parallel|reasoning|blocked)(?![a-z0-9])"
)


@dataclass(frozen=True)
class Markers:
    fail: int | None = None
    slow_ms: int = 0
    first_ms: int = 0
    hang: bool = False
    midstream_error: bool = False
    cut: bool = False
    eof: bool = False
    no_usage: bool = False
    long: bool = False
    tools_parallel: bool = False
    reasoning: bool = False
    blocked: bool = False

    @classmethod
    def parse(cls, *sources: str | None) -> Markers:
        found: dict[str, Any] = {}
        for src in sources:
            for match in MARKER.finditer((src or "").lower()):
                token = match.group(1)
                name, _, num = token.partition("-")
                if name in ("fail", "slow", "first") and num.isdigit():
                    found["fail" if name == "fail" else f"{name}_ms"] = int(num)
                else:
                    found[token.replace("-", "_")] = True
        return cls(**found)

    @property
    def interrupts(self) -> bool:
        return self.midstream_error or self.cut


# ---------------------------------------------------------------- reply plan


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str

    @property
    def args(self) -> dict[str, Any]:
        return json.loads(self.arguments)

    def pieces(self, size: int = 8) -> list[str]:
        return [self.arguments[i : i + size] for i in range(0, len(self.arguments), size)]


@dataclass(frozen=True)
class Plan:
    """What the fake answers: text pieces (one word each), thinking pieces, tool calls."""

    chunks: list[str]
    thinking: list[str] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    truncated: bool = False
    blocked: bool = False

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    @property
    def thinking_text(self) -> str:
        return "".join(self.thinking)

    @property
    def finish(self) -> str:
        """Canonical finish reason: content_filter, tool_calls, length or stop."""
        if self.blocked:
            return "content_filter"
        return "tool_calls" if self.tool_calls else "length" if self.truncated else "stop"

    @property
    def reasoning_tokens(self) -> int:
        return words(self.thinking_text)

    @property
    def completion_tokens(self) -> int:
        calls = sum(words(c.arguments) for c in self.tool_calls)
        return words(self.text) + self.reasoning_tokens + calls

    def usage(self, prompt_tokens: int) -> Usage:
        return Usage(prompt_tokens, self.completion_tokens, reasoning_tokens=self.reasoning_tokens)


def split_words(text: str) -> list[str]:
    parts = text.split(" ")
    return [p if i == 0 else " " + p for i, p in enumerate(parts) if p or i == 0]


def reply_text(base: str, long: bool) -> str:
    if not long:
        return base
    return " ".join([base] + ["more"] * (LONG_WORDS - words(base)))


def sample_value(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return "test"
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "string")
    kind = (kind[0] if isinstance(kind, list) and kind else kind).lower()
    defaults = {"integer": 1, "number": 1.5, "boolean": True, "array": [], "object": {}}
    return defaults.get(kind, "test")


def sample_args(schema: Any) -> dict[str, Any]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    return {k: sample_value(v) for k, v in (props or {}).items()}


@dataclass(frozen=True)
class ToolSpec:
    name: str
    schema: Any


def plan_tools(
    tools: list[ToolSpec], forced: str | None, parallel: bool, id_prefix: str
) -> list[ToolCall]:
    chosen = [t for t in tools if t.name == forced][:1] or tools[:1]
    if parallel:
        chosen = [chosen[0], tools[1 % len(tools)]]
    return [
        ToolCall(f"{id_prefix}{secrets.token_hex(8)}", t.name, json.dumps(sample_args(t.schema)))
        for t in chosen
    ]


def make_plan(
    reply: str,
    markers: Markers,
    *,
    tools: list[ToolSpec] | None = None,
    call_tools: bool = False,
    forced: str | None = None,
    thinking: bool = False,
    max_tokens: Any = None,
    id_prefix: str = "call_",
) -> Plan:
    if markers.blocked:
        return Plan([], blocked=True)
    thought = split_words(THINKING_TEXT) if thinking or markers.reasoning else []
    if tools and call_tools:
        calls = plan_tools(tools, forced, markers.tools_parallel, id_prefix)
        return Plan([], thought, calls)
    chunks = split_words(reply_text(reply, markers.long))
    if isinstance(max_tokens, int) and 0 < max_tokens < len(chunks):
        return Plan(chunks[:max_tokens], thought, truncated=True)
    return Plan(chunks, thought)
