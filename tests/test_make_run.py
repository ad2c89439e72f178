"""`make run` (scripts/run.py) as a newcomer runs it: real processes, real port."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_SCRIPT = BASE_DIR / "scripts" / "run.py"
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_env(tmp_path: Path, port: int) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "CELERY_", "SITE_URL"))}
    env.update(DJANGO_ENV="development", PORT=str(port), TIPCAST_VAR_DIR=str(tmp_path / "var"))
    return env


class Output:
    """Collects a process's combined output on a thread, so waiting for a line
    never blocks on a pipe."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, process: subprocess.Popen, timeout: float = 90) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.text)
            if match:
                return match
            if process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"{pattern!r} never appeared in the output:\n{self.text[-4000:]}")


def session_processes(session_id: int) -> list[int]:
    """Every live process in the session (or process group) `session_id` leads."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, process_group, session = fields[0], int(fields[2]), int(fields[3])
        if state != "Z" and session_id in (process_group, session):
            found.append(int(entry.name))
    return found


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def start(tmp_path, port):
    return subprocess.Popen(
        [sys.executable, str(RUN_SCRIPT)],
        cwd=tmp_path,  # run.py must not depend on the caller's directory
        env=run_env(tmp_path, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_make_run_serves_the_site_runs_a_worker_and_stops_everything_on_ctrl_c(tmp_path):
    port = free_port()
    process = start(tmp_path, port)
    output = Output(process)
    started = []
    try:
        url = output.wait_for(r"Tipcast is running at (http://\S+)", process).group(1)
        assert url == f"http://127.0.0.1:{port}/"
        assert "staff@example.com / tipcast-staff" in output.text
        assert "customer@example.com / tipcast-customer" in output.text

        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
        # The Celery worker is up, with beat, on the filesystem broker under var/.
        output.wait_for(r"celery@\S+ ready", process)
        output.wait_for(r"beat: Starting", process)
        assert (tmp_path / "var" / "db.sqlite3").exists()
        assert (tmp_path / "var" / "broker" / "queue").is_dir()

        leaders = children_of(process.pid)
        assert len(leaders) == 2  # the web server and the worker, each leading its own group
        started = [pid for leader in leaders for pid in session_processes(leader)]
        assert len(started) >= 3  # the worker forks its pool and beat
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("run.py did not exit within 30 s of SIGINT")

    assert process.returncode == 0
    assert "Stopped." in output.text
    assert [pid for pid in started if _is_running(pid)] == []
    assert not _port_answers(port)


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_make_run_says_clearly_when_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, str(RUN_SCRIPT)],
            env=run_env(tmp_path, port),
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stdout
    assert f"PORT={port + 1} make run" in result.stdout
    assert not (tmp_path / "var").exists()  # nothing was started or created
