"""The inbox: every conversation, whatever its channel, in one list (the
changelist, titled "Conversations"), and one conversation's page (the change
view: its whole history, the person, their earlier conversations, the reply).

The page's POST-only buttons (assign to me, internal note, do not contact)
are in qa/admin/conversation_views.py; the filters in qa/admin/inbox_filters.py.
"""

import copy

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.views import ChangeList

from conversations import selectors as conversation_selectors
from conversations import services as conversation_services
from conversations import states
from qa import services
from qa.admin import conversation_views, network_reply_views
from qa.admin.forms import ANSWER_PUBLICLY, QuestionAdminForm
from qa.admin.inbox_filters import AssigneeFilter, DoNotContactFilter, LabelFilter, StateFilter, WaitingAgeFilter
from qa.models import Question
from qa.pagination import PageByIdsPaginator
from qa.waiting import waiting_time_text


def _draft_key(question) -> str:
    return f"tipcast-refused-reply-{question.pk}"


# Material Symbols for each channel; the channel's name is always written beside it.
CHANNEL_ICONS = {"web": "language", "x": "alternate_email", "facebook": "thumb_up", "feed": "rss_feed"}


# The title column. Long titles are cut to two lines by admin.css so the inbox
# fits a laptop screen; the title attribute keeps the full text one hover away, and
# dir="auto" keeps a customer's bidi control characters (U+202E…) inside the title.
# A function rather than a method: a method named like the model field would be
# ignored, and this name keeps the column's CSS class, "field-title".
@admin.display(description=_("title"), ordering="title")
def title(question):
    return format_html('<span class="tipcast-clamp" title="{}" dir="auto">{}</span>', question.title, question.title)


