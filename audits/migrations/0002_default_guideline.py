"""The default guideline: the four points a reply is audited on in seed 004
(tone, terms, content, dialogue). The texts are in the translation catalogue,
so the guideline reads in each auditor's language until staff edit it."""

from django.db import migrations
from django.utils.translation import gettext_noop

TITLE = gettext_noop("Reply guidelines")
DESCRIPTION = gettext_noop(
    "How a staff reply should read on the web, on X and on Facebook. Score each point; "
    "mark it as not applying when the reply gives it no occasion."
)
CRITERIA = [
    (
        gettext_noop("Tone"),
        gettext_noop(
            "Polite and warm, never curt or defensive; says who is answering; apologises for the trouble "
            "without blaming the customer."
        ),
    ),
    (
        gettext_noop("Terms"),
        gettext_noop(
            "Uses the product's and the company's own words, consistently, and no internal jargon or abbreviations."
        ),
    ),
    (
        gettext_noop("Content"),
        gettext_noop(
            "Correct and complete: answers what was asked, and links the tip or page that helps. Nothing private "
            "in a public reply."
        ),
    ),
    (
        gettext_noop("Dialogue"),
        gettext_noop(
            "Keeps the conversation going: one clear next step, asks for what is missing, and moves personal "
            "details to a private channel."
        ),
    ),
]


def create(apps, schema_editor):
    Guideline = apps.get_model("audits", "Guideline")
    Criterion = apps.get_model("audits", "Criterion")
    if Guideline.objects.exists():
        return
    guideline = Guideline.objects.create(title=TITLE, description=DESCRIPTION, active=True)
    for position, (name, description) in enumerate(CRITERIA):
        Criterion.objects.create(guideline=guideline, name=name, description=description, weight=1, position=position)


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
