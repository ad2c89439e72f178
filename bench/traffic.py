"""HTTP-level benchmark of the public site at 100,000 tips (issue 9).

Production-like: DJANGO_ENV=production, gunicorn with docker/gunicorn.conf.py
(3 workers x 2 threads), PostgreSQL, the Redis cache, WhiteNoise; wrk on
loopback (Debian's `wrk`). The database must be filled first:

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tipcast_bench100k \\
        .venv/bin/python bench/traffic_fill.py --tips 100000
    .venv/bin/python bench/traffic.py            # prints Markdown tables

Runs (each bounded in time, loopback only):
1. warm cache, one URL each, 32 connections: the minimal view, the tip page's
   exact bytes as a static file (WhiteNoise, same gunicorn), the tip page, home;
2. cold cache (a second server with PUBLIC_PAGE_CACHE_SECONDS=0: every page is
   rendered), one connection, so latency is server time: minimal view, tip
   pages drawn from 5,000 random tips, home;
3. the mix: 200 connections for 60 s, 70% tip pages (20 tips just "posted"),
   15% home, 15% search (10 queries), starting from an empty cache (wrk: a
   closed loop, each connection sends again as soon as it is answered);
4. the sitemap index and each tips section, cold, timed one by one;
5. the same mix from 200 visitors who think between pages (bench/open_loop.py),
   from an empty cache, then again after each of the mix's 31 pages was requested once;
6. the same mix at fixed arrival rates (open loop, latency from when a request was due).
Environment: BENCH_DATABASE_URL, BENCH_REDIS_URL (a database number of its own:
it is flushed), BENCH_PORT (two ports from it), BENCH_TIME_SCALE,
BENCH_THINK_SECONDS (5.), BENCH_OPEN_RATES (6., comma-separated), BENCH_PARTIAL_REPORT
(a file that receives the JSON after each step), BENCH_STEPS (comma-separated, default every step:
warm, cold (with the sitemap), mix, users, rates; `BENCH_STEPS=cold` compares rendering costs in a minute).
"""

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import open_loop  # noqa: E402

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tipcast_bench100k")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
PORT = int(os.environ.get("BENCH_PORT", "8690"))
PYTHON = sys.executable
# BENCH_TIME_SCALE=0.1 tries the whole run quickly (the numbers then mean little).
TIME_SCALE = float(os.environ.get("BENCH_TIME_SCALE", "1"))
# Visitors' think time between pages (bench/open_loop.py), and the open-loop arrival rates.
THINK_SECONDS = float(os.environ.get("BENCH_THINK_SECONDS", "2"))
OPEN_RATES = [float(rate) for rate in os.environ.get("BENCH_OPEN_RATES", "50,100").split(",")]
STEPS = set(os.environ.get("BENCH_STEPS", "warm,cold,mix,users,rates").split(","))
# Each finished step is written here too, so that a failure late in the run loses nothing.
PARTIAL_REPORT = os.environ.get("BENCH_PARTIAL_REPORT", "")
SEARCHES = [
    "送料",
    "返品",
    "password",
    "パスワード",
    "iPhone 設定",
    "クーポン",
    "returns",
    "ポイント",
    "領収書",
    "coupons",
]


def environment(static_root: str, *, port: int, cache_seconds: int) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="bench.traffic_settings",
        DJANGO_SECRET_KEY="bench-only-" + "x" * 60,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # One SITE_URL for every server, whichever port it listens on: a tip page's stored parts name the
        # settings they were rendered under (qa.tip_pages.fingerprint), and bench/traffic_fill.py stores them
        # under these. A server with another SITE_URL would render and store every tip page on its first view.
        SITE_URL=f"http://127.0.0.1:{PORT}",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=DATABASE_URL,
        DATABASE_CONN_MAX_AGE="60",
        CACHE_URL=REDIS_URL,
        CELERY_BROKER_URL=REDIS_URL,
        STATIC_ROOT=static_root,
        TIPCAST_VAR_DIR=static_root + "-var",
        PUBLIC_PAGE_CACHE_SECONDS=str(cache_seconds),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(BASE_DIR),
    )
    return env


class Server:
    def __init__(self, env: dict, port: int):
        self.env, self.port = env, port

    def __enter__(self):
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "supportsite.wsgi:application", "-c", "docker/gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                get(self.port, "/_bench/minimal/")
                return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Still draining requests a load generator gave up on: the numbers are taken already.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        return response.read()


