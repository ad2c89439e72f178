from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = _("Conversations")

    def ready(self):
        # social_accounts links site accounts to people when customers sign in
        # with X or Facebook; replies records a sent reply's remote id on its message.
        from conversations import replies, social_accounts  # noqa: F401
