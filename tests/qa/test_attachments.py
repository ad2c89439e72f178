"""Image attachments: what qa.attachments accepts, what it refuses, and what
survives re-encoding (nothing but the pixels)."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from qa.attachments import attachment_image_clean, attachment_storage, attachments_clean
from tests.qa.images import (
    GPS_IFD,
    image_bytes,
    photo_with_gps,
    png_claiming_size,
    png_with_text_and_p3_profile,
    upload,
)


def refusal_code(content: bytes, name: str = "photo.jpg") -> str:
    with pytest.raises(ValidationError) as caught:
        attachment_image_clean(upload(name, content))
    return caught.value.error_list[0].code


# --- Accepted, and cleaned ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_jpeg_png_and_webp_are_accepted_and_re_encoded(fmt, content_type):
    original = image_bytes(fmt, size=(40, 30))
    clean = attachment_image_clean(upload("picture", original, "application/octet-stream"))
    assert (clean.content_type, clean.width, clean.height) == (content_type, 40, 30)
    with Image.open(io.BytesIO(clean.content)) as decoded:
        assert decoded.format == fmt
        assert decoded.size == (40, 30)


def test_gps_serial_number_and_all_exif_are_gone_and_orientation_is_applied():
    original = photo_with_gps(orientation=6, size=(80, 40))
    # The fixture really carries what must disappear.
    assert b"SN-TOPSECRET-42" in original
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(GPS_IFD)

    clean = attachment_image_clean(upload("IMG_0001.JPG", original))

    assert b"Exif" not in clean.content
    assert b"SN-TOPSECRET-42" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as after:
        assert not after.getexif()
        assert "exif" not in after.info
        # Orientation 6 (rotate 90° clockwise) was applied to the pixels before EXIF was dropped.
        assert after.size == (40, 80)
    assert (clean.width, clean.height) == (40, 80)


def test_text_chunks_and_colour_profiles_are_dropped():
    original = png_with_text_and_p3_profile()
    assert b"Secret Street" in original
    clean = attachment_image_clean(upload("screenshot.png", original))
    assert b"Secret Street" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as after:
        assert "icc_profile" not in after.info
        assert not after.text


def test_data_hidden_after_the_image_is_dropped():
    original = image_bytes("JPEG") + b"<script>alert(1)</script>HIDDEN-PAYLOAD"
    clean = attachment_image_clean(upload("photo.jpg", original))
    assert b"HIDDEN-PAYLOAD" not in clean.content
    assert clean.content.endswith(b"\xff\xd9")  # ends where a JPEG ends


def test_a_png_named_jpg_is_kept_as_what_it_really_is():
    clean = attachment_image_clean(upload("holiday.jpg", image_bytes("PNG"), "image/jpeg"))
    assert clean.content_type == "image/png"
    assert clean.extension == "png"
    assert clean.content.startswith(b"\x89PNG")


def test_transparency_survives_in_png_and_webp():
    for fmt in ("PNG", "WEBP"):
        clean = attachment_image_clean(upload("logo", image_bytes(fmt, color=(0, 0, 0, 0))))
        with Image.open(io.BytesIO(clean.content)) as after:
            assert after.mode == "RGBA"
            assert after.getpixel((0, 0))[3] == 0


# --- Refused, with a message that names the file -------------------------------------------------------


def test_an_html_file_named_png_is_refused():
    html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
    with pytest.raises(ValidationError) as caught:
        attachment_image_clean(upload("cute-cat.png", html, "image/png"))
    assert caught.value.error_list[0].code == "not_an_image"
    assert "cute-cat.png" in caught.value.messages[0]
    assert "JPEG, PNG or WebP" in caught.value.messages[0]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"just some text, no picture",
        b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",
        image_bytes("GIF"),
        image_bytes("BMP"),
        image_bytes("TIFF"),
        b"\x00" * 1000,
    ],
    ids=["empty", "text", "pdf", "gif", "bmp", "tiff", "nul-bytes"],
)
def test_what_is_not_a_jpeg_png_or_webp_is_refused(content):
    assert refusal_code(content) == "not_an_image"


def test_a_truncated_image_is_refused_as_damaged():
    jpeg = image_bytes("JPEG", size=(300, 300), color=(1, 2, 3))
    assert refusal_code(jpeg[: len(jpeg) // 2]) == "damaged"


def test_a_file_over_the_size_limit_is_refused_before_decoding(settings):
    settings.CONVERSATION_ATTACHMENT_MAX_BYTES = 1000
    big = image_bytes("PNG", size=(300, 300), color=(1, 2, 3), compress_level=0)
    assert len(big) > 1000
    with pytest.raises(ValidationError) as caught:
        attachment_image_clean(upload("big.png", big))
    assert caught.value.error_list[0].code == "too_big"
    assert "1000" in caught.value.messages[0] or "KB" in caught.value.messages[0]


def test_a_file_that_lies_about_its_size_is_still_cut_at_the_limit(settings):
    settings.CONVERSATION_ATTACHMENT_MAX_BYTES = 1000

    class Lying(io.BytesIO):
        size = 10  # claims to be small
        name = "small.png"

    with pytest.raises(ValidationError) as caught:
        attachment_image_clean(Lying(image_bytes("PNG", size=(300, 300), compress_level=0)))
    assert caught.value.error_list[0].code == "too_big"


def test_too_many_pixels_is_refused(settings):
    settings.CONVERSATION_ATTACHMENT_MAX_PIXELS = 10_000
    assert refusal_code(image_bytes("PNG", size=(101, 100)), "wide.png") == "too_many_pixels"
    assert attachment_image_clean(upload("ok.png", image_bytes("PNG", size=(100, 100)))).width == 100


@pytest.mark.parametrize("size", [(20_000, 20_000), (100_000, 100_000)], ids=["400-megapixel", "10-gigapixel"])
def test_a_decompression_bomb_is_refused_from_its_header(size):
    """A few hundred bytes claiming billions of pixels: refused before a pixel is decoded."""
    bomb = png_claiming_size(*size)
    assert len(bomb) < 200
    assert refusal_code(bomb, "bomb.png") == "too_many_pixels"


def test_at_most_the_allowed_number_of_files(settings):
    settings.CONVERSATION_ATTACHMENTS_PER_MESSAGE = 4
    files = [upload(f"{n}.png", image_bytes("PNG")) for n in range(5)]
    with pytest.raises(ValidationError) as caught:
        attachments_clean(files)
    assert caught.value.error_list[0].code == "too_many_files"
    assert len(attachments_clean(files[:4])) == 4


def test_every_bad_file_of_a_message_is_named_at_once():
    files = [
        upload("good.png", image_bytes("PNG")),
        upload("notes.png", b"plain text"),
        upload("page.jpg", b"<html></html>"),
    ]
    with pytest.raises(ValidationError) as caught:
        attachments_clean(files)
    messages = caught.value.messages
    assert len(messages) == 2
    assert "notes.png" in messages[0] and "page.jpg" in messages[1]


def test_the_private_storage_lives_outside_media_root_and_has_no_url(settings):
    storage = attachment_storage()
    assert str(storage.location) == str(settings.CONVERSATION_ATTACHMENT_ROOT)
    assert not str(storage.location).startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        storage.url("x.png")


# --- Served only through the permission check ---------------------------------------------------------


@pytest.fixture
def attachment(make_question, customer):
    from conversations.services import conversation_follow_up

    question = make_question()
    message = conversation_follow_up(
        question=question, author=customer, body="photo", attachments=[upload("IMG.JPG", photo_with_gps())]
    )
    return message.attachments.get()


def test_the_asker_gets_the_image_with_safe_headers(client, customer, attachment):
    client.force_login(customer)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == attachment.file.open("rb").read()
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="attachment-{attachment.pk}.jpg"'
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_staff_get_it_another_customer_and_staff_without_the_permission_do_not(
    client, staff, other_customer, attachment, django_user_model
):
    client.force_login(staff)
    assert client.get(attachment.get_absolute_url()).status_code == 200
    client.force_login(other_customer)
    assert client.get(attachment.get_absolute_url()).status_code == 404
    helper = django_user_model.objects.create_user("helper", "helper@example.com", "pw-123456!", is_staff=True)
    client.force_login(helper)
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, attachment):
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_file_is_not_reachable_under_media(client, customer, attachment, settings):
    client.force_login(customer)
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 (the property raises)


def test_a_missing_file_is_a_404_not_an_error(client, customer, attachment):
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(customer)
    assert client.get(attachment.get_absolute_url()).status_code == 404
