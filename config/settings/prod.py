"""Production: base settings hardened. Every value comes from the environment (see .env.example)."""

from config.env import env_bool, env_int, env_str
from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY or SECRET_KEY.startswith("insecure"):
    raise RuntimeError("DJANGO_SECRET_KEY doit être défini en production.")

# Only for trying the production stack on one's own machine over plain HTTP (`make serve`, the CI smoke test):
# never on a server reachable by others.
LOCAL_HTTP = env_bool("DJANGO_LOCAL_HTTP", False)

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True) and not LOCAL_HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not LOCAL_HTTP
CSRF_COOKIE_SECURE = not LOCAL_HTTP
SECURE_HSTS_SECONDS = 0 if LOCAL_HTTP else env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
if not LOCAL_HTTP:
    # "__Host-" cookies are only accepted over HTTPS, for this exact host and path "/": no subdomain can plant them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Several web processes and workers, possibly on several machines, share one PostgreSQL: sessions (Django's
# default engine) and cache live in the database (`manage.py createcachetable` after `migrate`), uploads and
# produced reports in MEDIA_ROOT through the storage API (a shared volume, or an object store's storage backend).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ctg_cache",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 200_000},
    },
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ctg_throttle_cache",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed and compressed copies made by `collectstatic`, served by WhiteNoise with far-future cache headers.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
