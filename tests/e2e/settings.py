"""Settings for the live server of the browser tests: the project's settings, plus static files
served straight from the source folders (no collectstatic needed, edits show at once) and a fast
password hasher (the e2e run signs in a handful of times; the hasher is not what it tests)."""

from access_support.settings import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
