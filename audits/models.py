"""Quality audits (seeds 002, 004): each week a random sample of staff replies
is scored by an auditor against the team's written guidelines (tone, terms,
content, dialogue); the metrics page shows the score in percent.

Models hold data and constraints; audits.services makes every change."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Guideline(models.Model):
    """The written guidelines replies are audited against. A weekly sample is
    scored against the newest active guideline; an audit keeps the guideline
    (and each score the weight) it was scored with."""

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("New samples are audited against the newest active guideline.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-active", "-created_at", "-id"]
        verbose_name = _("guideline")
        verbose_name_plural = _("guidelines")

    def __str__(self):
        return self.display_title

    # The default guideline's texts are in the catalogue (audits.migrations.0002):
    # they show in the reader's language; a text staff typed shows as typed.
    @property
    def display_title(self) -> str:
        return gettext(self.title) if self.title else ""

    @property
    def display_description(self) -> str:
        return gettext(self.description) if self.description else ""


class Criterion(models.Model):
    guideline = models.ForeignKey(
        Guideline, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("guideline")
    )
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("what the auditor checks"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("How much this criterion counts in the score, from 1 to 10."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [models.CheckConstraint(condition=Q(weight__gte=1), name="criterion_weight_positive")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return gettext(self.name) if self.name else ""

    @property
    def display_description(self) -> str:
        return gettext(self.description) if self.description else ""


class Audit(models.Model):
    """One staff reply queued for (then scored by) an auditor."""

    class State(models.TextChoices):
        QUEUED = "queued", _("To score")
        DONE = "done", _("Scored")

    message = models.OneToOneField(
        "qa.Message", on_delete=models.CASCADE, related_name="audit", verbose_name=_("reply")
    )
    guideline = models.ForeignKey(
        Guideline, on_delete=models.PROTECT, related_name="audits", verbose_name=_("guideline")
    )
    # Copied from the reply when it is sampled: the metrics page and "my audits"
    # read them without joining the (large) message table.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audits_of_my_replies", verbose_name=_("staff")
    )
    replied_at = models.DateTimeField(_("replied at"))
    # The Monday (support time zone) of the week the reply was written in.
    week = models.DateField(_("week"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audits_to_score",
        verbose_name=_("auditor"),
    )
    # 0-100; None until scored, and when every criterion was "does not apply".
    score = models.FloatField(_("score (%)"), null=True, blank=True)
    comment = models.TextField(_("overall comment"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    audited_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    class Meta:
        ordering = ["-week", "state", "replied_at", "id"]
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        # Who scores replies (superusers always can); anyone else on staff sees the audits of their own replies.
        permissions = [("audit_replies", _("Can audit staff replies"))]
        indexes = [
            models.Index(fields=["state", "replied_at"]),
            models.Index(fields=["week"]),
            models.Index(fields=["author", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="done", audited_at__isnull=False) | Q(state="queued", score__isnull=True),
                name="audit_scored_only_when_done",
            ),
        ]

    def __str__(self):
        return gettext("Audit of a reply of %(week)s") % {"week": formats.date_format(self.week, "DATE_FORMAT")}


class CriterionScore(models.Model):
    """How a reply did on one criterion: pass, partly, fail, or does not apply."""

    class Rating(models.IntegerChoices):
        PASS = 2, _("Meets it")
        PARTLY = 1, _("Partly")
        FAIL = 0, _("Misses it")

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="scores", verbose_name=_("audit"))
    # PROTECT: a criterion that scored a reply is not deleted (the admin says so);
    # make a new guideline instead and deactivate the old one.
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    # The criterion's weight when scored: editing the guideline later does not change past scores.
    weight = models.PositiveSmallIntegerField(_("weight"))
    # None: the criterion does not apply to this reply (it counts neither way).
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [
            models.UniqueConstraint(fields=["audit", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__lte=2), name="rating_in_range"),
        ]


class AuditSample(models.Model):
    """One row per week sampled: beat asks every hour whether last week has been,
    with one indexed read (the sample itself reads the week's messages once)."""

    week = models.DateField(_("week"), unique=True)
    size = models.PositiveSmallIntegerField(_("replies asked for"))
    picked = models.PositiveSmallIntegerField(_("replies queued"), default=0)
    sampled_at = models.DateTimeField(_("sampled at"), default=timezone.now)

    class Meta:
        verbose_name = _("weekly sample")
        verbose_name_plural = _("weekly samples")

    def __str__(self):
        return str(self.week)
