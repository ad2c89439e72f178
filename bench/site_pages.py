"""Server time of the public pages with 10,000 published tips (issue 2).

Run by bench/run_all.py once per database, in a fresh process (settings read
DATABASE_URL and TIPCAST_VAR_DIR at import). It fills the database, then times
each page in-process through Django's test Client: the whole middleware stack,
URL routing, views, templates and queries, without a network or a web server.
A minimal view behind the same stack shows the fixed cost every page pays.

Prints one JSON object on its last line of output.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportsite.settings")
os.environ.setdefault("DJANGO_ENV", "development")
# Production-like: no query log, no debug pages.
os.environ["DJANGO_DEBUG"] = "false"
# The cost of rendering each page: the whole-page cache (qa/page_cache.py) is
# off here; bench/traffic.py measures it, over HTTP.
os.environ["PUBLIC_PAGE_CACHE_SECONDS"] = "0"
# WhiteNoise warns that STATIC_ROOT does not exist; the bench serves no static files.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag, TaggedItem  # noqa: E402

from qa import services  # noqa: E402
from qa.models import Tip  # noqa: E402


def minimal_view(request):
    return HttpResponse("ok", content_type="text/plain")


# This module is the URLconf during the run: the site plus the minimal view.
urlpatterns = [
    path("_bench/minimal/", minimal_view),
    path("", include("supportsite.urls")),
]

CATEGORIES = ["配送・送料", "返品・交換", "会員・アカウント", "アプリ・設定", "Shipping", "Returns", "Account", "Apps"]
JAPANESE_SUBJECTS = [
    "送料",
    "返品",
    "会員登録",
    "パスワード",
    "iPhone の設定",
    "ポイント",
    "配達日時",
    "クーポン",
    "領収書",
    "ギフト包装",
]
JAPANESE_QUESTIONS = [
    "について教えてください",
    "はどうすればいいですか？",
    "ができません",
    "を変更したい",
    "の確認方法は？",
]
JAPANESE_ANSWER = (
    "{subject}については、マイページの「{place}」からご確認いただけます。"
    "ご不明な点がございましたら、お問い合わせフォームからご連絡ください。番号 {n} の案内もご覧ください。"
)
ENGLISH_SUBJECTS = [
    "shipping",
    "returns",
    "membership",
    "password",
    "iPhone settings",
    "points",
    "delivery dates",
    "coupons",
    "receipts",
    "gift wrapping",
]
ENGLISH_QUESTIONS = [
    "How do I change my {s}?",
    "Where can I see my {s}?",
    "Why does {s} not work?",
    "Tell me about {s}",
]
ENGLISH_ANSWER = (
    "You can manage your {subject} under **My page → {place}**. If something still looks wrong, "
    "contact us through the form and quote reference {n}."
)
PLACES = ["注文履歴", "会員情報", "通知設定", "Order history", "Account", "Notifications"]


def fill(tip_count: int, seed: int = 2) -> None:
    """Create `tip_count` published tips, half Japanese and half English, with
    categories and tags, using bulk_create and the services' own derived-field
    code (HTML, search text, slug)."""
    rng = random.Random(seed)
    categories = [services.category_get_or_create(name=name) for name in CATEGORIES]
    tags = [
        Tag.objects.get_or_create(name=name, defaults={"slug": f"t{i}"})[0]
        for i, name in enumerate(JAPANESE_SUBJECTS + ENGLISH_SUBJECTS)
    ]
    now = timezone.now()
    tips = []
    for n in range(tip_count):
        place = rng.choice(PLACES)
        if n % 2:
            subject = rng.choice(JAPANESE_SUBJECTS)
            title = f"{subject}{rng.choice(JAPANESE_QUESTIONS)}（{n}）"
            answer = JAPANESE_ANSWER.format(subject=subject, place=place, n=n)
        else:
            subject = rng.choice(ENGLISH_SUBJECTS)
            title = rng.choice(ENGLISH_QUESTIONS).format(s=subject) + f" ({n})"
            answer = ENGLISH_ANSWER.format(subject=subject, place=place, n=n)
        tip = Tip(
            title=title,
            answer_text=answer,
            category=rng.choice(categories),
            status=Tip.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n),
            # "Was this helpful?" counts, for the home page's most helpful tips.
            helpful_yes=rng.randrange(0, 40),
        )
        # The services' own derived fields: rendered HTML, search text, slug.
        services.tip_refresh_derived(tip)
        tips.append(tip)
    Tip.objects.bulk_create(tips, batch_size=500)
    content_type = ContentType.objects.get_for_model(Tip)
    tip_ids = list(Tip.objects.values_list("pk", flat=True))
    TaggedItem.objects.bulk_create(
        [TaggedItem(tag=tag, content_type=content_type, object_id=pk) for pk in tip_ids for tag in rng.sample(tags, 2)],
        batch_size=1000,
    )
    # Related tips and category counts, as the services would have kept them.
    services.public_reads_refresh()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client: Client, url: str, iterations: int) -> dict:
    for _ in range(5):  # warm-up: template loading, connection, caches
        response = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # Count now: the next request's request_started signal clears the log.
    query_count = len(queries.captured_queries)
    timings = []
    for _ in range(iterations):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "status": response.status_code,
        "median_ms": statistics.median(timings),
        "p95_ms": timings[min(len(timings) - 1, int(len(timings) * 0.95))],
        "queries": query_count,
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tips", type=int, default=10_000)
    parser.add_argument("--iterations", type=int, default=200)
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    if Tip.objects.count() != options.tips:
        Tip.objects.all().delete()
        fill(options.tips)
    tip = Tip.objects.published().order_by("pk")[options.tips // 2]
    pages = [
        ("Minimal Django view (same stack)", "/_bench/minimal/"),
        ("Home page", "/"),
        ("Home page, Japanese (?lang=ja)", "/?lang=ja"),
        ("Home page, every language", "/?all_languages=1"),
        ("Tip page", tip.get_absolute_url()),
        ("Tip list, page 20", "/tips/?page=20"),
        ("Tip list, every language, page 20", "/tips/?page=20&all_languages=1"),
        ("Tag page (about 1,000 tips in both languages), page 5", "/tags/t0/?page=5"),
        ("Tags' sitemap", "/sitemap-tags.xml"),
        ("Search (English): password", "/search/?q=password"),
        ("Search (Japanese): 送料", "/search/?q=送料"),
        ("Search (Japanese): 返品", "/search/?q=返品"),
        ("Search (2 terms): iPhone 設定", "/search/?q=iPhone+設定"),
    ]
    results = []
    with override_settings(ROOT_URLCONF=__name__):
        client = Client()
        for label, url in pages:
            results.append({"page": label, "url": url, **measure(client, url, options.iterations)})
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "server_version": _server_version(),
                "tips": Tip.objects.published().count(),
                "iterations": options.iterations,
                "results": results,
            }
        )
    )


def _server_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return "SQLite " + cursor.fetchone()[0]
        cursor.execute("show server_version")
        return "PostgreSQL " + cursor.fetchone()[0]


if __name__ == "__main__":
    main()
