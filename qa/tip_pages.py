"""A tip's page, put together from parts stored when the tip changes.

What a tip page shows of the tip itself (head tags, breadcrumbs, title,
tags, question, answer) and of its related tips (their cards) depends only
on those tips, so it is rendered once per UI language when a tip is
published or edited and stored (qa.models.TipPage). A page view reads the
stored parts in one query, the related tips' cards in a second, and adds
what belongs to the request: the vote counts and the visitor's own vote,
and a CSRF token for pages not shared (qa.page_cache).

A row is rendered again, on the read that finds it missing or out of date,
when: its category or one of its tags changed (the rows showing them are
deleted, qa.apps), the tip's share image was drawn, or its `fingerprint`
differs from the current one: the templates, public_tags, the translation
catalogs or a setting the HTML shows changed (a deploy, or a new SITE_URL).
"""

import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from qa import page_selectors, public_urls, share_images
from qa.models import Tip, TipPage
from qa.share_image_store import tip_share_image_url
from qa.templatetags import public_tags

HEAD_TEMPLATE = "qa/tip_page_head.html"
TOP_TEMPLATE = "qa/tip_page_top.html"
# Stands for the vote count in a stored head's JSON-LD (upvoteCount): the count is the request's.
# A JSON string, so that a title with these letters in it (escaped there as \") cannot match.
_UPVOTES = "tipcast-upvotes-placeholder"
_UPVOTES_JSON = f'"{_UPVOTES}"'
RELATED_LIMIT = 5


# --- What the stored HTML depends on besides the tip ---------------------------------------------


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The templates and template tags the stored parts come from, and the
    compiled catalogs: a deploy that changes any of them makes every row out
    of date (read once per process)."""
    digest = hashlib.sha256()
    sources = [Path(get_template(name).origin.name) for name in (HEAD_TEMPLATE, TOP_TEMPLATE)]
    sources.append(Path(public_tags.__file__))
    for folder in settings.LOCALE_PATHS:
        sources += sorted(Path(folder).glob("*/LC_MESSAGES/*.mo"))
    for source in sources:
        digest.update(str(source).encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What the stored parts depend on besides the tips: code, catalogs and
    the settings the HTML shows (once per process, and again after a setting
    changes: tests)."""
    shown = [
        _code_digest(),
        settings.SITE_URL,
        settings.SITE_NAME,
        settings.TIME_ZONE,
        public_tags.og_image_url(),
        str(settings.OG_IMAGE_WIDTH),
        str(settings.OG_IMAGE_HEIGHT),
    ]
    return hashlib.sha256("\0".join(shown).encode()).hexdigest()[:32]


def _forget_fingerprint(**kwargs) -> None:
    fingerprint.cache_clear()


setting_changed.connect(_forget_fingerprint, dispatch_uid="qa-tip-pages-fingerprint")


# --- Rendering and storing -----------------------------------------------------------------------


def ui_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _render(tip: Tip, language: str, *, preview: bool = False) -> dict:
    """The stored parts of `tip` in the UI language `language`. `tip` comes
    with its category and tags (qa.selectors.tip_list_published). A preview
    has no structured data: it must not look like a real page to anything reading it."""
    share_image_url = tip_share_image_url(tip)
    context = {
        "tip": tip,
        "description": tip.excerpt,
        "json_ld": {} if preview else structured_data(tip),
        "share_image_url": share_image_url,
        "og_image_width": share_images.WIDTH if share_image_url else settings.OG_IMAGE_WIDTH,
        "og_image_height": share_images.HEIGHT if share_image_url else settings.OG_IMAGE_HEIGHT,
        "SITE_NAME": settings.SITE_NAME,
    }
    with translation.override(language):
        return {
            "head": render_to_string(HEAD_TEMPLATE, context),
            "top": render_to_string(TOP_TEMPLATE, context),
            "card": public_tags.tip_card(tip),
        }


def preview_context(tip: Tip, *, language: str) -> dict:
    """What qa/tip_detail.html needs to show `tip`, a draft included, as its
    page will look (staff's preview): rendered now, never stored, no vote."""
    parts = _render(tip, language, preview=True)
    content = content_html(parts, vote="", related_cards=[])
    return {"page_title": tip.title, "head": mark_safe(parts["head"]), "content": content}


