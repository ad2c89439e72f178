"""The search index is kept by the database from the tip row's own columns: in
the same transaction as any write (services, bulk writes, raw updates), for
published tips only. Run on SQLite and PostgreSQL."""

import pytest
from django.db import connection

from qa import selectors, services
from qa.models import Tip
from qa.search.index import index_repair
from qa.services import tip_refresh_derived

pytestmark = pytest.mark.django_db


def _titles(query: str) -> list[str]:
    return [tip.title for tip in selectors.tip_search(query=query)]


def test_edits_unpublishing_and_deleting_change_the_index(make_tip):
    tip = make_tip(title="送料について", answer_text="全国一律500円です。")
    assert _titles("送料") == ["送料について"]

    services.tip_update(tip=tip, title="配達日数について", answer_text="2日から4日でお届けします。")
    assert _titles("送料") == []
    assert _titles("配達日数") == ["配達日数について"]

    services.tip_unpublish(tip=tip)
    assert _titles("配達日数") == []
    services.tip_publish(tip=tip, announce=False)
    assert _titles("配達日数") == ["配達日数について"]

    tip.delete()
    assert _titles("配達日数") == []


def test_drafts_are_not_indexed_until_published(make_tip):
    tip = make_tip(title="返品の下書き", publish=False)
    assert _titles("返品") == []
    services.tip_publish(tip=tip, announce=False)
    assert _titles("返品") == ["返品の下書き"]


def test_bulk_writes_with_the_derived_columns_keep_the_index(category):
    """What a bulk import does: rows built in memory, derived columns filled by
    the one function that computes them, then bulk_create / bulk_update."""
    tips = []
    for number, title in enumerate(["会員登録の方法", "ポイントの使い方"]):
        tip = Tip(title=title, slug=f"bulk-{number}", answer_text="本文です。", status=Tip.Status.PUBLISHED)
        tip_refresh_derived(tip)
        tips.append(tip)
    Tip.objects.bulk_create(tips)
    assert _titles("会員登録") == ["会員登録の方法"]

    tips = list(Tip.objects.order_by("pk"))
    tips[0].title = "退会の方法"
    tip_refresh_derived(tips[0])
    Tip.objects.bulk_update(tips, ["title", "search_title", "search_body"])
    assert _titles("会員登録") == []
    assert _titles("退会") == ["退会の方法"]

    Tip.objects.filter(pk=tips[1].pk).update(status=Tip.Status.UNPUBLISHED)
    assert _titles("ポイント") == []


def test_sqlite_triggers_come_back_after_a_table_rebuild(make_tip):
    """Django rebuilds a SQLite table for many schema changes, which drops its
    triggers; qa.apps puts them back after every migrate (index_repair)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's indexes are not triggers")
    make_tip(title="送料について")
    with connection.cursor() as cursor:
        for name in ("qa_tip_search_insert", "qa_tip_search_update", "qa_tip_search_delete"):
            cursor.execute(f"DROP TRIGGER {name}")
    make_tip(title="送料無料の条件")  # not indexed: no trigger
    assert _titles("送料") == ["送料について"]

    index_repair()

    assert sorted(_titles("送料")) == ["送料について", "送料無料の条件"]
    make_tip(title="送料の計算")
    assert len(_titles("送料")) == 3


def _spread_tips(titles_by_id: dict[int, str], answer: str = "{title}の回答です。") -> None:
    """Published tips with the given ids, far apart: on PostgreSQL each falls in
    its own id bucket of the index (qa.search.index.BUCKET_BITS)."""
    tips = []
    for tip_id, title in titles_by_id.items():
        tip = Tip(id=tip_id, title=title, slug=f"spread-{tip_id}", answer_text=answer.format(title=title))
        tip.status = Tip.Status.PUBLISHED
        tip_refresh_derived(tip)
        tips.append(tip)
    Tip.objects.bulk_create(tips)


def test_the_newest_matches_are_read_first_across_the_index_ranges(monkeypatch):
    """The index is read range of ids by range, newest first (on PostgreSQL,
    ranges of id buckets growing towards the oldest; on SQLite, FTS5 by rowid):
    whatever the ranges, a bounded read gives exactly the newest matches, and
    counting stops at the cap."""
    from qa.search import index

    step = 1 << index.BUCKET_BITS  # one tip per bucket, 40 buckets
    _spread_tips({1 + n * step: ("送料" if n % 3 else "返品") + f"の案内 {n}" for n in range(40)})
    newest_id = 1 + 39 * step
    shipping = [1 + n * step for n in reversed(range(40)) if n % 3]
    returns = [1 + n * step for n in reversed(range(40)) if not n % 3]

    def ids(condition, limit, newest=newest_id):
        rows, counts = index.candidates([(condition, limit)], newest_id=newest)
        assert counts == [len(rows)]
        # Read in one go (the document frequencies say the condition matches few tips): the same tips.
        frequencies = {"送料": len(shipping), "返品": len(returns), "xylophone": 0}
        at_once, _ = index.candidates([(condition, limit)], newest_id=newest, frequencies=frequencies, few=10**6)
        found = sorted((tip_id for tip_id, *_ in rows), reverse=True)
        assert sorted((tip_id for tip_id, *_ in at_once), reverse=True) == found
        return found

    assert ids(("any", ["送料"], False), 5) == shipping[:5]
    assert ids(("any", ["返品"], True), 12) == returns[:12]
    assert ids(("all", [[["送料"], ["返品"]]]), 30) == sorted(shipping + returns, reverse=True)[:30]
    assert ids(("all", [[["送料", "返品"]]]), 10) == []
    assert ids(("any", ["xylophone"], False), 10) == []
    # The newest id the engine knows may be a little behind (it is cached).
    assert ids(("any", ["送料"], False), 3, newest=newest_id - 2 * step) == shipping[:3]
    assert index.document_frequencies(["送料", "返品", "配送"], cap=7, newest_id=newest_id) == {
        "送料": 7,
        "返品": 7,
        "配送": 0,
    }


def test_search_over_many_index_ranges_ranks_like_a_small_one(monkeypatch):
    """With tips spread over many ranges of the index, and the engine made to
    read only a few candidates, the same tips still rank first."""
    from django.core.cache import cache

    from qa.search import engine, index

    step = 1 << index.BUCKET_BITS
    _spread_tips(
        {1 + n * step: f"送料 {n}" if n % 3 else f"返品 {n}" for n in range(14)}, answer="送料と返品 {title}。"
    )
    queries = ["送料", "返品", "送料 返品", "返品したいのですが送料は", "xylophone"]
    expected = {query: _titles(query) for query in queries}
    cache.clear()
    monkeypatch.setattr(engine, "DOCUMENT_FREQUENCY_CAP", 2)
    monkeypatch.setattr(engine, "CANDIDATES_ALL_TOKENS", 4)
    windowed = {query: _titles(query) for query in queries}
    # The same tips rank first; fewer candidates may leave some of the weakest out.
    for query in queries:
        assert windowed[query][:3] == expected[query][:3], query
