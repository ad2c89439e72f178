"""Admin > Metrics, under /admin/metrics/ and inside the admin site: its
admin_view asks staff to sign in, and the views check the metrics permission."""

from django.contrib import admin
from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("", admin.site.admin_view(views.metrics_page), name="page"),
    path("weekly-summary/", admin.site.admin_view(views.weekly_summary_choice), name="weekly_summary"),
]
