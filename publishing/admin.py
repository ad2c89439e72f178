"""The staff side of publishing: deliveries, channel health, per-tip settings.

Thin: every change goes through publishing.services, every read that needs
care through publishing.selectors. TipAdmin (qa/admin/tips.py) shows the two
inlines and the tip actions defined here.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from unfold.admin import ModelAdmin, TabularInline
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextareaWidget

from publishing import selectors, services
from publishing.channels import registry
from publishing.models import ChannelState, Delivery, TipChannelSetting
from qa.models import Tip
from supportsite.admin_site import DateHierarchyChangeList


def _remote_link(delivery: Delivery):
    if delivery.remote_url:
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', delivery.remote_url, _("View post")
        )
    return delivery.remote_id or "—"


def _report(request, done: int, message, *, skipped: int = 0) -> None:
    """`message(count)` is the ngettext'd success text."""
    if done:
        messages.success(request, message(done) % {"count": done})
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d delivery was skipped: its status does not allow this action.",
                "%(count)d deliveries were skipped: their status does not allow this action.",
                skipped,
            )
            % {"count": skipped},
        )


# The actions staff can take on one delivery from the tip's page, by status.
DELIVERY_ACTIONS = {
    "retry": (_("Retry now"), services.delivery_retry_now, {Delivery.Status.FAILED, Delivery.Status.PENDING}),
    "send-anyway": (_("Send anyway"), services.delivery_send_anyway, {Delivery.Status.UNKNOWN}),
    "cancel": (
        _("Cancel"),
        services.delivery_cancel,
        {Delivery.Status.PENDING, Delivery.Status.FAILED, Delivery.Status.UNKNOWN},
    ),
}


def channel_label(kind: str) -> str:
    """The channel's name as staff know it ("X", "Facebook"), or its kind if it is no longer configured."""
    labels = {channel.kind: channel.label for channel in registry.all_channels()}
    return labels.get(kind) or kind


def delivery_actions_allowed(delivery: Delivery) -> list[tuple[str, str]]:
    return [
        (action, label) for action, (label, _service, allowed) in DELIVERY_ACTIONS.items() if delivery.status in allowed
    ]


def delivery_action_form_id(delivery: Delivery, action: str) -> str:
    return f"tipcast-delivery-{delivery.pk}-{action}"


def delivery_action_forms(*, tip) -> list[dict]:
    """The small POST forms the tip page's delivery buttons submit (one per button)."""
    return [
        {
            "id": delivery_action_form_id(delivery, action),
            "url": reverse("admin:publishing_delivery_action", args=[delivery.pk, action]),
        }
        for delivery in tip.deliveries.only("pk", "status")
        for action, _label in delivery_actions_allowed(delivery)
    ]


def delivery_state_html(delivery: Delivery):
    """The status, and for a sent post what became of it after unpublishing."""
    status = delivery.get_status_display()
    if delivery.deleted_at:
        return format_html(
            '{}<span class="tipcast-deleted">{}</span>',
            status,
            _("removed from the network on %(date)s")
            % {"date": date_format(timezone.localtime(delivery.deleted_at), "SHORT_DATETIME_FORMAT")},
        )
    if delivery.delete_error:
        return format_html(
            '{}<span class="tipcast-deleted">{}: {}</span>',
            status,
            _("could not be removed from the network"),
            delivery.delete_error[:160],
        )
    tip_gone = delivery.tip is None or not delivery.tip.is_published
    is_tip_post = delivery.purpose == Delivery.Purpose.POST
    if is_tip_post and delivery.status == Delivery.Status.SENT and delivery.remote_id and tip_gone:
        # Unpublished or deleted a moment ago: the worker is taking the post down.
        return format_html('{}<span class="tipcast-deleted">{}</span>', status, _("being removed from the network"))
    if (
        delivery.purpose == Delivery.Purpose.REPLY
        and delivery.status == Delivery.Status.PENDING
        and not delivery.in_reply_to
    ):
        # A later part of a thread: due once the part before it is sent.
        return format_html(
            '{}<span class="tipcast-deleted">{}</span>', status, _("waits until the part before it is sent")
        )
    return status


