"""Independent refits on every usable core, in threads, with results in input order.

Jackknife and bootstrap refits are independent of each other, and their heavy part runs outside
Python's global interpreter lock: scipy's HiGHS solver releases it while it solves, and so do NumPy's
BLAS calls. Threads therefore run such refits side by side in one process, sharing the data without
copying it. Each task is computed exactly as it would be alone and the results come back in input
order, so every number is bit-identical to a loop, whatever the number of cores. What it buys is wall
time when a core is idle, e.g. when a notebook runs alone at the end of the main job.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def usable_cores() -> int:
    """The number of cores this process may run on (its CPU affinity, not the machine's core count)."""
    return len(os.sched_getaffinity(0))


def map_in_threads(function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """``[function(item) for item in items]``, run in up to :func:`usable_cores` threads.

    ``function`` must not share mutable state between calls (e.g. one random generator): each call
    then gives what it gives alone. With one usable core it is the plain loop.
    """
    items = list(items)
    workers = min(usable_cores(), len(items))
    if workers <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))
