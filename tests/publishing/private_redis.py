"""A redis-server of our own for tests that stop and restart the broker."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.processes import free_port, port_open, stop_group, wait_for


class PrivateRedis:
    """A redis-server of our own, so the test can stop and restart the broker
    without touching the Redis other suites share. Nothing is persisted: a
    restart loses whatever the queue held, as a crashed broker would."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.tmp, self.process, self.url = tmp, None, f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
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
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(
                lambda: port_open("127.0.0.1", self.port),
                timeout=20,
                interval=0.05,
                process=self.process,
                what=f"redis-server to listen on port {self.port}",
            )
        except AssertionError:
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM, as an orchestrator stops a container, and wait until it has exited."""
        if self.process is not None:
            stop_group(self.process)
        self.process = None
