"""The delivery list: every post and reply with its status, the actions staff
take on a selection or on one delivery, and the live character count's preview."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from unfold.admin import ModelAdmin

from publishing import selectors, services
from publishing.admin.delivery_actions import DELIVERY_ACTIONS, report_action_outcome
from publishing.admin.delivery_display import delivery_state_html, remote_post_link
from publishing.channels import registry
from publishing.models import Delivery
from qa.models import Tip
from supportsite.admin_site import DateHierarchyChangeList


@admin.register(Delivery)
class DeliveryAdmin(ModelAdmin):
    list_display = [
        "tip_column",
        "purpose",
        "channel",
        "state",
        "scheduled_for",
        "attempts",
        "remote",
        "reconciliation",
        "error_summary",
        "sent_at",
    ]
    list_filter = ["purpose", "status", "channel", "reconciliation", "error_kind"]
    search_fields = ["tip__title", "tip_title", "remote_id", "in_reply_to"]
    list_select_related = ["tip"]
    date_hierarchy = "scheduled_for"
    ordering = ["-scheduled_for", "-id"]
    actions = ["retry_now", "post_now", "send_anyway", "cancel"]
    readonly_fields = [
        "tip",
        "tip_title",
        "purpose",
        "in_reply_to",
        "thread_root",
        "part",
        "channel",
        "status",
        "scheduled_for",
        "attempts",
        "remote",
        "post_text",
        "last_error",
        "error_code",
        "error_kind",
        "reconciliation",
        "created_at",
        "first_claimed_at",
        "claimed_at",
        "claimed_by",
        "lease_expires_at",
        "sent_at",
        "updated_at",
        "deleted_at",
        "delete_error",
    ]
    fields = readonly_fields

    def get_changelist(self, request, **kwargs):
        return DateHierarchyChangeList  # a 30-digit year is a bad filter, not a 500

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # The audit trail stays; staff cancel instead.
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only: changes go through the actions.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("status"), ordering="status")
    def state(self, delivery):
        # Says whether a sent post was taken down (its tip unpublished or deleted).
        return delivery_state_html(delivery)

    @admin.display(description=_("tip or reply"), ordering="tip__title")
    def tip_column(self, delivery):
        # A reply or a like reads "Reply to …" / "Like of …" (Delivery.tip_label).
        return delivery.tip_label

    @admin.display(description=_("remote post"))
    def remote(self, delivery):
        return remote_post_link(delivery)

    @admin.display(description=_("error"))
    def error_summary(self, delivery):
        if not delivery.last_error:
            return ""
        return f"{delivery.get_error_kind_display()}: {delivery.last_error[:120]}"

    def _run(self, request, queryset, service, *, message):
        done = sum(1 for delivery in queryset if service(delivery=delivery))
        report_action_outcome(request, done, message, skipped=queryset.count() - done)

    @admin.action(description=_("Retry now (failed or waiting deliveries)"), permissions=["change"])
    def retry_now(self, request, queryset):
        self._run(
            request,
            queryset,
            services.delivery_retry_now,
            message=lambda n: ngettext(
                "%(count)d delivery will be retried now.", "%(count)d deliveries will be retried now.", n
            ),
        )

    @admin.action(description=_("Post now, skipping the drip schedule"), permissions=["change"])
    def post_now(self, request, queryset):
        tips = Tip.objects.filter(pk__in=queryset.values("tip_id"))
        done = sum(services.tip_post_now(tip=tip) for tip in tips)
        report_action_outcome(
            request,
            done,
            lambda n: ngettext("%(count)d post will be sent now.", "%(count)d posts will be sent now.", n),
        )

    @admin.action(description=_("Send anyway (status unknown, checked by hand)"), permissions=["change"])
    def send_anyway(self, request, queryset):
        self._run(
            request,
            queryset,
            services.delivery_send_anyway,
            message=lambda n: ngettext("%(count)d delivery will be sent.", "%(count)d deliveries will be sent.", n),
        )

    @admin.action(description=_("Cancel"), permissions=["change"])
    def cancel(self, request, queryset):
        self._run(
            request,
            queryset,
            services.delivery_cancel,
            message=lambda n: ngettext("%(count)d delivery was cancelled.", "%(count)d deliveries were cancelled.", n),
        )

    def get_urls(self):
        preview = self.admin_site.admin_view(post_preview_view)
        act = self.admin_site.admin_view(require_POST(self.delivery_action_view))
        return [
            path("preview/", preview, name="publishing_delivery_preview"),
            path("<int:object_id>/act/<slug:action>/", act, name="publishing_delivery_action"),
            *super().get_urls(),
        ]

    def delivery_action_view(self, request, object_id, action):
        """One action on one delivery (the buttons on the tip's page); back to the tip."""
        if action not in DELIVERY_ACTIONS:
            raise Http404
        delivery = get_object_or_404(Delivery, pk=object_id)
        if not self.has_change_permission(request, delivery):
            raise PermissionDenied
        label, service, _allowed = DELIVERY_ACTIONS[action]
        if service(delivery=delivery):
            messages.success(
                request, _("%(channel)s: “%(action)s” done.") % {"action": label, "channel": delivery.channel}
            )
        else:
            messages.warning(request, _("The delivery's status no longer allows this action; nothing was changed."))
        if delivery.tip_id is None:  # the tip was deleted
            return HttpResponseRedirect(reverse("admin:publishing_delivery_changelist"))
        return HttpResponseRedirect(reverse("admin:qa_tip_change", args=[delivery.tip_id]))


@require_GET
def post_preview_view(request):
    """Staff-only JSON for the live character counter: what the channel would
    receive for this tip with this override text."""
    if not request.user.has_perm("publishing.view_delivery") and not request.user.has_perm("qa.change_tip"):
        raise PermissionDenied
    tip_id = request.GET.get("tip", "")
    # Anything but a plain number ("..", "١٢") is no tip, not a ValueError.
    if not (tip_id.isascii() and tip_id.isdigit()):
        raise Http404
    tip = get_object_or_404(Tip, pk=int(tip_id))
    kind = request.GET.get("channel", "")
    if kind not in {channel.kind for channel in registry.all_channels()}:
        raise Http404
    return JsonResponse(selectors.post_preview(tip=tip, kind=kind, text_override=request.GET.get("text", "")))
