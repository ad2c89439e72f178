from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _search_index_install(sender, using, **kwargs):
    # Django rebuilds a SQLite table for many schema changes, which drops the
    # search index's triggers: put them back (and refill) after every migrate.
    from django.db import connections

    from qa.search.index import index_repair

    if using == "default" and connections[using].vendor == "sqlite":
        index_repair()


def _public_pages_changed(sender, **kwargs):
    from qa import page_cache

    page_cache.invalidate_all()


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions and tips")

    def ready(self):
        from taggit.models import Tag

        from qa import checks  # noqa: F401  (registers the system checks)
        from qa.models import Category

        post_migrate.connect(_search_index_install, sender=self)
        # Categories and tags are edited in the admin (taggit's own Tag admin
        # among them), not only through our services: whichever way a name or
        # description changes, the public pages showing it are refreshed.
        # Only the cache is touched here, nothing is published.
        for model in (Category, Tag):
            post_save.connect(_public_pages_changed, sender=model, dispatch_uid=f"public-pages-{model.__name__}")
            post_delete.connect(_public_pages_changed, sender=model, dispatch_uid=f"public-pages-del-{model.__name__}")
