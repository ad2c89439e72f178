"""The home page's two lists, written in Python: the most helpful tips and the
categories. They are most of the home page's own template work, done on every
view the page cache does not serve (a loop of translated plural counts costs
about ten times more through the template engine). The markup is what the
templates held; the counts use the same catalog entries."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

register = template.Library()

_ALL_LANGUAGES_QUERY = "?all_languages=1"


@register.simple_tag
def tip_links(tips) -> str:
    """A compact numbered list of tips: title and how many found it helpful."""
    items = []
    for tip in tips:
        lang = f' lang="{escape(tip.language)}"' if tip.language else ""
        count = ngettext("%(counter)s found this helpful", "%(counter)s found this helpful", tip.helpful_yes) % {
            "counter": tip.helpful_yes
        }
        items.append(
            f'  <li><a href="{tip.get_absolute_url()}" dir="auto"{lang}>{escape(tip.title)}</a>\n'
            f'    <span class="muted tip-links__count">{escape(count)}</span></li>\n'
        )
    return mark_safe(f'<ol class="tip-links">\n{"".join(items)}</ol>')


@register.simple_tag
def category_cards(categories, all_languages: bool = False) -> str:
    """The categories as cards: name (a link, keeping "every language") and number of tips."""
    query = _ALL_LANGUAGES_QUERY if all_languages else ""
    items = []
    for category in categories:
        count = ngettext("%(counter)s tip", "%(counter)s tips", category.tip_count) % {"counter": category.tip_count}
        items.append(
            '  <li class="category-card card">\n'
            f'    <a class="category-card__link" href="{category.get_absolute_url()}{query}">'
            f"{escape(category.display_name)}</a>\n"
            f'    <span class="muted category-card__count">{escape(count)}</span>\n'
            "  </li>\n"
        )
    return mark_safe(f'<ul class="category-cards">\n{"".join(items)}</ul>')
