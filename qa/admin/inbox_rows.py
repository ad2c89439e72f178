"""The inbox's rows, written out once per column instead of once per cell.

Unfold renders a changelist row cell by cell (unfold.templatetags.unfold_list.
items_for_result), and for every row it works out all the column headers again
(label, sort links, the select-all checkbox through the form renderer), renders
the row's checkbox through the form renderer and reverses the row's address. At
50 rows that was most of the inbox's server time (README, "The inbox with
100,000 conversations"). Here everything that is the same on every row (each
cell's classes and mobile label, the checkbox around its value, the address
around the id) is built once per page; a row only adds its own values.

The markup is unfold's, byte for byte: tests/conversations/test_inbox_rows.py
renders the same page both ways and compares. A list this does not cover (an
editable list, a popup, a column drawn as a label, a dropdown or a header)
goes through unfold's own code.
"""

from __future__ import annotations

import datetime

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import _coerce_field_name, result_hidden_fields
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import lookup_field
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from unfold.admin import checkbox
from unfold.templatetags import unfold_list
from unfold.utils import display_for_field, display_for_value

# Stands for the row's id while a page's shared markup is built (never a real id:
# the rows are only written here for integer ids); the markup is split around it once.
ID_MARK = "tipcast-row-id"
UNFOLD_COLUMN_STYLES = ("label", "dropdown", "header")
# Unfold's mobile label of the checkbox cell: unfold's own msgid, translated by its
# catalog and supportsite/admin_locale (a name, not a literal, so that makemessages
# does not copy it into Tipcast's catalog).
UNFOLD_SELECT_RECORD = "Select record"


def result_list(context, cl) -> dict:
    """The context of unfold's change_list_results.html, as unfold's own
    result_list tag makes it, with the rows written by InboxRows."""
    if not _covers(cl):
        return unfold_list.result_list(context, cl)
    headers = list(unfold_list.result_headers(cl))
    rows = InboxRows(cl, headers)
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": [rows.row(result) for result in cl.result_list],
        "actions_row": context.get("actions_row"),
        "has_add_permission": cl.model_admin.has_add_permission(context["request"]),
    }


def _covers(cl) -> bool:
    if getattr(cl, "formset", None) or cl.is_popup or cl.to_field or not cl.list_display_links:
        return False
    if getattr(cl.model_admin, "ordering_field", None):
        return False
    if not isinstance(cl.lookup_opts.pk, models.IntegerField):
        return False  # an id that is text is quoted in the address: the rows rely on digits
    for field_name in cl.list_display:
        attr = field_name if callable(field_name) else getattr(cl.model_admin, field_name, None)
        if any(getattr(attr, style, False) for style in UNFOLD_COLUMN_STYLES):
            return False
    return True


def _around(markup: str) -> tuple[str, str]:
    """The markup before and after ID_MARK (its first place: the path, before any query string)."""
    before, _mark, after = markup.partition(ID_MARK)
    return before, after


class InboxRows:
    """Each cell as (markup before the value, markup after), per column, built
    from the headers unfold computed once for the page."""

    def __init__(self, cl, headers):
        self.cl = cl
        self.model_admin = cl.model_admin
        self.empty_value_display = cl.model_admin.get_empty_value_display()
        self.pk_attname = cl.lookup_opts.pk.attname
        self.headers = headers
        self.checkbox = _around(checkbox.render(helpers.ACTION_CHECKBOX_NAME, ID_MARK))
        url = reverse(
            f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
            args=(ID_MARK,),
            current_app=cl.model_admin.admin_site.name,
        )
        url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
        self.url = _around(url)
        link_classes = " ".join(unfold_list.LINK_CLASSES)
        # The link around the value: (up to its href, from the href to the text, after the text).
        self.link = tuple(
            format_html('<a href="{}" class="{}" {}>{}</a>', ID_MARK, link_classes, "", ID_MARK).split(ID_MARK)
        )
        self.columns = [self._column(index, field_name) for index, field_name in enumerate(cl.list_display)]

    def _column(self, index, field_name) -> dict:
        is_link = field_name in self.cl.list_display_links
        is_first_link = is_link and not any(name in self.cl.list_display_links for name in self.cl.list_display[:index])
        classes = [f"field-{_coerce_field_name(field_name, index)}", *unfold_list.ROW_CLASSES]
        if field_name == "action_checkbox":
            classes = unfold_list.CHECKBOX_CLASSES
        label = self.headers[index]["text"] if index != 0 or is_link else gettext(UNFOLD_SELECT_RECORD)
        tag = "th" if is_first_link else "td"

        def cell(extra_classes=()):
            row_class = mark_safe(f' class="{" ".join([*classes, *extra_classes])}"')
            return _around(format_html('<{}{} data-label="{}">{}</{}>', tag, row_class, label, ID_MARK, tag))

        return {
            "name": field_name,
            "is_link": is_link,
            "cell": cell(),
            "cell_nowrap": cell(["nowrap"]),
            "is_checkbox": field_name == "action_checkbox",
        }

    def row(self, result) -> unfold_list.UnfoldResultList:
        pk = getattr(result, self.pk_attname)
        return unfold_list.UnfoldResultList(result, None, [self._cell(column, result, pk) for column in self.columns])

    def _cell(self, column, result, pk) -> str:
        if column["is_checkbox"]:
            before, after = self.checkbox
            value, nowrap = mark_safe(before + conditional_escape(str(pk)) + after), False
        else:
            value, nowrap = self._value(column["name"], result)
        if column["is_link"]:
            href, text, end = self.link
            url = self.url[0] + str(pk) + self.url[1]
            value = mark_safe(href + conditional_escape(url) + text + conditional_escape(value) + end)
        before, after = column["cell_nowrap" if nowrap else "cell"]
        return mark_safe(before + conditional_escape(value) + after)

    def _value(self, field_name, result):
        """The cell's value and whether it keeps to one line, as unfold's items_for_result decides them."""
        try:
            field, attr, value = lookup_field(field_name, result, self.model_admin)
        except ObjectDoesNotExist:
            return self.empty_value_display, False
        if field is None or field.auto_created:
            empty_value_display = getattr(attr, "empty_value_display", self.empty_value_display)
            shown = display_for_value(value, empty_value_display, getattr(attr, "boolean", False))
            return shown, isinstance(value, datetime.date | datetime.time)
        if isinstance(field.remote_field, models.ManyToOneRel):
            related = getattr(result, field.name)
            shown = self.empty_value_display if related is None else related
        else:
            shown = display_for_field(value, field, self.empty_value_display)
        return shown, isinstance(field, models.DateField | models.TimeField | models.ForeignKey)
