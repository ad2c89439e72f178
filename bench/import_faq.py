"""Time and memory of the FAQ import (issue 8, item 7).

Run in a fresh process with a throw-away SQLite database (or DATABASE_URL):

    .venv/bin/python bench/import_faq.py --rows 5000            # import 5,000 rows
    .venv/bin/python bench/import_faq.py --megabytes 50 --dry-run  # a 50 MB file, dry run

It writes a generated CSV (Japanese and English rows, 8 categories, 3 tags
each, answers of a few hundred characters), runs `manage.py import_faq` on it
in-process, and prints one JSON object: rows, seconds, rows per second, the
CPU seconds of this process (on a machine shared with other work, wall time
grows with the load; CPU time much less), the load average, the peak of
Python allocations during the import (tracemalloc) and the process's peak
resident memory (ru_maxrss). Every answer is different, as in a real FAQ.
"""

import argparse
import csv
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
import warnings
from io import StringIO
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportsite.settings")
os.environ.setdefault("DJANGO_ENV", "development")
os.environ["DJANGO_DEBUG"] = "false"
# Tasks the import queues (related tips, deliveries) stay in this process's
# memory: they are not part of the import's time, and a throw-away directory
# has no filesystem broker folder.
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
if "DATABASE_URL" not in os.environ:
    os.environ["TIPCAST_VAR_DIR"] = tempfile.mkdtemp(prefix="tipcast-bench-import-")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

CATEGORIES = ["配送・送料", "返品・交換", "会員・アカウント", "アプリ・設定", "Shipping", "Returns", "Account", "Apps"]
TAGS = ["送料", "返品", "会員", "アプリ", "shipping", "returns", "password", "app", "注文", "支払い"]
ANSWER_JA = (
    "ご注文の商品は、通常2〜3営業日でお届けします。**沖縄・離島**は追加で1〜2日かかります。"
    "詳しくは[配送について](https://example.com/shipping)をご覧ください。\n\n"
    "- 平日12時までのご注文は当日発送\n- 土日祝は翌営業日\n"
)
ANSWER_EN = (
    "Orders usually arrive in 2-3 business days. *Remote islands* take one or two days more. "
    "See [shipping](https://example.com/shipping) for details.\n\n"
    "1. Orders before noon ship the same day\n2. Weekend orders ship on Monday\n"
)


def write_csv(path: Path, *, rows: int | None, megabytes: int | None) -> int:
    limit = megabytes * 1024 * 1024 if megabytes else None
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question", "answer", "category", "tags"])
        while (rows is None or written < rows) and (limit is None or handle.tell() < limit):
            japanese = written % 2 == 0
            question = (
                f"注文番号{written}の配送はいつ届きますか？" if japanese else f"When will order {written} arrive?"
            )
            # Every answer differs (as in a real FAQ), so nothing is rendered only once by luck.
            reference = f"\n\n（問い合わせ番号 {written}）" if japanese else f"\n\n(Reference {written})"
            answer = (ANSWER_JA if japanese else ANSWER_EN) * 2 + reference
            tags = "、".join(TAGS[(written + k) % len(TAGS)] for k in range(3))
            writer.writerow([question, answer, CATEGORIES[written % len(CATEGORIES)], tags])
            written += 1
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--megabytes", type=int)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--tracemalloc", action="store_true", help="Also trace Python allocations (slower).")
    args = parser.parse_args()
    if not args.rows and not args.megabytes:
        parser.error("give --rows or --megabytes")

    call_command("migrate", verbosity=0)
    directory = Path(tempfile.mkdtemp(prefix="tipcast-bench-csv-"))
    path = directory / "faq.csv"
    rows = write_csv(path, rows=args.rows, megabytes=args.megabytes)

    options = ["--dry-run"] if args.dry_run else []
    if args.tracemalloc:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    out = StringIO()
    call_command("import_faq", str(path), *options, verbosity=0, stdout=out, stderr=StringIO())
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    result = {
        "database": django.db.connection.vendor,
        "rows": rows,
        "file_megabytes": round(path.stat().st_size / 1024 / 1024, 1),
        "dry_run": args.dry_run,
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        # CPU time of this process: on a shared machine, less dependent on the load than `seconds`.
        "cpu_seconds": round(cpu_seconds, 1),
        "load_average": os.getloadavg()[0],
        "python_peak_megabytes": round(traced_peak / 1024 / 1024, 1) if traced_peak is not None else None,
        "process_peak_rss_megabytes": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(result))
    shutil.rmtree(directory)  # a 50 MB file per run adds up


if __name__ == "__main__":
    main()
