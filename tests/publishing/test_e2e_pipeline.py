"""End to end: a real Celery worker (with beat) on a real Redis broker, a database
file (or PostgreSQL database) that every process sees, and the fake X/Facebook
server on loopback.

Nothing here uses pytest-django's test database: the worker is another process
and could not see a transaction the test holds open. Every step runs as a
`manage.py shell` subprocess against a database made for this module, which is
exactly how the web process and the worker share one in production.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
import requests

from tests.conftest import port_open
from tests.publishing.fake_social import FakeSocialServer
from tests.publishing.private_redis import PrivateRedis

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Our own Redis database number, so other suites' queues never mix with ours.
BROKER_DB = 11


def _own_database(tmp: Path) -> tuple[str, callable]:
    """A fresh database for the module: a SQLite file, or a PostgreSQL database
    next to the one DATABASE_URL names."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'e2e.sqlite3'}", lambda: None
    import psycopg

    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'tipcast'}_pipe_e2e"
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunparse(parsed._replace(path=f"/{name}")), drop


class Stack:
    def __init__(self, tmp: Path, env: dict, fake: FakeSocialServer):
        self.tmp, self.env, self.fake = tmp, env, fake
        self.worker: subprocess.Popen | None = None
        self.worker_runs = 0

    # --- processes ---------------------------------------------------------------------------------

    def shell(self, code: str, *, env: dict | None = None, timeout: float = 120) -> object:
        """Run Django code in a fresh process; it prints one JSON value last."""
        result = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", textwrap.dedent(code)],
            check=False,
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start_worker(self, *, env: dict | None = None) -> None:
        self.worker_runs += 1
        with open(self.tmp / f"worker-{self.worker_runs}.log", "w") as log:
            # The child keeps its own copy of the file descriptor.
            self.worker = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "celery",
                    "-A",
                    "supportsite",
                    "worker",
                    "--beat",
                    "--loglevel=INFO",
                    "--concurrency=4",
                    "--schedule",
                    str(self.tmp / "beat-schedule"),
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"e2e{self.worker_runs}@%h",
                ],
                cwd=ROOT,
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def current_worker_log(self) -> str:
        return (self.tmp / f"worker-{self.worker_runs}.log").read_text()

    def wait_for_worker_log(self, pattern: str, *, after: int = 0, timeout: float = 60) -> re.Match:
        """Wait until the running worker's log matches `pattern` beyond offset `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.compile(pattern).search(self.current_worker_log(), after)
            if match:
                return match
            assert self.worker is not None and self.worker.poll() is None, self.current_worker_log()[-4000:]
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} never appeared in the worker log:\n{self.current_worker_log()[-4000:]}")

    def kill_worker(self, sig=signal.SIGKILL) -> None:
        if self.worker and self.worker.poll() is None:
            os.killpg(self.worker.pid, sig)
            self.worker.wait(timeout=30)
        self.worker = None

    def stop_worker(self) -> None:
        if self.worker and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
                self.worker.wait(timeout=10)
        self.worker = None

    def worker_log(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.tmp.glob("worker-*.log")))

    # --- the scenario's moves ----------------------------------------------------------------------------

    def publish(self, titles: list[str], *, env: dict | None = None) -> list[int]:
        return self.shell(
            f"""
            import json
            from qa import services
            ids = []
            for title in {titles!r}:
                tip = services.tip_create(title=title, answer_text="答え: " + title)
                ids.append(services.tip_publish(tip=tip).pk)
            print(json.dumps(ids))
        """,
            env=env,
        )

    def deliveries(self, tip_ids: list[int]) -> list[dict]:
        return self.shell(f"""
            import json
            from publishing.models import Delivery
            rows = Delivery.objects.filter(tip_id__in={tip_ids!r}).values(
                "tip_id", "channel", "status", "attempts", "error_kind", "last_error", "remote_id")
            print(json.dumps(list(rows)))
        """)

    def posts(self) -> list[dict]:
        return requests.get(f"{self.fake.url}/_fake/posts", timeout=5).json()["posts"]

    def script(self, body: dict) -> None:
        requests.post(f"{self.fake.url}/_fake/script", json=body, timeout=5).raise_for_status()

    def wait_for(self, tip_ids, done, *, timeout: float = 90) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            rows = self.deliveries(tip_ids)
            if done(rows):
                return rows
            if time.monotonic() > deadline:
                raise AssertionError(f"Timed out; deliveries: {rows}\n--- worker log ---\n{self.worker_log()[-6000:]}")
            time.sleep(1)


def _posts_per_tip(posts: list[dict], tip_ids: list[int]) -> Counter:
    """(network, tip id) -> number of live posts linking to that tip."""
    counts = Counter()
    for post in posts:
        for tip_id in tip_ids:
            if f"/tips/{tip_id}/" in (post.get("link") or post.get("text", "")) and not post["deleted"]:
                counts[(post["network"], tip_id)] += 1
    return counts


def _all_sent(rows) -> bool:
    return bool(rows) and all(row["status"] == "sent" for row in rows)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from tests.conftest import REDIS_URL, require_service

    parsed = urlparse(REDIS_URL)
    require_service("Redis", port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379), REDIS_URL)
    broker = urlunparse(parsed._replace(path=f"/{BROKER_DB}"))
    import redis

    redis.Redis.from_url(broker).flushdb()

    tmp = tmp_path_factory.mktemp("pipeline")
    database_url, drop_database = _own_database(tmp)
    fake = FakeSocialServer(port=0).start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PUBLISHING_", "CELERY_", "X_", "FACEBOOK_"))},
        "DJANGO_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "supportsite.settings",
        "DATABASE_URL": database_url,
        "TIPCAST_VAR_DIR": str(tmp / "var"),
        "CELERY_BROKER_URL": broker,
        "SITE_URL": "https://support.example.com",
        "X_API_KEY": "ck",
        "X_API_SECRET": "cs",
        "X_ACCESS_TOKEN": "at",
        "X_ACCESS_TOKEN_SECRET": "as",
        "FACEBOOK_PAGE_ID": "424242",
        "FACEBOOK_PAGE_ACCESS_TOKEN": "page-token",
        "CONSOLE_CHANNEL": "off",
        "PUBLISHING_REQUESTS_SESSION_FACTORY": "tests.publishing.fake_social.RedirectingSession",
        "FAKE_SOCIAL_URL": fake.url,
        "PUBLISHING_DRIP_INTERVAL_MINUTES": "0",
        "PUBLISHING_POSTING_HOURS": "00:00-24:00",
        "PUBLISHING_SWEEP_INTERVAL_SECONDS": "1",
        "PUBLISHING_SENDING_TIMEOUT_SECONDS": "4",
        "PUBLISHING_RETRY_BASE_SECONDS": "1",
        "PUBLISHING_RETRY_MAX_SECONDS": "2",
        "PUBLISHING_HTTP_TIMEOUT": "10",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp / "mail"),
        "STAFF_NOTIFY_EMAILS": "ops@example.com",
        "PYTHONPATH": str(ROOT),
    }
    migrate = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    running = Stack(tmp, env, fake)
    yield running
    running.stop_worker()
    fake.stop()
    drop_database()


@pytest.fixture
def worker(stack):
    requests.post(f"{stack.fake.url}/_fake/reset", timeout=5)
    stack.start_worker()
    yield stack
    stack.stop_worker()


def test_fifty_tips_at_once_reach_each_network_exactly_once(worker):
    tip_ids = worker.publish([f"一斉公開のヒント その{n}" for n in range(50)])
    rows = worker.wait_for(tip_ids, _all_sent)
    assert len(rows) == 100
    counts = _posts_per_tip(worker.posts(), tip_ids)
    assert len(counts) == 100 and set(counts.values()) == {1}
    assert "outcome=sent" in worker.worker_log() and "duration_ms=" in worker.worker_log()


def test_worker_killed_mid_way_loses_nothing_and_duplicates_nothing(worker):
    # Slow answers keep sends in flight when the worker dies.
    worker.script(
        {
            "x": [{"status": "ok", "delay": 1.5, "method": "POST"}] * 12,
            "facebook": [{"status": "ok", "delay": 1.5, "method": "POST"}] * 12,
        }
    )
    tip_ids = worker.publish([f"強制終了テスト {n}" for n in range(12)])
    deadline = time.monotonic() + 30
    while not worker.posts() and time.monotonic() < deadline:
        time.sleep(0.2)
    worker.kill_worker(signal.SIGKILL)
    in_flight = [row for row in worker.deliveries(tip_ids) if row["status"] == "sending"]
    worker.start_worker()
    rows = worker.wait_for(tip_ids, _all_sent, timeout=120)
    counts = _posts_per_tip(worker.posts(), tip_ids)
    assert len(counts) == 24 and set(counts.values()) == {1}, (counts, in_flight)
    assert len(rows) == 24
    if in_flight:
        # Rows the dead worker held were looked up, never re-sent blindly.
        assert "reconciled after a stuck send" in worker.worker_log()


@pytest.fixture
def private_redis(tmp_path):
    from tests.conftest import require_service

    require_service("redis-server", shutil.which("redis-server") is not None, "the redis-server binary")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


# The publishing side: tips published one by one, in one process as a web
# worker would; it pauses after the first few until the test has stopped the
# broker, then publishes the rest into the outage.
PUBLISHER = """
import json, os, pathlib, time
from qa import services
go_on = pathlib.Path(os.environ["E2E_GO_ON_FILE"])
for n, title in enumerate(json.loads(os.environ["E2E_TITLES"])):
    if n == int(os.environ["E2E_PAUSE_AFTER"]):
        print("PAUSED", flush=True)
        while not go_on.exists():
            time.sleep(0.05)
    tip = services.tip_create(title=title, answer_text="答え: " + title)
    print("PUBLISHED", services.tip_publish(tip=tip).pk, flush=True)
