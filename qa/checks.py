"""System checks of the qa app (`manage.py check`)."""

from django.conf import settings
from django.core.checks import Warning, register

from qa.share_image_store import share_image_font


@register()
def share_image_font_check(app_configs, **kwargs):
    """Without a CJK font tips get no share image: say so before anyone wonders why."""
    if share_image_font() is not None:
        return []
    where = f"SHARE_IMAGE_FONT={settings.SHARE_IMAGE_FONT!r} is not" if settings.SHARE_IMAGE_FONT else "none was"
    return [
        Warning(
            f"No font that can draw Japanese for tips' share images: {where} found.",
            hint=(
                "Install Debian's fonts-noto-cjk, or set SHARE_IMAGE_FONT to the path of a Noto Sans CJK "
                "font file. Until then tip pages use the default image (OG_IMAGE)."
            ),
            id="qa.W001",
        )
    ]
