"""Images customers attach to their messages (qa.attachments checks and cleans them).

The file lives in a private storage outside MEDIA_ROOT and is read only
through qa.views.attachments (the asker and staff); it never has a public URL.
"""

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qa.attachments import CONTENT_TYPE_EXTENSIONS, attachment_storage


def attachment_path(attachment: "MessageAttachment", filename: str) -> str:
    """conversations/<question id>/<random>.<extension>: the customer's file name is never used."""
    return f"conversations/{attachment.message.question_id}/{filename}"


class MessageAttachment(models.Model):
    message = models.ForeignKey(
        "qa.Message", on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, storage=attachment_storage, max_length=200)
    content_type = models.CharField(
        _("content type"), max_length=32, choices=[(name, name) for name in CONTENT_TYPE_EXTENSIONS]
    )
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    bytes = models.PositiveIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("attached at"), default=timezone.now)

    class Meta:
        ordering = ["message", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return f"{self.content_type} {self.width}×{self.height}"

    def get_absolute_url(self):
        return reverse("qa:message_attachment", kwargs={"pk": self.pk})

    @property
    def download_name(self) -> str:
        return f"attachment-{self.pk}.{CONTENT_TYPE_EXTENSIONS[self.content_type]}"
