"""The reach section of the metrics page at scale (issue 12): build() time and
query count with years of tip posts, their day-1 and day-7 snapshots, daily
follower counts and visit counters.

    .venv/bin/python bench/metrics_reach.py --database sqlite --years 3 --posts-per-day 10
    .venv/bin/python bench/metrics_reach.py --database postgres \\
        --postgres-url postgres://postgres@127.0.0.1:5432/tipcast_mreach_bench

Builds its own database (PostgreSQL: the named database, dropped and created
again; SQLite: a temporary file), migrates it and fills it with bulk INSERTs:
--posts-per-day tip posts on X and on Facebook every day for --years, each
with both snapshots, a follower count per network per day and visit counters
per network per day. Then times `metrics.sections.reach.build` for the last
30 days and the last 366 days (median and worst of --iterations), and counts
its queries. Prints a Markdown table and a JSON line."""

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.search_scale import _prepare_database  # noqa: E402

NETWORKS = ("x", "facebook")


def _fill(years: int, per_day: int) -> dict:
    from django.db import transaction

    from metrics.models import DailyCount
    from metrics.periods import local_today
    from publishing.models import Delivery, FollowerSnapshot, PostMetrics

    today = local_today()
    days = [today - timedelta(days=n) for n in range(365 * years)]
    with transaction.atomic():
        deliveries = [
            Delivery(
                tip=None,
                tip_title=f"Tip {day} {n}",
                channel=network,
                purpose=Delivery.Purpose.POST,
                status=Delivery.Status.SENT,
                remote_id=f"{network}-{day}-{n}",
                sent_at=datetime.combine(day, dt_time(9 + n % 10), tzinfo=UTC),
            )
            for day in days
            for n in range(per_day)
            for network in NETWORKS
        ]
        Delivery.objects.bulk_create(deliveries, batch_size=2000)
        now = datetime.now(UTC)
        PostMetrics.objects.bulk_create(
            [
                PostMetrics(
                    delivery=delivery,
                    age_days=age,
                    status=PostMetrics.Status.FETCHED,
                    impressions=300 * age,
                    likes=5,
                    reposts=1,
                    replies=2,
                    link_clicks=4,
                    fetched_at=now,
                )
                for delivery in deliveries
                for age in (1, 7)
            ],
            batch_size=2000,
        )
        FollowerSnapshot.objects.bulk_create(
            [
                FollowerSnapshot(channel=network, day=day, followers=1000 + i, fetched_at=now)
                for i, day in enumerate(days)
                for network in NETWORKS
            ],
            batch_size=2000,
        )
        DailyCount.objects.bulk_create(
            [DailyCount(day=day, event="visit", key=key, count=7) for day in days for key in (*NETWORKS, "other")],
            batch_size=2000,
        )
    return {"deliveries": len(deliveries), "snapshots": 2 * len(deliveries), "days": len(days)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/tipcast_mreach_bench")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--posts-per-day", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=15)
    args = parser.parse_args()
    _prepare_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportsite.settings")
    warnings.filterwarnings("ignore")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from metrics.periods import local_today, period_ending
    from metrics.sections.reach import build

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    size = _fill(args.years, args.posts_per_day)
    fill_seconds = time.perf_counter() - started
    rows = []
    for days in (30, 366):
        period = period_ending(local_today(), days)
        timings = []
        for _ in range(args.iterations):
            began = time.perf_counter()
            build(period, user=None)
            timings.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as queries:
            build(period, user=None)
        rows.append(
            {
                "days": days,
                "median_ms": round(statistics.median(timings), 1),
                "worst_ms": round(max(timings), 1),
                "queries": len(queries.captured_queries),
            }
        )
    print(
        f"{args.database}: {size['deliveries']} tip posts, {size['snapshots']} snapshots, {size['days']} days "
        f"(filled in {fill_seconds:.0f} s)\n"
    )
    print("| period | median (ms) | worst (ms) | queries |\n|---|---|---|---|")
    for row in rows:
        print(f"| {row['days']} days | {row['median_ms']} | {row['worst_ms']} | {row['queries']} |")
    print(json.dumps({"database": args.database, **size, "results": rows}))


if __name__ == "__main__":
    main()
