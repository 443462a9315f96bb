"""The cyclic garbage collector in a long-running server process (decisions 0010 and 0021).

Replaces two stock behaviours. Nothing here runs when the speedups are off.

- **Start-up objects** (0010). Stock, every full collection walks every object the process
  loaded at start-up (Django, the apps, their modules), though they live as long as the
  process. `gc.freeze()` after start-up moves them to a permanent generation: a full collection
  then walks only what requests and sockets create. Measured during bench.chat_latency (100
  sessions, embedded): the longest full collection fell from 102 ms to 24 ms.
- **Young collections** (0021). Stock, a young collection starts after every 700 net allocations
  of tracked objects (`gc.get_threshold()[0]`). With 1,000 sockets a process that is about one
  every 0.4 s under chat load, and objects that live a few seconds (coroutines, tasks, futures
  and timer handles, by a count of the young generation's types) survive enough of them to reach
  the old generation, where they soon die by reference counting; every quarter of the old
  generation promoted so starts a full collection of the whole heap. Here a young collection
  starts after `YOUNG_THRESHOLD` allocations: most of those objects die before a collection
  walks them. Measured during bench.chat_latency (1,000 sessions, scale-out), the message minute
  of the two processes, two runs each: from 161–169 young, 15 middle and 2 full collections
  (923–951 ms of collector time, the longest 147 ms) to 3 young and at most 1 middle (49–88 ms,
  the longest 44 ms); p99 from 33.5–42.3 ms to 17.9–21.7 ms (docs/performance.md). Cycles are
  still collected, later: a young collection walks at most `YOUNG_THRESHOLD` more objects, and
  the older generations keep Python's own thresholds.
"""

from __future__ import annotations

import gc

from access_support.speedups import enabled

YOUNG_THRESHOLD = 10_000


def freeze() -> bool:
    """Collect once, freeze what is left and collect the young generation less often; returns
    whether it did (speedups on)."""
    if not enabled():
        return False
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD)  # the middle and old generations' stay as they are
    return True
