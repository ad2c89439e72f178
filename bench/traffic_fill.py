"""Fill a database with N published tips of realistic size for bench/traffic.py.

Half Japanese, half English; titles 20-80 characters, answers 300-1,500
characters of Markdown; 8 categories; 2,000 tags, 2-3 per tip, a few popular
and most rare (weights 1/sqrt(rank)). Rows go in with bulk_create.

Minutes, not hours, on a small shared machine:
- derived columns come from the services' own code (qa.services.tip_refresh_derived),
  but Markdown is rendered for a pool of 3,000 answers that the tips share
  (titles, slugs and search titles are each tip's own);
- related tips are ranked as qa.related ranks them (most shared tags, then
  newest), but set-based in one SQL statement per batch of tips, instead of
  qa.services.public_reads_refresh's per-tip queries;
- category counts come from the services' own recount;
- each tip page's stored parts (qa.tip_pages) are rendered by the services' own code.
It runs with bench/traffic.py's settings (production, SITE_URL on the bench's
port, the collected static files), so the stored parts are current for the
server the benchmark starts: a stored row names the settings it was rendered
under, and a row rendered under others would be rendered again on its first
view, which is not what a cold page costs.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tipcast_bench100k \
        .venv/bin/python bench/traffic_fill.py --tips 100000

`--pages` only stores again the parts that are missing or out of date (after a
change to the templates, public_tags or the catalogs); `--related` only
computes the related lists again (after a change to their ranking).
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import traffic  # noqa: E402

STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", str(Path(tempfile.gettempdir()) / "tipcast-profile-static"))
os.environ.update(traffic.environment(STATIC_ROOT, port=traffic.PORT, cache_seconds=0))
sys.path.insert(0, str(traffic.BASE_DIR))

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag, TaggedItem  # noqa: E402

from qa import services, tip_pages  # noqa: E402
from qa.models import RelatedTip, Tip, TipPage  # noqa: E402
from qa.search import normalize  # noqa: E402
from qa.slugs import tip_slug  # noqa: E402

CATEGORIES = ["配送・送料", "返品・交換", "会員・アカウント", "アプリ・設定", "Shipping", "Returns", "Account", "Apps"]
JA_SUBJECTS = [
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
JA_TITLE_PARTS = [
    "について教えてください",
    "はどうすればいいですか",
    "ができません",
    "を変更したいのですが",
    "の確認方法を知りたいです",
    "、注文後でも間に合いますか",
    "がアプリに表示されない場合",
    "、海外からの注文でも同じですか",
]
JA_SENTENCES = [
    "{s}については、マイページの「{p}」からご確認いただけます。",
    "ご注文から24時間以内であれば、{s}の変更を承っております。",
    "お手数ですが、アプリを最新版に更新してから再度お試しください。",
    "**ご注意ください：** セール期間中は{s}の反映に時間がかかる場合がございます。",
    "ご不明な点がございましたら、お問い合わせフォームからご連絡ください。",
    "{s}の詳細は、ご利用ガイドの該当ページにまとめております。",
    "- 手順1：ログインします\n- 手順2：「{p}」を開きます\n- 手順3：{s}を選びます",
    "離島・一部地域では、配送に追加で2〜3日かかることがございます。",
]
EN_SUBJECTS = [
    "shipping",
    "returns",
    "membership",
    "password",
    "iPhone settings",
    "points",
    "delivery dates",
    "coupons",
]
EN_TITLE_PARTS = [
    "How do I change my {s}",
    "Where can I see my {s} after ordering",
    "Why does {s} not work in the app",
    "Can I still update {s} once the order has shipped",
    "What happens to {s} when I cancel",
]
EN_SENTENCES = [
    "You can manage your {s} under **My page → {p}**.",
    "If you ordered in the last 24 hours, we can still change the {s} for you.",
    "Please update the app to the latest version and try again.",
    "During sales, changes to {s} may take a little longer to show.",
    "- Sign in\n- Open *{p}*\n- Choose {s} and save",
    "If something still looks wrong, contact us through the form and quote your order number.",
    "Deliveries to remote islands can take two to three extra days.",
]
PLACES = ["注文履歴", "会員情報", "通知設定", "Order history", "Account", "Notifications"]


def _fit(text: str, low: int, high: int, rng: random.Random, filler: list[str]) -> str:
    target = rng.randint(low, high)
    while len(text) < target:
        text += filler[rng.randrange(len(filler))]
    return text[:target].rstrip()


def _tip(n: int, rng: random.Random) -> tuple[str, str]:
    place = rng.choice(PLACES)
    if n % 2:
        subject = rng.choice(JA_SUBJECTS)
        title = _fit(subject + rng.choice(JA_TITLE_PARTS), 19, 79, rng, JA_TITLE_PARTS) + "？"
        sentences = [s.format(s=subject, p=place) for s in JA_SENTENCES]
    else:
        subject = rng.choice(EN_SUBJECTS)
        title = _fit(rng.choice(EN_TITLE_PARTS).format(s=subject), 19, 79, rng, [" please", " today", " now"]) + "?"
        sentences = [s.format(s=subject, p=place) for s in EN_SENTENCES]
    target = rng.randint(300, 1500)
    paragraphs = []
    while sum(len(p) + 2 for p in paragraphs) < target:
        paragraphs.append(" ".join(rng.sample(sentences, 2)))
    answer = "\n\n".join(paragraphs)[:target].rstrip()
    return title, answer


def fill(tip_count: int, seed: int = 9) -> None:
    rng = random.Random(seed)
    started = time.monotonic()
    categories = [services.category_get_or_create(name=name) for name in CATEGORIES]
    tag_names = [f"{subject}{n}" for n in range(100) for subject in JA_SUBJECTS]
    tag_names += [f"{subject}-{n}" for n in range(125) for subject in EN_SUBJECTS]
    tags = Tag.objects.bulk_create([Tag(name=name, slug=f"t{i}") for i, name in enumerate(tag_names)])
    weights = [1 / (rank + 1) ** 0.5 for rank in range(len(tags))]
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(Tip)
    pool = []
    for n in range(min(ANSWER_POOL, tip_count)):
        title, answer = _tip(n, rng)
        rendered = Tip(title=title, answer_text=answer)
        services.tip_refresh_derived(rendered)  # HTML, search text, slug: the services' own code
        pool.append(rendered)
    print(f"  {len(pool)} answers rendered ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    batch = []
    for n in range(tip_count):
        title, _answer = _tip(n, rng)
        model = pool[n % len(pool)]  # the pool's size is even: same language as the title
        tip = Tip(
            title=title,
            slug=tip_slug(title),
            answer_text=model.answer_text,
            answer_html=model.answer_html,
            answer_plain=model.answer_plain,
            excerpt=model.excerpt,
            search_title=normalize(title),
            language=model.language,  # detected from the text by the services (tip_refresh_derived)
            search_body=model.search_body,
            category=rng.choice(categories),
            status=Tip.Status.PUBLISHED,
            published_at=now - timedelta(minutes=tip_count - n),
        )
        batch.append(tip)
        if len(batch) == 1000 or n == tip_count - 1:
            created = Tip.objects.bulk_create(batch)
            items = []
            for tip in created:
                for tag in set(rng.choices(tags, weights=weights, k=rng.choice((2, 3)))):
                    items.append(TaggedItem(tag=tag, content_type=content_type, object_id=tip.pk))
            TaggedItem.objects.bulk_create(items)
            batch = []
            print(f"  {n + 1} tips ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute(VOTES_SQL)
    store_related(started)
    with transaction.atomic():
        services.category_counts_refresh(*[category.pk for category in categories])
    store_pages(started)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  done ({time.monotonic() - started:.0f} s)", file=sys.stderr)


def store_related(started: float) -> None:
    """Every published tip's stored related list, computed again (RELATED_SQL)."""
    content_type = ContentType.objects.get_for_model(Tip)
    RelatedTip.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        first, last = Tip.objects.aggregate(Min("pk"), Max("pk")).values()
        for low in range(first, last + 1, RELATED_BATCH):
            cursor.execute(RELATED_SQL, {"ct": content_type.pk, "low": low, "high": low + RELATED_BATCH - 1})
            print(
                f"  related tips up to {low + RELATED_BATCH - 1} ({time.monotonic() - started:.0f} s)", file=sys.stderr
            )


