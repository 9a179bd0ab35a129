"""SCFM settings. Production and development differ only by environment (see .env.example)."""

import ipaddress
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.secret_key import secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SCFM_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("SCFM_DEBUG", False)
ALLOWED_HOSTS = env_list("SCFM_ALLOWED_HOSTS", ["*"])
PORT = env_int("PORT", 8000)
SCFM_PUBLIC_URL = env_str("SCFM_PUBLIC_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
# A deployment (a public URL beyond this machine) must set SCFM_SECRET_KEY; `make run` gets a key
# generated once and kept in var/secret_key (config/secret_key.py).
SECRET_KEY = secret_key(
    configured=env_str("SCFM_SECRET_KEY", ""), public_url=SCFM_PUBLIC_URL, var_dir=VAR_DIR
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us: /api/docs works air-gapped
    "scfm.core",
    "scfm.accounts",
    "scfm.contacts",
    "scfm.callouts",
    "scfm.calls",
    "scfm.engine",
    "scfm.simulator",
    "scfm.api",
    "scfm.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "scfm.api.middleware.ApiFormatSuffixMiddleware",
    "scfm.core.middleware.RejectNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "scfm.dashboard.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a locked sign-in's response into its lock-out page.
    "axes.middleware.AxesMiddleware",
]
APPEND_SLASH = False

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "scfm.dashboard.context.dashboard",
            ],
        },
    },
]

DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'scfm.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", DEFAULT_SQLITE_URL), conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    # IMMEDIATE avoids the read-to-write lock upgrade that fails at once under concurrency.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;",
    }
    # A file, not shared-cache memory: engine threads and end-to-end processes share it, with
    # the busy timeout (shared-cache memory databases fail at once with "table is locked").
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-scfm.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 6}},
]

LOGIN_URL = "/users/sign_in"
LOGIN_REDIRECT_URL = "/dashboard/callouts"
PASSWORD_RESET_TIMEOUT = 6 * 60 * 60  # reset links work for six hours, as in the reference
SESSION_COOKIE_HTTPONLY = True

