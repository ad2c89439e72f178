"""The site's URLs plus one test page that hosts the reply composer (the inbox's
conversation page hosts it in the product; this keeps its browser test apart)."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from conversations.compose import Signature
from conversations.forms import ReplyComposerForm
from supportsite.urls import urlpatterns as site_urlpatterns

PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}'
    '{% include "conversations/_composer.html" with form=form action="/" %}{% endblock %}'
)
SIGNATURES = {"en": Signature("— Sam, Tipcast support", False), "ja": Signature("Tipcastのワタナベです。", True)}


def composer_page(request):
    language = request.GET.get("language", "en")
    form = ReplyComposerForm(
        network=request.GET.get("network", "x"), handle="yukitas63", language=language, signature=SIGNATURES[language]
    )
    return HttpResponse(PAGE.render({"form": form}, request))


urlpatterns = [path("test-composer/", composer_page), *site_urlpatterns]
