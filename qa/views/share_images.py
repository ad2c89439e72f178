"""Tips' share images, served from the default storage (MEDIA_ROOT).

WhiteNoise serves only static files, and `make run` runs with DEBUG off, so
media need a view. A file's name changes with what it shows, so it is cached
for a year and marked immutable: a CDN or the proxy in front keeps it, and
in production the proxy may serve /media/share/ straight from the media
volume instead (the README says how).
"""

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from qa import selectors
from qa.share_image_store import FILENAME_PATTERN, FOLDER

CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def share_image(request, filename):
    match = re.fullmatch(FILENAME_PATTERN, filename)
    if match is None:
        raise Http404("No such image")
    name = f"{FOLDER}/{filename}"
    if not selectors.tip_share_image_is_public(pk=int(match["pk"]), name=name):
        raise Http404("No such image")
    try:
        stored = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("No such image") from None
    response = FileResponse(stored, content_type="image/png")
    response["Cache-Control"] = CACHE_CONTROL
    return response
