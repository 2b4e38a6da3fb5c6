"""map_in_threads: the loop's results in the loop's order, computed side by side."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from talentmarket.stats import parallel


def test_results_come_back_in_input_order_and_equal_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    rng = np.random.default_rng(3)
    matrices = [rng.normal(size=(200, 5)) for _ in range(9)]

    def solve(x: np.ndarray) -> np.ndarray:
        return np.linalg.lstsq(x, x @ np.arange(5.0) + x[:, 0] ** 2, rcond=None)[0]

    threaded = parallel.map_in_threads(solve, matrices)
    looped = [solve(x) for x in matrices]
    assert len(threaded) == len(looped)
    for a, b in zip(threaded, looped):
        np.testing.assert_array_equal(a, b)


def test_tasks_run_side_by_side_when_two_cores_are_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    both_started = threading.Barrier(2, timeout=10)  # breaks (raises) if the second task never starts alongside

    def wait_for_the_other(item: int) -> int:
        both_started.wait()
        return item * 10

    assert parallel.map_in_threads(wait_for_the_other, [1, 2]) == [10, 20]


def test_one_usable_core_is_the_plain_loop_in_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    caller = threading.get_ident()
    assert parallel.map_in_threads(lambda item: (item, threading.get_ident() == caller), "ab") == [("a", True), ("b", True)]