# Response headers. Every dashboard asset is vendored, so the policy allows the site's own files only
# (and data: images, which Pico CSS draws its icons with): no inline script or style, no framing.
# The three below are Django's defaults, written out so that every header sent is listed here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Served over HTTPS (SCFM_PUBLIC_URL says so): cookies travel only over HTTPS, and browsers are told
# to use nothing else (HSTS, one year by default). TLS usually ends at a reverse proxy, which says so
# in X-Forwarded-Proto; without that header Django would take every request for plain HTTP.
SERVED_OVER_HTTPS = SCFM_PUBLIC_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = SERVED_OVER_HTTPS
if SERVED_OVER_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SCFM_HSTS_SECONDS", 365 * 24 * 60 * 60)
# Sign-in lock-out (django-axes, see scfm/accounts/sign_in.py), for the dashboard and /admin/ alike.
# Failures count per (client address, account) and per account, never per address alone: wrong
# passwords for other e-mails lock nobody out, and people behind one address (an office, a proxy)
# cannot lock each other out. One client locks itself out of one account after
# SCFM_SIGN_IN_MAX_FAILURES; the account locks for everyone after SCFM_SIGN_IN_MAX_FAILURES_PER_ACCOUNT
# (four times as many by default, so locking someone out takes several addresses). A lock lasts
# SCFM_SIGN_IN_LOCKOUT_SECONDS after the failure that set it; attempts while locked are refused,
# right password or not, and neither count nor prolong it.
SCFM_SIGN_IN_MAX_FAILURES = env_int("SCFM_SIGN_IN_MAX_FAILURES", 5)
SCFM_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = env_int(
    "SCFM_SIGN_IN_MAX_FAILURES_PER_ACCOUNT", 4 * SCFM_SIGN_IN_MAX_FAILURES
)
SCFM_SIGN_IN_LOCKOUT_SECONDS = env_int("SCFM_SIGN_IN_LOCKOUT_SECONDS", 15 * 60)
# Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the client.
# Empty: the peer's address is the client's and X-Forwarded-For is ignored, whoever sends it.
try:
    SCFM_TRUSTED_PROXIES = [
        ipaddress.ip_network(proxy, strict=False) for proxy in env_list("SCFM_TRUSTED_PROXIES", [])
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"SCFM_TRUSTED_PROXIES: {error}") from error
AXES_HANDLER = "scfm.accounts.sign_in.SignInLockHandler"
# axes compares every parameter set with AXES_FAILURE_LIMIT; SignInLockHandler gives the sets that
# name the client address SCFM_SIGN_IN_MAX_FAILURES instead. The limits and cool-off are read from
# the SCFM_ settings above on every attempt.
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "username"]]
AXES_FAILURE_LIMIT = "scfm.accounts.sign_in.account_limit"
AXES_COOLOFF_TIME = "scfm.accounts.sign_in.cool_off"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "scfm.accounts.sign_in.account_key"
AXES_CLIENT_IP_CALLABLE = "scfm.accounts.sign_in.client_address"
AXES_LOCKOUT_CALLABLE = "scfm.dashboard.views.users_auth.locked_out_response"
# Logs of lock-outs name the account and address (passwords are always masked).
AXES_SENSITIVE_PARAMETERS: list[str] = []
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not kept: that table would only grow
AXES_VERBOSE = False  # no banner on every command; lock-out logs name just the account and address
AUTHENTICATION_BACKENDS = [
    "scfm.accounts.sign_in.SignInLockBackend",  # first: refuses before any password is checked
    "django.contrib.auth.backends.ModelBackend",
]
SCFM_INVITATION_VALID_DAYS = env_int("SCFM_INVITATION_VALID_DAYS", 14)
# The first dashboard user `scfm bootstrap` creates on a fresh installation.
SCFM_BOOTSTRAP_ADMIN_EMAIL = env_str("SCFM_BOOTSTRAP_ADMIN_EMAIL", "admin@scfm.local")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("km", "ខ្មែរ")]
# One catalog for every dashboard string (`make messages` refreshes it; the compiled .mo is committed).
LOCALE_PATHS = [BASE_DIR / "scfm" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("SCFM_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded audio goes through Django's storage API: local files under MEDIA_ROOT (served by the web
# process at MEDIA_URL so the provider can fetch them), or S3 when a bucket is configured.
SCFM_S3_BUCKET = env_str("SCFM_S3_BUCKET", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if SCFM_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": SCFM_S3_BUCKET,
            "region_name": env_str("SCFM_S3_REGION", "") or None,
            "endpoint_url": env_str("SCFM_S3_ENDPOINT_URL", "") or None,
            "default_acl": "public-read",  # the provider fetches the audio without credentials
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
# Largest audio file accepted by the dashboard.
SCFM_MAX_AUDIO_UPLOAD_BYTES = env_int("SCFM_MAX_AUDIO_UPLOAD_BYTES", 20 * 1024 * 1024)

EMAIL_BACKEND = env_str("SCFM_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("SCFM_DEFAULT_FROM_EMAIL", "SCFM <noreply@scfm.local>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["scfm.api.authentication.AccessTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["scfm.api.permissions.HasTokenPermission"],
    "DEFAULT_PARSER_CLASSES": [
        "scfm.api.params.DepthLimitedJSONParser",
        "scfm.api.params.NestedFormParser",
        "scfm.api.params.NestedMultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "scfm.api.negotiation.JsonOnlyNegotiation",
    "EXCEPTION_HANDLER": "scfm.api.errors.handle_exception",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SCFM API",
    "DESCRIPTION": "Simple Call Flow Manager: contacts, callouts, populations, participations, phone calls.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/docs loads Swagger UI from the installed package, never from a CDN, and asks no online
    # validator to check the schema: the page works on an air-gapped install.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Bodies are documented as JSON, the API's format: form and multipart bodies are accepted for
    # curl's sake (same fields, bracketed keys), but cannot carry the JSON types (null, numbers).
    "PARSER_WHITELIST": ["scfm.api.params.DepthLimitedJSONParser"],
    # The provider webhooks are plain Django views: documented by hand (scfm.api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "scfm.api.schema.document_provider_webhooks",
    ],
}

# The built-in provider simulator (`scfm simulator`), which `make run` wires the first account to.
SIMULATOR_PORT = env_int("SIMULATOR_PORT", 8001)
SIMULATOR_ACCOUNT_SID = env_str("SIMULATOR_ACCOUNT_SID", "simulator-account")
SIMULATOR_AUTH_TOKEN = env_str("SIMULATOR_AUTH_TOKEN", "simulator-token")

# Where Twilio accounts' calls go; empty means api.twilio.com. Drills point it at the simulator.
SCFM_TWILIO_API_BASE_URL = env_str("SCFM_TWILIO_API_BASE_URL", "")

# RapidPro, whose flows PlayMessageStartRapidproFlow starts after a completed call.
SCFM_RAPIDPRO_BASE_URL = env_str("SCFM_RAPIDPRO_BASE_URL", "https://app.rapidpro.io").rstrip("/")

# Public base URL of the IVR prompts (EWS Laos, Mama Info): `<it>/<flow>/<name>-<lang>.mp3`. The
# default is the reference's S3 audio bucket, built from the same variables the reference reads.
_IVR_AUDIO_REGION = env_str("AWS_DEFAULT_REGION", "") or "ap-southeast-1"
_IVR_AUDIO_BUCKET = env_str("AUDIO_BUCKET", "") or "audio.somleng.org"
SCFM_IVR_AUDIO_URL = (
    env_str("SCFM_IVR_AUDIO_URL", "") or f"https://s3.{_IVR_AUDIO_REGION}.amazonaws.com/{_IVR_AUDIO_BUCKET}"
).rstrip("/")

# Engine timing; read here so every process shares one definition.
SCFM_STATUS_FETCH_AFTER_SECONDS = env_int("SCFM_STATUS_FETCH_AFTER_SECONDS", 600)
SCFM_STATUS_FETCH_INTERVAL_SECONDS = env_int("SCFM_STATUS_FETCH_INTERVAL_SECONDS", 900)
# Shifts the calendar clock (calling windows, start_at, stop_at) by this many seconds; a test seam,
# see scfm/core/clock.py. Set it in every process (web and engine) or in none.
SCFM_CLOCK_OFFSET_SECONDS = env_int("SCFM_CLOCK_OFFSET_SECONDS", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SCFM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # twilio-python logs every request and response at INFO: far too much at 300 calls a second.
        "twilio.http_client": {"level": "WARNING"},
    },
}
