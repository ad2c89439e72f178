# PLACEHOLDER: replaced by the staff-admin work in progress.
from django.contrib import admin

from qa.models import Category, Question, Tip

admin.site.register([Category, Question, Tip])
