from django.conf import settings


def site(request):
    """Site-wide values every template may use."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "COMPANY_X_URL": settings.COMPANY_X_URL,
        "COMPANY_FACEBOOK_URL": settings.COMPANY_FACEBOOK_URL,
        # The two-factor pages hide "Turn off" from staff who may not.
        "STAFF_REQUIRE_MFA": settings.TIPCAST_STAFF_REQUIRE_MFA,
    }