def wrk(port: int, paths: list[str], *, connections: int, seconds: int, threads: int = 2) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    try:
        result = subprocess.run(
            ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{max(1, round(seconds * TIME_SCALE))}s"]
            + ["--timeout", "5s"]
            + ["-s", str(BASE_DIR / "bench" / "wrk_paths.lua"), f"http://127.0.0.1:{port}"],
            env={**os.environ, "WRK_PATHS": listing.name},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(listing.name)
    line = next(line for line in result.stdout.splitlines() if line.startswith("JSON "))
    stats = json.loads(line[5:])
    stats["req_per_s"] = stats["requests"] / stats["seconds"]
    stats["load_average"] = os.getloadavg()[0]  # at the end of the run: the machine is shared
    stats["errors"] = sum(stats[k] for k in ("connect_errors", "read_errors", "write_errors", "non_2xx_3xx"))
    return stats


def flush_cache() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def sample_tips(count: int) -> list[str]:
    import psycopg

    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://", 1)) as connection:
        rows = connection.execute(
            "SELECT id, slug FROM qa_tip WHERE status = 'published' ORDER BY random() LIMIT %s", (count,)
        ).fetchall()
        total = connection.execute("SELECT count(*) FROM qa_tip WHERE status = 'published'").fetchone()[0]
    sample_tips.total = total
    return [f"/tips/{pk}/{quote(slug)}/" if slug else f"/tips/{pk}/" for pk, slug in rows]


def timed(port: int, path: str, runs: int = 3) -> tuple[float, int]:
    timings, size = [], 0
    for _ in range(runs):
        flush_cache()
        start = time.perf_counter()
        size = len(get(port, path))
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), size


def main() -> int:
    static_root = tempfile.mkdtemp(prefix="tipcast-bench-static-")
    warm_env = environment(static_root, port=PORT, cache_seconds=600)
    cold_env = environment(static_root, port=PORT + 1, cache_seconds=0)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BASE_DIR, env=warm_env, check=True)
    tips = sample_tips(5000)
    popular, tip = tips[:20], tips[0]
    report = {"tips": sample_tips.total, "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"}
    try:
        flush_cache()
        with Server(warm_env, PORT):
            html = get(PORT, tip)
        (Path(static_root) / "bench").mkdir()
        (Path(static_root) / "bench" / "tip.html").write_bytes(html)  # WhiteNoise indexes files at start
        report["tip_page_bytes"] = len(html)

        if "warm" in STEPS:
            print("1. warm cache, one URL each, 32 connections ...", file=sys.stderr)
            warm = {}
            with Server(warm_env, PORT):
                for label, path in [
                    ("Minimal Django view", "/_bench/minimal/"),
                    ("Tip page as a static file (WhiteNoise)", "/static/bench/tip.html"),
                    ("Tip page, warm cache", tip),
                    ("Home page, warm cache", "/"),
                ]:
                    get(PORT, path)
                    warm[label] = wrk(PORT, [path], connections=32, seconds=15)
            report["warm"] = warm
            _save(report)

        if "cold" in STEPS:
            print("2. cold cache, one connection ...", file=sys.stderr)
            cold = {}
            with Server(cold_env, PORT + 1):
                for label, paths in [
                    ("Minimal Django view", ["/_bench/minimal/"]),
                    ("Tip pages (5,000 random), rendered", tips),
                    ("Home page, rendered", ["/"]),
                    ("Tip list page 100 (the last listed), rendered", ["/tips/?page=100"]),
                ]:
                    get(PORT + 1, paths[0])
                    cold[label] = wrk(PORT + 1, paths, connections=1, seconds=15, threads=1)
                print("4. sitemap ...", file=sys.stderr)
                index = get(PORT + 1, "/sitemap.xml").decode()
                site = f"http://127.0.0.1:{PORT}"  # SITE_URL (environment())
                files = [loc.removeprefix(site) for loc in re.findall(r"<loc>([^<]+)</loc>", index)]
                report["sitemap"] = {path: timed(PORT + 1, path) for path in ["/sitemap.xml", *files]}
            report["cold"] = cold
            _save(report)

        mix = [popular[n % 20] for n in range(70)] + ["/"] * 15
        mix += [f"/search/?q={quote(SEARCHES[n % len(SEARCHES)])}" for n in range(15)]
        if "mix" in STEPS:
            print("3. the mix: 200 connections, 60 s ...", file=sys.stderr)
            flush_cache()
            with Server(warm_env, PORT):
                report["mix"] = wrk(PORT, mix, connections=200, seconds=60)
            _save(report)

        base = f"http://127.0.0.1:{PORT}"
        seconds = max(1, round(60 * TIME_SCALE))
        if "users" in STEPS:
            print(f"5. the mix: 200 visitors thinking {THINK_SECONDS} s between pages, 60 s ...", file=sys.stderr)
            flush_cache()
            with Server(warm_env, PORT):
                report["mix_users"] = open_loop.users(base, mix, users=200, think=THINK_SECONDS, seconds=seconds)
                report["mix_users"]["load_average"] = os.getloadavg()[0]
            _save(report)
            print("5b. the same visitors after each of the mix's pages was requested once ...", file=sys.stderr)
            flush_cache()
            with Server(warm_env, PORT):
                for path in sorted(set(mix)):
                    get(PORT, path)
                warm_users = open_loop.users(base, mix, users=200, think=THINK_SECONDS, seconds=seconds)
                report["mix_users_warm"] = {**warm_users, "load_average": os.getloadavg()[0]}
            _save(report)
        if "rates" in STEPS:
            for offered in OPEN_RATES:
                print(f"6. the mix at {offered} arrivals/s (open loop), 60 s ...", file=sys.stderr)
                flush_cache()
                with Server(warm_env, PORT):
                    row = open_loop.rate(base, mix, rate=offered, seconds=seconds)
                    report.setdefault("mix_rate", []).append({**row, "load_average": os.getloadavg()[0]})
                _save(report)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
        shutil.rmtree(static_root + "-var", ignore_errors=True)
    print(json.dumps(report, ensure_ascii=False))
    print(markdown(report))
    return 0


