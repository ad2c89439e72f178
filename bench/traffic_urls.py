"""The site's URLs plus a view that only returns "ok": the fixed cost of a request."""

from django.http import HttpResponse
from django.urls import include, path


def minimal_view(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("_bench/minimal/", minimal_view), path("", include("supportsite.urls"))]
