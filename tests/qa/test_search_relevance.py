"""Relevance: recall@3 of the search page and of the ask form's suggestions on
a set of FAQ entries and customer-style queries (tests/qa/search_relevance_set.py).

The figure is printed; the test holds a floor under it. Run on SQLite and on
PostgreSQL (DATABASE_URL=postgres://…): the engine ranks identically on both.
"""

import json
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from qa import selectors, services
from tests.qa.search_relevance_set import QUERIES, TIPS

pytestmark = pytest.mark.django_db

RECALL_FLOOR = 0.9
TOP = 3


@pytest.fixture
def relevance_tips(category):
    by_title = {}
    for key, (title, answer) in TIPS.items():
        tip = services.tip_create(title=title, answer_text=answer, category=category)
        services.tip_publish(tip=tip, announce=False)
        by_title[title] = key
    return by_title


def _page_top(client, query: str) -> list[str]:
    html = client.get(reverse("qa:search"), {"q": query}).content.decode()
    titles = re.findall(r'class="tip-card__title"><a href="[^"]+">(.*?)</a>', html)
    return [re.sub(r"</?mark>", "", title).replace("&#x27;", "'") for title in titles[:TOP]]


def _suggestion_top(client, query: str) -> list[str]:
    return [result["title"] for result in client.get(reverse("qa:suggest"), {"q": query}).json()["results"][:TOP]]


def _recall(top_titles, relevance_tips) -> tuple[float, list[str]]:
    missed = []
    for query, expected in QUERIES:
        found = {relevance_tips.get(title) for title in top_titles(query)}
        if not found & expected:
            missed.append(query)
    return 1 - len(missed) / len(QUERIES), missed


def test_search_page_and_suggestions_find_the_answer_in_their_top_three(client, relevance_tips, capsys):
    page_recall, page_missed = _recall(lambda query: _page_top(client, query), relevance_tips)
    suggestion_recall, suggestion_missed = _recall(lambda query: _suggestion_top(client, query), relevance_tips)
    with capsys.disabled():
        print(
            f"\nrecall@{TOP} on {len(QUERIES)} queries over {len(TIPS)} tips: "
            f"search page {page_recall:.1%}, suggestions {suggestion_recall:.1%}"
        )
        print(f"  missed by the page: {page_missed}\n  missed by the suggestions: {suggestion_missed}")
    assert page_recall >= RECALL_FLOOR
    assert suggestion_recall >= RECALL_FLOOR


def test_the_set_is_big_enough_and_consistent():
    assert len(TIPS) >= 40 and len(QUERIES) >= 60
    assert all(expected <= TIPS.keys() for _, expected in QUERIES)
    assert len({title for title, _ in TIPS.values()}) == len(TIPS)


RANKINGS = Path(__file__).with_name("search_rankings.json")


def test_rankings_are_the_same_on_every_database(relevance_tips):
    """The top five of every query, compared with the rankings committed in
    search_rankings.json: run on SQLite and on PostgreSQL, this proves both
    rank identically. After a deliberate change to the engine, rewrite the file
    with SEARCH_RANKINGS_UPDATE=1 and review the diff."""
    rankings = {query: [tip.title for tip in selectors.tip_search(query=query)[:5]] for query, _ in QUERIES}
    if os.environ.get("SEARCH_RANKINGS_UPDATE"):
        RANKINGS.write_text(json.dumps(rankings, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert rankings == json.loads(RANKINGS.read_text(encoding="utf-8"))
