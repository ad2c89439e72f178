"""The core flow, as people use it, in English and in Japanese:

1. a customer signs up, verifies the address from the e-mail, and signs in;
2. they type a question, see a similar tip suggested while typing, and send it anyway;
3. staff find it at the top of the inbox, answer publicly, edit the public text,
   get the personal-data warning for a phone number, remove it, and publish;
4. the tip page shows the answer with the right link-card tags, and the console
   delivery shows "sent" in the admin;
5. the customer sees "answered" in My questions and has an e-mail about it.

Only the staff user and the seed tip (plus one older, answered question, so
that "top of the inbox" means something) are created directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from django.core import mail
from django.utils import translation
from django.utils.text import slugify
from playwright.sync_api import expect

from publishing.models import Delivery
from qa import services
from qa.models import Question, Tip
from tests.browser import people
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = "090-1234-5678"


@dataclass(frozen=True)
class Script:
    """What the people in one language type."""

    seed_title: str
    seed_answer: str
    email: str
    title: str
    body: str
    staff_answer: str
    public_title: str
    public_question: str  # staff's first edit: the phone number slipped through
    public_question_safe: str
    public_answer: str


SCRIPTS = {
    "en": Script(
        seed_title="How do I return an item?",
        seed_answer="Use the returns form within 30 days of delivery. Returning an item is free.",
        email="hanako@example.com",
        title="Can I return an item after two weeks?",
        body=f"I bought shoes two weeks ago and they do not fit.\n\nPlease call me on {PHONE}.",
        staff_answer="Yes. Items can be returned within **30 days** of delivery: use the returns form.",
        public_title="Returning an item two weeks after delivery",
        public_question=f"I bought shoes two weeks ago and they do not fit. Can I still return them? Call me on {PHONE}.",
        public_question_safe="I bought shoes two weeks ago and they do not fit. Can I still return them?",
        public_answer="Yes. Items can be returned within **30 days** of delivery: use the returns form. It is free.",
    ),
    "ja": Script(
        seed_title="返品の送料はかかりますか？",
        seed_answer="返品の送料は無料です。お届けから30日以内に返品フォームからお申し込みください。",
        email="hanako@example.jp",
        title="返品の方法を教えてください",
        body=f"先週買った靴のサイズが合いませんでした。\n\n電話番号は{PHONE}です。お電話ください。",
        staff_answer="お届けから**30日以内**でしたら返品できます。返品フォームをご利用ください。",
        public_title="お届けから2週間後の返品について",
        public_question=f"先週買った靴のサイズが合いません。返品できますか？ 電話番号は{PHONE}です。",
        public_question_safe="先週買った靴のサイズが合いません。返品できますか？",
        public_answer="お届けから**30日以内**でしたら返品できます。返品フォームをご利用ください。送料は無料です。",
    ),
}


class Untranslated:
    """Collects English left on a Japanese page, so that one run names every
    missing translation instead of stopping at the first."""

    def __init__(self, language: str):
        self.language = language
        self.missing: list[str] = []

    def check(self, where: str, locator, english: str) -> None:
        if self.language != "ja":
            return
        # text_content(), not inner_text(): CSS may upper-case a label for show.
        shown = " ".join(locator.first.text_content().split()) if locator.count() else "(not on the page)"
        if shown == english or not people.JAPANESE.search(shown):
            self.missing.append(f"{where}: {english!r} is shown as {shown!r}")


def _label(language: str, choice) -> str:
    with translation.override(language):
        return str(getattr(choice, "label", choice))


@pytest.mark.parametrize("language", ["en", "ja"])
def test_customer_question_becomes_a_published_tip(
    site, new_page, staff, make_tip, make_question, other_customer, language
):
    script = SCRIPTS[language]
    untranslated = Untranslated(language)
    make_tip(title=script.seed_title, answer_text=script.seed_answer)
    older = make_question(asker=other_customer, title="An older question, already answered", body="Old.")
    services.question_answer(question=older, author=staff, body="Answered.", is_public=False)

    # --- 1. Sign up, verify from the e-mail, sign in -------------------------------------------
    customer, customer_problems = new_page()
    customer.goto(site + "/")
    if language != "en":
        people.switch_language(customer, language)
    for url_name, english in [
        ("qa:tip_list", "Tips"),
        ("qa:search", "Search"),
        ("qa:ask", "Ask a question"),
        ("account_login", "Sign in"),
        ("account_signup", "Sign up"),
    ]:
        untranslated.check("header", people.nav_link(customer, url_name), english)

    people.sign_up(customer, email=script.email, password=PASSWORD)
    people.verify_email(customer, email=script.email)
    # Confirming the address leads to the sign-in page, not straight in.
    expect(people.nav_link(customer, "qa:my_questions")).to_have_count(0)
    people.sign_in(customer, email=script.email, password=PASSWORD)
    untranslated.check("header (signed in)", people.nav_link(customer, "qa:my_questions"), "My questions")

    # --- 2. Ask, see the similar tip while typing, send anyway ------------------------------------
    people.ask_question(customer, title=script.title, body=script.body, expected_suggestion=script.seed_title)
    question = Question.objects.get(title=script.title)
    assert question.asker.email == script.email and question.status == Question.Status.NEW

    # --- 3. Staff answer publicly, edit, get the personal-data warning, publish ----------------------
    desk, desk_problems = new_page()
    if language != "en":
        desk.goto(site + "/")
        people.switch_language(desk, language)
    people.staff_sign_in(desk, site, username=staff.username, password=PASSWORD)
    untranslated.check("admin header", desk.locator("#site-name"), "Tipcast support")
    inbox = people.open_inbox(desk)
    expect(inbox.first).to_contain_text(script.title)
    inbox.first.locator("th a").click()
    expect(desk.locator(".tipcast-history")).to_contain_text(PHONE)
    untranslated.check(
        "question page", desk.locator("button[name=_answer_public]"), "Answer publicly and publish as a tip"
    )
    people.answer_publicly(desk, answer=script.staff_answer)

    # The draft tip starts from the customer's wording, phone number included.
    warning = desk.locator(".tipcast-warning")
    expect(warning).to_contain_text(PHONE)
    people.edit_tip(
        desk, title=script.public_title, question_text=script.public_question, answer_text=script.public_answer
    )
    people.save_and_publish(desk)
    # The phone number is still in the edited question: publishing stops and says so.
    expect(desk).to_have_url(re.compile(r"/admin/qa/tip/\d+/publish/$"))
    expect(desk.locator(".tipcast-warning")).to_contain_text(PHONE)
    tip = Tip.objects.get(question=question)
    assert tip.status == Tip.Status.DRAFT
    desk.locator("#content-main a.tipcast-back").click()
    people.edit_tip(desk, question_text=script.public_question_safe)
    people.save_and_publish(desk)
    expect(desk.locator("#main .bg-green-100")).to_be_visible()  # the theme's success message
    expect(desk.locator(".tipcast-warning")).to_have_count(0)
    tip.refresh_from_db()
    assert tip.status == Tip.Status.PUBLISHED and PHONE not in tip.question_text

    # --- 4. The console delivery is "sent" in the admin ------------------------------------------------
    sent = _label(language, Delivery.Status.SENT)
    statuses = people.delivery_statuses(desk, tip_title=script.public_title)
    assert statuses.get("console") == sent, statuses
    untranslated.check("delivery list", desk.locator("#result_list .field-state"), "Sent")

    # --- 4. The tip page: the answer, the link-card tags ------------------------------------------------
    customer.goto(site + "/")
    customer.locator("main a", has_text=script.public_title).first.click()
    expect(customer.locator("main h1")).to_have_text(script.public_title)
    expect(customer.locator(".tip__answer")).to_contain_text(re.sub(r"\*\*", "", script.public_answer))
    expect(customer.locator(".tip__answer strong")).to_have_count(1)
    untranslated.check("tip page", customer.locator("#answer-heading"), "Answer")
    untranslated.check("tip page", customer.locator("#vote-heading"), "Was this helpful?")
    page_html = customer.content()
    assert PHONE not in page_html
    assert script.title not in page_html, "the customer's own title must stay private"
    tip_url = unquote(customer.url)
    _assert_link_card(customer, tip)

    # --- 5. The customer sees "answered", and has an e-mail --------------------------------------------
    summaries = people.open_my_questions(customer)
    untranslated.check("My questions", customer.locator("main h1"), "My questions")
    mine = summaries.filter(has_text=script.title)
    expect(mine).to_have_count(1)
    answered = _label(language, Question.CUSTOMER_STATES[Question.Status.WAITING_CUSTOMER][1])
    expect(mine.locator(".status")).to_have_text(answered)
    expect(mine.locator(".status")).to_have_class(re.compile(r"\bstatus--answered\b"))
    untranslated.check("My questions status", mine.locator(".status"), "Answered")
    answered_mails = [m for m in mail.outbox if m.to == [script.email] and question.get_absolute_url() in m.body]
    assert len(answered_mails) == 1, [(m.to, m.subject) for m in mail.outbox]
    mine.locator("h2 a").click()
    expect(customer.locator("main")).to_contain_text(re.sub(r"\*\*", "", script.staff_answer))

    customer_problems.assert_clean()
    desk_problems.assert_clean()
    # Checked last and together, so that one run names every remaining problem.
    remaining = []
    # The address is public too, and goes out in every social post: it must not
    # be made from the customer's wording either.
    if slugify(script.title, allow_unicode=True) in tip_url:
        remaining.append(f"the tip's public URL {tip_url} is derived from the customer's own title {script.title!r}")
    remaining += [f"not translated to Japanese: {line}" for line in untranslated.missing]
    assert not remaining, "\n".join(remaining)


def _assert_link_card(page, tip) -> None:
    canonical = tip.get_canonical_url()
    assert page.url.split("?")[0] == canonical
    assert page.locator("link[rel=canonical]").get_attribute("href") == canonical
    meta = people.meta_content
    assert meta(page, prop="og:type") == "article"
    assert meta(page, prop="og:url") == canonical
    assert meta(page, prop="og:title") == tip.title
    assert meta(page, prop="og:description")
    image = meta(page, prop="og:image")
    assert image and re.match(r"https?://", image), image
    assert int(meta(page, prop="og:image:width")) >= 1200
    assert int(meta(page, prop="og:image:height")) >= 630
    assert meta(page, name="twitter:card") == "summary_large_image"
    # The image really is there (an absolute URL on this very site).
    response = page.request.get(image)
    assert response.ok and response.headers["content-type"].startswith("image/"), (image, response.status)
