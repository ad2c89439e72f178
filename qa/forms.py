"""Forms of the public site: what customers type, checked before any service runs."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qa.attachments import attachments_clean
from qa.models import Category
from qa.text_safety import validate_no_bidi_controls

# Shown to anything that fills the honeypot. Deliberately vague: it must not
# tell a bot which field gave it away.
REJECTED_MESSAGE = _("Your question could not be sent. Please check it and try again.")


def _reject_blank(value: str, *, blank_message) -> str:
    """Refuse text that is only whitespace, and return it stripped.

    The fields keep strip=False so that a title made only of spaces gets its own
    message instead of the generic "this field is required". NUL characters are
    refused by the validator Django adds to every CharField.
    """
    if not value.strip():
        raise forms.ValidationError(blank_message, code="blank")
    return value.strip()


class QuestionForm(forms.Form):
    title = forms.CharField(
        label=_("Your question in one line"),
        max_length=settings.QUESTION_TITLE_MAX_LENGTH,
        strip=False,
        help_text=_("Similar tips appear below while you type: your answer may already be there."),
        error_messages={
            "required": _("Please give your question a title."),
            "max_length": _("Keep the title under %(limit_value)d characters (it has %(show_value)d)."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "true"}),
    )
    body = forms.CharField(
        label=_("Details"),
        max_length=settings.QUESTION_BODY_MAX_LENGTH,
        strip=False,
        help_text=_(
            "What happened, and what did you expect? You can use Markdown. "
            "Please do not include passwords or card numbers."
        ),
        error_messages={
            "required": _("Please describe your question."),
            "max_length": _("Keep the details under %(limit_value)d characters (they have %(show_value)d)."),
        },
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    category = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Category.objects.order_by("order", "name"),
        required=False,
        empty_label=_("I am not sure"),
        error_messages={"invalid_choice": _("Choose one of the topics in the list.")},
    )
    # A signed hand-over link's token (conversations.handover): files the
    # question under the person a public conversation was handed over from.
    handover = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    # Honeypot: hidden from people by a CSS class (see customer.css), left
    # empty by them, and filled in by naive bots that complete every input.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_title(self):
        title = _reject_blank(self.cleaned_data["title"], blank_message=_("The title cannot be only spaces."))
        validate_no_bidi_controls(title)
        return title

    def clean_body(self):
        return _reject_blank(self.cleaned_data["body"], blank_message=_("The details cannot be only spaces."))

    def clean(self):
        cleaned = super().clean()
        if self.data.get(self.add_prefix("website")):
            raise forms.ValidationError(REJECTED_MESSAGE, code="rejected")
        return cleaned


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input; each is checked by qa.attachments (decoded,
    never trusted by name or content type)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        checked = []
        for item in files:
            checked.append(super().clean(item, initial))
        return attachments_clean(checked)


class FollowUpForm(forms.Form):
    """The customer writes again in their conversation (My questions)."""

    body = forms.CharField(
        label=_("Your reply"),
        max_length=settings.QUESTION_BODY_MAX_LENGTH,
        strip=False,
        help_text=_("You can use Markdown. Please do not include passwords or card numbers."),
        error_messages={
            "required": _("Please write your reply."),
            "max_length": _("Keep your reply under %(limit_value)d characters (it has %(show_value)d)."),
        },
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = MultipleImageField(label=_("Images"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form: the limits are settings, and the text must follow the request's language.
        self.fields["attachments"].help_text = gettext(
            "Up to %(count)d JPEG, PNG or WebP images, %(size)s each. We remove location and camera "
            "data before storing them; only you and our support team can see them."
        ) % {
            "count": settings.CONVERSATION_ATTACHMENTS_PER_MESSAGE,
            "size": filesizeformat(settings.CONVERSATION_ATTACHMENT_MAX_BYTES),
        }

    def clean_body(self):
        return _reject_blank(self.cleaned_data["body"], blank_message=_("Your reply cannot be only spaces."))