# --- Deliveries ----------------------------------------------------------------------------------------


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
        return _remote_link(delivery)

    @admin.display(description=_("error"))
    def error_summary(self, delivery):
        if not delivery.last_error:
            return ""
        return f"{delivery.get_error_kind_display()}: {delivery.last_error[:120]}"

    def _run(self, request, queryset, service, *, message):
        done = sum(1 for delivery in queryset if service(delivery=delivery))
        _report(request, done, message, skipped=queryset.count() - done)

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
        _report(
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


class MonthlyCapForm(forms.Form):
    cap = forms.IntegerField(
        label=_("Monthly cap (posts)"),
        required=False,
        min_value=0,
        max_value=1_000_000,
        error_messages={
            "invalid": _("The monthly cap must be a whole number of posts, or empty for no cap of your own."),
        },
    )


def _report_released(request, released: list[int]) -> None:
    if released:
        messages.success(
            request,
            ngettext(
                "%(count)d held post goes back in the queue (oldest first, in the drip).",
                "%(count)d held posts go back in the queue (oldest first, in the drip).",
                len(released),
            )
            % {"count": len(released)},
        )


# --- Channel health ------------------------------------------------------------------------------------


@admin.register(ChannelState)
class ChannelStateAdmin(ModelAdmin):
    """The channel list is the health page: every configured channel, whether
    or not it has a state row yet."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Channel health"),
            "opts": self.model._meta,
            "channels": selectors.channel_health_list(),
            "time_zone": settings.TIME_ZONE,
            "backlog": selectors.delivery_backlog_counts(),
            "can_change": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/publishing/channel_health.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:publishing_channelstate_changelist"))

    def get_urls(self):
        clear = self.admin_site.admin_view(require_POST(self.clear_reauth_view))
        cap = self.admin_site.admin_view(require_POST(self.monthly_cap_view))
        release = self.admin_site.admin_view(require_POST(self.release_held_view))
        return [
            path("<str:kind>/clear-reauth/", clear, name="publishing_channelstate_clear_reauth"),
            path("<str:kind>/monthly-cap/", cap, name="publishing_channelstate_monthly_cap"),
            path("<str:kind>/release-held/", release, name="publishing_channelstate_release_held"),
            *super().get_urls(),
        ]

    def _known_kind(self, request, kind: str) -> None:
        if not self.has_change_permission(request):
            raise PermissionDenied
        if kind not in {channel.kind for channel in registry.all_channels()}:
            raise Http404

    def monthly_cap_view(self, request, kind):
        """Staff set the channel's monthly cap (empty: back to the setting);
        held posts that now fit go out, oldest first, in the drip."""
        self._known_kind(request, kind)
        form = MonthlyCapForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("cap", []):
                messages.error(request, error)
            return HttpResponseRedirect(reverse("admin:publishing_channelstate_changelist"))
        released = services.channel_set_monthly_cap(kind=kind, cap=form.cleaned_data["cap"])
        messages.success(request, _("The monthly cap is saved."))
        _report_released(request, released)
        return HttpResponseRedirect(reverse("admin:publishing_channelstate_changelist"))

    def release_held_view(self, request, kind):
        """Try held posts again now, including those the network's quota
        refused (e.g. after upgrading the plan); the cap still applies."""
        self._known_kind(request, kind)
        released = services.deliveries_release_held(kind=kind, retry_network_quota=True)
        if not released:
            messages.warning(request, _("No held post can go out now: the monthly cap is reached."))
        _report_released(request, released)
        return HttpResponseRedirect(reverse("admin:publishing_channelstate_changelist"))

    def clear_reauth_view(self, request, kind):
        if not self.has_change_permission(request):
            raise PermissionDenied
        services.channel_clear_reauth(kind=kind)
        messages.success(request, _("The warning is cleared; waiting posts go out at the next sweep."))
        return HttpResponseRedirect(reverse("admin:publishing_channelstate_changelist"))


# --- On the tip's page (appended to TipAdmin) ----------------------------------------------------------------


class UntouchedWhenAbsentFormSet(BaseInlineFormSet):
    """A POST that carries only the tip's own fields (no management form for
    this inline, e.g. a script or an older form) leaves these rows as they
    are, instead of failing the whole tip form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        total = f"{self.prefix}-{TOTAL_FORM_COUNT}"
        if self.is_bound and total not in self.data:
            self.data = self.data.copy()
            self.data[total] = self.data[f"{self.prefix}-{INITIAL_FORM_COUNT}"] = "0"


class DeliveryInline(TabularInline):
    """The tip's deliveries on its page: few columns (readable on a phone), what
    happened to the remote post after unpublishing, and the actions each status allows."""

    model = Delivery
    formset = UntouchedWhenAbsentFormSet
    extra = 0
    can_delete = False
    verbose_name = _("delivery")
    verbose_name_plural = _("deliveries")
    hide_title = True  # each row would repeat the tip's title
    fields = ["channel_name", "state", "when", "remote", "problem", "row_actions"]
    readonly_fields = fields
    ordering = ["channel"]

    def get_queryset(self, request):
        # The tip's own posts (a reply or a like never has a tip; said, not assumed).
        return super().get_queryset(request).filter(purpose=Delivery.Purpose.POST).select_related("tip")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("channel"))
    def channel_name(self, delivery):
        return channel_label(delivery.channel)

    @admin.display(description=_("status"))
    def state(self, delivery):
        return delivery_state_html(delivery)

    @admin.display(description=_("when"))
    def when(self, delivery):
        moment = delivery.sent_at if delivery.status == Delivery.Status.SENT else delivery.scheduled_for
        return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else "—"

    @admin.display(description=_("remote post"))
    def remote(self, delivery):
        return _remote_link(delivery)

    @admin.display(description=_("problem"))
    def problem(self, delivery):
        if not delivery.last_error:
            return "—"
        return f"{delivery.get_error_kind_display()}: {delivery.last_error[:160]}"

    @admin.display(description=_("actions"))
    def row_actions(self, delivery):
        # Each button submits its own small form, written after the tip's form
        # (templates/admin/qa/tip/change_form.html): forms cannot nest, and a
        # button inside the tip's form would be the one Enter presses.
        buttons = [
            format_html(
                '<button type="submit" form="{}" class="tipcast-button">{}</button>',
                delivery_action_form_id(delivery, action),
                label,
            )
            for action, label in delivery_actions_allowed(delivery)
        ]
        return format_html_join(" ", "{}", ((button,) for button in buttons)) if buttons else "—"


