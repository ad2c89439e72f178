# PLACEHOLDER: replaced by the public-site work in progress.
from django.contrib.syndication.views import Feed

LatestTipsRss = LatestTipsAtom = CategoryTipsRss = CategoryTipsAtom = Feed
