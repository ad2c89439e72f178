"""Plain text and an excerpt beside each tip's HTML, so that no page converts
Markdown on a read (issue 8). Existing tips get them here, as the services now
do at save time."""

from django.db import migrations, models

# As TIP_EXCERPT_LENGTH was when this migration was written.
EXCERPT_LENGTH = 160
BATCH = 500


def fill_plain_text(apps, schema_editor):
    from qa.markup import markdown_to_text
    from qa.phrases import truncate

    Tip = apps.get_model("qa", "Tip")
    changed = []
    for tip in Tip.objects.only("pk", "question_text", "answer_text").iterator(chunk_size=BATCH):
        tip.question_plain = markdown_to_text(tip.question_text)
        tip.answer_plain = markdown_to_text(tip.answer_text)
        tip.excerpt = truncate(tip.answer_plain, EXCERPT_LENGTH)
        changed.append(tip)
        if len(changed) == BATCH:
            Tip.objects.bulk_update(changed, ["question_plain", "answer_plain", "excerpt"])
            changed = []
    Tip.objects.bulk_update(changed, ["question_plain", "answer_plain", "excerpt"])


class Migration(migrations.Migration):
    dependencies = [
        ("qa", "0003_tip_category_status_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="tip",
            name="answer_plain",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="tip",
            name="excerpt",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="tip",
            name="question_plain",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_plain_text, migrations.RunPython.noop),
    ]