def store_pages(started: float) -> None:
    """Each tip page's stored parts (qa.tip_pages) that are missing or out of date, rendered by the services'
    own code: about 10 ms a tip for both languages on a busy 2-core machine, most of the fill's time."""
    current = tip_pages.fingerprint()
    done = TipPage.objects.filter(fingerprint=current).values("tip_id")
    stale = Tip.objects.published().exclude(pk__in=done).order_by("pk").values_list("pk", flat=True)
    tip_ids = list(stale)
    for start in range(0, len(tip_ids), 500):
        with transaction.atomic():
            tip_pages.tip_pages_refresh(tip_ids=tip_ids[start : start + 500])
        stored = min(start + 500, len(tip_ids))
        print(f"  tip pages {stored}/{len(tip_ids)} ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)


# One tip in ten has been voted on ("was this helpful?"): the home page's most helpful tips and the vote counts
# every tip page shows. Only the stored counters: no page reads the votes themselves.
VOTES_SQL = """
UPDATE qa_tip SET helpful_yes = 1 + (id * 7919) % 60, helpful_no = (id * 104729) % 8 WHERE id % 10 = 0
"""
ANSWER_POOL = 3000
RELATED_BATCH = 5000
# qa.related's ranking, for every tip of an id range at once: published tips
# in its language sharing tags, most shared first, then newest; the top five (RELATED_LIMIT).
RELATED_SQL = """
INSERT INTO qa_relatedtip (tip_id, related_id, shared_tags)
SELECT tip_id, related_id, shared FROM (
    SELECT pairs.tip_id, pairs.related_id, pairs.shared,
           ROW_NUMBER() OVER (PARTITION BY pairs.tip_id
                              ORDER BY pairs.shared DESC, other.published_at DESC, other.id DESC) AS position
    FROM (
        SELECT mine.object_id AS tip_id, theirs.object_id AS related_id, COUNT(*) AS shared
        FROM taggit_taggeditem mine
        JOIN taggit_taggeditem theirs
          ON theirs.tag_id = mine.tag_id AND theirs.content_type_id = %(ct)s AND theirs.object_id <> mine.object_id
        WHERE mine.content_type_id = %(ct)s AND mine.object_id BETWEEN %(low)s AND %(high)s
        GROUP BY mine.object_id, theirs.object_id
    ) AS pairs
    JOIN qa_tip own ON own.id = pairs.tip_id
    JOIN qa_tip other ON other.id = pairs.related_id AND other.status = 'published' AND other.language = own.language
) AS ranked
WHERE position <= 5
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tips", type=int, default=100_000)
    parser.add_argument("--related", action="store_true", help="only compute the related lists again")
    parser.add_argument("--pages", action="store_true", help="only store the missing or out-of-date page parts")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not (Path(STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)  # the share image's URL needs the manifest
    if options.related:
        store_related(time.monotonic())
    if options.pages:
        store_pages(time.monotonic())
    if options.related or options.pages:
        return
    if Tip.objects.published().count() == options.tips:
        print(f"{options.tips} tips already there", file=sys.stderr)
        return
    Tip.objects.all().delete()
    Tag.objects.all().delete()
    fill(options.tips)


if __name__ == "__main__":
    main()
