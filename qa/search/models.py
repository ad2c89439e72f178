"""What staff tune search with, and what search tells staff.

Imported by qa.models, so Django registers these models with the qa app.
"""

import re

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Between the expressions of a synonym group: commas (ASCII or Japanese), "=", new lines.
_SYNONYM_SEPARATORS = re.compile(r"[,，、=＝\n]+")


class SearchSynonym(models.Model):
    """A group of words or phrases that mean the same to customers (返品, 返却).
    A query that contains one also finds tips that use another."""

    terms = models.TextField(
        _("equivalent words"),
        help_text=_("Words or phrases that mean the same, separated by commas or new lines: 返品, 返却"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")

    def __str__(self):
        return ", ".join(self.term_list())

    def term_list(self) -> list[str]:
        return [term.strip() for term in _SYNONYM_SEPARATORS.split(self.terms) if term.strip()]


class SearchMiss(models.Model):
    """A search that found nothing: what customers look for and don't find.
    Only the normalised query is kept, never who searched."""

    query = models.CharField(_("search"), max_length=100, unique=True)
    count = models.PositiveIntegerField(_("times searched"), default=1)
    first_seen = models.DateTimeField(_("first searched"), default=timezone.now)
    last_seen = models.DateTimeField(_("last searched"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-count", "-last_seen"]
        verbose_name = _("search without results")
        verbose_name_plural = _("searches without results")

    def __str__(self):
        return self.query
