"""The home page's parts that hold data: the most helpful tips, the category
cards and the latest tips. Written in Python rather than the template: they
are the part of the home page that differs between views, so the rest of its
blocks can be rendered once per process (qa.page_layout's `slots`), and a loop
of translated plural counts costs about ten times more through the template
engine. The markup is what qa/home.html held; the counts use the same catalog
entries."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from qa import public_urls

_ALL_LANGUAGES_QUERY = "?all_languages=1"


def sections(*, popular_tips, categories, latest_cards, all_languages: bool) -> dict[str, str]:
    """The three parts by the names qa/home.html shows them under."""
    return {
        "popular_section": popular_section(popular_tips),
        "categories_section": categories_section(categories, all_languages=all_languages),
        "latest_section": latest_section(latest_cards, all_languages=all_languages),
    }


def popular_section(tips) -> str:
    """The most helpful tips: title and how many found each helpful ("" when no tip has a vote)."""
    if not tips:
        return ""
    items = []
    for tip in tips:
        lang = f' lang="{escape(tip.language)}"' if tip.language else ""
        count = ngettext("%(counter)s found this helpful", "%(counter)s found this helpful", tip.helpful_yes) % {
            "counter": tip.helpful_yes
        }
        items.append(
            f'      <li><a href="{tip.get_absolute_url()}" dir="auto"{lang}>{escape(tip.title)}</a>\n'
            f'        <span class="muted tip-links__count">{escape(count)}</span></li>\n'
        )
    heading = escape(gettext("Most helpful tips"))
    return mark_safe(
        '<section class="card stack home-popular" aria-labelledby="popular-heading">\n'
        f'    <h2 id="popular-heading">{heading}</h2>\n'
        f'    <ol class="tip-links">\n{"".join(items)}    </ol>\n'
        "  </section>"
    )


def categories_section(categories, *, all_languages: bool) -> str:
    """The categories with tips as cards: name (a link, keeping "every language") and number of tips."""
    if not categories:
        return ""
    query = _ALL_LANGUAGES_QUERY if all_languages else ""
    items = []
    for category in categories:
        count = ngettext("%(counter)s tip", "%(counter)s tips", category.tip_count) % {"counter": category.tip_count}
        items.append(
            '      <li class="category-card card">\n'
            f'        <a class="category-card__link" href="{category.get_absolute_url()}{query}">'
            f"{escape(category.display_name)}</a>\n"
            f'        <span class="muted category-card__count">{escape(count)}</span>\n'
            "      </li>\n"
        )
    heading = escape(gettext("Browse by category"))
    return mark_safe(
        '<section class="home-categories" aria-labelledby="categories-heading">\n'
        f'    <h2 id="categories-heading">{heading}</h2>\n'
        f'    <ul class="category-cards">\n{"".join(items)}    </ul>\n'
        "  </section>"
    )


def latest_section(cards, *, all_languages: bool) -> str:
    """The latest tips' stored cards and a link to every tip, or a notice when none is published."""
    heading = escape(gettext("Latest tips"))
    if cards:
        cards_html = "\n".join(f"    {card}" for card in cards)
        link = public_urls.fixed_path("qa:tip_list") + (_ALL_LANGUAGES_QUERY if all_languages else "")
        # gettext outside the f-strings: xgettext cannot find a msgid inside one.
        see_all = escape(gettext("See all tips →"))
        body = f'  <div class="card-grid">\n{cards_html}\n  </div>\n  <p><a href="{link}">{see_all}</a></p>\n'
    else:
        none_yet = escape(gettext("No tips have been published yet."))
        body = f'  <p class="notice">{none_yet}</p>\n'
    return mark_safe(
        '<section class="home-latest stack" aria-labelledby="latest-heading">\n'
        f'  <h2 id="latest-heading">{heading}</h2>\n{body}</section>'
    )
