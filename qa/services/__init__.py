"""Services: every change to questions, answers and tips goes through here.

Plain functions with keyword arguments, named <entity>_<action>. Views, the
admin, management commands and tasks call them and hold no logic of their own.

- questions.py: asking and answering on the site, messages, attachments, saved replies;
- tips.py: creating, editing, publishing (with the personal-data check),
  unpublishing and deleting tips, and the columns derived from their text;
- votes.py: the "was this helpful?" votes;
- categories.py: categories by name, their Japanese name, their tip counts;
- imports.py: one imported FAQ entry (import_faq, seed_demo; a whole file goes
  through qa.import_batches).

Callers use the package (`from qa import services`, `services.tip_publish`):
every public name is re-exported here.
"""

from qa.services.categories import category_counts_refresh, category_get_or_create, category_translate
from qa.services.imports import TIP_IMPORT_ANSWER_MAX_LENGTH, tip_import_clean, tip_import_key, tip_import_row
from qa.services.questions import (
    message_attachments_add,
    message_create,
    question_answer,
    question_create,
    saved_reply_create,
)
from qa.services.tips import (
    PiiFound,
    public_reads_refresh,
    tip_create,
    tip_create_from_answer,
    tip_delete,
    tip_pii_findings,
    tip_publish,
    tip_publish_checked,
    tip_refresh_derived,
    tip_unpublish,
    tip_update,
    tips_published_by_import,
)
from qa.services.votes import VoteOutcome, tip_vote

__all__ = [
    "TIP_IMPORT_ANSWER_MAX_LENGTH",
    "PiiFound",
    "VoteOutcome",
    "category_counts_refresh",
    "category_get_or_create",
    "category_translate",
    "message_attachments_add",
    "message_create",
    "public_reads_refresh",
    "question_answer",
    "question_create",
    "saved_reply_create",
    "tip_create",
    "tip_create_from_answer",
    "tip_delete",
    "tip_import_clean",
    "tip_import_key",
    "tip_import_row",
    "tip_pii_findings",
    "tip_publish",
    "tip_publish_checked",
    "tip_refresh_derived",
    "tip_unpublish",
    "tip_update",
    "tips_published_by_import",
    "tip_vote",
]
