"""The garbage collector's settings for a serving process (runner.serve, once it listens).

A relay request frees almost everything it allocates by reference counting; what the cycle
collector finds is mostly the requests still in flight, scanned again and again. At CPython's
default threshold (a young collection every 700 net allocations, 64 connections in flight)
collections took about 14 % of a chat request's CPU in `make bench`; at 10,000 about 1 %
(docs/performance.md). What start-up loaded (the relay's indexes, options, modules) is frozen
out of the collector's sight, so the rare full collection does not walk it. Never called by
tests: freezing a test process's objects would keep its garbage alive.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # net container allocations between young collections (CPython: 700)


def tune_for_serving() -> None:
    """Collect what start-up left, freeze the survivors, space young collections out."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
