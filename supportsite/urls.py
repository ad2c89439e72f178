from django.contrib import admin
from django.urls import include, path

from conversations.facebook_webhook import facebook_webhook
from supportsite import health
from supportsite.same_origin import set_language

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # metrics-page: Admin > Metrics (metrics/urls.py), before the admin's own routes.
    path("admin/metrics/", include("metrics.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # Django's set_language, also accepting a same-origin POST without a token:
    # the language switcher is on cached pages (supportsite/same_origin.py).
    path("i18n/setlang/", set_language, name="set_language"),
    # Meta's Page webhook: CSRF-exempt, authenticated by the body's signature.
    path("webhooks/facebook/", facebook_webhook, name="facebook_webhook"),
    path("", include("qa.urls")),
]
