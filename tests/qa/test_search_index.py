"""The search index is kept by the database from the tip row's own columns: in
the same transaction as any write (services, bulk writes, raw updates), for
published tips only. Run on SQLite and PostgreSQL."""

import pytest
from django.db import connection

from qa import selectors, services
from qa.models import Tip
from qa.search.index import index_repair
from qa.services import _tip_refresh_derived

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
        _tip_refresh_derived(tip)
        tips.append(tip)
    Tip.objects.bulk_create(tips)
    assert _titles("会員登録") == ["会員登録の方法"]

    tips = list(Tip.objects.order_by("pk"))
    tips[0].title = "退会の方法"
    _tip_refresh_derived(tips[0])
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


def test_common_tokens_read_from_the_newest_rows_give_the_same_results(make_tip, monkeypatch):
    """On PostgreSQL a common token is read from the newest rows first (no
    index), then from the index window by window. Made small here, every path
    must give what the index alone gives."""
    from django.core.cache import cache

    from qa.search import engine, index

    for number in range(14):
        make_tip(title=f"送料 {number}" if number % 3 else f"返品 {number}", answer_text=f"送料と返品 {number}。")
    queries = ["送料", "返品", "送料 返品", "返品したいのですが送料は", "xylophone"]
    expected = {query: _titles(query) for query in queries}
    cache.clear()
    monkeypatch.setattr(engine, "DOCUMENT_FREQUENCY_CAP", 2)
    monkeypatch.setattr(engine, "CANDIDATES_ALL_TOKENS", 4)
    monkeypatch.setattr(index, "POSTGRES_ROW_WINDOW", 3)
    monkeypatch.setattr(index, "POSTGRES_INDEX_WINDOW", 6)
    windowed = {query: [tip.title for tip in selectors.tip_search(query=query)] for query in queries}
    # The same tips rank first; fewer candidates may leave some of the weakest out.
    for query in queries:
        assert windowed[query][:3] == expected[query][:3], query