class InboxChangeList(ChangeList):
    """The list shows titles, not texts: a page of 50 conversations need not
    carry 50 openings (each up to tens of kilobytes) from the database."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer("body", "body_html")


@admin.register(Question)
class QuestionAdmin(ModelAdmin):
    form = QuestionAdminForm
    change_form_template = "admin/qa/question/change_form.html"
    # Above the list: whether the team is on duty and how many wait.
    list_before_template = "admin/qa/question/inbox_before.html"
    list_display = [title, "channel", "customer", "state", "waiting", "assignee"]
    list_display_links = [title]
    list_filter = [
        StateFilter,
        "source",
        "close_reason",
        AssigneeFilter,
        WaitingAgeFilter,
        "language",
        DoNotContactFilter,
        LabelFilter,
        "category",
    ]
    list_select_related = ["asker", "person", "assignee"]
    # The search box: see get_search_results (the same fields, searched so that
    # PostgreSQL's trigram indexes serve it).
    search_fields = ["title", "body", "asker__email", "person__handle", "person__name"]
    search_help_text = _("Words in the title or the opening message, an e-mail address, a handle or a name.")
    ordering = conversation_selectors.INBOX_ORDERING
    list_per_page = 50
    paginator = PageByIdsPaginator
    # Unfold's row template asks for list_sections (expandable rows) twice a row; an
    # attribute the template engine does not find costs a dir() of the whole admin
    # class each time (about 100 a page). None here, as the base class leaves it unset.
    list_sections = []
    # The full count would scan the table on every page view of a large inbox; the
    # filtered count (what staff read) is still exact.
    show_full_result_count = False
    actions = ["assign_to_me", "close_as_resolved", "close_as_ignored", "mark_as_spam"]
    fieldsets = [(_("Handling"), {"fields": ["status", "close_reason", "assignee", "labels", "language", "category"]})]

    def has_add_permission(self, request):
        # Conversations start with the customer (the ask page, a mention, a comment, a feed item).
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("asker", "person", "assignee", "category")

    def get_changelist(self, request, **kwargs):
        return InboxChangeList

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        # No join fans rows out (each part is a subquery): no duplicates to remove.
        return queryset.filter(conversation_selectors.inbox_search_filter(search_term)), False

    # --- Columns ----------------------------------------------------------------------------

    @admin.display(description=_("channel"), ordering="source")
    def channel(self, question):
        return format_html(
            '<span class="tipcast-channel is-{}"><span class="material-symbols-outlined" aria-hidden="true">{}</span>'
            "{}</span>",
            question.source,
            CHANNEL_ICONS.get(question.source, "forum"),
            question.get_source_display(),
        )

    @admin.display(description=_("customer"))
    def customer(self, question):
        """The person on their network (or the web asker), with the do-not-contact
        mark in front (its reason on hover): one column less keeps the inbox within 1280 px."""
        who = str(question.person) if question.person else (question.asker.email if question.asker else "—")
        name = format_html('<span class="tipcast-ellipsis" title="{}" dir="auto">{}</span>', who, who)
        if question.person is None or not question.person.do_not_contact:
            return name
        return format_html(
            '<span class="tipcast-dnc" title="{}"><span class="material-symbols-outlined" aria-hidden="true">block'
            '</span><span class="tipcast-visually-hidden">{}</span></span>{}',
            question.person.do_not_contact_reason,
            gettext("Do not contact"),
            name,
        )

    @admin.display(description=_("state"), ordering="status")
    def state(self, question):
        if question.status == Question.Status.CLOSED:
            return format_html(
                '<span class="tipcast-state is-closed">{} · {}</span>',
                question.get_status_display(),
                question.get_close_reason_display(),
            )
        return format_html(
            '<span class="tipcast-state is-{}">{}</span>', question.status, question.get_status_display()
        )

    @admin.display(description=_("waiting"), ordering="waiting_since")
    def waiting(self, question):
        # Only a wait on us is a wait; for the rest, how long it has been in its state.
        return waiting_time_text(question.waiting_since)

    # --- Actions on the selected conversations -------------------------------------------

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        questions = list(queryset)
        for question in questions:
            conversation_services.conversation_assign(question=question, assignee=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d conversation assigned to you.", "%(count)d conversations assigned to you.", len(questions)
            )
            % {"count": len(questions)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Close as resolved"), permissions=["change"])
    def close_as_resolved(self, request, queryset):
        count = conversation_services.conversations_close(questions=queryset, reason=Question.CloseReason.RESOLVED)
        message = ngettext(
            "%(count)d conversation closed as resolved.", "%(count)d conversations closed as resolved.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Ignore (close without a reply)"), permissions=["change"])
    def close_as_ignored(self, request, queryset):
        count = conversation_services.conversations_close(questions=queryset, reason=Question.CloseReason.IGNORED)
        message = ngettext("%(count)d conversation ignored.", "%(count)d conversations ignored.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Mark as spam"), permissions=["change"])
    def mark_as_spam(self, request, queryset):
        count = conversation_services.conversations_close(questions=queryset, reason=Question.CloseReason.SPAM)
        message = ngettext("%(count)d conversation marked as spam.", "%(count)d conversations marked as spam.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    # --- The list page -------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": gettext("Conversations"),
            "support_status": conversation_selectors.support_status(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    # --- The conversation page ---------------------------------------------------------------

    def get_urls(self):
        def view(function, suffix):
            return path(
                f"<int:object_id>/{suffix}/",
                self.admin_site.admin_view(lambda request, object_id: function(self, request, object_id)),
                name=f"qa_question_{suffix.replace('-', '_')}",
            )

        custom = [
            view(conversation_views.assign_to_me, "assign-to-me"),
            view(conversation_views.add_note, "note"),
            view(conversation_views.mark_do_not_contact, "do-not-contact"),
            view(conversation_views.clear_do_not_contact, "may-contact"),
            view(network_reply_views.send_reply, "reply"),
            view(network_reply_views.hand_over, "hand-over"),
            view(network_reply_views.like, "like"),
        ]
        return custom + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **conversation_views.page_context(self, request, object_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if {"status", "close_reason"} & set(form.changed_data):
            states.changed_by_hand(obj, at=timezone.now())
        super().save_model(request, obj, form, change)
        button = form.answer_requested()
        if not button:
            return
        is_public = button == ANSWER_PUBLICLY
        body = form.cleaned_data["answer_body"]
        try:
            answer = conversation_services.conversation_reply(
                question=obj, author=request.user, body=body, is_public=is_public
            )
        except conversation_services.ReplyRefused as refusal:
            # Not sent (do not contact, personal data, the network's rules): say why and
            # keep the text in the box for the next try (see get_form).
            self.message_user(request, refusal.message, messages.ERROR)
            request.session[_draft_key(obj)] = body
            request._tipcast_refused = True
            return
        # response_change() sends staff on to the new tip after a public answer.
        request._tipcast_new_tip = services.tip_create_from_answer(answer=answer) if is_public else None
        request._tipcast_answered = True

    def save_related(self, request, form, formsets, change):
        # Labels go through their service (the form lists them; the service sets them).
        labels = form.cleaned_data.pop("labels", None)
        super().save_related(request, form, formsets, change)
        if labels is not None:
            conversation_services.conversation_set_labels(
                question=form.instance, names=[label.name for label in labels]
            )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and request.method == "GET" and not hasattr(request, "_tipcast_draft"):
            # get_form runs more than once per page (fieldsets, then the form): read the draft once.
            request._tipcast_draft = request.session.pop(_draft_key(obj), None)
        draft = getattr(request, "_tipcast_draft", None)
        if not draft:
            return form
        # A reply the service refused a moment ago: back in the box, nothing lost.
        fields = {name: copy.deepcopy(field) for name, field in form.base_fields.items()}
        fields["answer_body"].initial = draft
        with_draft = type(form.__name__, (form,), {})
        with_draft.base_fields = fields  # after the metaclass, which builds base_fields afresh
        return with_draft

    def response_change(self, request, obj):
        if getattr(request, "_tipcast_refused", False):
            return HttpResponseRedirect(reverse("admin:qa_question_change", args=[obj.pk]))
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
