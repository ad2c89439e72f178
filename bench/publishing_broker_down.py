"""What a staff request pays when the broker is down: tip_publish enqueues its
sends after commit, and with Redis unreachable each enqueue fails. Measured in
this process against a Redis URL on a loopback port where nothing listens:

- before: the enqueue as it was (apply_async with Celery's default publish
  retry policy), per send;
- after: publishing.sending.enqueue_task (retry=False), per send;
- tip_publish as a whole (two networks configured, so two sends), after.

Each measurement runs in a fresh process (a failed publish with retries leaves
kombu's producer pool in a state that slows the next ones), with a fresh SQLite
database in a temporary directory. Options: --runs N.
Prints a Markdown table and saves it to bench/PUBLISHING_BROKER_DOWN.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.processes import free_port  # noqa: E402


def timed(function, runs: int) -> list[float]:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


MEASURES = {
    "before": "one enqueue, before (Celery's default publish retries)",
    "after": "one enqueue, after (retry=False, own connection without reconnect retries)",
    "publish": "tip_publish with two networks (two enqueues), after",
}


def measure(name: str, runs: int) -> list[float]:
    """In this process: Django set up against a broker that refuses connections."""
    directory = tempfile.mkdtemp(prefix="tipcast-bench-broker-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "supportsite.settings",
            "DJANGO_ENV": "test",
            "DATABASE_URL": f"sqlite:///{directory}/bench.sqlite3",
            "TIPCAST_VAR_DIR": f"{directory}/var",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0",
            "X_API_KEY": "k",
            "X_API_SECRET": "s",
            "X_ACCESS_TOKEN": "t",
            "X_ACCESS_TOKEN_SECRET": "ts",
            "FACEBOOK_PAGE_ID": "1",
            "FACEBOOK_PAGE_ACCESS_TOKEN": "p",
            "LOG_LEVEL": "ERROR",
        }
    )
    import django

    django.setup()
    logging.disable(logging.CRITICAL)
    from django.core.management import call_command

    from publishing import sending, tasks
    from qa import services

    call_command("migrate", verbosity=0)

    def before():
        try:
            tasks.send_delivery.apply_async(args=[1])
        except Exception:
            pass

    counter = iter(range(10**6))

    def publish():
        tip = services.tip_create(title=f"ブローカー停止中の公開 {next(counter)}", answer_text="答え")
        services.tip_publish(tip=tip)

    if name == "before":
        # The transport options as they were, too.
        from supportsite.celery import app

        options = dict(app.conf.broker_transport_options)
        options.pop("socket_connect_timeout", None)
        app.conf.broker_transport_options = options
    functions = {"before": before, "after": lambda: sending.enqueue_task("send_delivery", 1), "publish": publish}
    functions[name]()  # warm up: imports and the first connection attempt are not measured
    return timed(functions[name], runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--measure", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs)))
        return
    rows = []
    for name, label in MEASURES.items():
        output = subprocess.run(
            [sys.executable, __file__, "--measure", name, "--runs", str(args.runs)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        rows.append((label, json.loads(output.strip().splitlines()[-1])))
    lines = [
        "# Enqueueing with the broker down",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared); Redis URL on a loopback port where nothing listens (connection "
        f"refused), SQLite; {args.runs} runs each, each kind in a fresh process, after one unmeasured warm-up call.",
        "",
        "| what | median (ms) | max (ms) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {statistics.median(values):.1f} | {max(values):.1f} |" for name, values in rows]
    table = "\n".join(lines) + "\n"
    print(table)
    (ROOT / "bench" / "PUBLISHING_BROKER_DOWN.md").write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
