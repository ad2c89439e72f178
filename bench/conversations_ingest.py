"""Ingest throughput (issue 11): mentions per second into the inbox, and the
replay of the same mentions (idempotent: nothing stored twice).

Synthetic X mentions (conversations.sources.base.Incoming), 10,000 by
default, from 2,000 people: 70 % start a conversation, 30 % answer an
earlier mention (threading). Each goes through
conversations.services.incoming_ingest one by one, as a poll stores them:
sanitiser, person, conversation, message, state. Then the same items again.

Run in a fresh process with a throw-away SQLite database (or DATABASE_URL):

    .venv/bin/python bench/conversations_ingest.py [--items 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportsite.settings")
os.environ.setdefault("DJANGO_ENV", "development")
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
if "DATABASE_URL" not in os.environ:
    os.environ["TIPCAST_VAR_DIR"] = tempfile.mkdtemp(prefix="tipcast-bench-ingest-")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from conversations.services import incoming_ingest  # noqa: E402
from conversations.sources.base import Author, Incoming  # noqa: E402
from qa.models import Message, Question  # noqa: E402

TEXTS = [
    "@tipcast 注文した商品がまだ届きません。注文番号を確認してもらえますか？ 📦",
    "@tipcast the app logs me out every time I open it https://example.com/screenshot",
    "@tipcast 返品の送料はどちらが負担ですか？",
    "@tipcast thanks, that worked! 🙏",
    "@tipcast مرحبا، هل يمكنكم المساعدة؟",
]


def items(count: int, people: int, seed: int = 11) -> list[Incoming]:
    rng = random.Random(seed)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    made: list[Incoming] = []
    for n in range(count):
        who = rng.randrange(people)
        answers = made[rng.randrange(len(made))].remote_id if made and rng.random() < 0.3 else ""
        made.append(
            Incoming(
                remote_id=str(10**15 + n),
                text=f"{rng.choice(TEXTS)} #{n}",
                created_at=start + dt.timedelta(seconds=30 * n),
                author=Author(network="x", remote_id=str(5000 + who), handle=f"customer{who}", name=f"客 {who}"),
                url=f"https://x.com/customer{who}/status/{10**15 + n}",
                in_reply_to=answers,
                mentions_account=True,
            )
        )
    return made


def run(batch: list[Incoming]) -> tuple[float, int]:
    started = time.perf_counter()
    stored = sum(1 for item in batch if incoming_ingest(item=item) is not None)
    return time.perf_counter() - started, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2_000)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    batch = items(options.items, options.people)
    first, stored = run(batch)
    replay, stored_again = run(batch)
    print(f"database: {connection.vendor}; {platform.python_version()}; {os.cpu_count()} CPUs")
    print("| run | items | stored | seconds | items per second |")
    print("|---|---|---|---|---|")
    print(f"| first ingest | {len(batch)} | {stored} | {first:.1f} | {len(batch) / first:.0f} |")
    print(f"| replay (same items) | {len(batch)} | {stored_again} | {replay:.1f} | {len(batch) / replay:.0f} |")
    print(f"conversations: {Question.objects.count()}, messages: {Message.objects.count()}")
    assert stored == len(batch) and stored_again == 0


if __name__ == "__main__":
    main()
