"""Categories, tips and what hangs off them (votes, related tips, saved
replies, import jobs); conversations are in qa.conversation_models.

Models hold data and constraints only. Every change goes through qa.services,
which also fills the derived columns (rendered HTML, search text).
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from qa import public_urls

# The conversation models (Question, Message) live in their own module.
from qa.attachment_models import MessageAttachment  # noqa: F401 (a model of this app)
from qa.conversation_models import Message, Question
from qa.validators import MARKDOWN_LENGTH_VALIDATORS


class Category(models.Model):
    # One plain column per language (English is the site's default and the
    # fallback): two languages need no translation library (see the README).
    name = models.CharField(_("name"), max_length=100)
    name_ja = models.CharField(
        _("Japanese name"), max_length=100, blank=True, help_text=_("Shown to Japanese visitors; empty: the name.")
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    description = models.TextField(_("description"), blank=True)
    # Kept by the services that publish, unpublish or move a tip (qa.services),
    # so that listing categories never counts tips on a request.
    published_tip_count = models.PositiveIntegerField(_("published tips"), default=0, editable=False)
    # The same per tip language, {"en": 3, "ja": 5}: kept alongside the total.
    published_tip_counts = models.JSONField(default=dict, editable=False)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        return self.name_in(get_language())

    def name_in(self, language: str | None) -> str:
        """The name in `language`, else the name."""
        if language == "ja" and self.name_ja:
            return self.name_ja
        return self.name

    def tip_count_in(self, language: str | None) -> int:
        """Published tips in `language` (None: in every language)."""
        if language is None:
            return self.published_tip_count
        return self.published_tip_counts.get(language, 0)

    def get_absolute_url(self):
        return public_urls.category_path(self.slug)


# Characters in a tip's stored excerpt (cards, meta and OpenGraph descriptions):
# about what search engines show of a description.
TIP_EXCERPT_LENGTH = 160
TIP_SLUG_MAX_LENGTH = 50
# Where qa.selectors puts a tip's prefetched tags (Tip.tag_list reads them).
TIP_TAG_LIST_ATTRIBUTE = "prefetched_tags"


class TipQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Tip.Status.PUBLISHED)


class Tip(models.Model):
    """The public FAQ unit. Its public text is staff-edited: the customer's
    original wording (in the conversation) is never shown publicly."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")

    question = models.OneToOneField(
        Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="tip", verbose_name=_("question")
    )
    answer = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="tips", verbose_name=_("answer")
    )
    title = models.CharField(_("public title"), max_length=200)
    # Empty for a Japanese title (qa.slugs.tip_slug): the address is then /tips/<id>/.
    slug = models.SlugField(_("slug"), max_length=TIP_SLUG_MAX_LENGTH, blank=True)
    question_text = models.TextField(
        _("public question"), blank=True, help_text=_("Markdown."), validators=MARKDOWN_LENGTH_VALIDATORS
    )
    question_html = models.TextField(editable=False, default="")
    answer_text = models.TextField(_("public answer"), help_text=_("Markdown."), validators=MARKDOWN_LENGTH_VALIDATORS)
    answer_html = models.TextField(editable=False, default="")
    # Plain text of the two Markdown sources and a short excerpt of the answer,
    # kept by the services at save time: no page converts Markdown on a read.
    question_plain = models.TextField(editable=False, default="")
    answer_plain = models.TextField(editable=False, default="")
    excerpt = models.TextField(editable=False, default="")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="tips", verbose_name=_("category")
    )
    # Public lists show tips in the visitor's language (qa.content_language).
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language the tip is written in. Leave empty to detect it from the text."),
    )
    tags = TaggableManager(_("tags"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Normalised (NFKC, case-folded) copies of the public text, kept by the
    # services so that search behaves the same on SQLite and PostgreSQL.
    search_title = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")
    # Identifies a tip created by `import_faq`, so that re-importing updates it.
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    helpful_yes = models.PositiveIntegerField(default=0, editable=False)
    helpful_no = models.PositiveIntegerField(default=0, editable=False)
    # Storage name of the share image last drawn (qa.share_image_store): it
    # counts only while its digest matches the current title and category.
    share_image = models.CharField(max_length=120, blank=True, default="", editable=False)

    objects = TipQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            # A category's page (newest first), its recount and the related
            # tips' same-category fallback read this index, not every tip row.
            models.Index(fields=["category", "status", "-published_at"]),
            # The same lists in one language, and the most helpful tips (home page).
            models.Index(fields=["language", "status", "-published_at"]),
            models.Index(fields=["category", "language", "status", "-published_at"]),
            models.Index(fields=["status", "-helpful_yes", "-published_at"]),
            models.Index(fields=["language", "status", "-helpful_yes", "-published_at"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return public_urls.tip_path(self.pk, self.slug)

    @property
    def tag_list(self) -> list:
        """The tags by name; one query, unless a selector prefetched them (qa.selectors)."""
        tags = getattr(self, TIP_TAG_LIST_ATTRIBUTE, None)
        return sorted(tags, key=lambda tag: tag.name) if tags is not None else list(self.tags.order_by("name"))

    def get_canonical_url(self):
        return settings.SITE_URL + self.get_absolute_url()

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED


class RelatedTip(models.Model):
    """One entry of a tip's stored "related tips" list: a published tip sharing
    `shared_tags` of its tags. Kept by qa.related when tips change, so that a
    tip page reads its list with one indexed query."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="related_entries")
    related = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="listed_in")
    shared_tags = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tip", "related"], name="one_related_entry_per_pair")]


class TipPage(models.Model):
    """What a tip's public page shows of it, rendered in one UI language when
    the tip is published or edited (qa.tip_pages), so that a page view puts
    stored strings together instead of running templates: the <head> tags,
    the page's body up to the vote (breadcrumbs, title, tags, question and
    answer) and the tip's card (its related-tips entry on other tips' pages).
    `fingerprint` names what else the HTML depends on (templates, catalogs,
    settings): a row with another one is out of date and is rendered again
    when next read."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="pages")
    language = models.CharField(max_length=16)
    fingerprint = models.CharField(max_length=32)
    head = models.TextField()
    top = models.TextField()
    card = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tip", "language"], name="one_tip_page_per_language")]


class TipVote(models.Model):
    """One "was this helpful?" vote per voter and tip; voting again changes it.
    The voter key is a hash of the user id when signed in, else of the random
    id in the visitor's signed cookie (qa.views.voting), never the raw value."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="votes")
    voter_key = models.CharField(max_length=64)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tip", "voter_key"], name="one_vote_per_visitor")]
        # The metrics' daily vote roll-up reads one day of votes (metrics.self_service_rollup).
        indexes = [models.Index(fields=["created_at"], name="tip_vote_created_at")]


class SavedReply(models.Model):
    """A canned answer staff can insert while answering."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), help_text=_("Markdown."), validators=MARKDOWN_LENGTH_VALIDATORS)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")

    def __str__(self):
        return self.title


class PrivateImportStorage(FileSystemStorage):
    """Uploaded CSV files wait here for the worker: MEDIA_ROOT/private/imports.
    MEDIA_ROOT is shared by web and worker (the compose volume) and no URL
    serves it. Read from settings when used, like FileSystemStorage's own."""

    @cached_property
    def base_location(self):
        return str(Path(settings.MEDIA_ROOT) / "private" / "imports")


class ImportJob(models.Model):
    """One FAQ import started from the admin, run by a Celery worker
    (qa.import_jobs). Staff watch its progress on its own page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    # Emptied when the job has finished and the file is deleted; kept while the
    # job can run again (interrupted).
    file = models.FileField(_("CSV file"), storage=PrivateImportStorage(), upload_to="%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(_("encoding"), max_length=20)
    dry_run = models.BooleanField(_("dry run"), default=False)
    announce = models.BooleanField(_("announce"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    bytes_read = models.PositiveBigIntegerField(default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # [[line, reason], ...]: the first rows that could not be imported (qa.importing.MAX_LISTED_FAILURES).
    failures = models.JSONField(default=list, blank=True)
    # Why the file as a whole could not be imported, if it could not.
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("started by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker running the job renews this after every batch; a running job
    # whose heartbeat is older than IMPORT_JOB_LEASE_SECONDS has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Which run holds the job: a worker only writes while its run is the current one,
    # so a worker thought dead that wakes up cannot overwrite a later run.
    run_number = models.PositiveIntegerField(default=0)
    # Stopped before the end (its worker died, or an unexpected error): the file
    # is kept and staff may run the job again.
    interrupted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("FAQ import")
        verbose_name_plural = _("FAQ imports")

    def __str__(self):
        return self.file_name

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def can_run_again(self) -> bool:
        return self.status == self.Status.FAILED and self.interrupted and bool(self.file)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.bytes_read * 100 // self.file_size) if self.file_size else 0


# Search's own models live with the search engine (qa/search/).
from qa.search.models import SearchMiss, SearchSynonym  # noqa: E402, F401
