"""The related tips a tip page shows, read as the page reads them (shared by the tests)."""

from qa.models import Tip
from qa.tip_pages import related_cards, tip_page_read


def tip_related(*, tip) -> list[Tip]:
    """The related tips a tip page shows, in order."""
    related = related_cards(pk=tip.pk, row=tip_page_read(pk=tip.pk, language="en"), language="en")
    tips = Tip.objects.in_bulk([pk for pk, _card in related])
    return [tips[pk] for pk, _card in related]
