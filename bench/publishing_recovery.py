"""Recovery after a worker is SIGKILLed mid-send: from the kill (and from a
worker being available again) to the killed worker's in-flight deliveries
being settled (sent, or unknown with a reason), with the default lease
(PUBLISHING_CLAIM_LEASE_SECONDS) and sweep interval.

Two ways a worker comes back:
- restart: the killed worker is started again under the same node name (a
  container restarted by its orchestrator); it reconciles its previous run's
  claims as soon as it is ready;
- other node: a second worker (with beat) runs all along under another name;
  the killed worker's claims are reconciled when their lease runs out.

Needs PostgreSQL (DATABASE_URL=postgres://..., a database <name>_recovery is
created and dropped) and Redis (REDIS_URL, default redis://127.0.0.1:6379/13,
emptied). Starts the fake X/Facebook server in this process; its POSTs answer
after 3 s so that sends are in flight when the worker dies. Options: --trials N.
Prints a Markdown table and saves it to bench/PUBLISHING_RECOVERY.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.publishing.e2e_stack import Stack, celery_worker_command, own_database, pipeline_environment  # noqa: E402
from tests.publishing.fake_social import FakeSocialServer  # noqa: E402
from tests.support.databases import query, redis_database_emptied  # noqa: E402
from tests.support.processes import kill_group, wait_for  # noqa: E402

SETTLED = ("sent", "unknown", "failed", "cancelled")


def statuses(database_url: str, ids: list[int]) -> dict[int, str]:
    rows = query(database_url, "SELECT id, status FROM publishing_delivery WHERE id = ANY(%s)", (ids,))
    return dict(rows)


def in_flight(database_url: str) -> list[int]:
    return [row[0] for row in query(database_url, "SELECT id FROM publishing_delivery WHERE status = 'sending'")]


def start(stack: Stack, name: str, node: str, *, beat: bool):
    command = celery_worker_command(
        schedule=stack.tmp / f"beat-{node}", concurrency=2, loglevel="INFO", name=f"{node}@%h"
    )
    if not beat:
        command.remove("--beat")
    return stack.processes.start(name, command)


def ready(stack: Stack, name: str, *, after: int) -> None:
    wait_for(
        lambda: "ready." in stack.processes.log(name)[after:],
        timeout=60,
        interval=0.05,
        what=f"{name} to be ready",
    )


def trial(stack: Stack, database_url: str, *, mode: str, number: int) -> dict:
    stack.reset_fake()
    stack.script({"x": [{"status": "ok", "delay": 3, "method": "POST"}] * 40})
    stack.script({"facebook": [{"status": "ok", "delay": 3, "method": "POST"}] * 40})
    victim_log = len(stack.processes.log("victim"))
    victim = start(stack, "victim", "victim", beat=mode == "restart")
    ready(stack, "victim", after=victim_log)
    stack.publish([f"復旧ベンチ {mode} {number} の{n}" for n in range(6)])
    held = wait_for(lambda: in_flight(database_url), timeout=30, interval=0.05, what="sends in flight")
    time.sleep(0.5)
    held = in_flight(database_url)
    kill_group(victim)
    stack.processes.running.pop("victim", None)
    killed_at = time.monotonic()
    if mode == "restart":
        log_offset = len(stack.processes.log("victim"))
        start(stack, "victim", "victim", beat=True)
        ready(stack, "victim", after=log_offset)
        available_at = time.monotonic()
    else:
        available_at = killed_at  # the other node was there all along
    wait_for(
        lambda: all(status in SETTLED for status in statuses(database_url, held).values()),
        timeout=120,
        interval=0.1,
        what=lambda: f"the in-flight rows to settle: {statuses(database_url, held)}",
    )
    settled_at = time.monotonic()
    final = statuses(database_url, held)
    if mode == "restart":
        stack.processes.stop("victim")
    else:
        kill_group(stack.processes.running.pop("victim", victim))
    return {
        "mode": mode,
        "in_flight": len(held),
        "from_kill": settled_at - killed_at,
        "from_available": settled_at - available_at,
        "outcomes": ", ".join(sorted(set(final.values()))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://... (a database <name>_recovery is created next to it).")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    broker = redis_database_emptied(url=redis_url, db=int(urlparse(redis_url).path.lstrip("/") or 13))
    fake = FakeSocialServer(port=0).start()
    results = []
    with tempfile.TemporaryDirectory(prefix="tipcast-bench-recovery-") as directory:
        tmp = Path(directory)
        database_url, drop = own_database(tmp, purpose="recovery")
        # Production defaults for the lease and the sweep; only the drip is off.
        env = {
            **pipeline_environment(tmp, database_url=database_url, broker_url=broker, fake_url=fake.url),
            "PUBLISHING_HTTP_TIMEOUT": "10",
        }
        stack = Stack(tmp, env, fake)
        try:
            stack.migrate()
            for number in range(args.trials):
                results.append(trial(stack, database_url, mode="restart", number=number))
            start(stack, "other", "other", beat=True)
            ready(stack, "other", after=0)
            for number in range(args.trials):
                results.append(trial(stack, database_url, mode="other node", number=number))
        finally:
            stack.processes.stop_all()
            fake.stop()
            drop()

    lines = [
        "# Recovery after a worker is killed mid-send",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared); PostgreSQL, Redis broker, workers with --concurrency 2, fake X + "
        "Facebook on loopback answering each post after 3 s, default lease (15 s) and sweep interval (10 s). "
        "Each trial publishes 6 tips, SIGKILLs the worker while its sends are in flight, and times until every "
        "delivery it held is settled.",
        "",
        "| how a worker comes back | trial | in-flight rows | settled after the kill (s) | "
        "after a worker is available (s) | outcomes |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for index, row in enumerate(results):
        lines.append(
            f"| {row['mode']} | {index % args.trials + 1} | {row['in_flight']} | {row['from_kill']:.1f} "
            f"| {row['from_available']:.1f} | {row['outcomes']} |"
        )
    for mode in ("restart", "other node"):
        values = [row["from_available"] for row in results if row["mode"] == mode]
        lines.append(
            f"\n{mode}: median {statistics.median(values):.1f} s, worst {max(values):.1f} s "
            "after a worker is available."
        )
    table = "\n".join(lines) + "\n"
    print(table)
    (ROOT / "bench" / "PUBLISHING_RECOVERY.md").write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