"""


def test_broker_stopped_while_tips_are_published_and_restarted_loses_and_duplicates_nothing(stack, private_redis):
    requests.post(f"{stack.fake.url}/_fake/reset", timeout=5)
    broker = {"CELERY_BROKER_URL": private_redis.url}
    stack.start_worker(env=broker)
    try:
        stack.wait_for_worker_log(r"@\S+ ready\.")
        before, during = (
            ["ブローカー稼働中の公開 1", "ブローカー稼働中の公開 2"],
            [f"ブローカー停止中の公開 {n}" for n in range(4)],
        )
        go_on = stack.tmp / "broker-stopped"
        go_on.unlink(missing_ok=True)
        publisher = subprocess.Popen(
            [PYTHON, "manage.py", "shell", "-c", PUBLISHER],
            cwd=ROOT,
            text=True,
            env={
                **stack.env,
                **broker,
                "E2E_GO_ON_FILE": str(go_on),
                "E2E_PAUSE_AFTER": str(len(before)),
                "E2E_TITLES": json.dumps(before + during),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # Reading its output blocks: should the publisher hang, kill it, which ends the output.
        watchdog = threading.Timer(90, lambda: os.killpg(publisher.pid, signal.SIGKILL))
        watchdog.start()
        try:
            lines = []
            for line in publisher.stdout:
                lines.append(line)
                if line.startswith("PAUSED"):
                    break
            assert lines and lines[-1].startswith("PAUSED"), "".join(lines)[-4000:]
            sent_before = [int(line.split()[1]) for line in lines if line.startswith("PUBLISHED")]
            # Through the broker while it is up.
            stack.wait_for(sent_before, _all_sent, timeout=30)

            private_redis.stop()
            go_on.touch()
            output = "".join(lines) + publisher.stdout.read()
            assert publisher.wait(timeout=60) == 0, output[-4000:]
        finally:
            watchdog.cancel()
            if publisher.poll() is None:
                os.killpg(publisher.pid, signal.SIGKILL)
                publisher.wait()
        # Publishing succeeded; the broker outage was only logged.
        published_during = [int(line.split()[1]) for line in output.splitlines() if line.startswith("PUBLISHED")]
        published_during = [tip_id for tip_id in published_during if tip_id not in sent_before]
        assert len(published_during) == len(during)
        assert output.count("Could not enqueue send_delivery") == 2 * len(during), output[-4000:]
        rows = stack.deliveries(published_during)
        assert len(rows) == 2 * len(during) and {row["status"] for row in rows} == {"pending"}
        assert not _posts_per_tip(stack.posts(), published_during)

        # The worker noticed, and keeps trying to reconnect.
        stack.wait_for_worker_log(r"Connection to broker lost")
        stack.wait_for_worker_log(r"Cannot connect to redis://")

        # The broker comes back on the same port, empty. The worker reconnects
        # and its beat runs the sweeper, which finds the pending rows.
        outage_log_offset = len(stack.current_worker_log())
        private_redis.start()
        stack.wait_for_worker_log(rf"Connected to redis://[^\n]*:{private_redis.port}/0", after=outage_log_offset)
        rows = stack.wait_for(published_during, _all_sent, timeout=45)
        assert {row["attempts"] for row in rows} == {1}

        tip_ids = sent_before + published_during
        counts = _posts_per_tip(stack.posts(), tip_ids)
        assert len(counts) == 2 * len(tip_ids) and set(counts.values()) == {1}, counts
        after_outage = stack.current_worker_log()[outage_log_offset:]
        # Only the sweeper could have sent them: no send message survived the outage.
        assert "Task publishing.sweep_deliveries" in after_outage
        assert "Task publishing.send_delivery" not in after_outage
    finally:
        stack.stop_worker()


def test_server_errors_then_rate_limit_then_success_is_sent_once(worker):
    worker.script(
        {
            "x": [
                {"status": 500, "method": "POST"},
                {"status": 503, "method": "POST"},
                {"status": 429, "reset_in": 2, "method": "POST"},
            ]
        }
    )
    tip_ids = worker.publish(["混雑時の再試行"])
    rows = worker.wait_for(tip_ids, _all_sent)
    x_row = next(row for row in rows if row["channel"] == "x")
    assert x_row["attempts"] >= 4
    counts = _posts_per_tip(worker.posts(), tip_ids)
    assert counts == Counter({("x", tip_ids[0]): 1, ("facebook", tip_ids[0]): 1})


def test_unauthorised_fails_flags_the_channel_and_mails_staff(worker, stack):
    worker.script({"always": {"x": 401}})
    tip_ids = worker.publish(["認証切れ"])
    rows = worker.wait_for(
        tip_ids,
        lambda rows: {r["status"] for r in rows} >= {"failed"} and all(r["status"] in {"failed", "sent"} for r in rows),
    )
    x_row = next(row for row in rows if row["channel"] == "x")
    assert x_row["status"] == "failed" and x_row["error_kind"] == "needs_reauth"
    assert next(row for row in rows if row["channel"] == "facebook")["status"] == "sent"
    assert (
        stack.shell("""
        import json
        from publishing.models import ChannelState
        print(json.dumps(ChannelState.objects.get(kind="x").needs_reauth))
    """)
        is True
    )
    deadline = time.monotonic() + 20
    mails = []
    while not mails and time.monotonic() < deadline:
        mails = list((stack.tmp / "mail").glob("*.log")) if (stack.tmp / "mail").exists() else []
        time.sleep(0.5)
    assert len(mails) == 1
    message = mails[0].read_text()
    assert "To: ops@example.com" in message and "re-authorisation" in message
