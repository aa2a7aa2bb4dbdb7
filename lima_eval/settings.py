"""Settings for lima-eval, read from the environment.

With nothing set, the project runs on the embedded default: a SQLite file beside
manage.py and Celery tasks executed eagerly in-process, so a first run needs no server.
A deployment sets DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY, DEBUG=False and
ALLOWED_HOSTS; `manage.py check --deploy` is clean with those set.
"""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "dev-only-insecure-key-set-SECRET_KEY-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "comparisons",
    "raters",
    "results",
    "judges",
    "dashboard",
    "demo",
    "prolific",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lima_eval.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Issue 11: refused text in query parameters and page forms is a 400 naming the field;
    # an unknown /api/ route answers the API's JSON error shape.
    "comparisons.text_guard.ApiNotFoundMiddleware",
    "comparisons.text_guard.TextGuardMiddleware",
]

ROOT_URLCONF = "lima_eval.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "lima_eval.wsgi.application"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection that the server closed (restart, pg_terminate_backend, a pooler) is
# noticed before a request uses it, instead of failing that request (issue 11).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters, and psycopg preparing a statement after its 5th run on a
    # connection, so PostgreSQL stops re-planning the rater path's joins (planning took
    # longer than running them; docs/benchmarks.md, "Voting"). Pays off with CONN_MAX_AGE > 0.
    # Behind a pooler in transaction mode that cannot keep prepared statements, set
    # DB_PREPARE_THRESHOLD= (empty) to turn preparing off.
    # Behind PgBouncer in transaction mode, `.iterator()`'s server-side cursors (categories,
    # judges) must be off too: DB_DISABLE_SERVER_SIDE_CURSORS=True (docs/deployment.md).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DB_DISABLE_SERVER_SIDE_CURSORS", default=False)
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["server_side_binding"] = env.bool("DB_SERVER_SIDE_BINDING", default=True)
    _options["prepare_threshold"] = (
        env.int("DB_PREPARE_THRESHOLD", default=5) if env.str("DB_PREPARE_THRESHOLD", default="5") else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security: strict whenever DEBUG is off (what `check --deploy` asks for).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Celery: Redis when REDIS_URL is set, otherwise tasks run eagerly in-process.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"  # a host, so that kombu does not warn "No hostname was supplied"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=900)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Survive a broker restart (issue 11): keep retrying the connection for ever, and cancel tasks
# that were running when it was lost (Redis redelivers them after the visibility timeout;
# every task is safe to run twice). The compose restart policy and the supervisor in
# docs/operations.md restart a worker that dies anyway.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
    "retry_on_timeout": True,
    "health_check_interval": 30,
}
# Sending a task subscribes to its result in Redis; with Redis down the result backend's default
# retries (20, a second apart) held a study's open or upload request for 20 s before the send
# failed (found by the drill). Fail within about two seconds: the sweeps re-send what was lost.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
    "socket_connect_timeout": 2,
}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Results are recomputed by a Celery task at most once per this many seconds per study.
LIMA_RESULTS_DEBOUNCE_SECONDS = env.int("LIMA_RESULTS_DEBOUNCE_SECONDS", default=5)
# The default results' resampled parts (bootstraps, sequential intervals, ranking, agreement,
# rater quality: docs/statistics.md, "Refreshes") are recomputed with every refresh of a study
# below this many votes; above it at most once per LIMA_RESULTS_RESAMPLE_SECONDS while votes keep
# coming, and as soon as they pause. The counted parts are recomputed with every refresh.
LIMA_RESULTS_RESAMPLE_ALWAYS_BELOW = env.int("LIMA_RESULTS_RESAMPLE_ALWAYS_BELOW", default=100_000)
LIMA_RESULTS_RESAMPLE_SECONDS = env.int("LIMA_RESULTS_RESAMPLE_SECONDS", default=300)
# Studies of at least this many votes keep their columns in the refreshing process between
# refreshes and read only the newer votes (results.loading); this many such studies per process.
LIMA_RESULTS_COLUMN_CACHE_MIN_VOTES = env.int("LIMA_RESULTS_COLUMN_CACHE_MIN_VOTES", default=50_000)
LIMA_RESULTS_COLUMN_CACHE_STUDIES = env.int("LIMA_RESULTS_COLUMN_CACHE_STUDIES", default=2)
CELERY_BEAT_SCHEDULE = {
    # Raters: return lapsed leases to the pool (also checked on demand when a pair is served).
    "raters-expire-leases": {"task": "raters.expire_leases", "schedule": 60.0},
    # Raters: render open studies' prompts and responses ahead of the rater pages.
    "raters-render-ahead": {"task": "raters.render_ahead", "schedule": 30.0},
    # Results: recompute the default results of studies whose votes changed.
    "results-refresh-stale": {
        "task": "results.refresh_stale_results",
        "schedule": float(LIMA_RESULTS_DEBOUNCE_SECONDS),
    },
    # Uploads: a job whose worker died (no heartbeat for 2 minutes, or running past the hard
    # time limit) is marked failed; a job whose message was lost (still pending) is queued again.
    "uploads-fail-stale": {"task": "comparisons.fail_stale_upload_jobs", "schedule": 60.0},
    "uploads-queue-pending": {"task": "comparisons.queue_pending_upload_jobs", "schedule": 30.0},
    # Comparisons: an open study whose build message was lost (broker down when it opened or
    # got new outputs) is built after a minute.
    "comparisons-rebuild-stranded": {"task": "comparisons.rebuild_stranded_studies", "schedule": 60.0},
    # Prolific: sync every linked open study (submissions, approvals, bonuses, places).
    "prolific-sync-open": {"task": "prolific.sync_open", "schedule": 60.0},
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["comparisons.permissions.IsResearcher"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "comparisons.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "comparisons.strict_parsing.StrictLimitOffsetPagination",
    # JSON only (strict: comparisons/strict_parsing.py); the upload endpoints add their own
    # parsers. A form or multipart body elsewhere is a 415, never half-read.
    "DEFAULT_PARSER_CLASSES": ["comparisons.strict_parsing.StrictJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "PAGE_SIZE": 100,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "lima-eval API",
    "DESCRIPTION": "Human pairwise-preference evaluation of language models: studies, "
    "model outputs, blinded comparisons. Researchers authenticate with "
    "`Authorization: Token <key>` (see `manage.py researcher_token`).",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StudyStatusEnum": "comparisons.models.Study.Status",
        "JobStatusEnum": "comparisons.models.UploadJob.Status",
    },
}

# Upload limits (see docs/api.md). Requests above DATA_UPLOAD_MAX_MEMORY_SIZE are refused
# by our own size check first, with a clear message.
LIMA_UPLOAD_MAX_BYTES = env.int("LIMA_UPLOAD_MAX_BYTES", default=256 * 1024 * 1024)
LIMA_UPLOAD_MAX_ROWS = env.int("LIMA_UPLOAD_MAX_ROWS", default=200_000)
LIMA_MAX_TEXT_CHARS = env.int("LIMA_MAX_TEXT_CHARS", default=100_000)
LIMA_ASYNC_UPLOAD_ROWS = env.int("LIMA_ASYNC_UPLOAD_ROWS", default=10_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = LIMA_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# One line per event: every logger propagates to the root's one handler. Django's default
# config gives the "django" logger a console handler of its own (with DEBUG) that also
# propagated to the root, so each of its events was printed twice; "django.server" keeps
# Django's own handler and does not propagate.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django": {"handlers": [], "level": env.str("LOG_LEVEL", default="INFO"), "propagate": True}},
}

# LLM judges (docs/judges.md): the first retry waits about this long, doubling up to the cap
# (a Retry-After header asks for longer and is honoured).
JUDGE_BACKOFF_BASE_SECONDS = env.float("JUDGE_BACKOFF_BASE_SECONDS", default=1.0)
JUDGE_BACKOFF_CAP_SECONDS = env.float("JUDGE_BACKOFF_CAP_SECONDS", default=60.0)

# Security (docs/deployment.md, "Security settings").
# Environment variables a judge or collection may name as `api_key_env`: exact names, or
# prefixes ending in "*". Django's own secrets are never allowed, whatever this says
# (judges/outbound.py, NEVER_KEY_ENVS).
LIMA_ALLOWED_KEY_ENVS = env.list(
    "LIMA_ALLOWED_KEY_ENVS",
    default=[
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
        "MISTRAL_API_KEY",
        "TOGETHER_API_KEY",
        "GROQ_API_KEY",
        "OPENROUTER_API_KEY",
        "DEEPSEEK_API_KEY",
        "FIREWORKS_API_KEY",
        "LIMA_JUDGE_KEY_*",
    ],
)
# Hosts an LLM endpoint may have although they resolve to loopback, private, link-local or
# reserved addresses (a local model server, e.g. "vllm" or "127.0.0.1"). Empty: none.
LIMA_OUTBOUND_ALLOWED_HOSTS = env.list("LIMA_OUTBOUND_ALLOWED_HOSTS", default=[])
# New raters per client address per 10 minutes (0: unlimited); the client address is the
# LIMA_TRUSTED_PROXY_COUNT-th address from the right of X-Forwarded-For (0: REMOTE_ADDR).
LIMA_RATER_ENTRIES_PER_ADDRESS = env.int("LIMA_RATER_ENTRIES_PER_ADDRESS", default=20)
LIMA_TRUSTED_PROXY_COUNT = env.int("LIMA_TRUSTED_PROXY_COUNT", default=0)
# A lease not voted on for this long, of a rater with no vote in the study yet, is released
# when another rater finds the study full.
LIMA_IDLE_LEASE_SECONDS = env.int("LIMA_IDLE_LEASE_SECONDS", default=120)
# Extra regular expressions (comma-separated, case-insensitive) that flag a response as
# revealing its author, on top of comparisons/reveal.py's patterns and the study's system names.
LIMA_REVEAL_PATTERNS = env.list("LIMA_REVEAL_PATTERNS", default=[])
# Content-Security-Policy of every page that does not set a stricter one itself.
LIMA_CSP = env.str(
    "LIMA_CSP",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
        "img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
)
# Judge and collection calls (outside HTTP, possibly slow) run on their own queue, so a slow
# endpoint never delays uploads, builds or results. docker-compose.yml runs a worker for it.
LIMA_OUTBOUND_QUEUE = "outbound"
CELERY_TASK_ROUTES = {"judges.*": {"queue": LIMA_OUTBOUND_QUEUE}}
