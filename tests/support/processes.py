"""Ports, process groups, waiting for a condition, and reading a process's output."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nothing listens on right now: bind, read the number, close."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(
    condition: Callable[[], object],
    *,
    timeout: float,
    what: str | Callable[[], str],
    interval: float = 0.25,
    process: subprocess.Popen | None = None,
):
    """Poll `condition` until it returns something truthy, and return that.

    `what` names what was awaited in the failure message; a callable is called
    only on failure, so the message shows the state at the deadline. With
    `process`, give up as soon as that process has exited: nothing it would
    have done can happen any more."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        exited = process is not None and process.poll() is not None
        if exited or time.monotonic() > deadline:
            reason = f"the process exited ({process.returncode})" if exited else f"timed out after {timeout} s"
            raise AssertionError(f"{reason} waiting for {what() if callable(what) else what}")
        time.sleep(interval)


def stop_group(process: subprocess.Popen, *, timeout: float = 20) -> None:
    """SIGTERM to the process group `process` leads (it was started with
    start_new_session=True), as an orchestrator stops a container; SIGKILL
    should it not exit in time. Waits until it has exited."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the whole group: a crash, with no chance to clean up."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


class ProcessGroups:
    """Processes a test starts, each in its own session so that a signal reaches
    a process and its children (Celery's pool) and nothing else. Each one's
    output goes to <log_dir>/<name>.log."""

    def __init__(self, log_dir: Path, env: dict, *, cwd: Path = ROOT):
        self.log_dir, self.env, self.cwd = log_dir, env, cwd
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], *, env: dict | None = None) -> subprocess.Popen:
        with open(self.log_path(name), "ab") as log:
            # The child keeps its own copy of the file descriptor.
            process = subprocess.Popen(
                args,
                cwd=self.cwd,
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[name] = process
        return process

    def kill(self, name: str) -> None:
        kill_group(self.running.pop(name))

    def stop(self, name: str) -> None:
        stop_group(self.running.pop(name))

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def log(self, name: str) -> str:
        path = self.log_path(name)
        return path.read_text(errors="replace") if path.exists() else ""


def manage(*args: str, env: dict, timeout: float = 180) -> str:
    """`python manage.py <args>` in a fresh process; it must succeed. Returns its stdout."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result.stdout


class Output:
    """Collects a process's combined output (stdout=PIPE, text=True) on a
    thread, so waiting for a line never blocks on a pipe."""

    def __init__(self, process: subprocess.Popen):
        self.process, self.lines = process, []
        self._thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 90) -> re.Match:
        """The first match of `pattern` in the output so far, waiting while the process runs."""
        return wait_for(
            lambda: re.search(pattern, self.text),
            timeout=timeout,
            interval=0.2,
            process=self.process,
            what=lambda: f"{pattern!r} in the output:\n{self.text[-4000:]}",
        )


# --- What is running: read from /proc -------------------------------------------------------------


def _stat_fields(pid: str | int) -> list[str] | None:
    """/proc/<pid>/stat after the command name: state, ppid, pgrp, session, ..."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _live_pids():
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(entry.name)
            if fields is not None:
                yield int(entry.name), fields


def is_running(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def children_of(pid: int) -> list[int]:
    return [child for child, fields in _live_pids() if int(fields[1]) == pid]


def session_processes(session_id: int) -> list[int]:
    """Every live process in the session (or process group) `session_id` leads."""
    return [pid for pid, fields in _live_pids() if fields[0] != "Z" and session_id in (int(fields[2]), int(fields[3]))]