def _save(report: dict) -> None:
    if PARTIAL_REPORT:
        Path(PARTIAL_REPORT).write_text(json.dumps(report, ensure_ascii=False))


def markdown(report: dict) -> str:
    lines = [f"{report['tips']:,} published tips; {report['machine']}; tip page {report['tip_page_bytes']:,} bytes", ""]
    if "warm" in report:
        lines += _warm_rows(report)
    if "cold" in report:
        lines += _cold_rows(report)
    if "mix" in report:
        lines += _mix_rows(report)
    if "mix_users" in report or "mix_rate" in report:
        lines += _open_rows(report)
    if "sitemap" in report:
        lines += ["", "| Sitemap file, cold | ms | bytes |", "|---|---:|---:|"]
        lines += [f"| {path} | {ms:.0f} | {size:,} |" for path, (ms, size) in report["sitemap"].items()]
    return "\n".join(lines)


def _warm_rows(report: dict) -> list[str]:
    lines = [
        "| Warm cache, 32 connections, 15 s | req/s | p50 ms | p95 ms | errors | load |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, row in report["warm"].items():
        lines.append(
            f"| {label} | {row['req_per_s']:.0f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['errors']} "
            f"| {row.get('load_average', 0):.1f} |"
        )
    return lines


def _cold_rows(report: dict) -> list[str]:
    lines = [
        "",
        "| Cold cache, 1 connection, 15 s | req/s | mean ms | p50 ms | p95 ms | load |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, row in report["cold"].items():
        lines.append(
            f"| {label} | {row['req_per_s']:.0f} | {row['mean_ms']:.1f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} "
            f"| {row.get('load_average', 0):.1f} |"
        )
    return lines


def _mix_rows(report: dict) -> list[str]:
    row = report["mix"]
    return [
        "",
        "| Mix 70/15/15, 200 connections, 60 s | requests | req/s | p50 ms | p95 ms | p99 ms | max ms "
        "| errors | timeouts | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| tip pages / home / search | {row['requests']} | {row['req_per_s']:.0f} | {row['p50_ms']:.1f} "
        f"| {row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['max_ms']:.1f} | {row['errors']} | {row['timeouts']} "
        f"| {row.get('load_average', 0):.1f} |",
    ]


def _open_rows(report: dict) -> list[str]:
    lines = [
        "",
        "| Mix 70/15/15, open models, 60 s | requests | req/s | p50 ms | p95 ms | p99 ms | max ms "
        "| errors | timeouts | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    open_rows = []
    if "mix_users" in report:
        open_rows.append((f"200 visitors, think {report['mix_users']['think_s']:g} s", report["mix_users"]))
    if "mix_users_warm" in report:
        open_rows.append(("the same, each page requested once first", report["mix_users_warm"]))
    open_rows += [(f"{row['offered_per_s']:g} arrivals/s (open loop)", row) for row in report.get("mix_rate", [])]
    for label, row in open_rows:
        lines.append(
            f"| {label} | {row['requests']} | {row['req_per_s']:.0f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} "
            f"| {row['p99_ms']:.1f} | {row['max_ms']:.1f} | {row['errors']} | {row['timeouts']} "
            f"| {row.get('load_average', 0):.1f} |"
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
