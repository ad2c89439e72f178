"""Staff pages for the reply composer and the support hours: signature
templates, each staff member's display name ("My signature" in the account
menu opens one's own), the weekly hours and the holidays."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from unfold.admin import ModelAdmin

from conversations.models import SignatureTemplate, StaffProfile, SupportHoliday, SupportHours
from conversations.support_hours import support_status
from supportsite.admin_site import DateHierarchyChangeList


@admin.register(StaffProfile)
class StaffProfileAdmin(ModelAdmin):
    """Admins edit every profile; any staff member edits their own, reached
    through "My signature" (the `mine` view creates it on first use)."""

    list_display = ["display_name", "user"]
    search_fields = ["display_name", "user__username", "user__email"]
    autocomplete_fields = ["user"]

    def _may(self, request, action: str) -> bool:
        return request.user.has_perm(f"conversations.{action}_staffprofile")

    def _own(self, request, obj) -> bool:
        return obj is not None and obj.user_id == request.user.pk

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view") or self._may(request, "change") or self._own(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change") or self._own(request, obj)

    def has_module_permission(self, request):
        return self._may(request, "view") or self._may(request, "change")

    def get_readonly_fields(self, request, obj=None):
        # Staff editing their own profile change their name, never whose it is.
        return [] if self._may(request, "change") else ["user"]

    def get_urls(self):
        mine = path("mine/", self.admin_site.admin_view(self.mine_view), name="conversations_staffprofile_mine")
        return [mine, *super().get_urls()]

    def mine_view(self, request):
        profile, _created = StaffProfile.objects.get_or_create(
            user=request.user, defaults={"display_name": request.user.get_full_name() or request.user.get_username()}
        )
        return HttpResponseRedirect(reverse("admin:conversations_staffprofile_change", args=[profile.pk]))


@admin.register(SignatureTemplate)
class SignatureTemplateAdmin(ModelAdmin):
    list_display = ["language", "template", "position"]


@admin.register(SupportHours)
class SupportHoursAdmin(ModelAdmin):
    list_display = ["weekday", "opens", "closes"]
    list_filter = ["weekday"]
    ordering = ["weekday", "opens"]

    def changelist_view(self, request, extra_context=None):
        # The list says what the schedule means right now.
        extra_context = {**(extra_context or {}), "subtitle": support_status(timezone.now()).label}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(SupportHoliday)
class SupportHolidayAdmin(ModelAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def get_changelist(self, request, **kwargs):
        return DateHierarchyChangeList  # a 30-digit year is a bad filter, not a 500
