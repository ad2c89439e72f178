"""XSS in a real browser: a question and an answer made of the OWASP vectors are
shown on the tip page, on the customer's pages and on the staff pages, and
nothing runs.

The pages are loaded with Playwright's bypass_csp: the site's strict CSP would
otherwise block most payloads by itself and hide a hole in the sanitiser. Here
escaping and the sanitiser are the only defence, as they must be.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from qa import services
from tests import xss_vectors

pytestmark = pytest.mark.browser

# Everything the payloads could have done, or left behind, in the DOM.
INSPECT_PAGE = """() => {
  const problems = [];
  const dangerousUrl = /^\\s*(javascript|data|vbscript):/i;
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      if (/^on/i.test(attribute.name)) {
        problems.push(`${element.tagName} has ${attribute.name}="${attribute.value}"`);
      }
      if (/^(href|src|action|formaction|data|xlink:href)$/i.test(attribute.name) && dangerousUrl.test(attribute.value)) {
        problems.push(`${element.tagName} has ${attribute.name}="${attribute.value}"`);
      }
    }
  }
  for (const script of document.scripts) {
    const sameOrigin = script.src && new URL(script.src).origin === location.origin;
    const data = !script.src && ["application/ld+json", "application/json"].includes(script.type);
    if (!sameOrigin && !data) {
      problems.push(`unexpected script: ${script.outerHTML.slice(0, 200)}`);
    }
    if (data) {
      try { JSON.parse(script.textContent); } catch (error) { problems.push(`broken ${script.type}: ${error}`); }
    }
  }
  const userContent = ".prose, .tipcast-body, .readonly, .question-summary, #result_list .field-title, h1";
  const forbidden = "script, iframe, object, embed, svg, math, style, link, meta, img, input, form, video, details, body";
  for (const container of document.querySelectorAll(userContent)) {
    for (const element of container.querySelectorAll(forbidden)) {
      problems.push(`<${element.tagName.toLowerCase()}> inside user content: ${element.outerHTML.slice(0, 120)}`);
    }
  }
  return {problems, fired: window.__xss === 1};
}"""


@pytest.fixture
def vector_tip(db, customer, staff, category):
    """A customer's question and a public answer, both made of the vectors, published
    as a tip whose public text keeps them (staff pasted them in)."""
    question = services.question_create(
        asker=customer, title=xss_vectors.TITLE, body=xss_vectors.BODY, category=category
    )
    answer = services.question_answer(question=question, author=staff, body=xss_vectors.BODY, is_public=True)
    tip = services.tip_create_from_answer(answer=answer)
    services.tip_update(tip=tip, slug="vectors")
    return question, services.tip_publish(tip=tip, announce=False)


def _visit(page, problems, url: str, *, expect_text: str) -> list[str]:
    response = page.goto(url)
    assert response.ok, f"{url}: HTTP {response.status}"
    page.wait_for_load_state("load")
    # Make the handlers that need a person fire, too: hover and focus everything.
    page.evaluate("""() => { for (const el of document.querySelectorAll('main *, #content *')) {
        el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); } }""")
    page.keyboard.press("Tab")
    found = page.evaluate(INSPECT_PAGE)
    body_text = page.locator("body").inner_text()
    report = [f"{url}: {line}" for line in found["problems"]]
    if found["fired"]:
        report.append(f"{url}: a payload ran (window.__xss is set)")
    if expect_text not in body_text:
        report.append(f"{url}: the escaped text {expect_text!r} is not shown")
    return report


def test_vectors_are_shown_as_text_and_never_run(site, new_page, signed_in, vector_tip, customer, staff):
    question, tip = vector_tip
    # Shown as text: the escaped payload is visible to the reader.
    visible_marker = "返品について質問です"

    reader, reader_problems = new_page(bypass_csp=True)
    signed_in(reader.context, customer)
    report = []
    report += _visit(reader, reader_problems, site + tip.get_absolute_url(), expect_text=visible_marker)
    json_ld = reader.locator("script[type='application/ld+json']")
    if json_ld.count():
        assert json.loads(json_ld.first.text_content())["@type"]
    report += _visit(reader, reader_problems, site + reverse("qa:my_questions"), expect_text="返品")
    report += _visit(reader, reader_problems, site + question.get_absolute_url(), expect_text=visible_marker)

    desk, desk_problems = new_page(bypass_csp=True)
    signed_in(desk.context, staff)
    report += _visit(desk, desk_problems, site + reverse("admin:qa_question_changelist"), expect_text="返品")
    report += _visit(
        desk, desk_problems, site + reverse("admin:qa_question_change", args=[question.pk]), expect_text=visible_marker
    )
    report += _visit(
        desk, desk_problems, site + reverse("admin:qa_tip_change", args=[tip.pk]), expect_text=visible_marker
    )

    for problems in (reader_problems, desk_problems):
        report += [f"dialog opened: {line}" for line in problems.dialogs]
        report += [f"script error: {line}" for line in problems.page_errors]
        report += [f"console: {line}" for line in problems.console if "XSS-FIRED" in line]
    assert not report, "\n".join(report)
