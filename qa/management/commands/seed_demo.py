"""Load the demo content `make run` starts with: see qa.demo_content."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from qa import demo_content


class Command(BaseCommand):
    # argparse needs a real string (a lazy one crashes `--help`): translated
    # when the parser is built.
    @property
    def help(self):
        return _(
            "Load demo tips, categories, saved replies, a customer and a staff account. "
            "Running it again changes nothing."
        )

    def handle(self, *args, verbosity, **options):
        # The demo questions and answers would e-mail the demo accounts (and,
        # in `make run`, print every message to the terminal): nobody reads them.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            summary = demo_content.demo_content_load()
        if verbosity == 0:
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo content: %(tips)d tips, %(questions)d questions and %(replies)d saved replies added.")
                % {
                    "tips": summary.tips_created,
                    "questions": summary.questions_created,
                    "replies": summary.saved_replies_created,
                }
            )
        )
        self.stdout.write(
            _("Staff login:    %(email)s / %(password)s  (admin: %(url)s/admin/)")
            % {"email": demo_content.STAFF_EMAIL, "password": demo_content.STAFF_PASSWORD, "url": settings.SITE_URL}
        )
        self.stdout.write(
            _("Customer login: %(email)s / %(password)s")
            % {"email": demo_content.CUSTOMER_EMAIL, "password": demo_content.CUSTOMER_PASSWORD}
        )
