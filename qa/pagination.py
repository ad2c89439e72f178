from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A paginator told the number of items (from a kept counter) instead of
    counting them with a query on every request."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.count = count  # shadows Paginator's cached_property
