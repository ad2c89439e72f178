"""Questions become conversations, answers become messages.

Answer is renamed Message (its rows and the tips that point to them are
kept); every question gets its opening as a first customer message; the old
states map onto the new ones: answered -> waiting on the customer, spam ->
closed as spam, closed -> closed as resolved.
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce

BATCH = 1000


def forwards(apps, schema_editor):
    Question = apps.get_model("qa", "Question")
    Message = apps.get_model("qa", "Message")
    Question.objects.filter(status="answered").update(
        status="waiting_customer", waiting_since=Coalesce(F("first_answered_at"), F("created_at"))
    )
    Question.objects.filter(status="spam").update(status="closed", close_reason="spam", waiting_since=F("updated_at"))
    Question.objects.filter(status="closed", close_reason="").update(
        close_reason="resolved", waiting_since=F("updated_at")
    )
    Question.objects.filter(status="new").update(waiting_since=F("created_at"))
    Question.objects.update(last_customer_message_at=F("created_at"))
    last_reply = Message.objects.filter(question=OuterRef("pk")).values("question").annotate(at=Max("created_at"))
    Question.objects.update(last_staff_reply_at=Subquery(last_reply.values("at")[:1]))
    Message.objects.update(channel="web")
    Message.objects.filter(language="").update(
        language=Subquery(Question.objects.filter(pk=OuterRef("question_id")).values("language")[:1])
    )
    openings = []
    for question in Question.objects.order_by("pk").iterator(chunk_size=BATCH):
        openings.append(
            Message(
                question_id=question.pk,
                kind="customer",
                author_id=question.asker_id,
                body=question.body,
                body_html=question.body_html,
                channel="web",
                language=question.language,
                created_at=question.created_at,
            )
        )
        if len(openings) >= BATCH:
            Message.objects.bulk_create(openings)
            openings = []
    Message.objects.bulk_create(openings)


def backwards(apps, schema_editor):
    Question = apps.get_model("qa", "Question")
    Message = apps.get_model("qa", "Message")
    Message.objects.exclude(kind="reply").delete()
    Question.objects.filter(status="waiting_us").update(status="new")
    Question.objects.filter(status="waiting_customer").update(status="answered")
    Question.objects.filter(status="closed", close_reason="spam").update(status="spam")


class Migration(migrations.Migration):
    # PostgreSQL refuses CREATE INDEX on a table with pending (deferred foreign
    # key) trigger events in the same transaction: the data step commits on its
    # own, then the indexes and constraints are added.
    atomic = False

    dependencies = [
        ("conversations", "0001_people_and_labels"),
        ("publishing", "0005_deliveries_outlive_deleted_tips"),
        ("qa", "0016_content_language_and_category_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel("Answer", "Message"),
        migrations.AlterModelOptions(
            name="message",
            options={"ordering": ["created_at", "id"], "verbose_name": "message", "verbose_name_plural": "messages"},
        ),
        migrations.AlterField(
            model_name="message",
            name="question",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="messages",
                to="qa.question",
                verbose_name="conversation",
            ),
        ),
        migrations.AlterField(
            model_name="message",
            name="author",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="messages_written",
                to=settings.AUTH_USER_MODEL,
                verbose_name="author",
            ),
        ),
        migrations.AlterField(
            model_name="message",
            name="body",
            field=models.TextField(
                help_text="Markdown.",
                validators=[
                    django.core.validators.MaxLengthValidator(
                        20000, message="Keep the text under %(limit_value)d characters (it has %(show_value)d)."
                    )
                ],
                verbose_name="message",
            ),
        ),
        migrations.AlterField(
            model_name="message",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="at"),
        ),
        migrations.AddField(
            model_name="message",
            name="kind",
            field=models.CharField(
                choices=[("customer", "Customer"), ("reply", "Staff reply"), ("note", "Internal note")],
                default="reply",
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="channel",
            field=models.CharField(
                choices=[("web", "Web"), ("email", "E-mail"), ("x", "X"), ("facebook", "Facebook"), ("feed", "Feed")],
                default="web",
                max_length=16,
                verbose_name="channel",
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="language",
            field=models.CharField(blank=True, max_length=10, verbose_name="language"),
        ),
        migrations.AddField(
            model_name="message",
            name="remote_id",
            field=models.CharField(blank=True, max_length=200, verbose_name="remote id"),
        ),
        migrations.AddField(
            model_name="message",
            name="remote_url",
            field=models.URLField(blank=True, max_length=500, verbose_name="link"),
        ),
        migrations.AddField(
            model_name="message",
            name="in_reply_to_remote_id",
            field=models.CharField(blank=True, max_length=200, verbose_name="in reply to"),
        ),
        migrations.AddField(
            model_name="message",
            name="mentions_account",
            field=models.BooleanField(default=False, verbose_name="mentions the account"),
        ),
        migrations.AddField(
            model_name="message",
            name="delivery",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="message",
                to="publishing.delivery",
                verbose_name="delivery",
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="messages",
                to="conversations.person",
                verbose_name="person",
            ),
        ),
        migrations.AlterField(
            model_name="tip",
            name="answer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="tips",
                to="qa.message",
                verbose_name="answer",
            ),
        ),
        migrations.AlterModelOptions(
            name="question",
            options={
                "ordering": ["created_at"],
                "verbose_name": "conversation",
                "verbose_name_plural": "conversations",
            },
        ),
        migrations.AddField(
            model_name="question",
            name="close_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "—"),
                    ("resolved", "Resolved"),
                    ("expired", "Expired (no answer)"),
                    ("handed_over", "Handed over to a private channel"),
                    ("ignored", "Ignored"),
                    ("spam", "Spam"),
                ],
                max_length=16,
                verbose_name="closed as",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="labels",
            field=models.ManyToManyField(blank=True, related_name="conversations", to="conversations.label"),
        ),
        migrations.AddField(
            model_name="question",
            name="last_customer_message_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="customer last wrote at"),
        ),
        migrations.AddField(
            model_name="question",
            name="last_staff_reply_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="staff last replied at"),
        ),
        migrations.AddField(
            model_name="question",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="conversations",
                to="conversations.person",
                verbose_name="person",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="waiting_since",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="in this state since"),
        ),
        migrations.AlterField(
            model_name="question",
            name="asker",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="questions",
                to=settings.AUTH_USER_MODEL,
                verbose_name="asker",
            ),
        ),
        migrations.AlterField(
            model_name="question",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="started at"),
        ),
        migrations.AlterField(
            model_name="question",
            name="source",
            field=models.CharField(
                choices=[("web", "Web"), ("x", "X"), ("facebook", "Facebook"), ("feed", "Feed")],
                default="web",
                max_length=16,
                verbose_name="channel",
            ),
        ),
        migrations.AlterField(
            model_name="question",
            name="status",
            field=models.CharField(
                choices=[
                    ("new", "New"),
                    ("waiting_us", "Waiting on us"),
                    ("waiting_customer", "Waiting on the customer"),
                    ("closed", "Closed"),
                ],
                default="new",
                max_length=16,
                verbose_name="state",
            ),
        ),
        migrations.RunPython(forwards, backwards, atomic=True),
        migrations.AddIndex(
            model_name="question",
            index=models.Index(fields=["status", "waiting_since"], name="qa_question_status_699d73_idx"),
        ),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("close_reason__gt", ""), ("status", "closed")),
                    models.Q(models.Q(("status", "closed"), _negated=True), ("close_reason", "")),
                    _connector="OR",
                ),
                name="close_reason_only_when_closed",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["question", "created_at"], name="qa_message_questio_3b372f_idx"),
        ),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                condition=models.Q(("remote_id", ""), _negated=True),
                fields=("channel", "remote_id"),
                name="one_message_per_remote_post",
            ),
        ),
    ]