def structured_data(tip: Tip) -> dict:
    """schema.org QAPage: the tip's question with its one accepted answer
    (the vote count is the request's: a placeholder here)."""
    url = tip.get_canonical_url()
    published = tip.published_at.isoformat() if tip.published_at else None
    question_text = tip.question_plain or tip.title
    return {
        "@context": "https://schema.org",
        "@type": "QAPage",
        "url": url,
        "mainEntity": {
            "@type": "Question",
            "name": tip.title,
            "text": question_text,
            "answerCount": 1,
            "datePublished": published,
            "author": {"@type": "Organization", "name": settings.SITE_NAME},
            "acceptedAnswer": {
                "@type": "Answer",
                "text": tip.answer_plain,
                "url": url,
                "datePublished": published,
                "upvoteCount": _UPVOTES,
                "author": {"@type": "Organization", "name": settings.SITE_NAME},
            },
        },
    }


def tip_pages_store(tips: list[Tip], *, languages: list[str] | None = None) -> dict[tuple[int, str], TipPage]:
    """Render and store the parts of these published tips (with category and
    tags) in every UI language (or `languages`); returns them by (tip id, language)."""
    current = fingerprint()
    rows = [
        TipPage(tip_id=tip.pk, language=language, fingerprint=current, **_render(tip, language))
        for tip in sorted(tips, key=lambda tip: tip.pk)  # one order of row locks for concurrent writers
        for language in languages or ui_languages()
    ]
    if rows:
        TipPage.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["tip", "language"],
            update_fields=["fingerprint", "head", "top", "card"],
        )
    return {(row.tip_id, row.language): row for row in rows}


def tip_pages_refresh(*, tip_ids) -> None:
    """Render again and store the parts of these tips that are published (in
    the caller's transaction: a page read after commit finds them)."""
    from qa import selectors

    tip_pages_store(list(selectors.tip_list_published().filter(pk__in=list(tip_ids))))


def tip_pages_forget(*, tips=None) -> None:
    """Out of date: these tips' rows (a queryset of tips), or every row. They
    are rendered again when next read."""
    rows = TipPage.objects.all() if tips is None else TipPage.objects.filter(tip__in=tips.values("pk"))
    rows.delete()


# --- A page view ----------------------------------------------------------------------------------


def page_language(language: str | None) -> str:
    codes = ui_languages()
    return language if language in codes else settings.LANGUAGE_CODE


def tip_page_read(*, pk: int, language: str) -> dict:
    """The published tip's stored parts in the UI language `language` and the
    fields qa.page_selectors.TIP_PAGE_FIELDS; rendered and stored first when
    missing or out of date. Http404 when the tip is not published."""
    from qa import selectors

    row = page_selectors.tip_page_stored(pk=pk, language=language, fingerprint=fingerprint())
    if row is not None:
        return row
    tip = selectors.tip_get_published(pk=pk)  # 404 unless published; with its category and tags
    page = tip_pages_store([tip])[(tip.pk, language)]
    return {"head": page.head, "top": page.top} | {
        f"tip__{name}": getattr(tip, name)
        for name in ("slug", "title", "language", "category_id", "helpful_yes", "helpful_no")
    }


def related_cards(*, pk: int, row: dict, language: str) -> list[tuple[int, str]]:
    """The tip's related tips as (id, stored card), up to RELATED_LIMIT: its
    stored list, then the newest tips of its category; the missing or
    out-of-date cards rendered and stored first. `row`: tip_page_read's."""
    current = fingerprint()
    related = page_selectors.tip_related_cards(
        pk=pk, tip_language=row["tip__language"], language=language, fingerprint=current, limit=RELATED_LIMIT
    )
    if len(related) < RELATED_LIMIT and row["tip__category_id"]:
        related += page_selectors.tip_category_cards(
            category_id=row["tip__category_id"],
            tip_language=row["tip__language"],
            exclude=[pk, *(tip_id for tip_id, _card in related)],
            language=language,
            fingerprint=current,
            limit=RELATED_LIMIT - len(related),
        )
    return _filled(related, language=language)


