"""The staff side of Tipcast, in the Django admin.

- questions.py: the question inbox and answering a question;
- tips.py: editing, checking and publishing tips (TipAdmin keeps an `inlines`
  list that the publishing pipeline appends to);
- library.py: categories and saved replies;
- forms.py: the forms these pages use.
"""

from qa.admin.library import CategoryAdmin, SavedReplyAdmin
from qa.admin.questions import QuestionAdmin
from qa.admin.tips import TipAdmin

__all__ = ["CategoryAdmin", "QuestionAdmin", "SavedReplyAdmin", "TipAdmin"]
