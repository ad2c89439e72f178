"""Tips: edit the public text, check it for personal data, publish, preview."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from publishing.admin import (
    DeliveryInline,
    TipChannelSettingInline,
    delivery_action_forms,
    tip_post_again_action,
    tip_post_now_action,
)
from publishing.services import tip_post_now
from qa import services, tip_pages
from qa.admin.forms import PublishConfirmForm, TipAdminForm
from qa.models import Tip

PUBLISH_BUTTON = "_publish"


@admin.register(Tip)
class TipAdmin(ModelAdmin):
    form = TipAdminForm
    change_form_template = "admin/qa/tip/change_form.html"
    list_display = ["title", "status", "language", "category", "published_at", "last_updated"]
    list_filter = ["status", "language", "category", "published_at"]
    list_select_related = ["category"]
    search_fields = ["title", "question_text", "answer_text"]
    readonly_fields = ["status", "published_at", "customer_original"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "category", "tags"]}),
        (_("Public text"), {"fields": ["question_text", "answer_text"]}),
        (_("Status"), {"fields": ["status", "published_at"]}),
        (
            _("Customer's original"),
            {"fields": ["customer_original"], "description": _("Private: never published.")},
        ),
    ]
    actions = ["publish_selected", "unpublish_selected", tip_post_now_action, tip_post_again_action]
    # Publishing: per-channel choice and text (with a live count), then each delivery's status.
    inlines = [TipChannelSettingInline, DeliveryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category", "question", "answer")

    # Tip.updated_at has no verbose name (adding one is a migration): the column names itself.
    @admin.display(description=_("updated at"), ordering="updated_at")
    def last_updated(self, tip):
        return date_format(timezone.localtime(tip.updated_at), "DATETIME_FORMAT")

    def view_on_site(self, tip):
        # Drafts have no public page yet: staff use the preview instead.
        return tip.get_absolute_url() if tip.is_published else None

    @admin.display(description=_("customer's original"))
    def customer_original(self, tip):
        if tip.question is None:
            return gettext("This tip was not made from a customer's question.")
        parts = [tip.question.body_html]
        if tip.answer is not None:
            parts.append(tip.answer.body_html)
        # Both are the sanitiser's stored output (qa.markup.render_markdown); tipcast-prose
        # gives lists their bullets and text its indentation back (the theme resets both).
        return mark_safe('<div class="tipcast-prose">' + '<hr class="tipcast-rule">'.join(parts) + "</div>")

    # --- Saving goes through the services, which keep HTML and search text derived ---------

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in ("title", "slug", "language", "question_text", "answer_text", "category")
        }
        tags = form.cleaned_data.get("tags")
        if change:
            services.tip_update(tip=obj, tags=tags, **fields)
            return
        created = services.tip_create(tags=tags, **fields)
        # The admin goes on using `obj` (history, redirect): make it the saved row.
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.tip_delete(tip=obj)

    def delete_queryset(self, request, queryset):
        # One at a time through the service: each deleted tip's category is recounted.
        for tip in queryset:
            services.tip_delete(tip=tip)

    def save_related(self, request, form, formsets, change):
        # Tags were set by the service in save_model; only the inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def response_change(self, request, obj):
        if PUBLISH_BUTTON in request.POST:
            return self._publish_or_confirm(request, obj)
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if PUBLISH_BUTTON in request.POST:
            return self._publish_or_confirm(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def _publish_or_confirm(self, request, tip):
        """Publish straight away when the public text is clean; otherwise show
        what was found and ask staff to confirm."""
        try:
            services.tip_publish_checked(tip=tip)
        except services.PiiFound:
            self.message_user(request, gettext("Check the public text before publishing."), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:qa_tip_publish", args=[tip.pk]))
        self.message_user(request, gettext("“%(title)s” is published.") % {"title": tip.title}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:qa_tip_change", args=[tip.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        tip = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "publish_button": PUBLISH_BUTTON}
        if tip is not None:
            extra_context["pii_findings"] = services.tip_pii_findings(tip=tip)
            extra_context["delivery_action_forms"] = delivery_action_forms(tip=tip)
        return super().change_view(request, object_id, form_url, extra_context)

    # --- Extra pages: publish (with confirmation), unpublish, preview -------------------------

    def get_urls(self):
        custom = [
            path("<int:object_id>/publish/", self.admin_site.admin_view(self.publish_view), name="qa_tip_publish"),
            path(
                "<int:object_id>/unpublish/", self.admin_site.admin_view(self.unpublish_view), name="qa_tip_unpublish"
            ),
            path("<int:object_id>/preview/", self.admin_site.admin_view(self.preview_view), name="qa_tip_preview"),
            path("<int:object_id>/post-now/", self.admin_site.admin_view(self.post_now_view), name="qa_tip_post_now"),
        ]
        return custom + super().get_urls()

    def _get_tip_or_deny(self, request, object_id, *, change=True):
        tip = get_object_or_404(self.get_queryset(request), pk=object_id)
        allowed = self.has_change_permission(request, tip) if change else self.has_view_permission(request, tip)
        if not allowed:
            raise PermissionDenied
        return tip

    def publish_view(self, request, object_id):
        tip = self._get_tip_or_deny(request, object_id)
        findings = services.tip_pii_findings(tip=tip)
        form = PublishConfirmForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and (not findings or form.is_valid()):
            services.tip_publish_checked(tip=tip, pii_confirmed=bool(findings))
            self.message_user(request, gettext("“%(title)s” is published.") % {"title": tip.title}, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:qa_tip_change", args=[tip.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": tip,
            "title": gettext("Publish “%(title)s”") % {"title": tip.title},
            "findings": findings,
            "form": form,
        }
        return TemplateResponse(request, "admin/qa/tip/publish_confirm.html", context)

    def unpublish_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        tip = self._get_tip_or_deny(request, object_id)
        services.tip_unpublish(tip=tip)
        self.message_user(request, gettext("“%(title)s” is no longer public.") % {"title": tip.title}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:qa_tip_change", args=[tip.pk]))

    def post_now_view(self, request, object_id):
        """The tip's waiting posts go out now, skipping the drip (the same as the list action)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        tip = self._get_tip_or_deny(request, object_id)
        count = tip_post_now(tip=tip)
        if count:
            self.message_user(
                request,
                ngettext("%(count)d post will be sent now.", "%(count)d posts will be sent now.", count)
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, gettext("Nothing is waiting to be posted for this tip."), messages.INFO)
        return HttpResponseRedirect(reverse("admin:qa_tip_change", args=[tip.pk]))

    def preview_view(self, request, object_id):
        """The public tip page, drafts included, for staff only."""
        tip = self._get_tip_or_deny(request, object_id, change=False)
        template = select_template(["qa/tip_detail.html", "admin/qa/tip/preview_fallback.html"])
        messages.info(request, gettext("Preview: only staff can see this page until the tip is published."))
        context = {"tip": tip, **tip_pages.preview_context(tip, language=get_language()), "is_preview": True}
        response = TemplateResponse(request, template, context)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    # --- Bulk actions -------------------------------------------------------------------------

    @admin.action(description=_("Publish selected tips"))
    def publish_selected(self, request, queryset):
        published, skipped = 0, []
        for tip in queryset:
            if tip.is_published:
                continue
            try:
                services.tip_publish_checked(tip=tip)
            except services.PiiFound:
                skipped.append(tip.title)
                continue
            published += 1
        if published:
            self.message_user(
                request,
                ngettext("%(count)d tip published.", "%(count)d tips published.", published) % {"count": published},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                gettext(
                    "Not published, because their public text may contain personal data: %(titles)s. "
                    "Open each one to check and confirm."
                )
                % {"titles": ", ".join(f"“{title}”" for title in skipped)},
                messages.WARNING,
            )

    @admin.action(description=_("Unpublish selected tips"))
    def unpublish_selected(self, request, queryset):
        tips = [tip for tip in queryset if tip.is_published]
        for tip in tips:
            services.tip_unpublish(tip=tip)
        self.message_user(
            request,
            ngettext("%(count)d tip unpublished.", "%(count)d tips unpublished.", len(tips)) % {"count": len(tips)},
            messages.SUCCESS,
        )
