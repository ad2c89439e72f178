"""Logging configuration shared by Django (settings.LOGGING) and gunicorn.

Everything goes to stdout, where a container platform collects it. Production
writes one JSON object per line (python-json-logger) so a log system can index
the fields; development keeps a plain line a person can read. Gunicorn's
master process never loads Django, so docker/gunicorn.conf.py applies the same
dictionary through `logconfig_dict`: web, worker and beat logs look alike.
"""

import logging

LOG_FORMATS = ("json", "plain")
CREDENTIAL_CARRYING_LOGGERS = (
    "urllib3",
    "requests_oauthlib",
    "oauthlib",
    "tweepy",
    "facebook",
    # atproto (Bluesky) sends through httpx; its session tokens are in headers.
    "httpx",
    "httpcore",
    "mastodon",
)


def default_log_format(django_env: str) -> str:
    return "json" if django_env == "production" else "plain"


class SkipStaticRequests(logging.Filter):
    """Drops the development server's lines for static files that were served
    fine: one page view is a dozen of them, and they bury what matters.
    Failed static requests (404, 500) are still logged."""

    def __init__(self, prefix: str = "/static/"):
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        request_line = args[0] if args and isinstance(args[0], str) else ""
        served = getattr(record, "status_code", 500) < 400
        return not (served and f" {self.prefix}" in request_line)


def logging_config(*, level: str, log_format: str, static_url: str = "/static/") -> dict:
    if log_format not in LOG_FORMATS:
        # Imported lazily: gunicorn reads this module before Django is set up.
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {log_format!r}.")
    stdout = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": log_format}
    own_handler = {"handlers": ["stdout"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "filters": {"skip_static_requests": {"()": SkipStaticRequests, "prefix": static_url}},
        "handlers": {"stdout": stdout},
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # SQL at DEBUG would drown everything else.
            "django.db.backends": {"level": "WARNING"},
            # At DEBUG these log request URLs and OAuth signing details, and
            # the Graph API carries its access token in GET query strings:
            # credentials must never reach the logs, whatever LOG_LEVEL says.
            **{name: {"level": "INFO"} for name in CREDENTIAL_CARRYING_LOGGERS},
            # Gunicorn installs its own handlers on these; replace them so that
            # a request line is one record in the same format as the rest.
            "gunicorn.error": own_handler,
            "gunicorn.access": own_handler,
            # runserver (make run) logs every request; static files are noise there.
            "django.server": {**own_handler, "level": "INFO", "filters": ["skip_static_requests"]},
        },
    }
