"""SITE_URL and SITE_NAME are the truth about the site's address and name;
django.contrib.sites' row (SITE_ID) is kept as a copy of them.

allauth prefixes its e-mail subjects with the Site's name, and the admin's
"View on site" goes to the Site's domain: left alone, both would say
example.com, the row Django creates on the first migrate.
"""

from urllib.parse import urlsplit

from django.conf import settings


def site_domain() -> str:
    """SITE_URL's host (and port, if any): what the Site row's domain holds."""
    return urlsplit(settings.SITE_URL).netloc


def site_record_sync(*, using: str = "default") -> None:
    """Write SITE_URL's host and SITE_NAME into the Site row, creating it if needed."""
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": site_domain(), "name": settings.SITE_NAME}
    )
    Site.objects.clear_cache()


def site_record_sync_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: every `migrate` (make run, the compose `migrate`
    service on each deploy, a test database) leaves the row in step."""
    site_record_sync(using=using)


def site_link(url: str) -> str:
    """`url` (absolute, or a path) moved onto SITE_URL: its path, query and
    fragment, with SITE_URL's scheme and host. Links in e-mails go through this:
    a URL built from the request would carry whatever Host header it came with."""
    parts = urlsplit(url)
    link = settings.SITE_URL + (parts.path or "/")
    if parts.query:
        link += "?" + parts.query
    if parts.fragment:
        link += "#" + parts.fragment
    return link
