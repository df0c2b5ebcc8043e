"""Real Celery workers and brokers for tests.

- `broker_url_required()`: the Redis broker of CELERY_BROKER_URL, or skip (fail under
  REQUIRE_SERVICES=1).
- `celery_on_broker(url)`: point this process's Celery app at a broker, with a queue of
  this test's own so it never takes (or leaves) another run's messages.
- `worker_in_thread()`: a worker inside this process (quick; shares the test database).
- `WorkerProcess`: a worker as a separate process, which a test may kill with SIGKILL
  (needs PostgreSQL: the test database must be reachable from another process).
- `RedisServer`: a redis-server of the test's own, on a free port, that it may restart
  without disturbing the machine's shared Redis.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connection, connections

from casefiles.celery import app
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent


def broker_reachable(url: str | None) -> bool:
    if not url or not url.startswith("redis"):
        return False
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def broker_url_required() -> str:
    url = os.environ.get("CELERY_BROKER_URL")
    require_service(broker_reachable(url), f"no Redis broker reachable at {url!r}")
    assert url
    return url


def _forget_broker_connections() -> None:
    # The app keeps a connection pool for the broker it first published to, and its queues
    # as first configured; a test that changes brokers or queues must not use the old ones.
    app._pool = None
    app.__dict__.pop("amqp", None)


@contextmanager
def celery_on_broker(url: str) -> Iterator[str]:
    """Publish to `url` (no longer in-process) on a fresh queue; yields the queue's name."""
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    # Celery reads the broker from this variable before its own setting.
    saved_environ = os.environ.get("CELERY_BROKER_URL")
    queue = f"letters-test-{uuid.uuid4().hex[:8]}"
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=queue)
    _forget_broker_connections()
    try:
        yield queue
    finally:
        if saved_environ is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_environ
        app.conf.update(saved)
        _forget_broker_connections()


def _close_worker_connections(**kwargs) -> None:
    # The worker thread's database connections must not outlive the test database.
    connections.close_all()


@contextmanager
def worker_in_thread():
    """A solo worker in a thread of this process, consuming the app's default queue."""
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_worker_connections)


def require_postgresql() -> None:
    require_service(
        connection.vendor == "postgresql",
        "a worker process needs the test database on PostgreSQL (DATABASE_URL)",
    )


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    """`celery worker` in its own process on the test database, media folder and queue."""

    def __init__(self, *, broker_url: str, queue: str, log_dir: Path) -> None:
        self.broker_url, self.queue, self.log_dir = broker_url, queue, log_dir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 30) -> None:
        self.starts += 1
        log = self.log_dir / f"worker-{self.starts}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "casefiles.settings",
            "SECRET_KEY": "tests-only-not-secret",
            "DEBUG": "0",
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "LETTERS_RENDER_TIME_LIMIT": str(settings.LETTERS_RENDER_TIME_LIMIT),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "casefiles",
                "worker",
                "--pool=solo",
                f"--queues={self.queue}",
                f"--hostname=test-{self.queue}-{self.starts}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--logfile={log}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if log.exists() and " ready." in log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        text = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(f"the worker did not start:\n{text[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-task with no chance to tidy up."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, persisting to an append-only file in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1)

    def start(self, timeout: float = 10) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--dir",
                str(self.data_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def shutdown(self) -> None:
        """SHUTDOWN as an operator's restart does: the append-only file is flushed first."""
        if self.process is None or self.process.poll() is not None:
            return
        # The connection closes as the server goes; that is the point.
        with suppress(redis.RedisError):
            self.client().shutdown()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
