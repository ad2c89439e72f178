"""Channel health: every configured channel, whether it needs
re-authorisation, its monthly cap and the posts held by it, and the backlog."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from unfold.admin import ModelAdmin

from publishing import selectors, services
from publishing.channels import registry
from publishing.models import ChannelState


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
