"""Publishing latency and throughput: from tip_publish to the post arriving at
the (fake) network, with one Celery worker and no drip.

Starts the fake X/Facebook server in this process, a fresh SQLite database,
and one worker (`celery worker --beat --concurrency 1`) on Redis (127.0.0.1:6379,
database 12) when it is reachable, else on the filesystem broker. Two runs:

- unloaded: tips published one by one, a short pause between them;
- burst: many tips published at once (queueing included).

Prints a Markdown table and saves it to bench/PUBLISHING_RESULTS.md.
Options: --burst N (default 100), --single N (default 20), --concurrency N (default 1).
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.publishing.e2e_stack import Stack, links_to_tip, pipeline_environment  # noqa: E402
from tests.publishing.fake_social import FakeSocialServer  # noqa: E402
from tests.support.databases import redis_database_emptied  # noqa: E402
from tests.support.processes import port_open  # noqa: E402

REDIS = ("127.0.0.1", 6379)


def publish(stack: Stack, titles: list[str], pause: float) -> dict[int, float]:
    """Publish in a separate process; returns tip id -> wall-clock time just
    before tip_publish was called."""
    started = stack.shell(f"""
        import json, time
        from qa import services
        started = {{}}
        for title in {titles!r}:
            tip = services.tip_create(title=title, answer_text="ベンチマーク: " + title)
            started[tip.pk] = time.time()
            services.tip_publish(tip=tip)
            time.sleep({pause})
        print(json.dumps(started))
    """)
    return {int(k): v for k, v in started.items()}


def wait_for_posts(fake: FakeSocialServer, started: dict[int, float], timeout: float = 300) -> list[tuple]:
    """(tip id, network, arrival time) for every post linking to these tips."""
    wanted = 2 * len(started)
    deadline = time.monotonic() + timeout
    while True:
        arrivals = [
            (tip_id, post["network"], post["created_at"])
            for post in list(fake.state.posts)
            for tip_id in started
            if links_to_tip(post, tip_id)
        ]
        if len(arrivals) >= wanted or time.monotonic() > deadline:
            return arrivals
        time.sleep(0.2)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(name: str, stack: Stack, count: int, pause: float) -> dict:
    started = publish(stack, [f"{name} のヒント {n}" for n in range(count)], pause)
    arrivals = wait_for_posts(stack.fake, started)
    latencies = [arrived - started[tip_id] for tip_id, _network, arrived in arrivals]
    span = max(arrived for *_rest, arrived in arrivals) - min(started.values())
    return {
        "run": name,
        "tips": count,
        "deliveries": len(arrivals),
        "expected": 2 * count,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
        "throughput": len(arrivals) / span if span else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--single", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()

    host, port = REDIS
    broker = redis_database_emptied(url=f"redis://{host}:{port}/0", db=12) if port_open(host, port) else "filesystem://"
    fake = FakeSocialServer(port=0).start()
    with tempfile.TemporaryDirectory(prefix="tipcast-bench-pub-") as directory:
        tmp = Path(directory)
        env = {
            **pipeline_environment(
                tmp, database_url=f"sqlite:///{tmp / 'bench.sqlite3'}", broker_url=broker, fake_url=fake.url
            ),
            "LOG_LEVEL": "WARNING",
            "PUBLISHING_SWEEP_INTERVAL_SECONDS": "5",
        }
        stack = Stack(tmp, env, fake)
        stack.migrate()
        stack.start_worker(concurrency=args.concurrency, loglevel="WARNING")
        try:
            time.sleep(4)  # let the worker connect before the clock starts
            rows = [
                measure("unloaded", stack, args.single, pause=0.5),
                measure("burst", stack, args.burst, pause=0.0),
            ]
        finally:
            stack.stop_worker()
            fake.stop()

    broker_name = "Redis" if broker.startswith("redis") else "filesystem"
    lines = [
        "# Publishing latency",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs; SQLite, {broker_name} broker, one worker "
        f"(concurrency {args.concurrency}), fake X + Facebook on loopback, drip interval 0. "
        "Latency: from the call to tip_publish to the post arriving at the fake network.",
        "",
        "| run | tips | deliveries | p50 (ms) | p95 (ms) | mean (ms) | deliveries/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        delivered = f"{row['deliveries']}/{row['expected']}"
        lines.append(
            f"| {row['run']} | {row['tips']} | {delivered} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} "
            f"| {row['mean_ms']:.0f} | {row['throughput']:.1f} |"
        )
    lines += [
        "",
        "The unloaded run pauses 0.5 s between tips, so its deliveries/s shows that pace, not capacity; "
        "the burst run's deliveries/s is the pipeline's throughput with one worker.",
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    (ROOT / "bench" / "PUBLISHING_RESULTS.md").write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
