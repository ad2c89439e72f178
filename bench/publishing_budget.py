"""What the monthly budget adds to a claim (publishing.budget.claim_allowed):
a capped channel's claim locks the month's budget row and counts the month's
posts (stopping at the cap) before it claims.

For M posts already made this month (0, 10,000, 50,000 rows on the channel,
plus as many sent last month), it times one claim (pending -> sending, the
whole _delivery_claim transaction) without a cap and with a cap above M, then
the claim that finds the cap reached and holds the row.
Run in its own process against the database in DATABASE_URL (SQLite file or a
PostgreSQL database named tipcast_bench_i13-budget_*; it is filled and emptied):
`python bench/publishing_budget.py --runs 200`.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportsite.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from publishing import budget, sending  # noqa: E402
from publishing.models import ChannelBudgetMonth, Delivery  # noqa: E402
from qa.models import Category, Tip  # noqa: E402

KIND = "x"


def fill(posts: int, *, category) -> None:
    """`posts` sent this month and as many last month, on KIND, in bulk."""
    now = timezone.now()
    month = budget.month_of(now)
    last_month = (month - timedelta(days=1)).replace(day=1)
    start = Tip.objects.count()
    total = 2 * posts
    for offset in range(0, total, 5000):
        size = min(5000, total - offset)
        tips = Tip.objects.bulk_create(
            [
                Tip(title=f"bench {start + offset + i}", slug=f"bench-{start + offset + i}", category=category)
                for i in range(size)
            ]
        )
        Delivery.objects.bulk_create(
            [
                Delivery(
                    tip=tip,
                    channel=KIND,
                    status=Delivery.Status.SENT,
                    sent_at=now,
                    budget_month=month if (offset + i) % 2 else last_month,
                )
                for i, tip in enumerate(tips)
            ]
        )


def one_claim(category, *, cap) -> tuple[float, str]:
    tip = Tip.objects.create(title="claim", slug=f"claim-{time.monotonic_ns()}", category=category)
    row = Delivery.objects.create(tip=tip, channel=KIND, scheduled_for=timezone.now() - timedelta(seconds=1))
    settings.PUBLISHING_MONTHLY_POST_CAPS = {KIND: cap}
    started = time.perf_counter()
    claimed = sending._delivery_claim(delivery_id=row.pk, now=timezone.now())
    elapsed = (time.perf_counter() - started) * 1000
    status = Delivery.objects.filter(pk=row.pk).values_list("status", flat=True).get()
    # Leave the month's count as it was for the next run.
    Delivery.objects.filter(pk=row.pk).delete()
    tip.delete()
    return elapsed, status if claimed is None else "sending"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--sizes", default="0,10000,50000")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    Delivery.objects.all().delete()
    ChannelBudgetMonth.objects.all().delete()
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    print(f"{connection.vendor}, {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()}")
    print("| posts this month | no cap p50 / p95 ms | cap above p50 / p95 ms | cap reached (held) p50 / p95 ms |")
    print("|---|---|---|---|")
    made = 0
    for size in (int(n) for n in args.sizes.split(",")):
        fill(size - made, category=category)
        made = size
        results = []
        for cap, expect in ((None, "sending"), (size + 10**6, "sending"), (size, "held_budget")):
            times = []
            for _ in range(args.runs):
                elapsed, status = one_claim(category, cap=cap)
                assert status == expect, (cap, status)
                times.append(elapsed)
            times.sort()
            results.append(f"{statistics.median(times):.2f} / {times[int(len(times) * 0.95) - 1]:.2f}")
        print(f"| {size:,} | " + " | ".join(results) + " |", flush=True)
    Delivery.objects.all().delete()
    Tip.objects.filter(category=category).delete()


if __name__ == "__main__":
    main()
