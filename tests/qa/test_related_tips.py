"""Related tips are stored when tips change (qa.related) and read with a fixed,
small number of indexed queries (qa.page_selectors, qa.tip_pages.related_cards)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qa import services
from qa.models import Category, RelatedTip
from qa.tip_pages import related_cards, tip_page_read
from tests.qa.related import tip_related

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks():
    """Celery tasks run inline (they are enqueued after commit: tests run the
    on-commit callbacks with django_capture_on_commit_callbacks)."""
    from supportsite.celery import app as celery_app

    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def elsewhere(db):
    return Category.objects.create(name="Elsewhere", slug="elsewhere")


def stored(tip) -> list[tuple[str, int]]:
    rows = RelatedTip.objects.filter(tip=tip).select_related("related")
    return sorted(((row.related.title, row.shared_tags) for row in rows), key=lambda pair: (-pair[1], pair[0]))


def test_a_published_tip_enters_the_stored_lists_of_earlier_tips(make_tip, elsewhere):
    base = make_tip(title="Base", tags=["送料", "返品"], category=elsewhere)
    both = make_tip(title="Both", tags=["送料", "返品"], category=elsewhere)
    one = make_tip(title="One", tags=["返品"], category=elsewhere)
    make_tip(title="Draft", tags=["送料", "返品"], publish=False)
    assert stored(base) == [("Both", 2), ("One", 1)]
    assert stored(both) == [("Base", 2), ("One", 1)]
    assert stored(one) == [("Base", 1), ("Both", 1)]
    assert tip_related(tip=base) == [both, one]


def test_a_full_list_keeps_the_best_five(make_tip, elsewhere):
    base = make_tip(title="Base", tags=["a", "b"], category=elsewhere)
    singles = [make_tip(title=f"Single {n}", tags=["a"], category=elsewhere) for n in range(5)]
    assert [tip.title for tip in tip_related(tip=base)] == [f"Single {n}" for n in (4, 3, 2, 1, 0)]
    double = make_tip(title="Double", tags=["a", "b"], category=elsewhere)
    newest_single = make_tip(title="Single 5", tags=["a"], category=elsewhere)
    # Most shared tags first, then the newest; the oldest single fell out.
    assert tip_related(tip=base) == [double, newest_single, singles[4], singles[3], singles[2]]
    assert RelatedTip.objects.filter(tip=base).count() == 5


def test_a_list_holds_tips_in_the_tips_own_language_only(make_tip, elsewhere):
    """The page shows related tips in the tip's language: six English tips sharing both tags must not push the
    Japanese tips sharing one out of a Japanese tip's list (it would be left empty)."""
    base = make_tip(
        title="送料はいくらですか？", answer_text="全国一律500円です。", tags=["a", "b"], category=elsewhere
    )
    english = [make_tip(title=f"Shipping {n}", tags=["a", "b"], category=elsewhere) for n in range(6)]
    japanese = [
        make_tip(title=f"返品について{n}", answer_text="30日以内なら返品できます。", tags=["a"], category=elsewhere)
        for n in range(5)
    ]
    assert base.language == "ja" and english[0].language == "en"
    assert stored(base) == sorted((tip.title, 1) for tip in japanese)
    assert tip_related(tip=base) == japanese[::-1]
    assert stored(english[0]) == sorted((tip.title, 2) for tip in english[1:])


def test_a_tip_whose_language_changes_changes_lists(make_tip, eager_tasks, django_capture_on_commit_callbacks):
    # No category: nothing fills a short list, only the stored lists show.
    english = make_tip(title="Shipping costs", tags=["a"], category=None)
    moving = make_tip(title="Shipping abroad", tags=["a"], category=None)
    japanese = make_tip(title="送料について", answer_text="全国一律550円です。", tags=["a"], category=None)
    assert tip_related(tip=english) == [moving] and tip_related(tip=japanese) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.tip_update(tip=moving, language="ja")
    assert tip_related(tip=english) == []
    assert tip_related(tip=japanese) == [moving]
    assert tip_related(tip=moving) == [japanese]


def test_same_category_tips_fill_the_list_at_read_time(make_tip, category, elsewhere):
    base = make_tip(title="Base", tags=["a"])
    tagged = make_tip(title="Tagged", tags=["a"], category=elsewhere)
    old, new = make_tip(title="Old in category"), make_tip(title="New in category")
    make_tip(title="Other category", category=elsewhere)
    assert tip_related(tip=base) == [tagged, new, old]


def test_an_unpublished_tip_is_never_shown_and_the_lists_are_refilled_by_a_task(
    make_tip, elsewhere, eager_tasks, django_capture_on_commit_callbacks
):
    base = make_tip(title="Base", tags=["a"], category=elsewhere)
    # In another category than base's: no same-category tip fills base's list.
    others = [make_tip(title=f"Other {n}", tags=["a"]) for n in range(6)]
    assert others[5] in tip_related(tip=base)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.tip_unpublish(tip=others[5])
        # Before the task has run: gone from the page, the list one short.
        assert tip_related(tip=base) == [others[4], others[3], others[2], others[1]]
    assert callbacks
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert tip_related(tip=base) == [others[4], others[3], others[2], others[1], others[0]]
    assert not RelatedTip.objects.filter(related=others[5]).exists()


def test_tag_changes_move_a_tip_between_lists(make_tip, elsewhere, eager_tasks, django_capture_on_commit_callbacks):
    shipping = make_tip(title="Shipping", tags=["送料"], category=elsewhere)
    returns = make_tip(title="Returns", tags=["返品"], category=None)
    moving = make_tip(title="Moving", tags=["送料"], category=None)
    assert tip_related(tip=shipping) == [moving]
    with django_capture_on_commit_callbacks(execute=True):
        services.tip_update(tip=moving, tags=["返品"])
    assert tip_related(tip=shipping) == []
    assert tip_related(tip=returns) == [moving]
    assert tip_related(tip=moving) == [returns]


def test_reading_the_list_is_a_fixed_number_of_queries(make_tip, elsewhere):
    base = make_tip(title="Base", tags=["a", "b"], category=elsewhere)
    for n in range(3):
        make_tip(title=f"Tagged {n}", tags=["a"], category=elsewhere)
    few = _queries(base)
    for n in range(20):
        make_tip(title=f"More {n}", tags=["a", "b"] if n % 2 else ["b"], category=elsewhere)
    many = _queries(base)
    # The page's stored parts, then its stored list with each listed tip's stored card (qa.tip_pages); with
    # fewer than five tagged tips, one more query fills the list from the category.
    assert len(few) == 3 and len(many) == 2
    assert not any("COUNT(" in sql.upper() or "GROUP BY" in sql.upper() for sql in many)


def _queries(tip) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        related = related_cards(pk=tip.pk, row=tip_page_read(pk=tip.pk, language="en"), language="en")
    assert related and all(card for _pk, card in related)  # stored when each tip was published
    return [query["sql"] for query in context.captured_queries]


def test_refresh_command_rebuilds_every_list(make_tip, elsewhere):
    from django.core.management import call_command

    base = make_tip(title="Base", tags=["a"], category=elsewhere)
    other = make_tip(title="Other", tags=["a"], category=elsewhere)
    RelatedTip.objects.all().delete()
    Category.objects.update(published_tip_count=0)
    call_command("refresh_public_reads", verbosity=0)
    assert tip_related(tip=base) == [other]
    assert Category.objects.get(pk=elsewhere.pk).published_tip_count == 2
