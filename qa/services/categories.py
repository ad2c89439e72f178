"""Services for categories: finding or creating one by name (imports), its
Japanese name, and its counts of published tips."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.text import slugify
from django.utils.translation import gettext as _

from qa import page_cache
from qa.models import Category, Tip


def category_counts_refresh(*category_ids) -> None:
    """Recount the published tips of these categories (an indexed count of one
    category). The category row is locked first, so two transactions that
    change one category count in turn and the later sees the earlier's tip."""
    for pk in sorted({pk for pk in category_ids if pk is not None}):
        if Category.objects.select_for_update().filter(pk=pk).exists():
            counts = dict(
                Tip.objects.published()
                .filter(category_id=pk)
                .order_by()
                .values_list("language")
                .annotate(count=Count("pk"))
            )
            Category.objects.filter(pk=pk).update(published_tip_count=sum(counts.values()), published_tip_counts=counts)
    # The pages showing the counts, and each process's copy of the categories (qa.page_selectors).
    page_cache.invalidate_all()


@transaction.atomic
def category_get_or_create(*, name: str) -> Category:
    """The category with this name (or its slug), created when missing."""
    name = " ".join(name.split())
    slug = slugify(name, allow_unicode=True)
    if not slug:
        raise ValidationError(_("The category name %(name)r has no letters or digits.") % {"name": name})
    # A Japanese name finds the category it translates ("会員・アカウント" is "Account"),
    # before a category of that slug (one made from that name before it was a translation).
    existing = Category.objects.filter(name_ja=name).order_by("pk").first()
    existing = existing or Category.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    category = Category(name=name, slug=slug)
    category.full_clean()
    category.save()
    return category


def category_translate(*, category: Category, name_ja: str) -> Category:
    """Give a category its Japanese name (when it has none yet: staff may have chosen another)."""
    if not category.name_ja:
        category.name_ja = " ".join(name_ja.split())
        category.full_clean()
        category.save(update_fields=["name_ja"])
        page_cache.invalidate_all()
    return category
