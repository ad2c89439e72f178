"""The publishing pipeline as separate processes, for test_e2e_pipeline and
bench/publishing_latency: a Celery worker (with beat), `manage.py shell` steps
that publish and read, a database every process sees, and the fake X/Facebook
server on loopback.

Nothing here uses pytest-django's test database: the worker is another process
and could not see a transaction a test holds open. Every step runs as a
`manage.py shell` subprocess, which is exactly how the web process and the
worker share one database in production.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
import textwrap
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import requests

from tests.publishing.fake_social import FakeSocialServer, fake_line_environment, fake_social_environment
from tests.support.databases import postgres_database_create, postgres_database_drop, redis_keys_delete
from tests.support.processes import ROOT, ProcessGroups, kill_group, manage, port_open, wait_for

# The Redis database the stacks' brokers live in (E2E_BROKER_DB: engineers
# sharing one Redis each take their own). Stacks share it, each under a key
# prefix of its own (own_broker).
BROKER_DB = int(os.environ.get("E2E_BROKER_DB", "11"))


def own_database(tmp: Path, *, purpose: str) -> tuple[str, Callable[[], None]]:
    """A fresh database and how to drop it: a SQLite file in `tmp`, or, when
    DATABASE_URL names PostgreSQL, a database `<its name>_<purpose>` next to it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / f'{purpose}.sqlite3'}", lambda: None
    name = f"{urlparse(url).path.lstrip('/') or 'tipcast'}_{purpose}"
    own = postgres_database_create(server_url=url, name=name)
    return own, lambda: postgres_database_drop(url=own)


def own_broker(*, purpose: str) -> tuple[str, str, Callable[[], None]]:
    """A broker no other stack can reach: (Redis URL, key prefix, how to delete
    its keys). Every key of this stack's broker (queues, exchange bindings,
    unacknowledged messages) is under a prefix that no other stack, earlier in
    this run or running at the same time, uses. Stacks used to share the bare
    database and empty it when they started: a worker of one stack then took
    and ran tasks naming rows of another stack's database (they were lost), and
    a stack starting emptied the queues and bindings of one still running."""
    # Here, not at the top: the benchmarks import this module without Django set up.
    from tests.conftest import REDIS_URL, require_service

    parsed = urlparse(REDIS_URL)
    require_service("Redis", port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379), REDIS_URL)
    url = parsed._replace(path=f"/{BROKER_DB}").geturl()
    prefix = f"e2e:{purpose}:{os.getpid()}:{secrets.token_hex(4)}:"
    return url, prefix, lambda: redis_keys_delete(url=url, prefix=prefix)


def pipeline_environment(
    tmp: Path,
    *,
    database_url: str,
    broker_url: str,
    fake_url: str,
    networks=("x", "facebook"),
    broker_prefix: str = "",
) -> dict:
    """The environment of every process of the pipeline: test settings, the given
    database and broker (its keys under `broker_prefix`), `networks` posting to
    the fake server, and no drip (every tip is due at once, at any hour)."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PUBLISHING_", "CELERY_", "X_", "FACEBOOK_", "LINE_", "BLUESKY_", "MASTODON_"))
    }
    return {
        **inherited,
        "DJANGO_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "supportsite.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "TIPCAST_VAR_DIR": str(tmp / "var"),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_BROKER_KEY_PREFIX": broker_prefix,
        "SITE_URL": "https://support.example.com",
        "CONSOLE_CHANNEL": "off",
        **fake_social_environment(fake_url, networks=networks),
        # LINE is enabled too, but opt-in: only tips published with line=True go there.
        **fake_line_environment(fake_url),
        "PUBLISHING_DRIP_INTERVAL_MINUTES": "0",
        "PUBLISHING_POSTING_HOURS": "00:00-24:00",
    }


def celery_worker_command(*, schedule: Path, concurrency: int, loglevel: str, name: str) -> list[str]:
    """One worker that also runs beat (the sweeper), and nothing that talks to other workers."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "supportsite",
        "worker",
        "--beat",
        f"--loglevel={loglevel}",
        f"--concurrency={concurrency}",
        "--schedule",
        str(schedule),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        name,
    ]


