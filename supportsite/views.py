from django.shortcuts import render


def rate_limited(request, exception=None):
    """What django-ratelimit shows when a limit is hit: a readable 429 page."""
    return render(request, "429.html", status=429)
