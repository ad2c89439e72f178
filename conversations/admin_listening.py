"""Staff pages for listening: the feed subscriptions (add a URL, see how its
polls go), the listening health page (every source, its last success and
error, X's reads this month and their estimated cost) and "we answered on
the blog" for a conversation that began in a feed. Thin: services do the work."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin

from conversations import listening, tasks
from conversations.ingest import conversation_record_external_reply
from conversations.models import FeedSubscription, ListeningState, Network
from conversations.sources.feeds import feed_url_problem
from qa.models import Question


class FeedSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("feed URL"), max_length=1000, assume_scheme="https")

    class Meta:
        model = FeedSubscription
        fields = ["url", "title", "enabled"]

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        problem = feed_url_problem(url)
        if problem:
            raise ValidationError(problem)
        return url


@admin.register(FeedSubscription)
class FeedSubscriptionAdmin(ModelAdmin):
    form = FeedSubscriptionForm
    list_display = ["__str__", "url", "enabled", "last_success", "last_error", "failures"]
    list_filter = ["enabled"]
    search_fields = ["url", "title"]
    actions = ["poll_now"]

    def get_queryset(self, request):
        # Each feed's state, in the list's one query.
        state = ListeningState.objects.filter(kind=Concat(Value("feed:"), Cast(OuterRef("pk"), CharField())))
        return (
            super()
            .get_queryset(request)
            .annotate(
                state_success_at=Subquery(state.values("last_success_at")[:1]),
                state_error=Subquery(state.values("last_error")[:1]),
                state_failures=Subquery(state.values("consecutive_failures")[:1]),
            )
        )

    @admin.display(description=_("last success"), ordering="state_success_at")
    def last_success(self, obj):
        return obj.state_success_at or "—"

    @admin.display(description=_("last error"))
    def last_error(self, obj):
        # The error of a poll that failed last; once a poll succeeds it is history.
        return obj.state_error if obj.state_failures else "—"

    @admin.display(description=_("failures in a row"))
    def failures(self, obj):
        return obj.state_failures or 0

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # The first poll at once: staff see at once whether the URL is a feed.
        tasks.poll_source.delay(kind=obj.source_kind)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Read the selected feeds now"), permissions=["change"])
    def poll_now(self, request, queryset):
        for subscription in queryset:
            tasks.poll_source.delay(kind=subscription.source_kind)
        messages.success(
            request,
            ngettext(
                "%(count)d feed will be read in a moment; its state shows here.",
                "%(count)d feeds will be read in a moment; their state shows here.",
                queryset.count(),
            )
            % {"count": queryset.count()},
        )

    def get_urls(self):
        answered = self.admin_site.admin_view(self.answered_view)
        return [
            path("answered/<int:question_id>/", answered, name="conversations_feedsubscription_answered"),
            *super().get_urls(),
        ]

    def answered_view(self, request, question_id):
        """Staff record that they answered on the blog itself."""
        if not request.user.has_perm("qa.change_question"):
            raise PermissionDenied
        question = get_object_or_404(Question, pk=question_id)
        form = ExternalReplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                conversation_record_external_reply(
                    question=question,
                    author=request.user,
                    url=form.cleaned_data["url"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("url", message)
            else:
                messages.success(
                    request, _("Your answer on the blog is recorded; the conversation waits on the customer.")
                )
                return HttpResponseRedirect(reverse("admin:qa_question_change", args=[question.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("We answered on the blog"),
            "opts": self.model._meta,
            "question": question,
            "form": form,
        }
        return TemplateResponse(request, "admin/conversations/answered_on_the_blog.html", context)


class ExternalReplyForm(forms.Form):
    url = forms.URLField(
        label=_("Address of our answer"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The comment or post where we answered."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


@admin.register(ListeningState)
class ListeningStateAdmin(ModelAdmin):
    """The listening health page: every source, with or without a state row yet."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Listening health"),
            "opts": self.model._meta,
            "sources": listening.listening_health(),
            "currency": settings.PUBLISHING_PRICE_CURRENCY,
            "read_price": settings.CONVERSATION_X_READ_PRICE,
            "feed_network": Network.FEED,
        }
        return TemplateResponse(request, "admin/conversations/listening_health.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:conversations_listeningstate_changelist"))
