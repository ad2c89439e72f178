"""Search at scale (issue 14): how the search engine's cost grows with the
number of published tips, on SQLite and PostgreSQL, and how long indexing a
tip with a 20,000-character answer takes.

    .venv/bin/python bench/search_scale.py --database postgres --tips 100000
    .venv/bin/python bench/search_scale.py --database sqlite --tips 100000

Each run builds its own database from scratch (PostgreSQL: the database named
by --postgres-url, dropped and created again; SQLite: a file in a temporary
directory), migrates it, and fills it: a pool of distinct generated FAQ tips
(half Japanese, half English) is created through the ORM with the real
tokenizer, then copied with one INSERT … SELECT over a generated series until
there are --tips rows, so even a million rows load in minutes. The database
maintains the search index during the copy, as it would for any write.

Then each query runs --iterations times through qa.selectors.tip_search (the
engine: index look-ups and ranking) plus reading the first page of 20 tips, on
one connection, with warm caches (synonyms, tip count). Prints a Markdown
table and a JSON line.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

QUERIES = [
    ("1 kanji", "返"),
    ("2 kanji", "返品"),
    ("2 kanji", "送料"),
    ("English word", "password"),
    ("2 terms", "iPhone 設定"),
    ("Japanese sentence", "注文した商品がまだ届かないのですが"),
    ("English sentence", "Do you deliver on weekends?"),
    ("no match", "xylophone"),
]
POOL_SIZE = 5000
PAGE_SIZE = 20

JA_TOPICS = [
    "送料", "返品", "返金", "会員登録", "ポイント", "クーポン", "配送", "お届け日", "注文", "キャンセル",
    "支払い", "領収書", "パスワード", "ログイン", "アプリ", "iPhone", "設定", "通知", "在庫", "サイズ",
    "交換", "ギフト包装", "保証", "修理", "予約", "入荷", "セール", "メールマガジン", "住所", "電話窓口",
]  # fmt: skip
JA_TITLES = ["{a}について", "{a}と{b}の違い", "{a}の{b}を変更したい", "{a}ができない場合", "{a}の方法を教えてください"]
JA_SENTENCES = [
    "{a}は{b}の画面から確認できます。",
    "{a}の場合は{b}をご利用ください。",
    "通常{n}営業日以内に{a}の手続きをいたします。",
    "{a}と{b}は同時にご利用いただけません。",
    "詳しくは{b}のページをご覧ください。",
    "{a}が届かない場合はお問い合わせください。",
]
EN_TOPICS = [
    "shipping", "returns", "refunds", "account", "password", "orders", "delivery", "coupons", "payment",
    "receipts", "app", "settings", "notifications", "stock", "sizes", "exchanges", "gift wrap", "warranty",
    "repairs", "address", "email", "phone support", "subscriptions", "invoices", "discounts",
]  # fmt: skip
EN_TITLES = ["How do {a} work?", "Can I change my {a}?", "{a} and {b}", "What if my {a} fails?", "Where are my {a}?"]
EN_SENTENCES = [
    "You can check your {a} from the {b} page.",
    "If your {a} is late, contact us.",
    "We process {a} within {n} business days.",
    "{a} cannot be combined with {b}.",
    "See the {b} help page for details.",
]


def _generated_tip(rng: random.Random) -> tuple[str, str]:
    japanese = rng.random() < 0.5
    topics, titles, sentences = (
        (JA_TOPICS, JA_TITLES, JA_SENTENCES) if japanese else (EN_TOPICS, EN_TITLES, EN_SENTENCES)
    )

    def fill(template):
        a, b = rng.sample(topics, 2)
        return template.format(a=a, b=b, n=rng.randint(2, 9))

    title = fill(rng.choice(titles))
    body = ("" if japanese else " ").join(fill(rng.choice(sentences)) for _ in range(rng.randint(4, 10)))
    return title[:1].upper() + title[1:], body


def _prepare_database(args) -> None:
    if args.database == "postgres":
        import psycopg

        parsed = urlparse(args.postgres_url)
        admin_url = args.postgres_url.replace("postgres://", "postgresql://", 1).replace(parsed.path, "/postgres")
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{parsed.path[1:]}"')
            admin.execute(f'CREATE DATABASE "{parsed.path[1:]}"')
        os.environ["DATABASE_URL"] = args.postgres_url
    else:
        directory = tempfile.mkdtemp(prefix="tipcast-search-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
        os.environ["TIPCAST_VAR_DIR"] = directory


def _fill(total: int) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from qa.models import Tip
    from qa.services import tip_refresh_derived

    started = time.perf_counter()
    rng = random.Random(14)
    pool = []
    now = timezone.now()
    for number in range(min(POOL_SIZE, total)):
        title, body = _generated_tip(rng)
        tip = Tip(title=title, slug=f"tip-{number}", answer_text=body, status=Tip.Status.PUBLISHED, published_at=now)
        tip_refresh_derived(tip)
        pool.append(tip)
    with transaction.atomic():
        Tip.objects.bulk_create(pool, batch_size=500)
    copies = -(-total // len(pool)) - 1
    if copies > 0:
        columns = [field.column for field in Tip._meta.concrete_fields if field.column not in ("id", "import_key")]
        names = ", ".join(columns)
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"INSERT INTO qa_tip ({names}) SELECT {names} FROM qa_tip CROSS JOIN generate_series(1, %s) "
                    f"ORDER BY generate_series, id LIMIT %s",
                    [copies, total - len(pool)],
                )
            else:
                cursor.execute(
                    f"WITH RECURSIVE copy(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copy WHERE n < %s) "
                    f"INSERT INTO qa_tip ({names}) SELECT {names} FROM copy CROSS JOIN qa_tip "
                    f"WHERE qa_tip.id <= %s ORDER BY n, qa_tip.id LIMIT %s",
                    [copies, len(pool), total - len(pool)],
                )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE qa_tip" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - started


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _timed(function, iterations: int) -> tuple[float, float]:
    function()  # warm the caches: synonyms, the number of tips
    timings = []
    for _ in range(iterations):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 1), round(_percentile(timings, 0.95), 1)


def _time_queries(iterations: int) -> list[dict]:
    """Per query: the engine alone (ranked ids and the count, what the
    paginator needs), and the engine plus reading the first page of tips with
    their category and tags (what the page shows)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qa import selectors

    rows = []
    for kind, query in QUERIES:

        def engine(query=query):
            return selectors.tip_search(query=query)

        def page(query=query):
            results = selectors.tip_search(query=query)
            return results.count(), len(results[:PAGE_SIZE])

        engine()
        with CaptureQueriesContext(connection) as captured:
            results = engine()
        engine_p50, engine_p95 = _timed(engine, iterations)
        page_p50, page_p95 = _timed(page, iterations)
        rows.append(
            {
                "kind": kind,
                "query": query,
                "results": f"{results.count()}{'+' if results.more else ''}",
                "engine_queries": len(captured.captured_queries),
                "engine_p50_ms": engine_p50,
                "engine_p95_ms": engine_p95,
                "page_p50_ms": page_p50,
                "page_p95_ms": page_p95,
            }
        )
    return rows


