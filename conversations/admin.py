"""Admin pages of the conversations app, one module per part."""

from conversations import admin_composer, admin_listening  # noqa: F401
