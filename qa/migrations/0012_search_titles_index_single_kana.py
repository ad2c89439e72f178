"""Titles' search tokens now include each kana alone (qa/search/tokens.py), so
that a one-kana query finds the tips with that kana in their title: recompute
the title tokens of the existing tips (the databases re-index the rows)."""

from django.db import migrations


def recompute_search_titles(apps, schema_editor):
    from qa.search.tokens import document_text

    Tip = apps.get_model("qa", "Tip")
    batch = []
    for tip in Tip.objects.only("id", "title").iterator(chunk_size=500):
        tip.search_title = document_text(tip.title, single_kana=True)
        batch.append(tip)
        if len(batch) >= 500:
            Tip.objects.bulk_update(batch, ["search_title"])
            batch = []
    Tip.objects.bulk_update(batch, ["search_title"])


class Migration(migrations.Migration):
    dependencies = [("qa", "0011_search_index_newest_first")]

    operations = [migrations.RunPython(recompute_search_titles, migrations.RunPython.noop)]
