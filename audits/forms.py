"""The scoring form: one rating and one comment per criterion of the guideline."""

from django import forms
from django.utils.translation import gettext_lazy as _

from audits.models import Criterion, CriterionScore

NOT_APPLICABLE = "na"
RATING_CHOICES = [
    (str(CriterionScore.Rating.PASS.value), CriterionScore.Rating.PASS.label),
    (str(CriterionScore.Rating.PARTLY.value), CriterionScore.Rating.PARTLY.label),
    (str(CriterionScore.Rating.FAIL.value), CriterionScore.Rating.FAIL.label),
    (NOT_APPLICABLE, _("Does not apply")),
]


class AuditScoreForm(forms.Form):
    comment = forms.CharField(
        label=_("Overall comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, criteria: list[Criterion], initial_scores: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        initial_scores = initial_scores or {}
        for criterion in criteria:
            previous = initial_scores.get(criterion.pk)
            self.fields[f"rating_{criterion.pk}"] = forms.ChoiceField(
                label=criterion.display_name,
                choices=RATING_CHOICES,
                widget=forms.RadioSelect,
                initial=None
                if previous is None
                else (NOT_APPLICABLE if previous.rating is None else str(previous.rating)),
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on %(criterion)s") % {"criterion": criterion.display_name},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=previous.comment if previous else "",
            )

    def rows(self):
        """(criterion, rating field, comment field) for the template."""
        return [(c, self[f"rating_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def ratings(self) -> dict[int, tuple[int | None, str]]:
        data = self.cleaned_data
        return {
            c.pk: (
                None if data[f"rating_{c.pk}"] == NOT_APPLICABLE else int(data[f"rating_{c.pk}"]),
                data[f"comment_{c.pk}"],
            )
            for c in self.criteria
        }
