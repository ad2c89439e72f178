"""Forms for the staff pages: answering a question, editing and publishing a tip."""

from django import forms
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagWidget
from unfold.widgets import (
    INPUT_CLASSES,
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from qa.markup import MARKDOWN_MAX_LENGTH
from qa.models import Question, Tip

# Submit-button names on the question page; each one sends the answer its own way.
ANSWER_PRIVATELY = "_answer_private"
ANSWER_PUBLICLY = "_answer_public"
# Far more than any answer needs; it bounds what one click e-mails to a customer.
ANSWER_BODY_MAX_LENGTH = MARKDOWN_MAX_LENGTH


class QuestionAdminForm(forms.ModelForm):
    """The question's metadata plus the staff answer, so that one click can set
    the category and send the answer together."""

    answer_body = forms.CharField(
        label=_("Your answer"),
        required=False,
        strip=False,
        max_length=ANSWER_BODY_MAX_LENGTH,
        error_messages={"max_length": _("Keep the answer under %(limit_value)d characters (it has %(show_value)d).")},
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 12, "class": "tipcast-answer-body"}),
        help_text=_("Markdown. The asker is e-mailed when you send it."),
    )

    class Meta:
        model = Question
        fields = ["status", "close_reason", "assignee", "labels", "language", "category"]
        widgets = {"labels": UnfoldAdminCheckboxSelectMultipleWidget}
        # The model field has no verbose name of its own; this one is translated.
        labels = {"labels": _("labels")}

    def clean(self):
        cleaned = super().clean()
        # A reason only when closed, and closing by hand without one means resolved.
        if cleaned.get("status") == Question.Status.CLOSED:
            if not cleaned.get("close_reason"):
                cleaned["close_reason"] = Question.CloseReason.RESOLVED
        elif "status" in cleaned:
            cleaned["close_reason"] = Question.CloseReason.NONE
        return cleaned

    def answer_requested(self) -> str | None:
        """Which answer button was pressed, if any."""
        for button in (ANSWER_PUBLICLY, ANSWER_PRIVATELY):
            if button in self.data:
                return button
        return None

    def clean_answer_body(self):
        body = self.cleaned_data["answer_body"]
        if self.answer_requested() and not body.strip():
            raise forms.ValidationError(_("Write an answer before sending it."))
        if not self.answer_requested() and body.strip():
            # Saving the metadata must not silently drop a written answer.
            raise forms.ValidationError(
                _("You wrote an answer: send it with one of the answer buttons, or clear it before saving.")
            )
        return body


class TipAdminForm(forms.ModelForm):
    class Meta:
        model = Tip
        fields = ["title", "slug", "language", "category", "tags", "question_text", "answer_text"]
        widgets = {
            # Wide boxes: a Japanese title and its slug are long.
            "title": UnfoldAdminTextInputWidget(attrs={"class": "tipcast-wide"}),
            "slug": UnfoldAdminTextInputWidget(attrs={"class": "tipcast-wide"}),
            # taggit's widget (it writes the tag list back as text), in the theme's style.
            "tags": TagWidget(attrs={"class": " ".join([*INPUT_CLASSES, "tipcast-wide"])}),
            "question_text": UnfoldAdminTextareaWidget(attrs={"rows": 8}),
            "answer_text": UnfoldAdminTextareaWidget(attrs={"rows": 14}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service derives a slug from the title when none is given.
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _(
            "Part of the public address: letters a-z, digits and hyphens, at most 50. Leave empty to derive it "
            "from the title; a Japanese title gets none (the address is then /tips/<id>/) unless you type a "
            "romanised one."
        )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if not slug and self.instance.pk and self.instance.is_published and self.instance.slug:
            # Its address is already shared in social posts; services.tip_update refuses too.
            raise forms.ValidationError(_("A published tip keeps its slug."))
        return slug


class PublishConfirmForm(forms.Form):
    confirm_checked = forms.BooleanField(
        label=_("I have checked the public text: it contains no personal data of the customer."),
        required=True,
        widget=UnfoldBooleanWidget,
    )