def latest_cards(*, limit: int, tip_language: str | None, language: str) -> list[str]:
    """The stored cards of the newest published tips (the home page)."""
    cards = page_selectors.tip_latest_cards(
        limit=limit, tip_language=tip_language, language=language, fingerprint=fingerprint()
    )
    return [card for _tip_id, card in _filled(cards, language=language)]


def _filled(cards: list[tuple[int, str | None]], *, language: str) -> list[tuple[int, str]]:
    """The (tip id, card) pairs, the missing or out-of-date cards (None) rendered
    and stored first; a tip no longer published is left out."""
    from qa import selectors

    missing = [tip_id for tip_id, card in cards if card is None]
    if missing:
        stored = tip_pages_store(list(selectors.tip_list_published().filter(pk__in=missing)))
        cards = [
            (tip_id, card if card is not None else getattr(stored.get((tip_id, language)), "card", None))
            for tip_id, card in cards
        ]
    # Our own rendering (public_tags.tip_card), stored: safe.
    return [(tip_id, mark_safe(card)) for tip_id, card in cards if card]


def head_html(row: dict, *, helpful_yes: int) -> str:
    """The stored head tags with the vote count now in the JSON-LD."""
    return row["head"].replace(_UPVOTES_JSON, str(int(helpful_yes)), 1)


def vote_html(request, *, tip_id: int, helpful_yes: int, helpful_no: int, my_vote: str | None) -> str:
    """The "was this helpful?" section: the counts now, and the visitor's own
    vote. A page shared from the cache carries no CSRF token (its view
    accepts a same-origin POST, supportsite/same_origin.py)."""
    action = public_urls.tip_vote_path(tip_id)
    shared = getattr(request, "public_page_shared", False)
    token = "" if shared and not my_vote else _csrf_input(request)
    # gettext outside the f-strings: xgettext cannot find a msgid inside one.
    heading = escape(gettext("Was this helpful?"))
    lines = [
        '<section id="vote" class="vote card stack" aria-labelledby="vote-heading">',
        f'  <h2 id="vote-heading">{heading}</h2>',
    ]
    if my_vote:
        thanks = escape(gettext("Thank you for letting us know!"))
        lines.append(f"  <p>{thanks}</p>")
        if my_vote in ("yes", "no"):
            other = "no" if my_vote == "yes" else "yes"
            label = gettext("Change my answer to No") if other == "no" else gettext("Change my answer to Yes")
            lines += [
                f'  <form method="post" action="{action}" class="vote__form">{token}',
                f'    <button type="submit" name="helpful" value="{other}" class="button--secondary">'
                f"{escape(label)}</button>",
                "  </form>",
            ]
    else:
        yes, no = escape(gettext("Yes")), escape(gettext("No"))
        lines += [
            f'  <form method="post" action="{action}" class="vote__form">{token}',
            f'    <button type="submit" name="helpful" value="yes">{yes}</button>',
            f'    <button type="submit" name="helpful" value="no" class="button--secondary">{no}</button>',
            "  </form>",
        ]
    found_helpful = ngettext(
        "%(counter)s person found this helpful", "%(counter)s people found this helpful", helpful_yes
    ) % {"counter": helpful_yes}
    did_not = ngettext("%(counter)s did not", "%(counter)s did not", helpful_no) % {"counter": helpful_no}
    still_stuck, ask = escape(gettext("Still stuck?")), escape(gettext("Ask a question"))
    lines += [
        f'  <p class="muted vote__counts">{escape(found_helpful)} · {escape(did_not)}</p>',
        f'  <p class="muted">{still_stuck} <a href="{public_urls.fixed_path("qa:ask")}">{ask}</a></p>',
        "</section>",
    ]
    return "\n".join(lines)


def _csrf_input(request) -> str:
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'


def content_html(row: dict, *, vote: str, related_cards: list[str]) -> str:
    """The page's main content: the stored top, the vote, the related tips."""
    parts = [row["top"], vote, "\n\n</div>\n"]
    if related_cards:
        heading = escape(gettext("Related tips"))
        parts += [
            '<aside class="stack related" aria-labelledby="related-heading">\n',
            f'  <h2 id="related-heading">{heading}</h2>\n  ',
            "\n  ".join(related_cards),
            "\n</aside>\n",
        ]
    parts.append("</div>\n")
    return mark_safe("".join(parts))