class TipChannelSettingForm(forms.ModelForm):
    channel = forms.ChoiceField(label=_("channel"), widget=UnfoldAdminSelectWidget)

    class Meta:
        model = TipChannelSetting
        fields = ["channel", "enabled", "text_override"]

    def __init__(self, *args, tip=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(c.kind, c.label or c.kind) for c in registry.all_channels()]
        # One row per channel in a table: the column headings are not <label>s, so
        # each control names itself for screen readers.
        self.fields["channel"].widget.attrs["aria-label"] = self.fields["channel"].label
        self.fields["enabled"].widget.attrs["aria-label"] = self.fields["enabled"].label
        attrs = {
            "rows": 3,
            "class": "tipcast-char-count",
            "data-preview-url": reverse("admin:publishing_delivery_preview"),
            "aria-label": self.fields["text_override"].label,
            # The script reads its (translated) labels from here.
            "data-label-weighted": _("Weighted length:"),
            "data-label-characters": _("Characters:"),
            "data-label-savefirst": _("Save the tip once to see the character count."),
            "data-label-standard": _("Empty: this channel gets the standard post."),
            "data-label-unavailable": _("The count is unavailable right now."),
        }
        if tip is not None and tip.pk:
            attrs["data-tip"] = tip.pk
        self.fields["text_override"].widget = UnfoldAdminTextareaWidget(attrs=attrs)


def _channels_without_setting(tip) -> list:
    """Enabled channels this tip has no row for yet, in registry order."""
    existing = set(tip.channel_settings.values_list("channel", flat=True)) if tip is not None and tip.pk else set()
    return [channel for channel in registry.enabled_channels() if channel.kind not in existing]


class ChannelSettingFormSet(UntouchedWhenAbsentFormSet):
    """Shows a ready row for every enabled channel, so staff see where the tip
    will go and can untick or reword one without hunting for "add another"
    (or tick an opt-in one). An untouched row is not saved (the defaults apply)."""

    def __init__(self, data=None, files=None, instance=None, **kwargs):
        # Opt-in channels (LINE bills per recipient) start unticked.
        kwargs.setdefault(
            "initial",
            [
                {"channel": channel.kind, "enabled": not channel.opt_in}
                for channel in _channels_without_setting(instance)
            ],
        )
        super().__init__(data, files, instance=instance, **kwargs)


class TipChannelSettingInline(TabularInline):
    model = TipChannelSetting
    formset = ChannelSettingFormSet
    form = TipChannelSettingForm

    def get_extra(self, request, obj=None, **kwargs):
        return len(_channels_without_setting(obj))

    verbose_name = _("channel")
    verbose_name_plural = _(
        "posting per channel (untick to skip a channel, tick one that is off by default such as LINE, "
        "or write this channel's own text)"
    )

    class Media:
        js = ["publishing/admin_char_count.js"]

    def get_formset(self, request, obj=None, **kwargs):
        base_form = self.form

        class FormForThisTip(base_form):
            # The live counter needs the tip; the admin builds forms without it.
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, tip=obj, **form_kwargs)

        kwargs["form"] = FormForThisTip
        return super().get_formset(request, obj, **kwargs)


@admin.action(description=_("Post now, skipping the drip schedule"))
def tip_post_now_action(modeladmin, request, queryset):
    done = sum(services.tip_post_now(tip=tip) for tip in queryset)
    _report(
        request, done, lambda n: ngettext("%(count)d post will be sent now.", "%(count)d posts will be sent now.", n)
    )


@admin.action(description=_("Post again to every channel (reposts!)"))
def tip_post_again_action(modeladmin, request, queryset):
    done = sum(services.tip_post_again(tip=tip) for tip in queryset)
    _report(
        request,
        done,
        lambda n: ngettext("%(count)d post is scheduled again.", "%(count)d posts are scheduled again.", n),
    )
