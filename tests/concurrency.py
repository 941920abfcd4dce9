"""Run calls in real threads released at the same moment, as pretix's concurrency tests do."""

import threading
import time
from collections.abc import Callable

from django.db import connection


def race(calls: list[Callable[[], object]], *, timeout_s: float = 60) -> list[object]:
    """Run each call in its own thread, all released at once; return results or errors.

    Each thread closes its database connection; a thread still running at the timeout
    fails the test as a deadlock.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=timeout_s)
            outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, call), name=f"racer-{index}")
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout_s
    for thread in threads:
        thread.join(timeout=max(0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"threads still running (deadlock?): {stuck}"
    return outcomes
