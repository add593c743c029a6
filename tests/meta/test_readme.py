"""The README's Benchmark prose quotes its own table: every number it cites must be the table's
(rounded as written), so a new run cannot leave the text telling another story."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def bench_section() -> str:
    return README.read_text(encoding="utf-8").split("## Benchmark", 1)[1].split("\n## ", 1)[0]


def table() -> dict[str, list[str]]:
    rows = [line for line in bench_section().splitlines() if line.startswith("| ")][1:]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    return {c[0]: c[1:] for c in cells}


def num(cell: str, which: int = 0) -> float:
    """The which-th number of a cell ("1.202 (+0.733)" -> 1.202, 0.733)."""
    return float(re.findall(r"[\d,]+\.?\d*", cell)[which].replace(",", ""))


def quoted(pattern: str) -> list[float]:
    found = re.search(pattern, " ".join(bench_section().split()))
    assert found, f"the Benchmark prose no longer says {pattern!r}"
    return [float(g) for g in found.groups()]


def close(said: float, actual: float) -> bool:
    """`said` is `actual` rounded to the digits written."""
    text = repr(said)
    digits = len(text.split(".")[1]) if "." in text and not text.endswith(".0") else 0
    return abs(round(actual, digits) - said) < 1e-9 or abs(actual - said) <= 0.5 * 10**-digits


@pytest.mark.parametrize(
    ("pattern", "metric", "cells"),
    [
        # (regex with the numbers, table row, [(column, which number)] in the regex's order)
        (r"CPU per request more than the raw pass-through \((\d+) against (\d+) µs\)",
         "CPU µs per request (gateway process)", [(2, 0), (1, 0)]),
        (r"beyond the raw column \(([\d.]+) against ([\d.]+) ms\)",
         "p50 ms, 1 connection (added)", [(2, 1), (1, 1)]),
        (r"32 concurrent streams it adds about -?[\d.]+ ms beyond it \(([\d.]+) against ([\d.]+) ms\)",
         "stream first byte p50 ms, 32 streams (added)", [(2, 0), (1, 0)]),
    ],
)  # fmt: skip
def test_benchmark_prose_quotes_the_table(pattern: str, metric: str, cells: list[tuple[int, int]]):
    row = table()[metric]
    for said, (column, which) in zip(quoted(pattern), cells, strict=True):
        assert close(said, num(row[column], which)), (pattern, said, row[column])


def test_benchmark_prose_differences_match_the_table():
    t = table()
    cpu = t["CPU µs per request (gateway process)"]
    said = quoted(r"spends about (\d+) µs of CPU per request more")[0]
    assert abs(said - (num(cpu[2]) - num(cpu[1]))) <= 5  # "about 270": to the nearest ten
    chat = t["p50 ms, 1 connection (added)"]
    said = quoted(r"At one connection it adds (-?[\d.]+) ms beyond the raw column")[0]
    assert close(said, num(chat[2], 1) - num(chat[1], 1))
    many = t["stream first byte p50 ms, 32 streams (added)"]
    said = quoted(r"32 concurrent streams it adds about (-?[\d.]+) ms beyond it")[0]
    assert close(said, num(many[2]) - num(many[1]))
