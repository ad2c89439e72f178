"""Why a production SECRET_KEY is unfit, if it is.

The key signs sessions, password-reset links and e-mail confirmations: a key
copied from .env.example or a blog post lets anyone forge them. Django's own
`check --deploy` only warns about short keys and the "django-insecure-" prefix,
and not at all about a long placeholder such as .env.example's, so production
settings refuse these outright (see supportsite/settings/core.py).
"""

MIN_LENGTH = 50
# Fewer distinct characters than this is a pattern ("abcabc…", "xxxx…"), not a
# random string: secrets.token_urlsafe(50) has about 40.
MIN_DISTINCT_CHARACTERS = 10
# Values and words of example keys: .env.example's, this repository's
# development default, Django's startproject prefix, and the usual
# "replace me" wording.
KNOWN_PLACEHOLDERS = (
    "change-me-to-a-long-random-string-of-at-least-fifty-characters",
    "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef",
)
PLACEHOLDER_WORDS = (
    "change-me",
    "change_me",
    "changeme",
    "insecure",
    "placeholder",
    "replace-me",
    "replaceme",
    "not-a-secret",
    "notsecret",
    "secret-key",
    "secretkey",
    "your-secret",
    "example",
    "do-not-use",
)


def secret_key_problem(value: str) -> str | None:
    """A sentence saying what is wrong with `value` as a production key, or None."""
    lowered = value.lower()
    if value in KNOWN_PLACEHOLDERS or any(word in lowered for word in PLACEHOLDER_WORDS):
        return "is a placeholder from an example, not a secret"
    if len(value) < MIN_LENGTH:
        return f"is {len(value)} characters long; it must have at least {MIN_LENGTH}"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"has only {len(set(value))} different characters; it must be random"
    return None
