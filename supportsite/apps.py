from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate


class TipcastAdminConfig(AdminConfig):
    """Use Tipcast's admin site (rate-limited login, staff dashboard)."""

    default_site = "supportsite.admin_site.TipcastAdminSite"

    def ready(self):
        super().ready()  # autodiscover: every app's admin module is loaded
        from django.contrib import admin

        from supportsite.admin_theme import admin_registrations_on_theme

        admin_registrations_on_theme(admin.site)


class SupportsiteConfig(AppConfig):
    """The project itself: site-wide wiring that belongs to no one feature."""

    name = "supportsite"
    verbose_name = "Tipcast"

    def ready(self):
        from django.apps import apps

        from supportsite.site_record import site_record_sync_after_migrate

        # post_migrate is sent only for apps with models, so listen to the
        # sites app's own; this app is listed after it, so this receiver runs
        # after the one that creates the example.com row.
        post_migrate.connect(site_record_sync_after_migrate, sender=apps.get_app_config("sites"))
