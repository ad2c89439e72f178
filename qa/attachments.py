"""Images customers attach to their messages: checked, cleaned, stored privately.

An upload is trusted for nothing: not its name, not the browser's content
type. Pillow decodes it; only JPEG, PNG and WebP within a size and a pixel
limit (a small file can decode to gigabytes: a decompression bomb) pass.
Every accepted image is re-encoded from its pixels alone, so EXIF (GPS
position, camera serial), comments, text chunks, colour profiles and any data
hidden after the image are gone; the EXIF orientation is applied first, so
the picture stays upright.

The files live in their own storage outside MEDIA_ROOT (a proxy may serve
/media/ itself): they are read only through qa.views.attachments, which
checks who is asking.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# Pillow's format name -> (content type, file extension, save options).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 85}),
    # zlib level 3: about 10 % larger than the default 6 and three times faster to write
    # (a phone screenshot: 1.5 s instead of 4 s on the shared 2-core test machine).
    "PNG": ("image/png", "png", {"compress_level": 3}),
    "WEBP": ("image/webp", "webp", {"quality": 85}),
}
CONTENT_TYPE_EXTENSIONS = {content_type: extension for content_type, extension, _options in FORMATS.values()}
# The modes each format is written in; anything else is converted first.
_SAVE_MODES = {"JPEG": ("RGB", "L"), "PNG": ("RGB", "RGBA", "L", "LA"), "WEBP": ("RGB", "RGBA")}
_SRGB = ImageCms.createProfile("sRGB")


class PrivateAttachmentStorage(FileSystemStorage):
    """Files under CONVERSATION_ATTACHMENT_ROOT, read when used (tests move it).
    They have no URL: asking for one is a bug, not a fallback to MEDIA_URL."""

    @property
    def base_location(self):
        return settings.CONVERSATION_ATTACHMENT_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("A customer's attachment has no public URL: link to qa:message_attachment.")


_storage = PrivateAttachmentStorage()


def attachment_storage() -> PrivateAttachmentStorage:
    """The storage of MessageAttachment.file (a callable, so migrations do not freeze a path)."""
    return _storage


@dataclass(frozen=True)
class CleanImage:
    """An accepted image, re-encoded: the only bytes ever stored."""

    content: bytes
    content_type: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return CONTENT_TYPE_EXTENSIONS[self.content_type]


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _read_bounded(upload, *, name: str) -> bytes:
    """The upload's bytes, or a refusal as soon as it is longer than the limit
    (a file object's claimed size is not trusted either)."""
    limit = settings.CONVERSATION_ATTACHMENT_MAX_BYTES
    too_big = _refuse(
        _("“%(name)s” is larger than %(limit)s. Please send a smaller image.")
        % {"name": name, "limit": filesizeformat(limit)},
        "too_big",
    )
    if getattr(upload, "size", None) is not None and upload.size > limit:
        raise too_big
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_big
    return data


def _in_srgb(image: Image.Image) -> Image.Image:
    """Pixels converted to sRGB when the file carried another colour profile
    (a phone's Display P3 photo), so dropping the profile keeps its colours sensible."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode=image.mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: the pixels as they are


def _mode_for(image: Image.Image, image_format: str) -> str:
    allowed = _SAVE_MODES[image_format]
    if image.mode in allowed:
        return image.mode
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if has_alpha and "RGBA" in allowed:
        return "RGBA"
    if image.mode in ("1", "L", "I", "I;16", "F") and "L" in allowed:
        return "L"
    return "RGB"


def attachment_image_clean(upload, *, name: str = "") -> CleanImage:
    """Check an uploaded file and return it re-encoded, or raise ValidationError
    with a message the customer can act on. Costs at most one decode of an
    image within the pixel limit."""
    name = name or os.path.basename(getattr(upload, "name", "") or "") or _("the file")
    data = _read_bounded(upload, name=name)
    not_an_image = _refuse(_("“%(name)s” is not a JPEG, PNG or WebP image.") % {"name": name}, "not_an_image")
    max_pixels = settings.CONVERSATION_ATTACHMENT_MAX_PIXELS
    too_many_pixels = _refuse(
        _("“%(name)s” has too many pixels: images may have at most %(limit)s million.")
        % {"name": name, "limit": f"{max_pixels / 1_000_000:g}"},
        "too_many_pixels",
    )
    try:
        # Reads the header only: the size is known before any pixel is decoded.
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise not_an_image from None
    width, height = image.size
    if width * height > max_pixels:
        raise too_many_pixels
    image_format = image.format
    try:
        image.load()  # the first frame of an animation only
        image = ImageOps.exif_transpose(image)
        image = _in_srgb(image)
        image = image.convert(_mode_for(image, image_format))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _refuse(
            _("“%(name)s” is damaged or incomplete and cannot be read.") % {"name": name}, "damaged"
        ) from None
    # A new image holding only the pixels: nothing of the original's metadata can ride along.
    pixels = Image.frombytes(image.mode, image.size, image.tobytes())
    content_type, _extension, options = FORMATS[image_format]
    out = io.BytesIO()
    pixels.save(out, format=image_format, **options)
    return CleanImage(content=out.getvalue(), content_type=content_type, width=pixels.width, height=pixels.height)


def attachments_clean(uploads) -> list[CleanImage]:
    """Every upload of one message cleaned, all errors gathered; at most
    CONVERSATION_ATTACHMENTS_PER_MESSAGE of them."""
    uploads = list(uploads)
    limit = settings.CONVERSATION_ATTACHMENTS_PER_MESSAGE
    if len(uploads) > limit:
        raise ValidationError(
            _("You can attach at most %(limit)d images to one message (you chose %(count)d).")
            % {"limit": limit, "count": len(uploads)},
            code="too_many_files",
        )
    cleaned, errors = [], []
    for upload in uploads:
        if isinstance(upload, CleanImage):
            cleaned.append(upload)
            continue
        try:
            cleaned.append(attachment_image_clean(upload))
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    return cleaned
