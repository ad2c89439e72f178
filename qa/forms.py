"""Forms of the public site: what customers type, checked before any service runs."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

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
