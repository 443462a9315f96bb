"""The ASGI application's processes and the cyclic collector (decisions 0010 and 0021), with
the speedups on: what the process loaded at start-up is left out of every collection
(gc.freeze: the longest pause during the chat benchmark fell from 102 ms to 24 ms), and the
young generation is collected after 10,000 allocations instead of 700 (at 1,000 chat sessions
the collector's time in the message minute fell from 923–951 ms to 49–88 ms). Garbage cycles made
afterwards are still collected, by the collector's own schedule. With the speedups off, the
process keeps Python's own collector settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from access_support.speedups.startup import YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = (
    "import gc, json, weakref\n"
    "stock = gc.get_threshold()\n"
    "before = gc.get_freeze_count()\n"
    "import access_support.asgi\n"
    "frozen = gc.get_freeze_count()\n"
    "class Node: pass\n"
    "a, b = Node(), Node(); a.other, b.other = b, a\n"
    "ref = weakref.ref(a); del a, b\n"
    # No gc.collect(): the collector's own schedule must find the cycle once enough has been
    # allocated (and kept) after it.
    "kept = []\n"
    "for _ in range(3 * gc.get_threshold()[0]):\n"
    "    kept.append([])\n"
    "    if ref() is None: break\n"
    "print(json.dumps({'stock': stock, 'threshold': gc.get_threshold(), 'before': before,\n"
    "                  'frozen': frozen, 'cycle_freed': ref() is None}))\n"
)


def _start_up(tmp_path: Path, speedups: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "access_support.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SPEEDUPS": speedups,
    }
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_start_up_objects_are_frozen_young_ones_collected_less_often_cycles_still_freed(tmp_path):
    result = _start_up(tmp_path, "on")
    assert result["before"] == 0
    assert result["frozen"] > 50_000  # Django and the apps: hundreds of thousands of objects
    stock = result["stock"]
    assert result["threshold"] == [YOUNG_THRESHOLD, stock[1], stock[2]]
    assert YOUNG_THRESHOLD > stock[0]
    assert result["cycle_freed"] is True  # garbage made after start-up is still collected


def test_with_the_speedups_off_the_collector_keeps_pythons_own_settings(tmp_path):
    result = _start_up(tmp_path, "off")
    assert result["frozen"] == 0
    assert result["threshold"] == result["stock"]
    assert result["cycle_freed"] is True
