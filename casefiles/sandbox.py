"""Run one piece of rendering work in a child process under limits that really hold.

Markdown and WeasyPrint can be made to run for minutes or to take gigabytes by what staff
type (20,000 ``[`` in a body, a 1 MB event description). A limit inside the web or worker
process cannot stop that: SIGALRM works only in a process's main thread, and a thread cannot
be killed. So `run_bounded` runs the function in a child process that

- has ``RLIMIT_CPU`` (processor seconds) and ``RLIMIT_AS`` (memory) set by the kernel, and
- is killed by the parent when the wall-clock limit passes,

from any thread: runserver's and gunicorn's request threads, Celery's prefork workers.

Children come from a "forkserver" that has imported WeasyPrint, Markdown and nh3 once, so
each render costs a fork (a few tens of milliseconds), not an interpreter start-up. The
function and its arguments are pickled: pass a module-level function and plain values
(strings, paths, dicts) — the child does not set up Django. Its return value and any
exception it raises come back to the caller; a limit reached raises `RenderLimitError`.

Usage::

    from casefiles.sandbox import RenderLimits, run_bounded

    html = run_bounded(markdown_to_html, limits=RenderLimits(wall_seconds=10), text=body)
"""

from __future__ import annotations

import math
import multiprocessing
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import AuthenticationString  # type: ignore[attr-defined]
from typing import Any, TypeVar

T = TypeVar("T")

# Imported once in the forkserver, so that children start with them loaded.
PRELOAD = [
    "casefiles.pdf",
    "weasyprint",
    "markdown",
    "markdown.extensions.sane_lists",
    "nh3",
    "casefiles.render_warmup",
]

# Tests that watch this process's own file and network access (builtins.open patched)
# set this to run the function here, unbounded, so that what it opens is seen.
RUN_IN_PROCESS = False


@dataclass(frozen=True)
class RenderLimits:
    """How much one child may use: wall-clock seconds, processor seconds, address space."""

    wall_seconds: float
    cpu_seconds: int | None = None  # default: the wall limit, rounded up
    memory_mb: int | None = 1024

    def cpu_limit(self) -> int:
        # A second past the wall limit, so that a busy child meets the clearer wall limit
        # first; the CPU limit stops a child whose parent died before it could kill it.
        wall = math.ceil(self.wall_seconds) + 1
        return min(self.cpu_seconds, wall) if self.cpu_seconds else wall


class RenderLimitError(Exception):
    """The child was stopped at a limit (or died); the message says which, for staff.

    ``limit`` is "time", "cpu", "memory" or "crash".
    """

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message)
        self.limit = limit

    def __reduce__(self):  # keep ``limit`` when the child sends one back
        return (_limit_error, (str(self), self.limit))


def _limit_error(message: str, limit: str) -> RenderLimitError:
    return RenderLimitError(message, limit=limit)


def limits_from_settings(wall_seconds: float) -> RenderLimits:
    """The configured processor and memory limits (RENDER_CPU_SECONDS, RENDER_MEMORY_MB)."""
    from django.conf import settings

    return RenderLimits(
        wall_seconds=wall_seconds,
        cpu_seconds=settings.RENDER_CPU_SECONDS,
        memory_mb=settings.RENDER_MEMORY_MB or None,
    )


def run_bounded(function: Callable[..., T], /, *, limits: RenderLimits, **kwargs: Any) -> T:
    """``function(**kwargs)`` run in a limited child process; its result, or its exception.

    Raises RenderLimitError when the child runs past ``limits.wall_seconds`` (it is
    killed), uses more processor time or memory than allowed, or dies without answering.
    """
    if RUN_IN_PROCESS:
        return function(**kwargs)
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main,
        args=(sender, function, kwargs, limits),
        name=f"render:{getattr(function, '__name__', 'function')}",
        daemon=True,
    )
    started = time.monotonic()
    _start(child)
    sender.close()  # the child holds the only writer: its death reads as end of file
    try:
        ready = wait([receiver, child.sentinel], timeout=limits.wall_seconds)
        outcome = None
        if receiver in ready:
            try:
                outcome = receiver.recv()
            except EOFError:
                outcome = None
        elif not ready:
            raise RenderLimitError(
                f"took longer than {limits.wall_seconds:g} s and was stopped", limit="time"
            )
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if outcome is None:
        raise _death_error(child.exitcode, limits, time.monotonic() - started)
    kind, value, detail = outcome
    if kind == "ok":
        return value
    if detail:
        value.add_note(f"In the render process:\n{detail}")
    raise value


