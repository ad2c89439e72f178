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
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.publishing.fake_social import FakeSocialServer  # noqa: E402

REDIS = ("127.0.0.1", 6379)


def redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


def environment(tmp: Path, fake_url: str, broker: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUBLISHING_", "CELERY_", "X_", "FACEBOOK_"))}
    env.update(
        {
            "DJANGO_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "supportsite.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "TIPCAST_VAR_DIR": str(tmp / "var"),
            "CELERY_BROKER_URL": broker,
            "SITE_URL": "https://support.example.com",
            "LOG_LEVEL": "WARNING",
            "X_API_KEY": "ck",
            "X_API_SECRET": "cs",
            "X_ACCESS_TOKEN": "at",
            "X_ACCESS_TOKEN_SECRET": "as",
            "FACEBOOK_PAGE_ID": "424242",
            "FACEBOOK_PAGE_ACCESS_TOKEN": "page-token",
            "CONSOLE_CHANNEL": "off",
            "PUBLISHING_REQUESTS_SESSION_FACTORY": "tests.publishing.fake_social.RedirectingSession",
            "FAKE_SOCIAL_URL": fake_url,
            "PUBLISHING_DRIP_INTERVAL_MINUTES": "0",
            "PUBLISHING_POSTING_HOURS": "00:00-24:00",
            "PUBLISHING_SWEEP_INTERVAL_SECONDS": "5",
        }
    )
    return env


def publish(env: dict, titles: list[str], pause: float) -> dict[int, float]:
    """Publish in a separate process; returns tip id -> wall-clock time just
    before tip_publish was called."""
    code = textwrap.dedent(f"""
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
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return {int(k): v for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def wait_for_posts(fake: FakeSocialServer, started: dict[int, float], timeout: float = 300) -> list[tuple]:
    """(tip id, network, arrival time) for every post linking to these tips."""
    wanted = 2 * len(started)
    deadline = time.monotonic() + timeout
    while True:
        arrivals = []
        for post in list(fake.state.posts):
            for tip_id in started:
                if f"/tips/{tip_id}/" in (post.get("link") or post.get("text", "")):
                    arrivals.append((tip_id, post["network"], post["created_at"]))
        if len(arrivals) >= wanted or time.monotonic() > deadline:
            return arrivals
        time.sleep(0.2)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(name: str, env: dict, fake: FakeSocialServer, count: int, pause: float) -> dict:
    started = publish(env, [f"{name} のヒント {n}" for n in range(count)], pause)
    arrivals = wait_for_posts(fake, started)
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

    broker = f"redis://{REDIS[0]}:{REDIS[1]}/12" if redis_reachable() else "filesystem://"
    if broker.startswith("redis"):
        import redis

        redis.Redis.from_url(broker).flushdb()
    fake = FakeSocialServer(port=0).start()
    with tempfile.TemporaryDirectory(prefix="tipcast-bench-pub-") as directory:
        tmp = Path(directory)
        env = environment(tmp, fake.url, broker)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, check=True
        )
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "supportsite",
                "worker",
                "--beat",
                "--loglevel=WARNING",
                f"--concurrency={args.concurrency}",
                "--schedule",
                str(tmp / "beat-schedule"),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            time.sleep(4)  # let the worker connect before the clock starts
            rows = [
                measure("unloaded", env, fake, args.single, pause=0.5),
                measure("burst", env, fake, args.burst, pause=0.0),
            ]
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
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
