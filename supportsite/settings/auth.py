"""Accounts: sign-in (django-allauth), passwords, two-factor authentication,
social sign-in, login rate limits and the client address behind proxies."""

from django.core.exceptions import ImproperlyConfigured

from supportsite.settings.core import DJANGO_ENV, IS_PRODUCTION, SITE_NAME, SITE_URL, env

# --- Accounts and passwords (django-allauth) ------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_REDIRECT_URL = "/"
# Sign-up, password change and reset (allauth), the admin's user forms and
# createsuperuser all check new passwords against these.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if DJANGO_ENV == "test":
    # Fast hashing keeps the suite quick; never used outside tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# allauth's own rate limits stay on (its defaults); they are kept in the default cache (core).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Failed logins past the limit above get the 429 page (see the adapter).
ACCOUNT_ADAPTER = "supportsite.account_adapter.AccountAdapter"

# --- Two-factor authentication --------------------------------------------------------------------
# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with
# recovery codes. Staff must use it when TIPCAST_STAFF_REQUIRE_MFA is on (the
# production default): the admin's login goes through allauth's, which asks for
# the code, and a staff member without one is sent to set it up. Off in
# development and tests, so `make run`'s demo logins work with a password alone.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_ADAPTER = "supportsite.account_adapter.MFAAdapter"
MFA_FORMS = {
    "authenticate": "supportsite.mfa_forms.CodeAuthenticateForm",
    "reauthenticate": "supportsite.mfa_forms.CodeReauthenticateForm",
    "activate_totp": "supportsite.mfa_forms.CodeActivateTOTPForm",
}
# Also accept the code of the 30-second step before and after the current one:
# a phone's clock a few seconds off must not lock staff out (RFC 6238, 5.2).
MFA_TOTP_TOLERANCE = 1
TIPCAST_STAFF_REQUIRE_MFA = env.bool("TIPCAST_STAFF_REQUIRE_MFA", default=IS_PRODUCTION)

# --- Social sign-in -------------------------------------------------------------------------------
# A social provider without credentials answers 404 instead of a 500.
SOCIALACCOUNT_ADAPTER = "supportsite.account_adapter.SocialAccountAdapter"


def _social_app(client_id_var: str, secret_var: str) -> dict | None:
    client_id = env.str(client_id_var, default="")
    secret = env.str(secret_var, default="")
    if bool(client_id) != bool(secret):
        raise ImproperlyConfigured(f"Set both {client_id_var} and {secret_var}, or neither.")
    return {"client_id": client_id, "secret": secret, "key": ""} if client_id else None


SOCIALACCOUNT_PROVIDERS = {}
for _provider, _id_var, _secret_var in [
    ("twitter_oauth2", "SOCIAL_X_CLIENT_ID", "SOCIAL_X_CLIENT_SECRET"),
    ("facebook", "SOCIAL_FACEBOOK_APP_ID", "SOCIAL_FACEBOOK_APP_SECRET"),
    ("google", "SOCIAL_GOOGLE_CLIENT_ID", "SOCIAL_GOOGLE_CLIENT_SECRET"),
]:
    _app = _social_app(_id_var, _secret_var)
    if _app:
        SOCIALACCOUNT_PROVIDERS[_provider] = {"APPS": [_app]}

# --- Admin login ----------------------------------------------------------------------------------
# Attempts per IP (django-ratelimit syntax).
ADMIN_LOGIN_RATE = env.str("ADMIN_LOGIN_RATE", default="10/5m")
RATELIMIT_VIEW = "supportsite.views.rate_limited"

# --- Client IP behind proxies ---------------------------------------------------------------------
# How many proxies of ours stand in front of the site, each appending to
# X-Forwarded-For. 0: the connection address is the client (nothing in the
# header is believed). Every per-IP limit, django-ratelimit's key="ip" and
# allauth's, uses supportsite.client_ip.client_ip, which reads this.
TIPCAST_TRUSTED_PROXY_COUNT = env.int("TIPCAST_TRUSTED_PROXY_COUNT", default=0)
if TIPCAST_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TIPCAST_TRUSTED_PROXY_COUNT must be 0 or more.")
RATELIMIT_IP_META_KEY = "supportsite.client_ip.client_ip"
# allauth's own reading of the header (its adapter's get_client_ip is Tipcast's
# helper too; this keeps anything in allauth that reads the setting in step).
ALLAUTH_TRUSTED_PROXY_COUNT = TIPCAST_TRUSTED_PROXY_COUNT
