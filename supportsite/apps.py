from django.contrib.admin.apps import AdminConfig


class TipcastAdminConfig(AdminConfig):
    """Use Tipcast's admin site (rate-limited login, staff dashboard)."""

    default_site = "supportsite.admin.TipcastAdminSite"
