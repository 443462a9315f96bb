"""The ASGI application leaves what it loaded at start-up out of the cyclic collector's full
collections (gc.freeze), so a full collection under load walks only what requests and sockets
made (decision 0010: the longest pause during the chat benchmark fell from 102 ms to 24 ms)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.speedups_only
def test_start_up_objects_are_frozen_and_new_ones_still_collected(tmp_path):
    script = (
        "import gc, json\n"
        "before = gc.get_freeze_count()\n"
        "import access_support.asgi\n"
        "frozen = gc.get_freeze_count()\n"
        "class Node: pass\n"
        "a, b = Node(), Node(); a.other, b.other = b, a\n"
        "import weakref; ref = weakref.ref(a); del a, b\n"
        "gc.collect()\n"
        "print(json.dumps({'before': before, 'frozen': frozen, 'cycle_freed': ref() is None}))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "access_support.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["before"] == 0
    assert result["frozen"] > 50_000  # Django and the apps: hundreds of thousands of objects
    assert result["cycle_freed"] is True  # garbage made after start-up is still collected
