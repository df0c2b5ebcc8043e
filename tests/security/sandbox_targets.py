"""Functions the sandbox tests run in a render child process.

They live apart from the test modules because the child imports them by name and sets
no Django up: this module must import nothing of Django.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def sleep_after_writing_pid(*, pid_file: str, seconds: float) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(seconds)


def spin_forever() -> None:
    while True:
        pass


def hoard_memory(*, megabytes_each: int = 20) -> int:
    hoard = []
    while True:
        hoard.append(bytearray(megabytes_each * 1024 * 1024))
        if len(hoard) > 10_000:
            return len(hoard)


def connect_to(*, host: str, port: int) -> None:
    import socket

    socket.create_connection((host, port), timeout=1)


def add(*, a: int, b: int) -> int:
    return a + b


def add_in_a_sandbox(queue) -> None:
    """Run `add` through the sandbox and put what came back (or went wrong) on ``queue``."""
    from casefiles.sandbox import RenderLimits, run_bounded

    try:
        queue.put(run_bounded(add, limits=RenderLimits(wall_seconds=20), a=2, b=3))
    except Exception as exc:  # noqa: BLE001 — the test shows it
        queue.put(f"{type(exc).__name__}: {exc}")
