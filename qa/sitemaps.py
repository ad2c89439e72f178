# PLACEHOLDER: replaced by the public-site work in progress.
SITEMAPS = {}
