"""`make bench`: time the public pages on SQLite and, when it is reachable,
PostgreSQL, print one Markdown table and save it to bench/RESULTS.md.

Each database gets a fresh process running bench/site_pages.py (settings are
read at import). SQLite uses a throw-away directory; PostgreSQL uses the
database tipcast_bench on 127.0.0.1:5432 (BENCH_POSTGRES_URL to change it),
dropped and created again so that every run starts from the same data.

Options: --tips N (default 10000), --iterations N (default 200).
"""

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

BENCH_DIR = Path(__file__).resolve().parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/tipcast_bench")


def postgres_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def postgres_recreate(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def run_site_pages(env_overrides: dict, arguments: list[str]) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(env_overrides)
    result = subprocess.run(
        [sys.executable, str(BENCH_DIR / "site_pages.py"), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def table(runs: list[dict]) -> str:
    lines = [
        "| Database | Page | Median ms | p95 ms | Queries | Status |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        for row in run["results"]:
            lines.append(
                f"| {run['server_version']} | {row['page']} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} "
                f"| {row['queries']} | {row['status']} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=int, default=10_000)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--no-save", action="store_true", help="print the table without writing bench/RESULTS.md")
    options = parser.parse_args()
    arguments = ["--tips", str(options.tips), "--iterations", str(options.iterations)]

    runs, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="tipcast-bench-") as var_dir:
        print(f"SQLite: {options.tips} tips, {options.iterations} requests per page ...", file=sys.stderr)
        runs.append(run_site_pages({"TIPCAST_VAR_DIR": var_dir}, arguments))
        if postgres_reachable(POSTGRES_URL):
            print(f"PostgreSQL ({POSTGRES_URL}) ...", file=sys.stderr)
            postgres_recreate(POSTGRES_URL)
            runs.append(run_site_pages({"TIPCAST_VAR_DIR": var_dir, "DATABASE_URL": POSTGRES_URL}, arguments))
        else:
            skipped.append(f"PostgreSQL: nothing listens at {POSTGRES_URL}")

    result_table = table(runs)
    print(result_table)
    for reason in skipped:
        print(f"Not run: {reason}")
    if not options.no_save:
        save(runs, result_table, skipped, options)
    return 0


def save(runs, result_table, skipped, options) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu_count = os.cpu_count()
    text = f"""# Benchmark: public pages with {runs[0]["tips"]:,} published tips

Produced by `make bench` (bench/run_all.py) on {when}; Python {platform.python_version()},
{platform.system()} {platform.machine()}, {cpu_count} CPUs.

Server time only: each request goes in-process through Django's test Client (the
whole middleware stack, routing, view, queries, template), {options.iterations} requests
per page after 5 warm-up requests, `DJANGO_DEBUG=false`, local-memory cache. Half the
tips are Japanese and half English. "Minimal Django view" is a view returning "ok"
behind the same middleware: the fixed cost every page pays. Queries are counted on one
request. Numbers vary with the machine and its load; compare rows, not runs.

{result_table}
"""
    if skipped:
        text += "\nNot run: " + "; ".join(skipped) + "\n"
    (BENCH_DIR / "RESULTS.md").write_text(text, encoding="utf-8")
    print(f"Saved {BENCH_DIR / 'RESULTS.md'}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
