"""The reply composer's form, placed on the conversation page by the inbox
(templates/conversations/_composer.html)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from conversations.compose import (
    ReplyTooLong,
    Signature,
    reply_parts,
    reply_pii_findings,
    saved_replies_for_composer,
    tip_reply_link,
)
from conversations.models import Network
from qa.models import Tip


class ReplyComposerForm(forms.Form):
    """Staff's reply: the text, a saved reply and a tip link to add to it, and
    public or private on the web. Clean, it holds `reply_text` (what staff
    wrote, with the saved reply and the link) and `parts` (the posts a network
    receives: handle, signature, split into at most 3). Text that looks like
    personal data needs `pii_confirmed` before anything public goes out.

    The browser's count (x_count.js) inserts a saved reply where the cursor is
    and clears the picker; without JavaScript the server appends it."""

    text = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}), max_length=10_000, strip=True
    )
    saved_reply = forms.ModelChoiceField(
        label=_("Insert a saved reply"), queryset=saved_replies_for_composer(), required=False
    )
    tip = forms.ModelChoiceField(
        label=_("Add a link to tip number"),
        queryset=Tip.objects.published(),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1}),
        error_messages={"invalid_choice": _("There is no published tip with that number.")},
    )
    is_public = forms.BooleanField(
        label=_("Public reply (everyone who can see the question sees it)"), required=False, initial=True
    )
    pii_confirmed = forms.BooleanField(label=_("I checked the personal data above: send it anyway"), required=False)

    def __init__(
        self, *args, network: str, handle: str = "", language: str = "en", signature: Signature | None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.network, self.handle, self.language, self.signature = network, handle, language, signature
        # Networks have no private replies (send those by hand over).
        if network != Network.WEB:
            del self.fields["is_public"]

    @property
    def offers_private(self) -> bool:
        return "is_public" in self.fields

    @property
    def saved_replies_element_id(self) -> str:
        return f"{self.prefix or 'composer'}-saved-replies"

    def composer_data(self) -> dict:
        """The data attributes x_count.js counts with (templates/conversations/_composer.html)."""
        return {
            "network": self.network,
            "handle": self.handle,
            "language": self.language,
            "site-url": settings.SITE_URL,
            "signature": self.signature.text if self.signature else "",
            "signature-at-start": "1" if self.signature and self.signature.at_start else "",
            "label-one-post": gettext("1 post"),
            # {count} is replaced in the browser.
            "label-posts": gettext("{count} posts"),
            "label-too-long": gettext("Too long: more than 3 posts"),
        }

    def saved_reply_bodies(self) -> dict[str, str]:
        return {str(reply.pk): reply.body for reply in self.fields["saved_reply"].queryset}

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("text")
        if text is None:
            return cleaned
        if cleaned.get("saved_reply"):
            text = f"{text}\n\n{cleaned['saved_reply'].body}"
        if cleaned.get("tip"):
            text = f"{text}\n{tip_reply_link(cleaned['tip'], network=self.network)}"
        cleaned["reply_text"] = text
        try:
            cleaned["parts"] = reply_parts(
                text=text, network=self.network, handle=self.handle, language=self.language, signature=self.signature
            )
        except ReplyTooLong as too_long:
            self.add_error("text", str(too_long))
            return cleaned
        public = self.network != Network.WEB or cleaned.get("is_public", True)
        findings = reply_pii_findings(" ".join(cleaned["parts"])) if public else []
        if findings and not cleaned.get("pii_confirmed"):
            found = ", ".join(f"{finding.label} “{finding.text}”" for finding in findings)
            self.add_error(
                "pii_confirmed",
                gettext(
                    "This public reply looks like it contains personal data: %(found)s. Remove it, or tick the box."
                )
                % {"found": found},
            )
        return cleaned
