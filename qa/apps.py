from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete
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


def _tip_pages_showing_changed(sender, instance, **kwargs):
    # The stored parts of the tips showing this category or tag name it:
    # rendered again when next read (qa.tip_pages). Before a delete, while
    # the tips still point at it.
    from qa import tip_pages
    from qa.models import Category, Tip

    tips = Tip.objects.filter(category=instance) if sender is Category else Tip.objects.filter(tags=instance)
    tip_pages.tip_pages_forget(tips=tips)


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
            post_save.connect(_tip_pages_showing_changed, sender=model, dispatch_uid=f"tip-pages-{model.__name__}")
            pre_delete.connect(_tip_pages_showing_changed, sender=model, dispatch_uid=f"tip-pages-del-{model.__name__}")
