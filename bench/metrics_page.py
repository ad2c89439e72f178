"""The metrics page at scale (issue 12): 1,000,000 messages in about 250,000
conversations over two years, on PostgreSQL.

    .venv/bin/python bench/metrics_page.py \\
        --postgres-url postgres://postgres@127.0.0.1:5432/tipcast_mbench

It drops and creates the named database, migrates it and fills it with bulk
INSERTs: conversations on every channel (web 40 %, X 30 %, Facebook 20 %,
feeds 10 %), 20 staff, support hours (weekdays 09:00-18:00) and a year's
holidays, two to six messages each (customer messages, staff replies, notes,
follow-ups after a reply), replies from minutes to days later, most closed
(resolved, expired, a few spam or ignored) and the last days' still open.
Then it runs every registered roll-up over the two years (as
`manage.py metrics_rollup` would), and times beat's hourly recompute of
yesterday and today.

Then, for the periods ending today (--periods: 28, 90 and 365 days), it times `build()` of
every section in metrics.sections.SECTIONS (median and p95 of --iterations
runs, and the queries of one run), cold (the cache emptied before each run:
the first view after a roll-up) and cached. Set CACHE_URL to time it with
the production cache (Redis): its database is emptied before each cold run. Once the page exists (a URL named by
--page-url-name), it times the page too, signed in as a superuser, through
Django's test Client (the whole middleware stack, in-process);
--page-query is the query string that picks the period ({days} is replaced;
by default the page's own: days=N for its presets, start=...&end=... else).
--keep reuses a database already filled (same sizes) instead of filling again;
with --rollup it still recomputes every roll-up over the span (after a
migration added one).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import warnings
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

STAFF = 20
BATCH = 5_000
CHANNELS = ["web"] * 4 + ["x"] * 3 + ["facebook"] * 2 + ["feed"]
# (kinds of the messages after the customer's opening): 2 to 6 messages, 4 on average.
SHAPES = [
    ["reply"],
    ["note", "reply"],
    ["reply", "customer", "reply"],
    ["note", "reply", "customer", "reply"],
    ["reply", "customer", "reply", "customer", "reply"],
]


def _prepare_database(url: str, keep: bool) -> None:
    from urllib.parse import urlparse

    if not keep:
        import psycopg

        parsed = urlparse(url)
        admin_url = url.replace("postgres://", "postgresql://", 1).replace(parsed.path, "/postgres")
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{parsed.path[1:]}"')
            admin.execute(f'CREATE DATABASE "{parsed.path[1:]}"')
    os.environ["DATABASE_URL"] = url


def _delay(rng: random.Random) -> timedelta:
    """How long a reply takes: mostly minutes to hours, a tail of days."""
    roll = rng.random()
    if roll < 0.45:
        return timedelta(minutes=rng.uniform(1, 60))
    if roll < 0.8:
        return timedelta(hours=rng.uniform(1, 12))
    if roll < 0.95:
        return timedelta(hours=rng.uniform(12, 48))
    return timedelta(days=rng.uniform(2, 6))


def _fill(conversations: int, days: int) -> float:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from conversations.models import StaffProfile, SupportHoliday, SupportHours
    from metrics.periods import local_today
    from qa.models import Message, Question

    started = time.perf_counter()
    rng = random.Random(12)
    now = timezone.now()
    User = get_user_model()
    staff = User.objects.bulk_create(
        [User(username=f"agent{n}", email=f"agent{n}@example.com", is_staff=True) for n in range(STAFF)]
    )
    StaffProfile.objects.bulk_create(
        [StaffProfile(user=user, display_name=f"担当{n}") for n, user in enumerate(staff[::2])]
    )
    SupportHours.objects.bulk_create([SupportHours(weekday=d, opens=clock(9), closes=clock(18)) for d in range(5)])
    today = local_today()
    SupportHoliday.objects.bulk_create(
        [SupportHoliday(date=today - timedelta(days=n), name=f"休日 {n}") for n in range(3, 2 * 366, 37)]
    )
    span = timedelta(days=days)
    messages_written = 0
    for first in range(0, conversations, BATCH):
        questions, plans = [], []
        for n in range(first, min(conversations, first + BATCH)):
            # Spread evenly over the span, oldest first, with jitter.
            opened = now - span + span * (n + rng.random()) / conversations
            shape = SHAPES[n % len(SHAPES)]
            events, at = [("customer", opened, None)], opened
            for kind in shape:
                at = at + (_delay(rng) if kind == "reply" else timedelta(minutes=rng.uniform(1, 600)))
                if at >= now:
                    break
                events.append((kind, at, staff[rng.randrange(STAFF)] if kind != "customer" else None))
            status, reason, since = "new", "", opened
            for kind, at, _author in events[1:]:
                if kind == "reply" and status != "waiting_customer":
                    status, since = "waiting_customer", at
                elif kind == "customer" and status == "waiting_customer":
                    status, since = "waiting_us", at
            if status == "waiting_customer" and since + timedelta(days=2) < now:
                roll = rng.random()
                reason = "resolved" if roll < 0.8 else "expired"
                status, since = "closed", since + timedelta(hours=rng.uniform(1, 40))
            elif rng.random() < 0.04:
                status, reason, since = "closed", rng.choice(["spam", "ignored"]), since + timedelta(minutes=5)
            if since > now:
                since = now
            channel = CHANNELS[n % len(CHANNELS)]
            questions.append(
                Question(
                    title=f"注文 {n} がまだ届きません",
                    body="届いていません。",
                    body_html="<p>届いていません。</p>",
                    source=channel,
                    status=status,
                    close_reason=reason,
                    language="ja",
                    created_at=opened,
                    waiting_since=since,
                    last_customer_message_at=opened,
                )
            )
            plans.append((channel, events))
        questions = Question.objects.bulk_create(questions, batch_size=BATCH)
        rows = [
            Message(
                question=question,
                kind=kind,
                author=author,
                body="…",
                body_html="<p>…</p>",
                is_public=kind == "reply",
                channel=channel,
                created_at=at,
            )
            for question, (channel, events) in zip(questions, plans, strict=True)
            for kind, at, author in events
        ]
        Message.objects.bulk_create(rows, batch_size=BATCH)
        messages_written += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"filled {conversations:,} conversations, {messages_written:,} messages", flush=True)
    return time.perf_counter() - started


def _time(function, iterations: int, *, cold: bool) -> dict:
    """cold: the cache is emptied before each run (the first view after a
    roll-up); else the section's cached figures are read (every other view)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm-up
        function()
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        function()
    timings = []
    for _ in range(iterations):
        if cold:
            cache.clear()
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[min(len(timings) - 1, int(len(timings) * 0.95))],
        "queries": len(queries.captured_queries),
    }


