"""Tips' share images: which font, where each image is stored, when it is (re)made, its URL.

The image is drawn by qa.share_images (pure) and kept in the default storage
(MEDIA_ROOT) as share/tips/<tip id>-<digest>.png. The digest covers
everything drawn (title, category, site name, the renderer's version), so a
new title gives a new file name: the URL can be cached forever (immutable)
and a network that fetched the old image never shows it for the new title.

`Tip.share_image` names the file last made. It counts only while it still
matches the tip's current digest: until the task has drawn the new image,
pages use the default card (settings.OG_IMAGE).

Other channels (Bluesky and LINE thumbnails) call `tip_share_image_url()` or
`tip_share_image_bytes()`.
"""

import functools
import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from qa import page_cache
from qa.models import Tip
from qa.share_images import FontUnavailable, find_font, render_share_image

logger = logging.getLogger(__name__)

# Raise when the drawing changes, so that `manage.py share_images` redraws every tip.
RENDERER_VERSION = 1
FOLDER = "share/tips"
FILENAME_PATTERN = r"(?P<pk>[0-9]+)-(?P<digest>[0-9a-f]{16})\.png"


def share_image_font() -> str | None:
    """The CJK font file share images are drawn with (settings.SHARE_IMAGE_FONT or auto-detected), or None."""
    return find_font(settings.SHARE_IMAGE_FONT)


@functools.cache
def _warn_no_font_once(configured: str) -> None:
    logger.warning(
        "Share images are off: no font that can draw Japanese was found%s. Tip pages use the default image "
        "(OG_IMAGE). Install Debian's fonts-noto-cjk or set SHARE_IMAGE_FONT to a Noto Sans CJK file.",
        f" at SHARE_IMAGE_FONT={configured!r}" if configured else "",
    )


def _drawn_text(tip: Tip) -> dict:
    return {
        "title": tip.title,
        # In the tip's language: a Japanese title with "配送", not "Shipping".
        "category": tip.category.name_in(tip.language) if tip.category_id else "",
        "site_name": settings.SITE_NAME,
    }


def tip_share_image_name(tip: Tip) -> str:
    """The storage name the tip's image has for what it shows now."""
    drawn = _drawn_text(tip)
    key = "\x00".join([str(RENDERER_VERSION), drawn["title"], drawn["category"], drawn["site_name"]])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{FOLDER}/{tip.pk}-{digest}.png"


def tip_share_image_is_current(tip: Tip) -> bool:
    return bool(tip.share_image) and tip.share_image == tip_share_image_name(tip)


def tip_share_image_url(tip: Tip) -> str | None:
    """The absolute URL of the tip's share image, or None while it is missing or out of date."""
    if not tip_share_image_is_current(tip):
        return None
    filename = tip.share_image.rsplit("/", 1)[-1]
    return settings.SITE_URL + reverse("qa:share_image", kwargs={"filename": filename})


def tip_share_image_bytes(tip: Tip) -> bytes | None:
    """The PNG of the tip's share image, or None while it is missing or out of date."""
    if not tip_share_image_is_current(tip):
        return None
    try:
        with default_storage.open(tip.share_image, "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        return None


def tip_share_image_generate(*, tip_id: int, force: bool = False) -> str | None:
    """Draw and store the tip's share image if it is missing or out of date
    (or always, with `force`). Returns the storage name, or None when the tip
    is gone or no font can draw it (the page keeps the default image)."""
    tip = Tip.objects.select_related("category").filter(pk=tip_id).first()
    if tip is None:
        return None
    name = tip_share_image_name(tip)
    if not force and tip.share_image == name and default_storage.exists(name):
        return name
    font = share_image_font()
    if font is None:
        _warn_no_font_once(settings.SHARE_IMAGE_FONT)
        return None
    try:
        png = render_share_image(**_drawn_text(tip), font_path=font)
    except FontUnavailable:
        _warn_no_font_once(settings.SHARE_IMAGE_FONT)
        return None
    if default_storage.exists(name):
        default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(png))
    # Only if the text drawn is still the tip's: an edit made while drawing
    # has queued its own task, and its image must not be overwritten by this one.
    updated = Tip.objects.filter(pk=tip.pk, title=tip.title, category=tip.category_id).update(share_image=stored)
    if not updated:
        default_storage.delete(stored)
        return None
    if tip.share_image and tip.share_image != stored and default_storage.exists(tip.share_image):
        default_storage.delete(tip.share_image)
    # The tip's page names the image (og:image): its stored parts and cached page are rendered afresh.
    from qa.tip_pages import tip_pages_refresh

    tip_pages_refresh(tip_ids=[tip.pk])
    page_cache.invalidate_tip(tip_id=tip.pk)
    return stored


def tip_share_image_enqueue(*, tip_id: int) -> None:
    """Draw the tip's image in the worker once the current transaction commits."""
    tips_share_images_enqueue(tip_ids=[tip_id])


# Tips drawn by one task when many are queued at once: a bulk import of 5,000
# tips sends 200 messages, not 5,000 (each one costs the web or import process
# a round trip to the broker), and a task still takes only seconds.
SHARE_IMAGES_PER_TASK = 25


def tips_share_images_enqueue(*, tip_ids: list[int]) -> None:
    """Draw these tips' images in the worker, SHARE_IMAGES_PER_TASK per task,
    once the current transaction commits."""

    def enqueue():
        from qa import tasks

        for start in range(0, len(tip_ids), SHARE_IMAGES_PER_TASK):
            chunk = tip_ids[start : start + SHARE_IMAGES_PER_TASK]
            try:
                if len(chunk) == 1:
                    tasks.generate_share_image.delay(chunk[0])
                else:
                    tasks.generate_share_images.delay(chunk)
            except Exception:
                # The page keeps the default image; `manage.py share_images` catches up.
                logger.warning("Could not enqueue the share image of tip %s", ", ".join(map(str, chunk)), exc_info=True)

    if tip_ids:
        transaction.on_commit(enqueue)


def category_share_images_refresh(*, category) -> None:
    """A renamed category: its tips' images show the old name, draw them again."""
    tips_share_images_enqueue(tip_ids=list(Tip.objects.filter(category=category).values_list("pk", flat=True)))
