from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _search_index_install(sender, using, **kwargs):
    # Django rebuilds a SQLite table for many schema changes, which drops the
    # search index's triggers: put them back (and refill) after every migrate.
    from django.db import connections

    from qa.search.index import index_repair

    if using == "default" and connections[using].vendor == "sqlite":
        index_repair()


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions and tips")

    def ready(self):
        from qa import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(_search_index_install, sender=self)
