"""Server time of the tip and home pages against the minimal view (issue 9).

In-process, with bench/traffic.py's production settings (PostgreSQL, the Redis
cache, DJANGO_ENV=production) and the whole-page cache off
(PUBLIC_PAGE_CACHE_SECONDS=0), through Django's test Client: the whole
middleware stack, routing, views, templates and queries, without gunicorn or a
network. Rounds interleave the three pages so that a change in the machine's
load hits them alike; the ratios are what to compare.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tipcast_perf9_100k \\
        .venv/bin/python bench/traffic_profile.py [--rounds 300] [--profile tip|home]

`--warm` times cache hits instead (bench/traffic.py's cache-on settings). Prints
the medians, the ratios, the queries each page ran, and the load average;
`--profile tip` prints cProfile's top functions for that page instead.
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import traffic  # noqa: E402

# Collected once (the manifest the production static storage reads), then reused.
_static_root = os.environ.get("BENCH_STATIC_ROOT", str(Path(tempfile.gettempdir()) / "tipcast-profile-static"))
# --warm: the page cache on, and each page requested once before the timed rounds (warm hits).
WARM = "--warm" in sys.argv
os.environ.update(traffic.environment(_static_root, port=traffic.PORT, cache_seconds=600 if WARM else 0))
sys.path.insert(0, str(traffic.BASE_DIR))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

if not (Path(_static_root) / "staticfiles.json").exists():
    call_command("collectstatic", interactive=False, verbosity=0)

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def _timed(client: Client, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path, HTTP_HOST="127.0.0.1")
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--profile", choices=["tip", "home"])
    parser.add_argument("--warm", action="store_true", help="time warm cache hits (20 tips) instead")
    options = parser.parse_args()
    tips = traffic.sample_tips(20 if options.warm else 5000)
    if options.warm:
        traffic.flush_cache()
    client = Client()
    pages = {"minimal": lambda: "/_bench/minimal/", "tip": lambda: random.choice(tips), "home": lambda: "/"}
    for make_path in pages.values():  # first requests: imports, template loading, connections (and the cache)
        for _ in range(5):
            _timed(client, make_path())
    for path in tips if options.warm else []:
        _timed(client, path)
    queries = {}
    for name, make_path in pages.items():
        with CaptureQueriesContext(connection) as captured:
            _timed(client, make_path())
        queries[name] = len(captured.captured_queries)
    if options.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(options.rounds):
            _timed(client, pages[options.profile]())
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(45)
        return 0
    load_before = os.getloadavg()
    times = {name: [] for name in pages}
    for _ in range(options.rounds):
        for name, make_path in pages.items():
            times[name].append(_timed(client, make_path()))
    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "tips": traffic.sample_tips.total,
        "rounds": options.rounds,
        "page_cache": "warm" if options.warm else "off",
        "median_ms": {name: round(value, 2) for name, value in medians.items()},
        "p90_ms": {name: round(statistics.quantiles(values, n=10)[-1], 2) for name, values in times.items()},
        "ratio_to_minimal": {name: round(medians[name] / medians["minimal"], 2) for name in ("tip", "home")},
        "queries": queries,
        "load_average_before_after": [load_before, os.getloadavg()],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
