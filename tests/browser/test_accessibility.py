"""Accessibility: axe-core (node_modules/axe-core, pinned in package-lock.json) on the
pages customers use, in English and Japanese. No serious or critical violation.

axe is injected as a script tag; the site's CSP (script-src 'self') would block
it, so these contexts bypass CSP. That changes nothing axe looks at.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from qa import services

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def content(make_tip, make_question, staff):
    tip = make_tip(
        title="返品の送料はかかりますか？",
        answer_text="返品の送料は**無料**です。[返品フォーム](https://example.com/returns)から。",
        question_text="サイズが合わない靴を返品したいです。",
        tags=["返品", "送料"],
    )
    make_tip(title="How do I track my parcel?", answer_text="Use the tracking link in your e-mail.")
    answered = make_question(title="注文した商品が届きません", body="一週間たっても届きません。")
    services.question_answer(question=answered, author=staff, body="配送状況を確認しました。", is_public=False)
    make_question(title="Can I change my delivery address?", body="I moved last week.")
    return tip


PAGES = {
    "home": lambda tip: reverse("qa:home"),
    "tip list": lambda tip: reverse("qa:tip_list") + "?all_languages=1",
    "category": lambda tip: tip.category.get_absolute_url(),
    "tag": lambda tip: reverse("qa:tag", kwargs={"slug": "返品"}) + "?all_languages=1",
    "tip": lambda tip: tip.get_absolute_url(),
    "search": lambda tip: reverse("qa:search") + "?q=返品",
    "ask": lambda tip: reverse("qa:ask"),
    "my questions": lambda tip: reverse("qa:my_questions"),
}


def _describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:160]}")
            summary = " ".join(node.get("failureSummary", "").split())
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("page_name", list(PAGES))
def test_no_serious_axe_violations(site, new_page, signed_in, axe_source, content, customer, page_name, language):
    page, problems = new_page(bypass_csp=True, locale="ja-JP" if language == "ja" else "en-US")
    signed_in(page.context, customer)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    response = page.goto(site + PAGES[page_name](content))
    assert response.ok, response.status
    assert page.locator("html").get_attribute("lang") == language
    page.add_script_tag(path=str(axe_source))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    blocking = [violation for violation in results["violations"] if violation["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe on {page_name} ({language}, {page.url}):\n{_describe(blocking)}"
    assert not problems.page_errors, problems.page_errors
