"""What people do on the site, step by step, in a real browser.

Fields and buttons are found by their form names and URLs, not by their
labels, so the same steps work in English and in Japanese; the tests assert
the visible wording separately.
"""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
# Hiragana, katakana and CJK ideographs: proof that a text is Japanese.
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def nav_link(page, url_name: str):
    return page.locator(f"header.site-header a[href='{reverse(url_name)}']")


def switch_language(page, code: str) -> None:
    """Use the language switcher in the footer (a form posting to set_language)."""
    switcher = page.locator("form.language-switcher")
    switcher.locator("select[name=language]").select_option(code)
    with page.expect_navigation():
        switcher.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


# --- Customers ------------------------------------------------------------------------------


def sign_up(page, *, email: str, password: str) -> None:
    nav_link(page, "account_signup").click()
    form = page.locator(f"form[action='{reverse('account_signup')}']")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password1]").fill(password)
    form.locator("input[name=password2]").fill(password)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("account_email_verification_sent")) + "$"))


def confirmation_link(email: str) -> str:
    """The verification link from the last e-mail sent to `email` (locmem backend)."""
    messages = [message for message in mail.outbox if email in message.to]
    assert messages, f"no e-mail was sent to {email}; outbox: {[m.subject for m in mail.outbox]}"
    match = CONFIRM_LINK.search(messages[-1].body)
    assert match, f"no confirmation link in the e-mail:\n{messages[-1].body}"
    return match.group(0)


def verify_email(page, *, email: str) -> None:
    page.goto(confirmation_link(email))
    page.locator("main form[action*='/accounts/confirm-email/'] button[type=submit]").click()
    page.wait_for_load_state()


def sign_in(page, *, email: str, password: str) -> None:
    """On the sign-in page (where confirming the address leads): fill it in."""
    expect(page).to_have_url(re.compile(re.escape(reverse("account_login")) + r"(\?.*)?$"))
    form = page.locator(f"main form[action^='{reverse('account_login')}']")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    # Signed in: the header now offers "My questions" instead of "Sign in".
    expect(nav_link(page, "qa:my_questions")).to_be_visible()
    expect(nav_link(page, "account_login")).to_have_count(0)


def ask_question(page, *, title: str, body: str, expected_suggestion: str) -> None:
    """Type a question, see a similar tip suggested while typing, and send it anyway."""
    nav_link(page, "qa:ask").click()
    form = page.locator("#ask-form")
    suggestions = page.locator("#ask-suggestions")
    expect(suggestions).to_be_hidden()
    # Typed key by key, so ask.js sees real input events (and debounces them).
    form.locator("input[name=title]").press_sequentially(title, delay=20)
    expect(suggestions).to_be_visible()
    expect(suggestions.locator("a", has_text=expected_suggestion)).to_be_visible()
    # ask.js notes the title whose suggestions were shown (the last debounced one) ...
    expect(form.locator("#ask-suggested-for")).to_have_value(title)
    form.locator("textarea[name=body]").fill(body)
    # ... so "Send" sends: no "Before you send" step repeats the same tips.
    form.locator("button[name=action][value=submit]").click()
    expect(page.locator("main h1")).to_have_text(title)


def open_my_questions(page):
    nav_link(page, "qa:my_questions").click()
    return page.locator("main .question-summary")


# --- Staff ------------------------------------------------------------------------------------


def staff_sign_in(page, site: str, *, username: str, password: str) -> None:
    page.goto(site + reverse("admin:index"))
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("[type=submit]").click()
    expect(page.locator(".tipcast-dashboard")).to_be_visible()


def open_inbox(page):
    """From the admin index to the question inbox (the sidebar's link); returns the rows of the list."""
    page.locator(f"#nav-sidebar-inner a[href='{reverse('admin:qa_question_changelist')}']").first.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("admin:qa_question_changelist")) + r"(\?.*)?$"))
    return page.locator("#result_list tbody tr")


def answer_publicly(page, *, answer: str) -> None:
    """On a question's change page: write the answer and send it publicly, which
    leads to the draft tip's change page."""
    page.locator("textarea[name=answer_body]").fill(answer)
    page.locator("button[name=_answer_public]").click()
    expect(page).to_have_url(re.compile(r"/admin/qa/tip/\d+/change/$"))


def edit_tip(page, **fields: str) -> None:
    for name, value in fields.items():
        page.locator(f"#tip_form [name={name}]").fill(value)


def save_and_publish(page) -> None:
    # The theme's submit row sits outside the form (its buttons name it with form=).
    page.locator("button[form=tip_form][name=_publish]").click()
    page.wait_for_load_state()


def delivery_statuses(page, *, tip_title: str) -> dict[str, str]:
    """Through the sidebar to the delivery list: {channel: status as shown} for the tip."""
    changelist = reverse("admin:publishing_delivery_changelist")
    page.locator(f"#nav-sidebar-inner a[href='{changelist}']").first.click()
    expect(page).to_have_url(re.compile(re.escape(changelist) + r"(\?.*)?$"))
    rows = page.locator("#result_list tbody tr").filter(has_text=tip_title)
    expect(rows.first).to_be_visible()
    statuses = {}
    for index in range(rows.count()):
        row = rows.nth(index)
        statuses[row.locator(".field-channel").inner_text().strip()] = row.locator(".field-state").inner_text().strip()
    return statuses


def meta_content(page, *, prop: str = "", name: str = "") -> str | None:
    selector = f"meta[property='{prop}']" if prop else f"meta[name='{name}']"
    locator = page.locator(selector)
    return locator.get_attribute("content") if locator.count() == 1 else None