def _page_url(name: str, query: str | None, period) -> str | None:
    from django.urls import NoReverseMatch, reverse

    from metrics.forms import query_for

    try:
        path = reverse(name)
    except NoReverseMatch:
        return None
    return path + "?" + (query.format(days=period.length) if query else query_for(period))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=250_000)
    parser.add_argument("--days", type=int, default=730, help="how far back the conversations go")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is (filled by an earlier run)")
    parser.add_argument("--rollup", action="store_true", help="with --keep: recompute every roll-up all the same")
    parser.add_argument("--periods", default="28,90,365", help="lengths in days of the periods timed, ending today")
    parser.add_argument("--page-url-name", default="metrics:page")
    parser.add_argument("--page-query", default=None)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/tipcast_mbench"),
    )
    args = parser.parse_args()
    _prepare_database(args.postgres_url, args.keep)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportsite.settings")
    os.environ.setdefault("DJANGO_ENV", "development")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils.module_loading import import_string

    from bench.site_pages import _server_version
    from metrics.periods import local_today, period_ending
    from metrics.rollups import rollups_recompute, rollups_recompute_recent
    from metrics.sections import SECTIONS
    from qa.models import Message

    call_command("migrate", verbosity=0)
    fill_seconds = rollup_seconds = 0.0
    today = local_today()
    if not args.keep:
        fill_seconds = _fill(args.conversations, args.days)
    if not args.keep or args.rollup:
        start = time.perf_counter()
        rollups_recompute(today - timedelta(days=args.days + 1), today)
        rollup_seconds = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    start = time.perf_counter()
    rollups_recompute_recent()
    recent_seconds = time.perf_counter() - start
    boss, _created = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    results = []
    for days in (int(value) for value in args.periods.split(",")):
        period = period_ending(today, days)
        url = _page_url(args.page_url_name, args.page_query, period)
        for cold in (True, False):
            state = "cold" if cold else "cached"
            for path in SECTIONS:
                build = import_string(path)
                timing = _time(lambda b=build, p=period: b(p, user=boss), args.iterations, cold=cold)
                results.append({"what": f"{path}, {days} days, {state}", **timing})
            if url:
                client = Client()
                client.force_login(boss)
                status = client.get(url).status_code
                timing = _time(lambda u=url, c=client: c.get(u), args.iterations, cold=cold)
                results.append({"what": f"page {url} ({status}), {state}", **timing})
    version = _server_version()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    messages = Message.objects.count()
    print(
        f"\n{version}, {messages:,} messages (filled in {fill_seconds:.0f} s, roll-ups over {args.days} days in "
        f"{rollup_seconds:.0f} s; beat's hourly recompute of yesterday and today: {recent_seconds:.2f} s), "
        f"{args.iterations} runs each, load average {load} on {os.cpu_count()} cores, ending {date.today()}\n"
    )
    print("| What | Queries | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for row in results:
        print(f"| {row['what']} | {row['queries']} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} |")
    print(json.dumps({"database": version, "messages": messages, "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