def _time_indexing(iterations: int) -> dict:
    """Create, publish and edit a tip whose answer is 20,000 characters long:
    the whole service call (it also renders the Markdown to HTML and text),
    the tokenizer alone, and the UPDATE alone (where the database updates the
    index)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qa import services
    from qa.models import Tip

    rng = random.Random(20000)
    answer = ""
    while len(answer) < 20000:
        answer += _generated_tip(rng)[1] + "\n\n"
    answer = answer[:20000]
    from qa.search.tokens import document_text

    publish, edit, update_statement, tokenize, created = [], [], [], [], []
    for number in range(iterations):
        tip = services.tip_create(title=f"長い回答 {number}", answer_text=answer)
        created.append(tip.pk)
        started = time.perf_counter()
        services.tip_publish(tip=tip, announce=False)
        publish.append((time.perf_counter() - started) * 1000)
        tip = Tip.objects.get(pk=tip.pk)
        changed = answer[:-10] + f"変更{number:06d}"
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            services.tip_update(tip=tip, answer_text=changed)
        edit.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        document_text(changed)
        tokenize.append((time.perf_counter() - started) * 1000)
        update_statement.extend(
            float(q["time"]) * 1000 for q in captured.captured_queries if q["sql"].startswith("UPDATE")
        )
    # Removed again: left in, they would be the newest tips, read and ranked
    # by every query of a later run (--reuse) and skew it.
    Tip.objects.filter(pk__in=created).delete()
    return {
        "publish_p50_ms": round(statistics.median(publish), 1),
        "publish_p95_ms": round(_percentile(publish, 0.95), 1),
        "edit_p50_ms": round(statistics.median(edit), 1),
        "edit_p95_ms": round(_percentile(edit, 0.95), 1),
        "tokenize_p50_ms": round(statistics.median(tokenize), 1),
        "tokenize_p95_ms": round(_percentile(tokenize, 0.95), 1),
        "edit_update_statement_p50_ms": round(statistics.median(update_statement), 1),
        "edit_update_statement_p95_ms": round(_percentile(update_statement, 0.95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--tips", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--index-iterations", type=int, default=20)
    parser.add_argument(
        "--reuse",
        metavar="DATABASE_URL",
        help="time an existing database filled by an earlier run instead of building one",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/tipcast_search_bench"),
    )
    args = parser.parse_args()

    if args.reuse:
        os.environ["DATABASE_URL"] = args.reuse
    else:
        _prepare_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportsite.settings")
    os.environ.setdefault("DJANGO_ENV", "development")
    os.environ["DJANGO_DEBUG"] = "false"
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from qa.models import Tip

    if args.reuse:
        fill_seconds = 0.0
        args.tips = Tip.objects.published().count()
    else:
        call_command("migrate", verbosity=0)
        fill_seconds = _fill(args.tips)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    rows = _time_queries(args.iterations)
    indexing = _time_indexing(args.index_iterations)

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\n{version}, {args.tips:,} published tips (filled in {fill_seconds:.0f} s), {args.iterations} runs each, "
        f"load average {load} on {os.cpu_count()} cores\n"
    )
    print("| Query | | Results | Engine queries | Engine p50 ms | Engine p95 ms | + first page p50 ms | p95 ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        cells = [row[key] for key in ("kind", "query", "results", "engine_queries")]
        cells += [row[key] for key in ("engine_p50_ms", "engine_p95_ms", "page_p50_ms", "page_p95_ms")]
        print("| " + " | ".join(str(cell) for cell in cells) + " |")
    print(f"\nIndexing a 20,000-character answer: {indexing}")
    print(
        json.dumps({"database": version, "tips": args.tips, "queries": rows, "indexing": indexing}, ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
