"""No public page reads a whole big table: every query of every public page,
EXPLAINed on PostgreSQL with a few thousand rows (enough that the planner
prefers an index wherever one serves), must not sequentially scan the tips,
tags, tagged items, related tips, stored tip pages or questions. Query counts are tested in
test_queries.py; this tests what each query costs as the data grows. No
timings: the plan is the assertion."""

import json
import random
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from qa import services
from qa.models import Category, Question, RelatedTip, Tip, TipPage
from qa.tip_pages import fingerprint
from tests.conftest import require_service
from tests.support.processes import port_open

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

GUARDED_TABLES = {"qa_tip", "taggit_tag", "taggit_taggeditem", "qa_relatedtip", "qa_question", "qa_tippage"}
TIPS = 4000


@pytest.fixture
def on_postgres(db):
    if connection.vendor == "postgresql":
        return
    require_service("PostgreSQL", port_open("127.0.0.1", 5432), "127.0.0.1:5432")
    pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=postgres://…), as `make test` does")


@pytest.fixture
def many_rows(on_postgres, customer):
    rng = random.Random(9)
    categories = [Category.objects.create(name=f"カテゴリ {n}", slug=f"cat-{n}", order=n) for n in range(8)]
    tags = Tag.objects.bulk_create([Tag(name=f"タグ{n}", slug=f"tag-{n}") for n in range(1000)])
    now = timezone.now()
    tips = Tip.objects.bulk_create(
        [
            Tip(
                # Two thirds in English (the test client's language), a third in Japanese.
                title=f"送料と返品のヒント {n}" if n % 3 == 0 else f"Shipping and returns tip {n}",
                language="ja" if n % 3 == 0 else "en",
                helpful_yes=n % 17,
                slug=f"tip-{n}",
                answer_text=f"回答 {n}",
                answer_html=f"<p>回答 {n}</p>",
                search_title=f"送料と返品のヒント {n}",
                search_body=f"回答 {n}",
                category=categories[n % len(categories)],
                status=Tip.Status.PUBLISHED if n % 10 else Tip.Status.DRAFT,
                published_at=now - timedelta(minutes=n),
            )
            for n in range(TIPS)
        ]
    )
    content_type = ContentType.objects.get_for_model(Tip)
    TaggedItem.objects.bulk_create(
        [
            TaggedItem(tag=tag, content_type=content_type, object_id=tip.pk)
            for tip in tips
            for tag in rng.sample(tags, 3)
        ]
    )
    Question.objects.bulk_create(
        [Question(asker=customer, title=f"質問 {n}", body="本文", category=categories[0]) for n in range(2000)]
    )
    # Stored related lists, as qa.related keeps them (five per tip).
    RelatedTip.objects.bulk_create(
        [
            RelatedTip(tip=tip, related=other, shared_tags=1)
            for tip in tips
            for other in {rng.choice(tips) for _ in range(5)} - {tip}
        ],
        ignore_conflicts=True,
    )
    # Stored page parts (qa.tip_pages), two languages a tip, as the services keep them (placeholder text).
    TipPage.objects.bulk_create(
        [
            TipPage(tip=tip, language=language, fingerprint=fingerprint(), head="", top="", card=f"<p>{tip.pk}</p>")
            for tip in tips
            for language in ("en", "ja")
        ]
    )
    for category in categories:  # the counters the services keep (bulk_create bypassed them)
        published = Tip.objects.published().filter(category=category)
        category.published_tip_count = published.count()
        category.published_tip_counts = {
            language: published.filter(language=language).count() for language in ("en", "ja")
        }
        category.save(update_fields=["published_tip_count", "published_tip_counts"])
    # The tip every page below looks at, published through the services.
    tip = services.tip_create(title="送料はいくらですか", answer_text="全国一律です。", category=categories[1])
    tip.tags.set(["タグ1", "タグ2"])
    services.tip_publish(tip=tip, announce=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return tip


def _public_urls(tip) -> list[str]:
    category = tip.category
    return [
        reverse("qa:home"),
        reverse("qa:tip_list"),
        reverse("qa:tip_list") + "?page=50",
        tip.get_absolute_url(),
        category.get_absolute_url(),
        category.get_absolute_url() + "?page=10",
        category.get_absolute_url() + "?all_languages=1",
        reverse("qa:home") + "?lang=ja",
        reverse("qa:home") + "?all_languages=1",
        reverse("qa:tip_list") + "?lang=ja&page=3",
        reverse("qa:tag", kwargs={"slug": "tag-1"}),
        reverse("qa:tag", kwargs={"slug": "tag-1"}) + "?lang=ja",
        reverse("qa:feed_rss"),
        reverse("qa:feed_atom"),
        reverse("qa:category_feed_rss", kwargs={"slug": category.slug}),
        reverse("qa:sitemap"),
        # The tips file holding this tip's id (files are id ranges of SITEMAP_SECTION_SIZE, 1,000 here).
        reverse("qa:sitemap_section", kwargs={"section": "tips"}) + f"?p={(tip.pk - 1) // 1000 + 1}",
        reverse("qa:sitemap_section", kwargs={"section": "categories"}),
        reverse("qa:robots_txt"),
        # The search page: its index look-ups and ranking statistics included.
        reverse("qa:search") + "?q=送料",
        reverse("qa:search") + "?q=iPhone 設定",
        reverse("qa:search") + "?q=注文した商品がまだ届かないのですが",
        reverse("qa:suggest") + "?q=返品したい",
    ]


# The tags' sitemap files are ranges of tag ids, two URLs per tag (one per
# language): at 1,000 URLs a file, one file here covers half of the 1,000 tags,
# which is rightly read whole. Checked with files that are a small part of the
# table, as they are once there are more tags than one file holds.
TAG_SITEMAP_SECTION_SIZE = 100
TAG_SITEMAP_URLS = ["/sitemap-tags.xml", "/sitemap-tags.xml?p=2", "/sitemap-tags.xml?p=10"]


def _explain(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]


def _sequential_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in GUARDED_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += _sequential_scans(child)
    return found


@pytest.mark.parametrize("signed_in", [False, True])
def test_no_public_page_scans_a_big_table(many_rows, customer, settings, signed_in):
    settings.SITEMAP_SECTION_SIZE = 1000
    client = Client()
    if signed_in:
        client.force_login(customer)
    # The guard can see a scan: the old per-request category count was one.
    assert _sequential_scans(_explain("SELECT category_id, COUNT(*) FROM qa_tip GROUP BY category_id")) == ["qa_tip"]
    offenders = []
    urls = [(url, 1000) for url in _public_urls(many_rows)]
    urls += [(url, TAG_SITEMAP_SECTION_SIZE) for url in TAG_SITEMAP_URLS]
    for url, section_size in urls:
        settings.SITEMAP_SECTION_SIZE = section_size
        cache.clear()  # the queries that render the page, not a cache hit
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200, url
        selects = [q["sql"] for q in context.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        assert selects or url == reverse("qa:robots_txt"), url
        for sql in selects:
            scans = _sequential_scans(_explain(sql))
            if scans:
                offenders.append(f"{url}: Seq Scan on {', '.join(scans)}: {sql[:300]}")
    assert not offenders, "\n".join(offenders)
