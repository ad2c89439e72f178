"""The staff inbox at scale (issue 11): the conversation list's server time
with 100,000 conversations, on SQLite and PostgreSQL, and its query count.

    .venv/bin/python bench/inbox.py --database sqlite --conversations 100000
    .venv/bin/python bench/inbox.py --database postgres --conversations 100000 \\
        --postgres-url postgres://postgres@127.0.0.1:5432/tipcast_conv_inbox_bench

Each run builds its own database (PostgreSQL: the named database, dropped and
created again; SQLite: a file in a temporary directory), migrates it and fills
it with bulk INSERTs: conversations on every channel and in every state
(a third waiting on us), 20,000 people (2 % marked do not contact), 20 staff,
30 labels, one message per conversation. Then each inbox page (the default
list, each filter staff use, a deep page, a search, a conversation page) is
requested in-process through Django's test Client, signed in as staff: the
whole middleware stack, the admin, the templates. Prints a Markdown table and
a JSON line; the median and 95th percentile of --iterations requests.
"""

import argparse
import json
import os
import random
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.search_scale import _prepare_database  # noqa: E402

PEOPLE = 20_000
STAFF = 20
LABELS = 30
BATCH = 5_000


def _fill(total: int) -> float:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from conversations.models import Label, Network, Person
    from qa.models import Message, Question

    started = time.perf_counter()
    rng = random.Random(11)
    now = timezone.now()
    User = get_user_model()
    staff = [User(username=f"agent{n}", email=f"agent{n}@example.com", is_staff=True) for n in range(STAFF)]
    staff = User.objects.bulk_create(staff)
    askers = User.objects.bulk_create([User(username=f"customer{n}", email=f"c{n}@example.com") for n in range(2000)])
    networks = [Network.X, Network.FACEBOOK, Network.FEED]
    people = Person.objects.bulk_create(
        [
            Person(
                network=networks[n % 3],
                remote_id=str(10**12 + n),
                handle=f"customer_{n}",
                name=f"お客様 {n}",
                do_not_contact=n % 50 == 0,
                do_not_contact_reason="連絡不要" if n % 50 == 0 else "",
            )
            for n in range(PEOPLE)
        ],
        batch_size=BATCH,
    )
    labels = Label.objects.bulk_create([Label(name=f"ラベル {n}") for n in range(LABELS)])
    statuses = [
        (Question.Status.NEW, ""),
        (Question.Status.WAITING_US, ""),
        (Question.Status.WAITING_CUSTOMER, ""),
        (Question.Status.CLOSED, Question.CloseReason.RESOLVED),
        (Question.Status.CLOSED, Question.CloseReason.EXPIRED),
        (Question.Status.CLOSED, Question.CloseReason.IGNORED),
    ]
    through = Question.labels.through
    for start in range(0, total, BATCH):
        batch = []
        for n in range(start, min(total, start + BATCH)):
            status, reason = statuses[n % len(statuses)]
            since = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
            on_web = n % 4 == 0
            title = f"注文 {n} がまだ届きません" if n % 2 else f"Where is my order {n}?"
            batch.append(
                Question(
                    title=title,
                    body=title,
                    body_html=f"<p>{title}</p>",
                    asker=askers[n % len(askers)] if on_web else None,
                    person=None if on_web else people[n % PEOPLE],
                    source=Network.WEB if on_web else people[n % PEOPLE].network,
                    status=status,
                    close_reason=reason,
                    language="ja" if n % 2 else "en",
                    assignee=staff[n % STAFF] if n % 3 else None,
                    created_at=since,
                    waiting_since=since,
                )
            )
        batch = Question.objects.bulk_create(batch, batch_size=BATCH)
        Message.objects.bulk_create(
            [
                Message(
                    question=question,
                    kind=Message.Kind.CUSTOMER,
                    body=question.body,
                    body_html=question.body_html,
                    channel=question.source,
                    created_at=question.created_at,
                )
                for question in batch
            ],
            batch_size=BATCH,
        )
        through.objects.bulk_create(
            [through(question_id=question.pk, label_id=labels[question.pk % LABELS].pk) for question in batch[::5]],
            batch_size=BATCH,
        )
    with connection.cursor() as cursor:
        # VACUUM as autovacuum would on a live database (the visibility map lets
        # PostgreSQL count from an index alone); this server may run without autovacuum.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument(
        "--reuse",
        metavar="DATABASE_URL",
        help="time an existing database filled by an earlier run instead of building one "
        "(the run prints its DATABASE_URL)",
    )
    parser.add_argument("--only", help="time only the pages whose name contains one of these comma-separated words")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/tipcast_conv_inbox_bench"),
    )
    args = parser.parse_args()
    if args.reuse:
        os.environ["DATABASE_URL"] = args.reuse
    else:
        _prepare_database(args)
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
    from django.urls import reverse

    from bench.site_pages import _server_version, measure
    from conversations.models import Label
    from qa.models import Question

    if args.reuse:
        fill_seconds = 0.0
        args.conversations = Question.objects.count()
        boss = get_user_model().objects.get(username="bench")
    else:
        call_command("migrate", verbosity=0)
        fill_seconds = _fill(args.conversations)
        boss = get_user_model().objects.create_superuser(username="bench", email="bench@example.com", password=None)
        print(f"DATABASE_URL={os.environ['DATABASE_URL']} (time it again with --reuse)", file=sys.stderr)
    client = Client()
    client.force_login(boss)
    inbox = reverse("admin:qa_question_changelist")
    label = Label.objects.order_by("pk").first()
    busy = Question.objects.filter(person__isnull=False).order_by("-pk").first()
    pages = [
        ("Inbox (every conversation, oldest waiting first)", inbox),
        ("Waiting on us", f"{inbox}?state=waiting"),
        ("Waiting on us, nobody assigned", f"{inbox}?state=waiting&assignee=none"),
        ("Mine", f"{inbox}?assignee=me"),
        ("Channel X", f"{inbox}?source__exact=x"),
        ("Closed as expired", f"{inbox}?close_reason__exact=expired"),
        ("Waiting more than a week", f"{inbox}?age=gt7d"),
        ("Do not contact", f"{inbox}?dnc=yes"),
        ("One label", f"{inbox}?label={label.pk}"),
        ("Japanese", f"{inbox}?language__exact=ja"),
        ("Page 200", f"{inbox}?p=200"),
        ("Search: a handle", f"{inbox}?q=customer_12345"),
        ("A conversation page (and the person's earlier ones)", reverse("admin:qa_question_change", args=[busy.pk])),
    ]
    if args.only:
        words = [word.strip().lower() for word in args.only.split(",")]
        pages = [(name, url) for name, url in pages if any(word in name.lower() for word in words)]
    results = [{"page": name, "url": url, **measure(client, url, args.iterations)} for name, url in pages]
    version = _server_version()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\n{version}, {args.conversations:,} conversations (filled in {fill_seconds:.0f} s), "
        f"{args.iterations} requests each, load average {load} on {os.cpu_count()} cores\n"
    )
    print("| Page | Status | Queries | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|")
    for row in results:
        print(f"| {row['page']} | {row['status']} | {row['queries']} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} |")
    print(json.dumps({"database": version, "vendor": connection.vendor, "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
