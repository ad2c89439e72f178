"""Reading HTML forms as a browser would submit them: the CSRF token and the field values."""

from __future__ import annotations

import re
from html.parser import HTMLParser

CSRF_TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The value of the page's (first) CSRF token field; the page must have one."""
    match = CSRF_TOKEN_FIELD.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


class FormFields(HTMLParser):
    """The values a browser would submit for one <form> (by id): inputs,
    checked boxes, selected options and textareas; no submit buttons and no
    inline-formset templates (`__prefix__`)."""

    def __init__(self, html: str, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.fields, self.inside, self._select, self._textarea = form_id, {}, False, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        name = attrs.get("name") or ""
        if not self.inside or "__prefix__" in name:
            return
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") not in {"checkbox", "radio"} or "checked" in attrs:
                self.fields[name] = attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def text_of(html: str) -> str:
    """The page's text in one line, for a readable failure message."""
    return re.sub(r"<[^>]+>|\s+", " ", html)
