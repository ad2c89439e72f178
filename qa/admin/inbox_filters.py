"""The inbox's filters (the conversation changelist's right-hand column).

Each takes its value from the query string, which anyone can type: a value a
filter does not know leaves the list unfiltered rather than failing.
"""

from datetime import timedelta

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.models import Label
from conversations.selectors import WAITING_ON_US
from qa.models import Question


def database_id(value: str | None) -> int | None:
    """A row id typed in the query string: ASCII digits within the database's
    integer range (a 30-digit id overflows SQLite; "²" is a digit to isdigit() but not to int())."""
    if value and value.isascii() and value.isdigit() and int(value) < 2**63:
        return int(value)
    return None


class StateFilter(admin.SimpleListFilter):
    """The conversation's state, plus "waiting on us" (new or written to again):
    the dashboard's numbers link here."""

    title = _("state")
    parameter_name = "state"
    WAITING = "waiting"

    def lookups(self, request, model_admin):
        return [(self.WAITING, _("Waiting on us (new or written to again)")), *Question.Status.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.WAITING:
            return queryset.filter(status__in=WAITING_ON_US)
        if value in Question.Status.values:
            return queryset.filter(status=value)
        return queryset


class WaitingAgeFilter(admin.SimpleListFilter):
    """How long the conversation has been in its state (waiting on us: how long the customer waits)."""

    title = _("waiting time")
    parameter_name = "age"
    # value: (at least this many days, less than this many days)
    AGES = {"lt1d": (None, 1), "1to3d": (1, 3), "gt3d": (3, None), "gt7d": (7, None)}

    def lookups(self, request, model_admin):
        return [
            ("lt1d", _("Less than 1 day")),
            ("1to3d", _("1–3 days")),
            ("gt3d", _("More than 3 days")),
            ("gt7d", _("More than a week")),
        ]

    def queryset(self, request, queryset):
        if self.value() not in self.AGES:
            return queryset
        min_days, max_days = self.AGES[self.value()]
        now = timezone.now()
        if min_days is not None:
            queryset = queryset.filter(waiting_since__lte=now - timedelta(days=min_days))
        if max_days is not None:
            queryset = queryset.filter(waiting_since__gt=now - timedelta(days=max_days))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        return [("me", _("Me")), ("none", _("Nobody"))] + [(str(user.pk), user.get_username()) for user in staff]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        user_id = database_id(value)
        return queryset.filter(assignee_id=user_id) if user_id is not None else queryset


class DoNotContactFilter(admin.SimpleListFilter):
    title = _("do not contact")
    parameter_name = "dnc"

    def lookups(self, request, model_admin):
        return [("yes", _("Do not contact")), ("no", _("May be contacted"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(person__do_not_contact=True)
        if self.value() == "no":
            # A web asker with no person on a network may be contacted.
            return queryset.exclude(person__do_not_contact=True)
        return queryset


class LabelFilter(admin.SimpleListFilter):
    title = _("label")
    parameter_name = "label"

    def lookups(self, request, model_admin):
        return [(str(label.pk), label.name) for label in Label.objects.order_by("name")]

    def queryset(self, request, queryset):
        label_id = database_id(self.value())
        return queryset.filter(labels__id=label_id) if label_id is not None else queryset
