"""clawrouter.heap: a serving process freezes what start-up loaded and spaces young collections
out. Checked in a child interpreter: freezing this test process's objects would keep them."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import gc
from clawrouter import heap
loaded = [{"row": i} for i in range(1000)]  # start-up's state
heap.tune_for_serving()
assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD, gc.get_threshold()
assert gc.get_freeze_count() >= 1000, gc.get_freeze_count()
assert gc.get_count()[0] < 100, gc.get_count()
print("ok")
"""


def test_tune_for_serving_freezes_and_raises_the_threshold() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
