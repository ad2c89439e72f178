"""The audits in the admin: guidelines and their criteria (editable by leads),
the auditors' queue and scoring page, and each staff member's own audits.

Auditors (permission "Can audit staff replies", superusers too) see every
audit and score any reply but their own. Other staff see only the scored
audits of their own replies, read-only."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from audits.forms import AuditScoreForm
from audits.models import Audit, Criterion, Guideline
from audits.selectors import (
    audit_list_for,
    audit_may_score,
    audit_may_view,
    audit_reply_context,
    audit_scores,
    user_is_auditor,
)
from audits.services import audit_score
from conversations.compose import staff_display_name


class CriterionInline(TabularInline):
    model = Criterion
    fields = ["position", "name", "description", "weight"]
    extra = 0
    ordering = ["position", "id"]


@admin.register(Guideline)
class GuidelineAdmin(ModelAdmin):
    list_display = ["display_title", "active", "criteria_count", "created_at"]
    list_filter = ["active"]
    search_fields = ["title"]
    inlines = [CriterionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(criteria_count=Count("criteria"))

    @admin.display(description=_("title"), ordering="title")
    def display_title(self, guideline):
        return guideline.display_title

    @admin.display(description=_("criteria"), ordering="criteria_count")
    def criteria_count(self, guideline):
        return guideline.criteria_count


class QueueFilter(admin.SimpleListFilter):
    """The auditor's queue: assigned to me, waiting for anyone, and the audits of my own replies."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        if not user_is_auditor(request.user):
            return []
        return [
            ("mine", _("To score: mine")),
            ("unassigned", _("To score: unassigned")),
            ("done", _("Scored")),
            ("my-replies", _("Of my replies")),
        ]

    def queryset(self, request, queryset):
        user, value = request.user, self.value()
        if value == "mine":
            return queryset.filter(state=Audit.State.QUEUED, auditor=user)
        if value == "unassigned":
            return queryset.filter(state=Audit.State.QUEUED, auditor__isnull=True).exclude(author=user)
        if value == "done":
            return queryset.filter(state=Audit.State.DONE)
        if value == "my-replies":
            return queryset.filter(author=user)
        return queryset


@admin.register(Audit)
class AuditAdmin(ModelAdmin):
    list_display = ["reply_excerpt", "week", "author_name", "state", "score_label", "auditor_name"]
    list_display_links = ["reply_excerpt"]
    list_filter = [QueueFilter, "state", "week"]
    list_per_page = 50

    def get_queryset(self, request):
        return audit_list_for(request.user)

    # --- Who may do what -------------------------------------------------------------------------

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return audit_may_view(request.user, obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return user_is_auditor(request.user)
        return audit_may_score(request.user, obj)

    def has_add_permission(self, request):
        return False  # the weekly sample queues audits

    # --- The list ----------------------------------------------------------------------------------

    @admin.display(description=_("reply"))
    def reply_excerpt(self, audit):
        return Truncator(audit.message.body).chars(80)

    @admin.display(description=_("staff"), ordering="author__username")
    def author_name(self, audit):
        return staff_display_name(audit.author)

    @admin.display(description=_("auditor"), ordering="auditor__username")
    def auditor_name(self, audit):
        return staff_display_name(audit.auditor) if audit.auditor else "—"

    @admin.display(description=_("score"), ordering="score")
    def score_label(self, audit):
        return "—" if audit.score is None else f"{audit.score:.0f}%"

    def changelist_view(self, request, extra_context=None):
        title = _("Quality audits") if user_is_auditor(request.user) else _("Audits of my replies")
        return super().changelist_view(request, extra_context={"title": title, **(extra_context or {})})

    # --- The scoring page (the audit's change page) --------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        audit = self.get_object(request, unquote(object_id))
        if audit is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not audit_may_view(request.user, audit):
            raise PermissionDenied
        may_score = audit_may_score(request.user, audit)
        if request.method == "POST" and not may_score:
            raise PermissionDenied
        criteria = list(audit.guideline.criteria.all())
        scores = audit_scores(audit)
        form = None
        if may_score:
            form = AuditScoreForm(
                request.POST if request.method == "POST" else None,
                criteria=criteria,
                initial_scores={score.criterion_id: score for score in scores},
                initial={"comment": audit.comment},
            )
            if request.method == "POST" and form.is_valid():
                try:
                    audit_score(
                        audit=audit, auditor=request.user, ratings=form.ratings(), comment=form.cleaned_data["comment"]
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, gettext("The audit is saved."))
                    return HttpResponseRedirect(self._next_url(request))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Audit of a reply"),
            "opts": self.opts,
            "audit": audit,
            "original": audit,
            "conversation": audit.message.question,
            "history": audit_reply_context(audit),
            "form": form,
            "scores": scores,
            "may_score": may_score,
            "own_reply": audit.author_id == request.user.pk,
            "author_name": staff_display_name(audit.author),
            "auditor_name": staff_display_name(audit.auditor) if audit.auditor else "",
            "is_auditor": user_is_auditor(request.user),
        }
        return TemplateResponse(request, "admin/audits/audit/score.html", context)

    def _next_url(self, request) -> str:
        """After saving: the auditor's next reply to score (theirs first, then anyone's), else the list."""
        queued = audit_list_for(request.user).filter(state=Audit.State.QUEUED).order_by("week", "replied_at", "id")
        following = queued.filter(auditor=request.user).first() or (
            queued.filter(auditor__isnull=True).exclude(author=request.user).first()
        )
        if following is not None:
            return reverse("admin:audits_audit_change", args=[following.pk])
        return reverse("admin:audits_audit_changelist")
