"""Admin registrations of the project itself (apps' own models register in their admin modules)."""

from allauth.mfa.models import Authenticator
from django.contrib import admin
from unfold.admin import ModelAdmin

# allauth's own Authenticator admin shows each factor's data: the TOTP secret and
# the recovery codes' seed, from which anyone who can view the page could sign in
# as that staff member. Here staff see who has which factor and may delete one
# (a colleague who lost their phone and codes sets up again); nobody adds,
# edits or reads one.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(ModelAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type", "created_at", "last_used_at")
    search_fields = ("user__email", "user__username")
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
