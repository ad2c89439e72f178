"""Validators shared by the models of the qa app."""

from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from qa.markup import MARKDOWN_MAX_LENGTH

# Every Markdown source is bounded, so that rendering it is too (forms, the admin and services all validate).
MARKDOWN_LENGTH_VALIDATORS = [
    MaxLengthValidator(
        MARKDOWN_MAX_LENGTH,
        message=_("Keep the text under %(limit_value)d characters (it has %(show_value)d)."),
    )
]
