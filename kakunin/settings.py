"""Kakunin settings: one file, everything read from the environment.

Secrets come from the variable itself or from a file named by VAR_FILE, so that they
can live outside the environment (systemd credentials, Docker secrets). Every variable
is listed in README.md.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()


def private_file(path: Path) -> None:
    """Make a SQLite file before SQLite does, private to this user (0600 in a 0700 folder
    when new): SQLite would create it readable by all under the usual umask, and the
    nobody user read the session keys and password hashes (issue 23.14)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass


# The files secrets were read from: none may be open to other users (kakunin.E003).
SECRET_FILES: list[Path] = []


def envsecret(name: str, default: str = "", local: Path | None = None) -> str:
    """The value of NAME, or else the contents of the file named by NAME_FILE, or else
    the `local` file `make run` made under VAR_DIR (so that manage.py commands work in
    a plain shell after `make run`). Production sets NAME or NAME_FILE."""
    if value := env.str(name, default=""):
        return value
    if path := env.str(f"{name}_FILE", default=""):
        SECRET_FILES.append(Path(path))
        return Path(path).read_text(encoding="utf-8").strip()
    if local is not None and local.is_file():
        SECRET_FILES.append(local)
        return local.read_text(encoding="utf-8").strip()
    return default


DEBUG = env.bool("DEBUG", default=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
# What `make run` creates once, and the settings fall back to when nothing is set.
LOCAL_SECRET_KEY_FILE = VAR_DIR / "secret_key"
LOCAL_FIELD_KEYS_FILE = VAR_DIR / "field_keys"
LOCAL_RUN = not env.str("SECRET_KEY", default="") and not env.str("SECRET_KEY_FILE", default="")

SECRET_KEY = envsecret("SECRET_KEY", local=LOCAL_SECRET_KEY_FILE)
# The address `make run` serves on (HOST, PORT), for links in e-mails when SITE_URL is unset.
HOST = env.str("HOST", default="127.0.0.1")
PORT = env.int("PORT", default=8000)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS and LOCAL_RUN and LOCAL_SECRET_KEY_FILE.is_file():
    # The local installation `make run` made: it serves on loopback (or HOST).
    ALLOWED_HOSTS = list(dict.fromkeys([HOST, "127.0.0.1", "localhost"]))
if DEBUG:
    SECRET_KEY = SECRET_KEY or "debug-only-insecure-key"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
elif not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off.")
elif not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_NAME = env.str("SITE_NAME", default="Kakunin")
MUNICIPALITY_CODE = env.str("MUNICIPALITY_CODE", default="131016")  # a one-ward installation's
MUNICIPALITY_NAME = env.str("MUNICIPALITY_NAME", default="千代田区")  # (kakunin.tenants)
# Where Kakunin is served, for the links in e-mails: SITE_URL; else, on the installation
# `make run` made, the address it last served on (it writes VAR_DIR/site_url), so that a
# mail queued by a command in a plain shell links there; else http://HOST:PORT.
LOCAL_SITE_URL_FILE = VAR_DIR / "site_url"
SITE_URL = env.str("SITE_URL", default="") or (
    LOCAL_SITE_URL_FILE.read_text(encoding="utf-8").strip()
    if LOCAL_RUN and LOCAL_SITE_URL_FILE.is_file()
    else f"http://{HOST}:{PORT}"
)

INSTALLED_APPS = [
    # First: its createsuperuser replaces django.contrib.auth's (an administrator with
    # the admin role and a one-time password). Its signal receivers say themselves that
    # django-axes' run before them (AccountsConfig.ready).
    "kakunin.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    "huey.contrib.djhuey",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "kakunin.core",
    "kakunin.tenants",
    "kakunin.staging",
    "kakunin.crypto",
    "kakunin.audit",
    "kakunin.monitoring",
    "kakunin.catalog",
    "kakunin.systems",
    "kakunin.assessments",
    "kakunin.evidence",
    "kakunin.reviews",
    "kakunin.notifications",
    "kakunin.dashboards",
    "kakunin.reports",
    "kakunin.forms_xlsx",
    "kakunin.inventory",
    "kakunin.records",
    "kakunin.backups",
    "kakunin.selfcheck",
    "kakunin.library",
    "kakunin.directory",
    "kakunin.scans",
    "kakunin.service",
    # Not "rest_framework": its Japanese catalogue would replace Django's wording on every
    # form ("このフィールドは必須です" became "この項目は必須です"); the API needs no more.
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "kakunin.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise: every response but the static files is no-store.
    "kakunin.core.middleware.NoStoreMiddleware",
    # A page never obeys a bidirectional control kept in old data (issue 23.14).
    "kakunin.core.middleware.ShownTextMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kakunin.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "kakunin.audit.middleware.AuditContextMiddleware",
    # A login lasts SESSION_ABSOLUTE_LIFETIME at most; ended sessions are logged out.
    "kakunin.accounts.middleware.SessionLifetimeMiddleware",
    # Every page needs a login, except views marked @login_not_required.
    "kakunin.accounts.middleware.LoginRequiredMiddleware",
    "kakunin.accounts.middleware.AccountGateMiddleware",
    "kakunin.service.middleware.MunicipalityMiddleware",
    # Last: it answers for the lockout that AxesBackend noticed.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kakunin.urls"
WSGI_APPLICATION = "kakunin.wsgi.application"

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
                "kakunin.core.context_processors.site",
                "kakunin.accounts.context_processors.header",
                "kakunin.monitoring.context_processors.alerts",
            ],
        },
    },
    {
        # Only for fragments rendered explicitly through engines["jinja2"] (see kakunin/core/jinja.py).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "kakunin.core.jinja.environment"},
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kakunin.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers of
    # the audit chain queue up instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    if DATABASES["default"]["NAME"] != ":memory:":
        private_file(Path(DATABASES["default"]["NAME"]))
else:
    # A connection kept by each app process for this many seconds (checked before
    # reuse), not a new one for every request: it was most of a page's time on PG.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The role taken on PostgreSQL when the login owns the tables (kakunin.tenants.rls).
DATABASE_ROLE = env.str("DATABASE_ROLE", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and passwords (controls: individual-ids … account-lockout) -------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every attempt on a locked account or a throttled address.
    "kakunin.accounts.backends.LockoutBackend",
    # A municipality's own LDAP / Active Directory (`name@domain`), then Kakunin's passwords.
    "kakunin.directory.ldap.DirectoryBackend",
    "kakunin.directory.backends.LocalBackend",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # argon2id
# 12+ characters with upper case, lower case and digits (password-rules).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["username", "full_name", "email"]},
    },
    {
        "NAME": "kakunin.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "kakunin.accounts.validators.CharacterClassValidator"},
    {"NAME": "kakunin.accounts.validators.PasswordHistoryValidator"},
]
# password-change asks for one every 90 days. 0 turns expiry off (MIC and NIST
# guidance accept no expiry when MFA is on).
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
PASSWORD_HISTORY = env.int("PASSWORD_HISTORY", default=5)
ACCOUNT_REVIEW_UNUSED_DAYS = env.int("ACCOUNT_REVIEW_UNUSED_DAYS", default=90)

# allauth: administrators issue every account; nobody signs up.
ACCOUNT_ADAPTER = "kakunin.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "kakunin.accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False  # no "remember me"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False  # no automatic login
ACCOUNT_LOGOUT_ON_GET = False  # logout is POST only
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# A reset asked for an address without an account mails nobody (allauth would mail the
# address, inviting it to sign up, which Kakunin does not allow); the page says the same.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# The reset code is typed into a form: no secret travels in a URL (secrets-in-url).
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
# Lockout is django-axes' job, for passwords and TOTP codes (accounts/lockout.py): allauth's
# login limits would fire first with another message. Its other limits stay on.
ACCOUNT_RATE_LIMITS = {"login_failed": False, "login": False}
LOGIN_URL = ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# Lockout (account-lockout, kakunin/accounts/lockout.py): failures lock the account, not the address.
LOCKOUT_FAILURES = env.int("LOCKOUT_FAILURES", default=10)  # a municipality may set fewer
AXES_FAILURE_LIMIT = "kakunin.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "kakunin.accounts.lockout.login_identifier"
AXES_CLIENT_IP_CALLABLE = "kakunin.audit.middleware.client_ip"
AXES_RESET_ON_SUCCESS, AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True, False
AXES_SENSITIVE_PARAMETERS = ["password", "code", "password1", "password2", "oldpassword"]
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_ENABLE_ADMIN = AXES_VERBOSE = False
# An address is throttled only when it fails on this many different accounts within
# LOCKOUT_MINUTES (password spraying): a typo behind the ward's NAT never locks a department.
LOCKOUT_ADDRESS_ACCOUNTS = env.int("LOCKOUT_ADDRESS_ACCOUNTS", default=30)

# TOTP (mfa): required for administrators and security reviewers.
MFA_ADAPTER = "kakunin.accounts.adapter.MFAAdapter"
# Wrong codes count toward the account's lockout, like wrong passwords (account-lockout).
MFA_FORMS = {
    "authenticate": "kakunin.accounts.forms.MFAAuthenticateForm",
    # The secret stays the same until activated (a reload does not change the QR code).
    "activate_totp": "kakunin.accounts.forms.ActivateTOTPForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_REQUIRED_ROLES = ["admin", "reviewer", "operator"]
MFA_REQUIRED_FOR_ALL = env.bool("MFA_REQUIRED_FOR_ALL", default=False)

# User management answers only from these networks; elsewhere it is a 404.
ADMIN_ALLOWED_NETWORKS = env.list("ADMIN_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
# Reverse proxies in front (nginx: 1): their X-Forwarded-For entries are trusted.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# allauth reads the client through our adapter (accounts/adapter.py); this keeps its own the same.
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES
# A municipality's OpenID Connect provider (directory/oidc.py): its staff, never a signup.
SOCIALACCOUNT_ADAPTER = "kakunin.directory.oidc.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = SOCIALACCOUNT_STORE_TOKENS = SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

# --- Sessions and HTTP (session-*, cookie-flags, xss, clickjacking, https) ----
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60  # 60-minute idle timeout: renewed by the requests, at most
# once a minute (accounts/logins.py keep_alive), not with a write on every request
# However active, a login lasts at most this long (hours); then the person logs in again.
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env.int("SESSION_ABSOLUTE_HOURS", default=12))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# The language switch's cookie: no script reads it (cookie-flags).
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "kakunin.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# HTTPS=1 in production, behind nginx: redirect, Secure cookies, HSTS.
HTTPS = env.bool("HTTPS", default=False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [
    # django-axes asks for the address as a lockout parameter. Kakunin locks the account
    # wherever the failures come from (account-lockout), and throttles an address on its own
    # rule, many accounts failed from it (LOCKOUT_ADDRESS_ACCOUNTS): with the address as a
    # parameter a success cleared every account's failures from it, and one person's
    # typos locked out a whole department behind the ward's proxy.
    "axes.W006",
    # HSTS preload promises browser vendors the ward's whole domain: the ward's call. HSTS is on.
    "security.W021",
]

# Content-Security-Policy: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Language -----------------------------------------------------------------
LANGUAGE_CODE = "ja"

# Each language is named in itself, so that anyone can find their own.
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "kakunin" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tokyo")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------
STATIC_URL = "/static/"
# Static files are public: a deployment whose nginx serves them puts them outside the
# private VAR_DIR (README: Deployment on Debian).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Evidence files and the audit archive: folders (EVIDENCE_DIR, AUDIT_ARCHIVE_DIR, shared
    # between app nodes), reached only through Django's storage API (kakunin/core/storage.py).
    "evidence": {
        "BACKEND": "kakunin.core.storage.FolderStorage",
        "OPTIONS": {"setting": "EVIDENCE_DIR"},
    },
    "audit_archive": {
        "BACKEND": "kakunin.core.storage.FolderStorage",
        "OPTIONS": {"setting": "AUDIT_ARCHIVE_DIR", "allow_overwrite": True},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- REST API (/api/v1/; kakunin/api) -------------------------------------------
API_RATE = env.str("API_RATE", default="600/min")
REST_FRAMEWORK = {
    # A personal token (Authorization: Bearer), or the web session with its CSRF token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kakunin.api.authentication.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "kakunin.api.permissions.TokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["kakunin.api.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": API_RATE},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["kakunin.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "kakunin.api.pagination.Pages",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kakunin.api.problems.problem_details",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kakunin API",
    "DESCRIPTION": "システム導入に係るセキュリティ要件確認 — REST API",
    "VERSION": "1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI and Redoc from our own static files: LGWAN has no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Names for the choice sets that share a field name ("state", "verdict"): without
    # them drf-spectacular warns (W001), and `check --deploy` fails on warnings.
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStateEnum": "kakunin.assessments.models.State",
        "VerdictEnum": "kakunin.assessments.models.Verdict",
        "ScanStateEnum": "kakunin.scans.models.Scan.State",
        "ScanVerdictEnum": "kakunin.scans.policy.Outcome",
        "RecordKindEnum": "kakunin.records.models.Kind",
        "StatusEnum": "kakunin.api.serializers.ANSWER_STATUSES",
        "LibraryEntryStatusEnum": "kakunin.library.models.ENTRY_STATUS_VALUES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kakunin.api.schema.add_problems",
        "kakunin.api.schema.add_links",
        "kakunin.api.schema.close_request_bodies",
    ],
}

# --- E-mail (fixed headers through Django's mail API only: mail-header-injection)
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD", _email.get("EMAIL_HOST_PASSWORD", ""))
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="kakunin@localhost")

# --- Audit trail (log-collection, log-retention) ------------------------------------
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)
if AUDIT_RETENTION_DAYS < 730:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be at least 730 (two years).")
AUDIT_ARCHIVE_DIR = Path(env.str("AUDIT_ARCHIVE_DIR", default=str(VAR_DIR / "audit-archive")))

# --- Background jobs (huey) -----------------------------------------------------
HUEY_URL = env.str("HUEY_URL", default=f"sqlite:///{VAR_DIR / 'huey.sqlite3'}")
HUEY = {
    "name": "kakunin",
    "immediate": env.bool("HUEY_IMMEDIATE", default=False),
    # Scans run for seconds to minutes: enough workers that one never holds up the others.
    "consumer": {
        "workers": env.int("HUEY_WORKERS", default=4),
        "worker_type": "thread",
        "periodic": True,
    },
}
# SQLite by default; Redis (HUEY_URL=redis://host:6379/0) across machines. core.queue: each
# periodic job enqueued once per time due across every worker (claimed in the shared cache).
if HUEY_URL.startswith("redis://"):
    HUEY |= {"huey_class": "kakunin.core.queue.RedisHuey", "url": HUEY_URL}
elif not HUEY_URL.startswith("sqlite:///"):
    raise ImproperlyConfigured("HUEY_URL must be sqlite:///PATH or redis://HOST:PORT/DB.")
else:
    HUEY |= {
        "huey_class": "kakunin.core.queue.SqliteHuey",
        "filename": HUEY_URL.removeprefix("sqlite:///"),
    }
    private_file(Path(HUEY["filename"]))

# --- PDFs (issue 23.15) ------------------------------------------------------------
# Made by the job worker; kept this long for their requester to download. A PDF not
# finished after PDF_STALL_MINUTES is shown as stopped (the worker is down).
PDF_KEEP_HOURS = env.int("PDF_KEEP_HOURS", default=24)
PDF_STALL_MINUTES = env.int("PDF_STALL_MINUTES", default=10)
# A person's PDFs waiting or being made at once; more are refused with a message.
PDF_MAX_UNFINISHED = env.int("PDF_MAX_UNFINISHED", default=3)

# --- Auth-log monitoring (failure-alerting, auth-log-monitoring) --------------------
ALERT_WINDOW_MINUTES = env.int("ALERT_WINDOW_MINUTES", default=10)
ALERT_FAILURE_SPIKE = env.int("ALERT_FAILURE_SPIKE", default=20)
ALERT_ACCOUNTS_PER_ADDRESS = env.int("ALERT_ACCOUNTS_PER_ADDRESS", default=5)
HEALTHZ_MIN_FREE_BYTES = env.int("HEALTHZ_MIN_FREE_BYTES", default=1024**3)

# --- Encryption of important data (data-encryption) --------------------------------
# "id:base64key,id:base64key": 32-byte AES-256 keys, the first encrypts. Not SECRET_KEY.
FIELD_ENCRYPTION_KEYS = envsecret("FIELD_ENCRYPTION_KEYS", local=LOCAL_FIELD_KEYS_FILE)
if not FIELD_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS (or FIELD_ENCRYPTION_KEYS_FILE) must be set.")

# --- Review ----------------------------------------------------------------------
# Whether the owning department's staff also give verdicts (a first look before
# the security reviewer, who alone returns and approves).
DEPARTMENT_REVIEWS = env.bool("DEPARTMENT_REVIEWS", default=True)
REMINDER_DAYS_BEFORE_DUE = env.int("REMINDER_DAYS_BEFORE_DUE", default=3)

# --- Evidence files (anti-malware, data-encryption) --------------------------------
# Outside anything a web server serves; encrypted; handed out only by an access-checked view.
EVIDENCE_DIR = Path(env.str("EVIDENCE_DIR", default=str(VAR_DIR / "evidence")))
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
EVIDENCE_MAX_UNZIPPED_BYTES = env.int("EVIDENCE_MAX_UNZIPPED_BYTES", default=200 * 1024 * 1024)
# clamd's socket (Debian: /run/clamav/clamd.ctl). When set, every upload is scanned first.
CLAMAV_SOCKET = env.str("CLAMAV_SOCKET", default="")
CLAMAV_TIMEOUT = env.int("CLAMAV_TIMEOUT", default=30)

# --- Forms: the one new systems use (a form's key; blank: the first loaded), its Excel
DEFAULT_FORM = env.str("DEFAULT_FORM", default="")
FORM_IMPORT_MAX_BYTES = env.int("FORM_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
# The sum of the uncompressed parts of an upload (zip-bomb guard).
FORM_IMPORT_MAX_UNZIPPED_BYTES = env.int("FORM_IMPORT_MAX_UNZIPPED_BYTES", default=50 * 1024 * 1024)
# The cells its sheets may hold, counted before openpyxl reads them (it holds every cell
# in memory: a 3.3 MB upload grew a worker to 870 MB). A form of 83 items takes 1,000.
FORM_IMPORT_MAX_CELLS = env.int("FORM_IMPORT_MAX_CELLS", default=50_000)

# The software inventory (software-inventory): the largest SBOM or list accepted, and how
# many days before its support ends a component shows as ending soon.
INVENTORY_IMPORT_MAX_BYTES = env.int("INVENTORY_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
EOL_WARNING_DAYS = env.int("EOL_WARNING_DAYS", default=180)
# Vulnerability feeds: the largest upload, and the most a file may unpack to (NVD's ~0.5 GB).
VULN_FEED_MAX_BYTES = env.int("VULN_FEED_MAX_BYTES", default=300 * 1024 * 1024)
VULN_FEED_MAX_UNPACKED_BYTES = env.int("VULN_FEED_MAX_UNPACKED_BYTES", default=2 * 1024**3)
# The cache (rate limits, used TOTP codes, jobs' claims, pages kept): in-process by default;
# a deployment of several processes shares one (CACHE_URL=redis://host:6379/1, or
# dbcache://kakunin_cache on one machine; `check --deploy` fails without: core/checks.py).
CACHES = {"default": env.cache_url_config(env.str("CACHE_URL", default="") or "locmemcache://")}

# Kakunin's answers to its own checklist (kakunin.selfcheck): the system they belong
# to, and the department that owns it when the first run registers it.
SELF_ASSESSMENT_SYSTEM = env.str("SELF_ASSESSMENT_SYSTEM", default="Kakunin")
SELF_ASSESSMENT_DEPARTMENT = env.str("SELF_ASSESSMENT_DEPARTMENT", default="情報政策課")
# Kakunin's own backups (kakunin.backups): where generations go, how many are kept, the
# second disk or share, and their key (32 random bytes, base64), apart from the field keys.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
BACKUP_GENERATIONS = env.int("BACKUP_GENERATIONS", default=7)
BACKUP_OFFSITE_DIR = env.str("BACKUP_OFFSITE_DIR", default="")
BACKUP_KEY = envsecret("BACKUP_KEY", local=VAR_DIR / "backup_key")
if BACKUP_GENERATIONS < 1:
    raise ImproperlyConfigured("BACKUP_GENERATIONS must be at least 1.")

# Records (kakunin.records): a certificate shows as expiring, and its holders are reminded,
# this many days before it ends; a review (admin accounts, logs) is overdue when the last
# is older than REVIEW_INTERVAL_DAYS; the largest ISMAP list file accepted.
CERTIFICATE_WARNING_DAYS = env.int("CERTIFICATE_WARNING_DAYS", default=60)
REVIEW_INTERVAL_DAYS = env.int("REVIEW_INTERVAL_DAYS", default=365)
ISMAP_LIST_MAX_BYTES = env.int("ISMAP_LIST_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Automated checks of vendors' web systems (kakunin.scans) -------------------
# Loopback, private and link-local addresses are refused unless allowed here.
SCAN_ALLOW_LOOPBACK = env.bool("SCAN_ALLOW_LOOPBACK", default=False)
SCAN_ALLOW_PRIVATE = env.bool("SCAN_ALLOW_PRIVATE", default=False)
SCAN_TIMEOUT = env.float("SCAN_TIMEOUT", default=5.0)  # seconds per network step
SCAN_BUDGET = env.float("SCAN_BUDGET", default=120.0)  # seconds per scan of one target
SCAN_REQUEST_INTERVAL = env.float("SCAN_REQUEST_INTERVAL", default=0.01)  # at most 100 requests/s
SCAN_MAX_PAGES = env.int("SCAN_MAX_PAGES", default=20)
SCAN_MAX_DEPTH = env.int("SCAN_MAX_DEPTH", default=2)
SCAN_MAX_BODY = env.int("SCAN_MAX_BODY", default=1024 * 1024)
SCAN_CONCURRENCY = env.int("SCAN_CONCURRENCY", default=8)  # checks side by side in one scan
SCAN_TARGET_CONCURRENCY = env.int("SCAN_TARGET_CONCURRENCY", default=8)  # targets side by side

# Ports probed for port-filtering, beside those the vendor declared.
SCAN_DEFAULT_PORTS = env.list("SCAN_DEFAULT_PORTS", cast=int, default=[
    21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445,
    1433, 1521, 3306, 3389, 5432, 5900, 6379, 8000, 8080, 8443, 9200, 27017,
])  # fmt: skip
SCAN_CA_BUNDLE = env.str("SCAN_CA_BUNDLE", default="")  # the ward's own CA, if it has one
SCAN_CERT_WARNING_DAYS = env.int("SCAN_CERT_WARNING_DAYS", default=30)
SCAN_INTERVAL_DAYS = env.int("SCAN_INTERVAL_DAYS", default=30)  # scheduled re-scans
