"""The question inbox (changelist) and answering a question (change page)."""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, StackedInline

from conversations import services as conversation_services
from conversations import states
from qa import services
from qa.admin.forms import ANSWER_PUBLICLY, QuestionAdminForm
from qa.models import Message, Question, SavedReply
from qa.waiting import answered_after_text, waiting_time_text

# New questions first, oldest at the top: they are the ones waiting for staff.
INBOX_ORDERING = [
    Case(
        When(status__in=[Question.Status.NEW, Question.Status.WAITING_US], then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    ).asc(),
    "waiting_since",
]


class WaitingAgeFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"
    # value: (at least this many days old, younger than this many days)
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
            queryset = queryset.filter(created_at__lte=now - timedelta(days=min_days))
        if max_days is not None:
            queryset = queryset.filter(created_at__gt=now - timedelta(days=max_days))
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
        # A user id: ASCII digits within the database's integer range (a
        # 30-digit id overflows SQLite; "²" is a digit to isdigit() but not to int()).
        if value and value.isascii() and value.isdigit() and int(value) < 2**63:
            return queryset.filter(assignee_id=int(value))
        return queryset


# The inbox's title column. Long titles are cut to two lines by admin.css so the inbox
# fits a laptop screen; the title attribute keeps the full text one hover away, and
# dir="auto" keeps a customer's bidi control characters (U+202E…) inside the title.
# A function rather than a method: a method named like the model field would be
# ignored, and this name keeps the column's CSS class, "field-title".
@admin.display(description=_("title"), ordering="title")
def title(question):
    return format_html('<span class="tipcast-clamp" title="{}" dir="auto">{}</span>', question.title, question.title)


class AnswerInline(StackedInline):
    """Previous answers, read-only: an answer sent to a customer is not edited afterwards."""

    model = Message
    extra = 0
    can_delete = False
    fields = ["kind", "author", "answered_at", "visibility", "rendered_body"]
    readonly_fields = fields
    verbose_name_plural = _("messages")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("answered at"))
    def answered_at(self, answer):
        return date_format(timezone.localtime(answer.created_at), "DATETIME_FORMAT")

    @admin.display(description=_("visibility"))
    def visibility(self, answer):
        return _("Public") if answer.is_public else _("Private: only the asker sees it")

    @admin.display(description=_("answer"))
    def rendered_body(self, answer):
        # body_html is the sanitiser's stored output (qa.markup.render_markdown).
        return mark_safe('<div class="tipcast-prose">' + answer.body_html + "</div>")


@admin.register(Question)
class QuestionAdmin(ModelAdmin):
    form = QuestionAdminForm
    change_form_template = "admin/qa/question/change_form.html"
    # No category column: the inbox must fit a 1280 px screen, and the category
    # filter on the right already sorts questions by category.
    list_display = [title, "status", "waiting", "asker_email", "assignee"]
    list_filter = ["status", "close_reason", "source", "language", "category", AssigneeFilter, WaitingAgeFilter]
    list_select_related = ["asker", "category", "assignee"]
    search_fields = ["title", "body", "asker__email"]
    ordering = INBOX_ORDERING
    list_per_page = 50
    actions = ["assign_to_me", "mark_as_spam"]
    fieldsets = [(_("Handling"), {"fields": ["status", "close_reason", "language", "category", "assignee"]})]
    inlines = [AnswerInline]

    def has_add_permission(self, request):
        # Questions come from customers (the ask page), never from the admin.
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("asker", "category", "assignee")

    @admin.display(description=_("asker"), ordering="asker__email")
    def asker_email(self, question):
        email = question.asker.email if question.asker else str(question.person or "")
        return format_html('<span class="tipcast-ellipsis" title="{}">{}</span>', email, email)

    @admin.display(description=_("waiting"), ordering="created_at")
    def waiting(self, question):
        if question.first_answered_at:
            return answered_after_text(question.created_at, question.first_answered_at)
        return waiting_time_text(question.created_at)

    # --- Actions -------------------------------------------------------------------------

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        questions = list(queryset)
        for question in questions:
            conversation_services.conversation_assign(question=question, assignee=request.user)
        self.message_user(
            request,
            ngettext("%(count)d question assigned to you.", "%(count)d questions assigned to you.", len(questions))
            % {"count": len(questions)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark as spam"))
    def mark_as_spam(self, request, queryset):
        count = conversation_services.conversations_close(questions=queryset, reason=Question.CloseReason.SPAM)
        self.message_user(
            request,
            ngettext("%(count)d question marked as spam.", "%(count)d questions marked as spam.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    # --- The change page: reading and answering ----------------------------------------

    def get_urls(self):
        custom = [
            path(
                "<int:object_id>/assign-to-me/",
                self.admin_site.admin_view(self.assign_to_me_view),
                name="qa_question_assign_to_me",
            ),
        ]
        return custom + super().get_urls()

    def assign_to_me_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        question = get_object_or_404(Question, pk=object_id)
        if not self.has_change_permission(request, question):
            raise PermissionDenied
        conversation_services.conversation_assign(question=question, assignee=request.user)
        self.message_user(request, gettext("The question is assigned to you."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:qa_question_change", args=[question.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "saved_replies": list(SavedReply.objects.all()),
            "answer_publicly_button": ANSWER_PUBLICLY,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if {"status", "close_reason"} & set(form.changed_data):
            states.changed_by_hand(obj, at=timezone.now())
        super().save_model(request, obj, form, change)
        button = form.answer_requested()
        if not button:
            return
        is_public = button == ANSWER_PUBLICLY
        answer = services.question_answer(
            question=obj, author=request.user, body=form.cleaned_data["answer_body"], is_public=is_public
        )
        # response_change() sends staff on to the new tip after a public answer.
        request._tipcast_new_tip = services.tip_create_from_answer(answer=answer) if is_public else None
        request._tipcast_answered = True

    def response_change(self, request, obj):
        if not getattr(request, "_tipcast_answered", False):
            return super().response_change(request, obj)
        tip = request._tipcast_new_tip
        if tip is None:
            self.message_user(request, gettext("Your private answer was sent to the asker."), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:qa_question_changelist"))
        self.message_user(
            request,
            format_html(
                "{} {}",
                gettext("Your answer was sent to the asker."),
                gettext("Now edit the tip's public text (the customer's wording stays private), then publish it."),
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:qa_tip_change", args=[tip.pk]))
