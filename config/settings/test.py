import atexit
import os
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Rate limits count nothing by default, so that tests never throttle one another; their own tests turn them on.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
MEDIA_ROOT = str(BASE_DIR / "var" / "test-uploads")
# WhiteNoise serves the source static files, found per request, without `collectstatic`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Test databases are created from the models, in a second rather than the dozen seconds the migrations take in
# each test process; tests/conftest.py adds what the migrations add (the reference themes, the record of the
# migrations) and tests/test_migrations.py applies the migrations to a database of their own.
DATABASES["default"].setdefault("TEST", {})["MIGRATE"] = False  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file rather than SQLite's shared in-memory database: concurrency tests need the real file locking that
    # several web processes meet. One file per test process (pytest-xdist's workers are processes too, and
    # pytest-django adds the worker's name), so that runs in parallel never share one.
    DATABASES["default"]["TEST"]["NAME"] = str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")  # noqa: F405

    def _remove_test_database_files():
        # Django deletes the database file, but not on an interrupted run; a connection left open by a
        # live-server thread can leave its WAL behind. Read at exit: the worker's name is added after this module.
        name = DATABASES["default"]["TEST"]["NAME"]  # noqa: F405
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)

    atexit.register(_remove_test_database_files)
