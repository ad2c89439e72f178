"""Publishing on the tip's page (TipAdmin, qa/admin/tips.py, shows these): the
tip's deliveries with their buttons, its settings per channel with the live
character count, and the tip list's posting actions."""

from django import forms
from django.contrib import admin
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import TabularInline
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextareaWidget

from publishing import services
from publishing.admin.delivery_actions import delivery_action_form_id, delivery_actions_allowed, report_action_outcome
from publishing.admin.delivery_display import channel_label, delivery_state_html, remote_post_link
from publishing.channels import registry
from publishing.models import Delivery, TipChannelSetting


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
        return remote_post_link(delivery)

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
    report_action_outcome(
        request, done, lambda n: ngettext("%(count)d post will be sent now.", "%(count)d posts will be sent now.", n)
    )


@admin.action(description=_("Post again to every channel (reposts!)"))
def tip_post_again_action(modeladmin, request, queryset):
    done = sum(services.tip_post_again(tip=tip) for tip in queryset)
    report_action_outcome(
        request,
        done,
        lambda n: ngettext("%(count)d post is scheduled again.", "%(count)d posts are scheduled again.", n),
    )
