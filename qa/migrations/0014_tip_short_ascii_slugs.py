"""Short ASCII slugs for existing tips (issue 10): Japanese titles get none,
others are cut to 50 characters between words. Old addresses keep working:
the view finds a tip by its id and redirects any other slug permanently.

The rule is copied from qa.slugs.tip_slug as it was written, so that this
migration means the same thing whatever the services become."""

import regex
from django.db import migrations
from django.utils.text import slugify

MAX_LENGTH = 50
JAPANESE = regex.compile(r"[\p{Hiragana}\p{Katakana}\p{Han}]")
BATCH = 2000


def short_slug(text):
    if JAPANESE.search(text):
        return ""
    slug = slugify(text)
    if len(slug) > MAX_LENGTH:
        cut = slug[: MAX_LENGTH + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else cut[:MAX_LENGTH]
    return slug.strip("-")


def shorten_slugs(apps, schema_editor):
    Tip = apps.get_model("qa", "Tip")
    last_pk = 0
    while batch := list(Tip.objects.filter(pk__gt=last_pk).only("pk", "title", "slug").order_by("pk")[:BATCH]):
        last_pk = batch[-1].pk
        changed = []
        for tip in batch:
            # A slug staff typed in ASCII stays theirs (capped); a Unicode one came from the title.
            source = tip.slug if tip.slug and tip.slug.isascii() else tip.title
            new = short_slug(source)
            if new != tip.slug:
                tip.slug = new
                changed.append(tip)
        Tip.objects.bulk_update(changed, ["slug"])


class Migration(migrations.Migration):
    dependencies = [("qa", "0013_import_job_heartbeat_and_run_again")]

    operations = [migrations.RunPython(shorten_slugs, migrations.RunPython.noop)]
