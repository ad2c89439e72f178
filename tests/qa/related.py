"""The related tips a tip page shows, read as the page reads them (shared by the tests)."""

from qa.models import Tip
from qa.page_selectors import tip_related_cards
from qa.tip_pages import fingerprint


def tip_related(*, tip, limit: int = 5) -> list[Tip]:
    """The related tips a tip page shows, in order."""
    cards = tip_related_cards(
        pk=tip.pk,
        tip_language=tip.language,
        category_id=tip.category_id,
        language="en",
        fingerprint=fingerprint(),
        limit=limit,
    )
    tips = Tip.objects.in_bulk([pk for pk, _card in cards])
    return [tips[pk] for pk, _card in cards]
