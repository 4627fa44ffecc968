"""Settings shared by every environment. Environment-specific values come from config.env."""

from config.env import BASE_DIR, database_config, env_bool, env_int, env_list, env_str

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ctg.territories",
    "ctg.organisations",
    "ctg.accounts",
    "ctg.conventions",
    "ctg.jobs",
    "ctg.opendata",
    "ctg.indicators",
    "ctg.offer",
    "ctg.diagnostic",
    "ctg.plans",
    "ctg.steering",
    "ctg.evaluation",
    "ctg.reports",
    "ctg.charts",
    "ctg.demo",
    "ctg.portability",
    "ctg.www",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (hashed names, compressed) straight from the web process, before sessions and login.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Keeps a form posted after the session expired, before LoginRequiredMiddleware sends the visitor to log in.
    "ctg.www.form_recovery.FormRecoveryMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "ctg.www.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware must stay last: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ctg" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "ctg.www.context_processors.navigation",
            ],
        },
    },
]

# `{{ form }}` and `{{ field.as_field_group }}` render the site's markup (ctg/templates/forms/).
FORM_RENDERER = "ctg.www.forms.FormRenderer"

DATABASES = {"default": database_config()}
ATOMIC_REQUESTS = True
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Logs in the accounts that ProConnect identified (never authenticates credentials itself).
    "ctg.accounts.proconnect.ProConnectBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts_views:login"
LOGIN_REDIRECT_URL = "conventions_views:home"
LOGOUT_REDIRECT_URL = "accounts_views:login"
# An invitation link is single-use and expires; a password reset link lasts one day.
INVITATION_VALIDITY_DAYS = env_int("INVITATION_VALIDITY_DAYS", 7)
PASSWORD_RESET_TIMEOUT = 24 * 3600
# Beyond these, a password reset request gets the same answer but sends no e-mail (ctg.accounts.throttle).
PASSWORD_RESET_LIMIT_PER_IP = env_int("PASSWORD_RESET_LIMIT_PER_IP", 5)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 3)
PASSWORD_RESET_LIMIT_WINDOW = 3600
# A partner's personal answer link to the questionnaire is public (its token is the credential): beyond this many
# requests an hour from one address, the page answers 429 (ctg.accounts.throttle).
SURVEY_LINK_LIMIT_PER_IP = env_int("SURVEY_LINK_LIMIT_PER_IP", 60)
SURVEY_LINK_LIMIT_WINDOW = 3600
# Security journal entries (with IP addresses) are kept one year, then purged by `purge_accounts_data`.
SECURITY_JOURNAL_RETENTION_DAYS = env_int("SECURITY_JOURNAL_RETENTION_DAYS", 365)
# Minutes sent to the signatory sides read « approuvé (sans observation) » this many days after they were sent,
# unless a side made observations (computed from the dates when read: ctg.steering.rules).
STEERING_TACIT_APPROVAL_DAYS = env_int("STEERING_TACIT_APPROVAL_DAYS", 10)
# `manage.py send_reminders` reminds the pilots this many days before a meeting (ctg.steering.reminders).
STEERING_REMINDER_DAYS_BEFORE_MEETING = env_int("STEERING_REMINDER_DAYS_BEFORE_MEETING", 15)
# The public address of the instance, for the absolute links of e-mails sent outside a request (reminders).
SITE_BASE_URL = env_str("SITE_BASE_URL", "http://localhost:8000").rstrip("/")

# ProConnect (OpenID Connect federation of public agents): sign-in is offered only when all three are set.
# PROCONNECT_BASE_URL is the provider's issuer, whose /.well-known/openid-configuration describes its endpoints.
PROCONNECT_CLIENT_ID = env_str("PROCONNECT_CLIENT_ID")
PROCONNECT_CLIENT_SECRET = env_str("PROCONNECT_CLIENT_SECRET")
PROCONNECT_BASE_URL = env_str("PROCONNECT_BASE_URL").rstrip("/")
PROCONNECT_SCOPES = env_str("PROCONNECT_SCOPES", "openid email given_name usual_name siret uid idp_id")
# A sign-in must come back from the provider within this many seconds; calls to the provider time out after
# PROCONNECT_TIMEOUT seconds (the page then says the provider does not answer).
PROCONNECT_STATE_MAX_AGE = env_int("PROCONNECT_STATE_MAX_AGE", 600)
PROCONNECT_TIMEOUT = env_int("PROCONNECT_TIMEOUT", 10)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "ctg.www.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts_views/lockout.html"
# Number of reverse proxies in front of the application that append the client's address to X-Forwarded-For;
# 0 (no proxy) ignores the header, which a client can forge. Read by ctg.accounts.client_ip for throttling and
# the journal alike.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "ctg.accounts.client_ip.client_ip"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

# Background jobs: Django's task framework (backport), queued in the application's own database and run by
# `manage.py worker`. No other server to operate.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# /sante/ reports the worker missing when its last heartbeat is older than this.
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 120)

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "ctg" / "static"]
# Uploaded files live outside the web root and are served only by permission-checked views.
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "uploads"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
UPLOAD_MAX_SIZE = env_int("UPLOAD_MAX_SIZE", 20 * 1024 * 1024)

CACHE_DIR = env_str("CACHE_DIR", str(BASE_DIR / "var" / "cache"))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": CACHE_DIR,
        "TIMEOUT": None,
    },
    # Rate-limit counters, shared by every web process of the machine; apart so that they never evict charts.
    "throttle": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": f"{CACHE_DIR}/throttle",
        "TIMEOUT": 3600,
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Pilote CTG <ne-pas-repondre@pilote-ctg.invalid>")
# SMTP, read when EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend (production).
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

DATA_DIR = BASE_DIR / "data"

# LOG_FORMAT=json writes one JSON object per line (production); ADMINS ("Nom <adresse>, …") receive every server
# error by e-mail — the optional error reporting, off unless set.
ADMINS = [tuple(part.strip(" >") for part in item.split("<", 1)) for item in env_list("DJANGO_ADMINS") if "<" in item]
SERVER_EMAIL = DEFAULT_FROM_EMAIL
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": env_str("LOG_FORMAT", "plain")},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.request": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False},
        "ctg": {"handlers": ["console", "mail_admins"], "level": env_str("LOG_LEVEL", "WARNING"), "propagate": False},
    },
}
