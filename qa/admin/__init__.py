"""The staff side of Tipcast, in the Django admin.

- questions.py: the question inbox and answering a question;
- tips.py: editing, checking and publishing tips (TipAdmin keeps an `inlines`
  list that the publishing pipeline appends to);
- library.py: categories and saved replies;
- imports.py: the "Import FAQ from CSV" page (TipAdmin plus one URL, registered here);
- search.py: search synonyms, and the searches that found nothing;
- forms.py: the forms these pages use.
"""

from django.contrib import admin

from qa.admin.imports import TipImportAdmin
from qa.admin.library import CategoryAdmin, SavedReplyAdmin
from qa.admin.questions import QuestionAdmin
from qa.admin.search import SearchMissAdmin, SearchSynonymAdmin
from qa.admin.tips import TipAdmin
from qa.models import Tip

# tips.py registers TipAdmin; the tip list is served with the import page added.
admin.site.unregister(Tip)
admin.site.register(Tip, TipImportAdmin)

__all__ = [
    "CategoryAdmin",
    "QuestionAdmin",
    "SavedReplyAdmin",
    "SearchMissAdmin",
    "SearchSynonymAdmin",
    "TipAdmin",
    "TipImportAdmin",
]
