"""Admin > Metrics: the support lead's page (every section for a period,
compared with the one before), the CSV export of each table, and the weekly
e-mail opt-in. Staff with metrics.view_support_metrics only (superusers too);
wrapped by the admin site in metrics/urls.py, so the layout is the admin's."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_POST

from metrics import summary
from metrics.csv_export import table_csv, table_csv_filename
from metrics.forms import PRESETS, period_from, query_for
from metrics.page import section_show, sections_build, table_failed, table_find
from metrics.periods import local_today
from metrics.summary_models import WeeklySummarySubscription

PERMISSION = summary.PERMISSION


def _check(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def metrics_page(request):
    _check(request)
    form, period = period_from(request.GET)
    export = request.GET.get("export")
    if export is not None:
        return _export(request, period, export)
    context = {
        **admin.site.each_context(request),
        "title": gettext("Metrics"),
        "form": form,
        "period": period,
        "previous": period.previous() if period else None,
        "presets": [(days, f"?days={days}") for days in PRESETS],
        "current_query": query_for(period) if period else "",
        "is_preset": bool(period and period.last_day == local_today() and period.length in PRESETS)
        and "start" not in request.GET,
        "sections": [section_show(s) for s in sections_build(period, user=request.user)] if period else [],
        "subscription": WeeklySummarySubscription.objects.filter(user=request.user).first(),
        "languages": settings.LANGUAGES,
        "current_language": get_language(),
        "summary_hour": settings.METRICS_WEEKLY_SUMMARY_HOUR,
    }
    return TemplateResponse(request, "admin/metrics/page.html", context)


def _export(request, period, export_key: str) -> HttpResponse:
    if period is None:
        raise Http404("Invalid period")
    sections = sections_build(period, user=request.user)
    if table_failed(sections, export_key):
        # Not the client's fault (a 4xx) and not an unexplained 500: the page itself still works.
        return HttpResponse(
            gettext("This table could not be computed: its section failed. The error was logged."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    table = table_find(sections, export_key)
    if table is None:
        raise Http404("No such table")
    response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table_csv_filename(export_key, period)}"'
    return response


@require_POST
def weekly_summary_choice(request):
    """Subscribe (in the chosen language) or unsubscribe; back to the page."""
    _check(request)
    languages = dict(settings.LANGUAGES)
    if request.POST.get("action") == "unsubscribe":
        summary.weekly_summary_unsubscribe(user=request.user)
        messages.success(request, gettext("You will no longer receive the weekly summary."))
    elif request.POST.get("language") in languages and request.user.email:
        summary.weekly_summary_subscribe(user=request.user, language=request.POST["language"])
        messages.success(
            request,
            gettext("The weekly summary will be sent to %(email)s every Monday.") % {"email": request.user.email},
        )
    elif not request.user.email:
        messages.error(request, gettext("Your account has no e-mail address to send the summary to."))
    else:
        messages.error(request, gettext("Choose a language for the summary."))
    return HttpResponseRedirect(reverse("metrics:page"))
