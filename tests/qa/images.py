"""Image files for attachment tests, made in memory."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

# EXIF tags: Orientation in IFD0, the GPS IFD pointer, and two of its fields.
ORIENTATION = 0x0112
GPS_IFD = 0x8825
GPS_LATITUDE_REF, GPS_LATITUDE = 1, 2
# A camera serial number is the kind of thing that must not leak either.
BODY_SERIAL_NUMBER = 0xA431


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 40, 40), **save_options) -> bytes:
    mode = "RGBA" if fmt in ("PNG", "WEBP") and len(color) == 4 else "RGB"
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt, **save_options)
    return out.getvalue()


def photo_with_gps(*, orientation=6, size=(80, 40)) -> bytes:
    """A JPEG as a phone writes it: GPS position, a serial number, and rotated by EXIF."""
    image = Image.new("RGB", size, (10, 120, 200))
    exif = image.getexif()
    exif[ORIENTATION] = orientation
    exif[BODY_SERIAL_NUMBER] = "SN-TOPSECRET-42"
    exif.get_ifd(GPS_IFD).update({GPS_LATITUDE_REF: "N", GPS_LATITUDE: (35.0, 39.0, 29.1)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_with_text_and_p3_profile() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: 1-2-3 Secret Street")
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 200, 0)).save(out, format="PNG", pnginfo=info, icc_profile=profile)
    return out.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` (a decompression bomb's header)."""
    data = image_bytes("PNG", size=(1, 1))
    ihdr_start = 8 + 4  # signature, chunk length
    fields = data[ihdr_start + 4 : ihdr_start + 4 + 13]
    fields = struct.pack(">II", width, height) + fields[8:]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + fields) & 0xFFFFFFFF)
    return data[: ihdr_start + 4] + fields + crc + data[ihdr_start + 4 + 13 + 4 :]


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
