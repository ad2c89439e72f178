"""Reference data staff maintain: categories and saved replies."""

from django.contrib import admin
from unfold.admin import ModelAdmin

from qa.models import Category, SavedReply
from qa.share_image_store import category_share_images_refresh


class OrderEditableInListAdmin(ModelAdmin):
    """The list edits each row's order in place: a table cell has no <label>, so
    the input names itself for screen readers."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in self.list_editable:
            field.widget.attrs["aria-label"] = db_field.verbose_name
        return field


@admin.register(Category)
class CategoryAdmin(OrderEditableInListAdmin):
    list_display = ["name", "name_ja", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name", "name_ja", "slug"]
    ordering = ["order", "name"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"name", "name_ja"} & set(form.changed_data):
            # Tips' share images show the category's name.
            category_share_images_refresh(category=obj)


@admin.register(SavedReply)
class SavedReplyAdmin(OrderEditableInListAdmin):
    list_display = ["title", "order"]
    list_editable = ["order"]
    search_fields = ["title", "body"]
    ordering = ["order", "title"]
