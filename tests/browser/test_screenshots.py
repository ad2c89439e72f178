"""Screenshots of each page at phone (375 px) and desktop (1280 px) width, in English
and Japanese, for people to look at: test-artifacts/screenshots/<language>-<width>-<page>.png.

What a machine can check is checked too: each page answers 200, is in the right
language, and nothing is wider than a phone screen (no sideways scrolling).
"""

from __future__ import annotations

import struct

import pytest
from django.urls import reverse

from qa import services
from qa.models import Question

pytestmark = pytest.mark.browser

WIDTHS = [375, 1280]

# Elements wider than the viewport, ignoring those inside a scrolling container
# (a wide table that scrolls inside its own box is fine on a phone).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (element) => {
    for (let node = element.parentElement; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      const isPage = node === document.body || node === document.documentElement;
      if (/(auto|scroll)/.test(style.overflowX) && !isPage) return true;
    }
    return false;
  };
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1 && !scrolls(element)) {
      const classes = typeof element.className === "string" && element.className.trim()
        ? "." + element.className.trim().split(/\\s+/).join(".") : "";
      wide.push(`${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}${classes} ends at ${Math.round(box.right)}px`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def content(make_tip, make_question, staff, customer, category):
    category.name_ja = "配送"
    category.save()
    for n in range(3):  # enough for the home page's sections in both languages
        make_tip(title=f"送料を安くする方法 その{n + 1}", answer_text="五千円以上のご注文で送料が無料になります。" * 3)
        make_tip(title=f"Ways to save on shipping, part {n + 1}", answer_text="Orders over ¥5,000 ship free. " * 4)
    tip = make_tip(
        title="返品の送料はかかりますか？ サイズが合わなかった場合の返品方法について",
        question_text="通販で買った靴のサイズが合いませんでした。返品の送料はかかりますか？",
        answer_text="お届けから**30日以内**でしたら、返品の送料は無料です。\n\n1. 返品フォームを開きます。\n2. 注文を選びます。\n3. 集荷の日時を選びます。",
        tags=["返品", "送料"],
    )
    make_tip(title="How do I track my parcel?", answer_text="Use the tracking link in the e-mail we sent you.")
    make_tip(title="Can I change my delivery address after ordering?", answer_text="Yes, until the parcel ships.")
    answered = make_question(title="注文した商品がまだ届きません", body="一週間たっても届きません。")
    services.question_answer(question=answered, author=staff, body="配送状況を確認しました。", is_public=False)
    make_question(
        title="A very long question title to see how the list wraps on a narrow phone screen, "
        "with averyveryverylongwordwithoutanyspacesinsideitatall",
        body="Details.",
    )
    return tip


# At phone width the header is two lines: the site name with the language
# switch, then the navigation, with no link alone on a line ("Sign up" was).
COMPACT_HEADER = """() => {
  const problems = [];
  const header = document.querySelector(".site-header").getBoundingClientRect();
  const toggle = document.querySelector(".language-toggle").getBoundingClientRect();
  if (toggle.top > header.top + 60) problems.push(`the language switch is ${Math.round(toggle.top)}px down`);
  if (header.height > 130) problems.push(`the header is ${Math.round(header.height)}px tall`);
  const rows = {};
  for (const item of document.querySelectorAll(".site-nav li")) {
    const top = Math.round(item.getBoundingClientRect().top);
    (rows[top] = rows[top] || []).push(item.textContent.trim().replace(/\\s+/g, " "));
  }
  for (const row of Object.values(rows)) if (row.length < 2) problems.push(`"${row[0]}" is alone on a line`);
  return problems;
}"""


def _png_size(path) -> tuple[int, int]:
    with open(path, "rb") as handle:
        header = handle.read(24)
    return struct.unpack(">II", header[16:24])


@pytest.mark.parametrize("language", ["en", "ja"])
def test_screenshots_of_each_page(site, new_page, signed_in, screenshot_dir, content, customer, staff, language):
    # A helpful vote, so that the home page's "Most helpful tips" shows.
    services.tip_vote(tip=content, voter_key="screenshot-1", helpful=True)
    pages = {
        "login": (None, reverse("account_login")),
        "signup": (None, reverse("account_signup")),
        "home-visitor": (None, reverse("qa:home")),
        "tips": (None, reverse("qa:tip_list")),
        "tips-every-language": (None, reverse("qa:tip_list") + "?all_languages=1"),
        "category": (None, content.category.get_absolute_url()),
        "tag": (None, reverse("qa:tag", kwargs={"slug": "返品"}) + "?all_languages=1"),
        "home": (customer, reverse("qa:home")),
        "tip": (customer, content.get_absolute_url()),
        "search": (customer, reverse("qa:search") + "?q=返品"),
        "ask": (customer, reverse("qa:ask")),
        "my-questions": (customer, reverse("qa:my_questions")),
        "my-question": (customer, Question.objects.filter(asker=customer).order_by("pk").first().get_absolute_url()),
        "admin-inbox": (staff, reverse("admin:qa_question_changelist")),
    }
    browser_pages = {}
    problems_found = []
    written = []
    for name, (user, path) in pages.items():
        if user not in browser_pages:
            page, _problems = new_page(locale="ja-JP" if language == "ja" else "en-US")
            page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
            if user is not None:
                signed_in(page.context, user)
            browser_pages[user] = page
        page = browser_pages[user]
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(site + path)
            assert response.status == 200, f"{name}: HTTP {response.status}"
            assert page.locator("html").get_attribute("lang") == language
            target = screenshot_dir / f"{language}-{width}-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            assert _png_size(target)[0] == width
            written.append(target.name)
            if width == 375 and not name.startswith("admin"):
                problems_found += [f"{target.name}: {problem}" for problem in page.evaluate(COMPACT_HEADER)]
            overflow = page.evaluate(OVERFLOW)
            if overflow["scrollWidth"] > overflow["width"] + 1:
                problems_found.append(
                    f"{target.name}: the page is {overflow['scrollWidth']}px wide at {width}px: {overflow['wide']}"
                )
    print(f"\n{len(written)} screenshots in {screenshot_dir}: {', '.join(written)}")
    assert not problems_found, "Layout problems (sideways scrolling, header):\n" + "\n".join(problems_found)