class Stack:
    """The running pipeline: one worker at a time (restartable), the fake
    server, and the database the environment names."""

    def __init__(self, tmp: Path, env: dict, fake: FakeSocialServer):
        self.tmp, self.env, self.fake = tmp, env, fake
        self.processes = ProcessGroups(tmp, env)
        self.worker_runs = 0

    # --- processes ---------------------------------------------------------------------------------

    def shell(self, code: str, *, env: dict | None = None, timeout: float = 120) -> object:
        """Run Django code in a fresh process; it prints one JSON value last."""
        output = manage("shell", "-c", textwrap.dedent(code), env={**self.env, **(env or {})}, timeout=timeout)
        return json.loads(output.strip().splitlines()[-1])

    def start_shell(self, name: str, code: str) -> None:
        """Like shell(), without waiting for the process: the test watches
        what it does meanwhile. Its value: finish_shell(name)."""
        self.processes.start(name, [sys.executable, "manage.py", "shell", "-c", textwrap.dedent(code)])

    def finish_shell(self, name: str, *, timeout: float = 120) -> object:
        process = self.processes.running.pop(name)
        assert process.wait(timeout=timeout) == 0, self.processes.log(name)[-4000:]
        return json.loads(self.processes.log(name).strip().splitlines()[-1])

    def migrate(self) -> None:
        manage("migrate", "--noinput", env=self.env)

    @property
    def _worker_name(self) -> str:
        return f"worker-{self.worker_runs}"

    @property
    def worker(self):
        return self.processes.running.get(self._worker_name)

    def start_worker(self, *, env: dict | None = None, concurrency: int = 4, loglevel: str = "INFO") -> None:
        self.worker_runs += 1
        command = celery_worker_command(
            schedule=self.tmp / "beat-schedule",
            concurrency=concurrency,
            loglevel=loglevel,
            # One node name across restarts, as a container keeps its host
            # name: a restarted worker reconciles its previous run's claims.
            name="e2e@%h",
        )
        self.processes.start(self._worker_name, command, env=env)

    def kill_worker(self) -> None:
        """SIGKILL: the worker dies mid-task, as in a crash or an OOM kill."""
        if self.worker is not None:
            kill_group(self.processes.running.pop(self._worker_name))

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.processes.stop(self._worker_name)

    def stop(self) -> None:
        """Stop every process this stack started (a worker a test started
        beside the current one too): none may outlive its stack."""
        self.processes.stop_all()

    def current_worker_log(self) -> str:
        return self.processes.log(self._worker_name)

    def worker_log(self) -> str:
        """Every worker run's log, the first first."""
        return "\n".join(self.processes.log(f"worker-{run}") for run in range(1, self.worker_runs + 1))

    def wait_for_worker_log(self, pattern: str, *, after: int = 0, timeout: float = 60) -> re.Match:
        """Wait until the running worker's log matches `pattern` beyond offset `after`."""
        return wait_for(
            lambda: re.compile(pattern).search(self.current_worker_log(), after),
            timeout=timeout,
            interval=0.2,
            process=self.worker,
            what=lambda: f"{pattern!r} in the worker log:\n{self.current_worker_log()[-4000:]}",
        )

    # --- the scenario's moves ----------------------------------------------------------------------

    def publish(self, titles: list[str], *, env: dict | None = None, line: bool = False) -> list[int]:
        """Create and publish tips; `line`: staff ticked LINE for each (it is opt-in)."""
        return self.shell(
            f"""
            import json
            from publishing.models import TipChannelSetting
            from qa import services
            ids = []
            for title in {titles!r}:
                tip = services.tip_create(title=title, answer_text="答え: " + title)
                if {line!r}:
                    TipChannelSetting.objects.create(tip=tip, channel="line", enabled=True)
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
                "tip_id", "channel", "status", "attempts", "error_kind", "last_error", "remote_id", "reconciliation")
            print(json.dumps(list(rows)))
        """)

    def posts(self) -> list[dict]:
        return requests.get(f"{self.fake.url}/_fake/posts", timeout=5).json()["posts"]

    def script(self, body: dict) -> None:
        requests.post(f"{self.fake.url}/_fake/script", json=body, timeout=5).raise_for_status()

    def reset_fake(self) -> None:
        requests.post(f"{self.fake.url}/_fake/reset", timeout=5).raise_for_status()

    def wait_for_deliveries(self, tip_ids, done, *, timeout: float = 90) -> list[dict]:
        """The tips' delivery rows, once `done(rows)` holds."""
        rows = []

        def finished():
            rows[:] = self.deliveries(tip_ids)
            return done(rows)

        wait_for(
            finished,
            timeout=timeout,
            interval=1,
            what=lambda: f"the deliveries; they are: {rows}\n--- worker log ---\n{self.worker_log()[-6000:]}",
        )
        return rows


def networks_environment(fake_url: str, networks) -> dict:
    """Environment overrides that turn exactly `networks` on (the others'
    credentials blanked), for a worker or a publisher of a running Stack."""
    blank = {
        name: ""
        for name in (
            "X_API_KEY",
            "X_API_SECRET",
            "X_ACCESS_TOKEN",
            "X_ACCESS_TOKEN_SECRET",
            "FACEBOOK_PAGE_ID",
            "FACEBOOK_PAGE_ACCESS_TOKEN",
            "BLUESKY_HANDLE",
            "BLUESKY_APP_PASSWORD",
            "MASTODON_API_BASE_URL",
            "MASTODON_ACCESS_TOKEN",
        )
    }
    return {**blank, **fake_social_environment(fake_url, networks=networks)}


def links_to_tip(post: dict, tip_id: int) -> bool:
    return f"/tips/{tip_id}/" in (post.get("link") or post.get("text", ""))


def posts_per_tip(posts: list[dict], tip_ids: list[int]) -> Counter:
    """(network, tip id) -> number of live posts linking to that tip."""
    return Counter(
        (post["network"], tip_id)
        for post in posts
        if not post["deleted"]
        for tip_id in tip_ids
        if links_to_tip(post, tip_id)
    )


def all_sent(rows) -> bool:
    return bool(rows) and all(row["status"] == "sent" for row in rows)
