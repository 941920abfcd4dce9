"""Coursebook settings: one module, driven by environment variables.

Embedded defaults (SQLite, a serverless Celery broker, mail to files) let a person try
Coursebook with nothing installed; production sets DATABASE_URL, REDIS_URL, EMAIL_URL,
SECRET_KEY and ALLOWED_HOSTS.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("COURSEBOOK_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production needs a long random SECRET_KEY "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'); "
            "for a local trial set DEBUG=true."
        )
    SECRET_KEY = "coursebook-insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Production needs the host names Coursebook is served on, "
        "comma separated (ALLOWED_HOSTS=training.example.org)."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "axes",
    "audit",
    "notifications",
    "accounts",
    "training",
    "evaluations",
    "reports",
    "privacy",
    "imports",
    "pages",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pages.middleware.NoStoreForPersonalDataMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "pages.middleware.PermissionsPolicyMiddleware",
    # Last, as django-axes asks, so it sees the outcome of every login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pages.context_processors.service",
            ],
        },
    },
]
# Our templates (templates/django/forms/...) turn Django forms into GOV.UK markup.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Databases -------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'coursebook.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Writers take the lock when their transaction begins, so concurrent bookings
        # queue behind each other instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so threads in the concurrency tests share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-coursebook.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People ----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "pages:home"
LOGOUT_REDIRECT_URL = "pages:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Failed logins: five tries per account and address, then a pause of 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# Failures are counted under the normalised email, the one sign-in matches on.
AXES_USERNAME_CALLABLE = "accounts.signin.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Failed attempts keep the form's fields: never the passwords (the forms that change a
# password or an email address check the current one through sign-in), nor addresses.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "email",
    "old_password",
    "new_password1",
    "new_password2",
]
# Proxies in front of gunicorn that append to X-Forwarded-For (accounts.client_ip).
COURSEBOOK_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"

SESSION_COOKIE_AGE = 60 * 60 * 12
# Banners name people and addresses ("emailed nia@example.org how to claim it"): kept in
# the session on the server until shown, never in a cookie (signed, not encrypted).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Emails with a link (password reset, verification, registration) each address and each
# client (IP address) may ask for in an hour.
COURSEBOOK_EMAILS_PER_ADDRESS = env.int("EMAILS_PER_ADDRESS_PER_HOUR", default=3)
COURSEBOOK_EMAILS_PER_CLIENT = env.int("EMAILS_PER_CLIENT_PER_HOUR", default=20)

# Locale ----------------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Static files ----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Email -----------------------------------------------------------------------------------

if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Each message is written to a file under var/mail that a person can open and read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Coursebook <training@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery ----------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # A broker with no server: queues are folders under var/celery.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Kombu's default is a `control/` folder in the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    for folder in ("queue", "processed", "control"):
        (VAR_DIR / "celery" / folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # The sweep that delivers whatever the on-commit kick missed (broker down, worker busy).
    "outbox-sweep": {
        "task": "notifications.tasks.outbox_deliver_pending",
        "schedule": 60.0,
    },
    "session-reminders": {
        "task": "training.tasks.reminders_send_due",
        "schedule": crontab(minute=5),
    },
    # End-of-session evaluations: invitations for closed registers, reminders, closing.
    "evaluation-invitations": {
        "task": "evaluations.tasks.end_of_session_send_due",
        "schedule": crontab(minute=20),
    },
    # Follow-up impact surveys and line managers' forms: once a day, so that a delegate due
    # several on one day gets one digest.
    "follow-up-surveys": {
        "task": "evaluations.tasks.follow_ups_send_due",
        "schedule": crontab(hour=8, minute=0),
    },
    # Runs daily; issues invoices only on the first working day of the month.
    "monthly-invoices": {
        "task": "training.tasks.invoices_monthly",
        "schedule": crontab(hour=6, minute=30),
    },
    # Monthly: anonymise the people whose retention period has ended.
    "retention-anonymise": {
        "task": "privacy.tasks.people_anonymise_due",
        "schedule": crontab(day_of_month=1, hour=2, minute=45),
    },
    # Uploaded histories nobody confirmed are deleted after a day.
    "expire-history-uploads": {
        "task": "imports.tasks.import_uploads_expire_task",
        "schedule": crontab(minute=35),
    },
    # Report PDFs whose task was never queued (broker down when they were asked for).
    "report-pdfs-sweep": {
        "task": "reports.tasks.report_pdfs_sweep",
        "schedule": 120.0,
    },
    # Coordinators' invoice runs whose task was never queued, or whose worker stopped.
    "invoice-runs-sweep": {
        "task": "training.tasks.invoice_runs_sweep",
        "schedule": 120.0,
    },
    "purge-axes-attempts": {
        "task": "accounts.tasks.failed_logins_purge",
        "schedule": crontab(hour=3, minute=15),
    },
    "purge-email-requests": {
        "task": "notifications.tasks.email_requests_forget",
        "schedule": crontab(hour=3, minute=20),
    },
}

# Security --------------------------------------------------------------------------------

# No inline scripts or styles anywhere: every script and stylesheet is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # The reports' charts are SVG images in data: addresses (an image runs no script);
        # inline <svg> would need its matplotlib <style> allowed instead.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# The health check is polled over plain HTTP by load balancers inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Link tokens (password reset, verification) are replaced in whatever is logged.
    "filters": {
        "link_tokens": {"()": "config.log_tokens.TokenFilter"},
        "client_errors": {"()": "config.log_requests.ClientErrorFilter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["link_tokens"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (console when DEBUG, runserver's request lines) replaced by
        # ours, which removes link tokens.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # A refused request (4xx) is one line without a traceback; server errors keep theirs.
        "django.request": {"filters": ["client_errors"]},
        # django-axes names the account in its lockout warnings: keep emails out of logs.
        "axes": {"level": "ERROR"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Coursebook ------------------------------------------------------------------------------

COURSEBOOK_PARTNERSHIP_NAME = env.str(
    "PARTNERSHIP_NAME", default="Tri-borough Local Safeguarding Children Board"
)
COURSEBOOK_PHASE = env.str("SERVICE_PHASE", default="Beta")
COURSEBOOK_SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="lscb.training@example.org")
COURSEBOOK_SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
COURSEBOOK_PARTNERSHIP_ADDRESS = env.str(
    "PARTNERSHIP_ADDRESS", default="LSCB Business Support, Kensington Town Hall, London W8 7NX"
)
COURSEBOOK_INVOICE_PREFIX = env.str("INVOICE_PREFIX", default="LSCB-")
COURSEBOOK_CREDIT_NOTE_PREFIX = env.str("CREDIT_NOTE_PREFIX", default="LSCB-CN-")
# Certificates become downloadable once the end-of-session evaluation is submitted.
# Personal data is anonymised this many years after a person's last booking, attendance,
# answer or sign-in; issued invoices are kept this many years after their financial year.
COURSEBOOK_RETENTION_YEARS = env.int("RETENTION_YEARS", default=7)
COURSEBOOK_INVOICE_RETENTION_YEARS = env.int("INVOICE_RETENTION_YEARS", default=6)
COURSEBOOK_CERTIFICATE_NEEDS_EVALUATION = env.bool("CERTIFICATE_NEEDS_EVALUATION", default=True)

# Evaluations: the follow-up impact survey goes this many days after the session (90 to
# 180); the line manager is asked too when this is on and the delegate booked after the
# booking page began saying so.
COURSEBOOK_FOLLOW_UP_DAYS = env.int("FOLLOW_UP_DAYS", default=90)
if not 90 <= COURSEBOOK_FOLLOW_UP_DAYS <= 180:
    raise ImproperlyConfigured("FOLLOW_UP_DAYS must be between 90 and 180 (3 to 6 months).")
COURSEBOOK_MANAGER_FOLLOW_UP = env.bool("MANAGER_FOLLOW_UP", default=True)
COURSEBOOK_MANAGER_FOLLOW_UP_BOOKED_FROM = env.str(
    "MANAGER_FOLLOW_UP_BOOKED_FROM", default="2026-12-01"
)
# Trainers see comments (never names) once a session has this many responses.
COURSEBOOK_RESULTS_MIN_RESPONSES = env.int("RESULTS_MIN_RESPONSES", default=5)
