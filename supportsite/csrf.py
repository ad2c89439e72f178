"""What a visitor sees when a form fails Django's CSRF check (CSRF_FAILURE_VIEW).

The usual cause is innocent: the page was open for a long time, or the visitor
signed in or out in another tab, which changes the token. Losing a long question
to that would be cruel, so the ask and sign-up pages come back with the text
kept and a fresh token (rendering {% csrf_token %} issues one), and the visitor
only has to submit again. Passwords are never sent back. Every other form gets
a friendly 403 page. The status stays 403: nothing was saved.
"""

from allauth.account import app_settings as allauth_account_settings
from allauth.account.forms import SignupForm
from allauth.account.internal.templatekit import get_entrance_context_data
from allauth.utils import get_form_class
from django import forms
from django.contrib import messages
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from qa.forms import QuestionForm

CSRF_STATUS = 403


def _kept_text_message():
    return _("Your session expired or the page was open too long. Your text is kept below; please submit again.")


def _ask_page(request):
    # Bound to what was sent, so that the customer also sees what (if anything) is missing.
    form = QuestionForm(request.POST)
    messages.error(request, _kept_text_message())
    return render(request, "qa/ask.html", {"form": form, "preview_html": ""}, status=CSRF_STATUS)


def _signup_page(request):
    form_class = get_form_class(allauth_account_settings.FORMS, "signup", SignupForm)
    fields = form_class().fields
    # Everything the visitor typed comes back as the initial value, except
    # passwords. Initial, not bound: a bound form would report the emptied
    # password fields (and check the address) before the visitor did anything.
    kept = {
        name: request.POST[name]
        for name, field in fields.items()
        if name in request.POST and not isinstance(field.widget, forms.PasswordInput)
    }
    messages.error(request, _kept_text_message() + " " + _("For your safety, please type your password again."))
    context = {"form": form_class(initial=kept), **get_entrance_context_data(request)}
    return render(request, "account/signup.html", context, status=CSRF_STATUS)


# URL name -> the page that comes back with the visitor's text kept.
KEPT_FORM_PAGES = {"qa:ask": _ask_page, "account_signup": _signup_page}


def csrf_failure(request, reason=""):
    if request.method == "POST":
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            view_name = ""
        page = KEPT_FORM_PAGES.get(view_name)
        if page is not None:
            return page(request)
    return render(request, "403_csrf.html", status=CSRF_STATUS)