def _start(child) -> None:
    """Start the child, also from a Celery prefork worker.

    Celery's workers are billiard processes that leave billiard's own values in
    multiprocessing's record of the current process: "daemon" (and multiprocessing forbids
    daemonic processes children, lest they outlive them) and an authentication key that
    multiprocessing refuses to pickle. Both are swapped for the start only. The child cannot
    outlive the call: run_bounded kills or reaps it before returning, and its CPU limit ends
    it should this process die first.
    """
    # Private to multiprocessing (so unknown to typeshed), but the only record there is.
    config: dict = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    foreign = config.get("daemon") or not isinstance(config.get("authkey"), AuthenticationString)
    if not foreign:
        child.start()
        return
    saved = dict(config)
    config["daemon"] = False
    config["authkey"] = AuthenticationString(bytes(config["authkey"]))
    child.authkey = bytes(config["authkey"])  # the child copied the key when it was made
    try:
        child.start()
    finally:
        config.clear()
        config.update(saved)


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)  # only takes effect before the server starts
    return context


def _death_error(exitcode: int | None, limits: RenderLimits, elapsed: float) -> RenderLimitError:
    """Why a child ended without answering, from how it ended."""
    # SIGXCPU comes at the soft CPU limit; SIGKILL at the hard one (or from the OOM killer).
    killed_for_cpu = exitcode == -signal.SIGKILL and elapsed >= limits.cpu_limit()
    if exitcode == -signal.SIGXCPU or killed_for_cpu:
        return RenderLimitError(
            f"used more than {limits.cpu_limit()} s of processor time and was stopped",
            limit="cpu",
        )
    memory = f" (limit {limits.memory_mb} MB)" if limits.memory_mb else ""
    return RenderLimitError(
        f"stopped unexpectedly (exit code {exitcode}), most likely out of memory{memory}",
        limit="crash",
    )


def _child_main(sender, function: Callable[..., Any], kwargs: dict, limits: RenderLimits) -> None:
    """In the child: set the limits, run, send back ("ok", result, "") or ("error", exc, tb)."""
    _limit_self(limits)
    out_of_memory = False
    try:
        outcome: tuple[str, Any, str] = ("ok", function(**kwargs), "")
    except MemoryError:
        # Leave the except block first: its traceback keeps alive what filled the memory.
        out_of_memory = True
    except BaseException as exc:  # noqa: BLE001 — every failure goes back to the caller
        outcome = ("error", exc.with_traceback(None), traceback.format_exc())
    if out_of_memory:
        outcome = (
            "error",
            RenderLimitError(
                f"needed more than the {limits.memory_mb} MB of memory allowed and was stopped",
                limit="memory",
            ),
            "",
        )
    try:
        sender.send(outcome)
    except MemoryError:
        sys.exit(3)  # the parent reports a child that ended without answering
    except Exception as exc:  # an exception or a result that cannot be pickled
        sender.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), outcome[2]))
    sender.close()


def _limit_self(limits: RenderLimits) -> None:
    cpu = limits.cpu_limit()
    # Past the soft limit the kernel sends SIGXCPU (ends the process); the hard one, SIGKILL.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    if limits.memory_mb:
        size = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.addaudithook(_refuse_network)


def _refuse_network(event: str, args: tuple) -> None:
    """Renderers fetch nothing: a connection attempt from the child is an error, not a fetch."""
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
        raise PermissionError(f"Rendering may not use the network ({event}).")


__all__ = [
    "PRELOAD",
    "RenderLimitError",
    "RenderLimits",
    "limits_from_settings",
    "run_bounded",
]
