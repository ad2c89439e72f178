"""The metrics page's period picker: a preset (the last 7, 28 or 90 days, today
included) or any run of days up to a year, from a GET form."""

from datetime import date

from django import forms
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from metrics.periods import MAX_DAYS, Period, local_today, period_ending

PRESETS = [7, 28, 90]
DEFAULT_DAYS = 28
# The previous period of a custom one must still be a real date, and older data is not kept anyway.
EARLIEST_DAY = date(2000, 1, 1)


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Period"),
        choices=[],
        coerce=int,
        required=False,
    )
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In the language of the request (not the one active at import).
        self.fields["days"].choices = [
            (str(n), ngettext("Last %(days)d day", "Last %(days)d days", n) % {"days": n}) for n in PRESETS
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Give both the first and the last day, or choose a preset."))
        if start is None:
            data["period"] = period_ending(local_today(), data.get("days") or DEFAULT_DAYS)
            return data
        if end < start:
            raise forms.ValidationError(_("The last day comes before the first day."))
        if end > local_today():
            raise forms.ValidationError(_("The period cannot end after today."))
        if start < EARLIEST_DAY:
            raise forms.ValidationError(
                gettext("Choose a first day from %(day)s on.") % {"day": EARLIEST_DAY.isoformat()}
            )
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(gettext("A period is at most %(days)d days.") % {"days": MAX_DAYS})
        data["period"] = Period(start, end)
        return data


def period_from(query) -> tuple[PeriodForm, Period | None]:
    """The form bound to the query string, and the period it asks for (None if invalid)."""
    form = PeriodForm(query if query else {"days": str(DEFAULT_DAYS)})
    if not form.is_valid():
        return form, None
    return form, form.cleaned_data["period"]


def query_for(period: Period) -> str:
    """The query string that shows `period` again (links: CSV export, the e-mail)."""
    if period.last_day == local_today() and period.length in PRESETS:
        return f"days={period.length}"
    return f"start={period.first_day.isoformat()}&end={period.last_day.isoformat()}"
