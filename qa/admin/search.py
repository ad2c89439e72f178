"""Search: the synonym table staff edit, and the searches that found nothing
("what customers look for and don't find"), each a button away from a new tip."""

from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from qa.models import SearchMiss, SearchSynonym
from qa.search import services as search_services
from supportsite.admin_site import DateHierarchyChangeList


@admin.register(SearchSynonym)
class SearchSynonymAdmin(ModelAdmin):
    list_display = ["__str__", "last_updated"]
    search_fields = ["terms"]

    # SearchSynonym.updated_at has no verbose name (adding one is a migration): the column names itself.
    @admin.display(description=_("updated at"), ordering="updated_at")
    def last_updated(self, synonym):
        return date_format(timezone.localtime(synonym.updated_at), "DATETIME_FORMAT")

    # Through the services, which also refresh the engine's cached copy.
    def save_model(self, request, obj, form, change):
        search_services.search_synonym_save(synonym=obj)

    def delete_model(self, request, obj):
        search_services.search_synonym_delete(synonyms=[obj])

    def delete_queryset(self, request, queryset):
        search_services.search_synonym_delete(synonyms=list(queryset))


@admin.register(SearchMiss)
class SearchMissAdmin(ModelAdmin):
    list_display = ["query", "count", "first_seen", "last_seen", "write_tip"]
    search_fields = ["query"]
    date_hierarchy = "last_seen"
    readonly_fields = ["query", "count", "first_seen", "last_seen"]

    def get_changelist(self, request, **kwargs):
        return DateHierarchyChangeList  # a 30-digit year is a bad filter, not a 500

    def has_add_permission(self, request):
        return False  # recorded by the search page only

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("What customers look for and don't find"), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description=_("tip"))
    def write_tip(self, miss):
        # The tip form, its title filled in; saving it goes through qa.services.tip_create.
        url = reverse("admin:qa_tip_add") + "?" + urlencode({"title": miss.query})
        return format_html('<a class="tipcast-button" href="{}">{}</a>', url, _("Write a tip"))
