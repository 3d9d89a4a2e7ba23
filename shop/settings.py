"""Settings, read from the environment (django-environ).

Defaults give a working shop on a fresh machine: SQLite under ``.data/``, console email, DEBUG on,
the Temporal dev server on localhost:7233. Production sets ``DATABASE_URL``, ``SECRET_KEY``,
``DEBUG=false`` and the ``TEMPORAL_*`` variables; no code changes.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("SHOP_DATA_DIR", default=str(BASE_DIR / ".data")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
if DEBUG:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="dev-only-insecure-secret-key-change-me-in-production"
    )
else:
    SECRET_KEY = env.str("SECRET_KEY")  # required: fails loudly when missing
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",  # translated country names for address forms
    "accounts",
    "catalog",
    "cart",
    "orders",
    "taxes",
    "promotions",
    "invoices",
    "refunds",
    "returns",
    "workflows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shop.metrics.MetricsMiddleware",  # request counts and latency (shop/metrics.py)
    # A dropped database connection mid-request answers 503 + Retry-After, not 500.
    "shop.database_errors.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    "shop.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The shopper's language: the language cookie (switcher), else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # With DEBUG on, a 404 is the shop's page, not Django's technical one (shop/not_found.py).
    "shop.not_found.ShopNotFoundMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out login (django-axes) into the "too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
ASGI_APPLICATION = "shop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cart.context_processors.cart_summary",
                # Last: markers for the visitor's own values in cached pages (shop/page_cache.py).
                "shop.page_cache.placeholders",
            ],
            # shop/ is not an app: its template library is registered by name.
            "libraries": {"money": "shop.templatetags.money"},
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker's activity threads write concurrently with the web process: wait for locks
    # instead of failing, take the write lock up front, and let readers run beside a writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests use a file, not Django's shared-cache in-memory database: there, a second writer
    # (an activity thread, the live server) fails at once with "table is locked" instead of
    # waiting for the lock. One file per test process.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
# Keep connections between requests and between a worker's activities (each activity's
# close_old_connections() then reuses the thread's connection instead of reopening it).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or client before a password is checked.
    "shop.clients.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# API tokens stop working this many hours after they were issued (and at any password change).
API_TOKEN_TTL_HOURS = env.float("API_TOKEN_TTL_HOURS", default=720.0)

# --- Cache, login lockout, rate limits ----------------------------------------------------
# Throttle counters and lockouts live in the cache, so every web process must share it: Redis
# in production (CACHE_URL=redis://redis:6379/1), this process's memory in development.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Anonymous catalog pages are served from that cache (shop/page_cache.py) while the catalog
# version they were rendered at is current (stock/price writes bump it on commit); this bounds an
# entry's life anyway. 0 turns the page cache off. The sidebar's category counts: same idea.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=10)
CATEGORY_COUNTS_CACHE_SECONDS = env.int("CATEGORY_COUNTS_CACHE_SECONDS", default=60)
# django-axes: after AXES_FAILURE_LIMIT wrong passwords for one account (from anywhere) or from
# one client address (for any accounts), logins are refused for AXES_COOLOFF_MINUTES; a password
# reset lifts an account's lock. Counters are in the shared cache.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
if DEBUG:  # one process in development: its memory is shared enough (axes warns otherwise)
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15.0) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "shop.clients.login_username"
AXES_CLIENT_IP_CALLABLE = "shop.clients.client_ip"
AXES_LOCKOUT_CALLABLE = "shop.clients.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Page and API rate limits ("<count>/<seconds>s|min|h|d"), counted in the cache per session,
# account and client address; see shop/ratelimit.py.
RATE_LIMIT_CHECKOUT = env.str("RATE_LIMIT_CHECKOUT", default="10/10min")
CHECKOUT_DECLINE_LIMIT = env.int("CHECKOUT_DECLINE_LIMIT", default=5)
RATE_LIMIT_GUEST_EMAIL = env.str("RATE_LIMIT_GUEST_EMAIL", default="5/h")
RATE_LIMIT_ANONYMOUS_CARTS = env.str("RATE_LIMIT_ANONYMOUS_CARTS", default="30/h")

# --- I18N / static ------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Shopper pages and emails speak these; an order keeps its customer's (Order.language).
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email --------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Temporal Shop <shop@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SHOP_STAFF_EMAILS = env.list("SHOP_STAFF_EMAILS", default=["staff@example.com"])
# Seconds any one SMTP call may take (connect, each command): a hung mail server can't hold an
# activity, or a worker's drain, for longer.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
# An attempt that started sending less than this long ago is assumed still sending: a retry
# beside it waits instead of sending a second copy.
EMAIL_SEND_LEASE_SECONDS = env.float("EMAIL_SEND_LEASE_SECONDS", default=EMAIL_TIMEOUT * 4)
SHOP_BASE_URL = env.str("SHOP_BASE_URL", default="http://127.0.0.1:8000")

# --- Temporal -----------------------------------------------------------------------------
TEMPORAL_ADDRESS = env.str("TEMPORAL_ADDRESS", default="localhost:7233")
TEMPORAL_NAMESPACE = env.str("TEMPORAL_NAMESPACE", default="default")
# The steps that send email run on their own queue (a hung mail server holds only its slots);
# runworker serves both by default, ``runworker --task-queue emails`` a separate email pool.
# Empty: emails run on TEMPORAL_TASK_QUEUE.
TEMPORAL_EMAIL_TASK_QUEUE = env.str("TEMPORAL_EMAIL_TASK_QUEUE", default="emails")
TEMPORAL_TASK_QUEUE = env.str("TEMPORAL_TASK_QUEUE", default="orders")
TEMPORAL_API_KEY = env.str("TEMPORAL_API_KEY", default="")
TEMPORAL_TLS_CERT = env.str("TEMPORAL_TLS_CERT", default="")  # path to a PEM file
TEMPORAL_TLS_KEY = env.str("TEMPORAL_TLS_KEY", default="")  # path to a PEM file
# Self-hosted Temporal with TLS: the CA that signed the server's certificate (empty: the system's
# roots) and the name in that certificate when it differs from TEMPORAL_ADDRESS's host.
TEMPORAL_TLS_CA = env.str("TEMPORAL_TLS_CA", default="")  # path to a PEM file
TEMPORAL_TLS_SERVER_NAME = env.str("TEMPORAL_TLS_SERVER_NAME", default="")
if bool(TEMPORAL_TLS_CERT) != bool(TEMPORAL_TLS_KEY):
    raise ImproperlyConfigured(
        "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS needs the certificate and its "
        "key); set both or neither."
    )
TEMPORAL_UI_URL = env.str("TEMPORAL_UI_URL", default="http://localhost:8233")
# Seconds a web request waits for Temporal before giving up (the order is never lost: the
# sweeper starts it later).
TEMPORAL_CLIENT_TIMEOUT = env.float("TEMPORAL_CLIENT_TIMEOUT", default=5.0)
# After a start at checkout failed to reach Temporal, checkouts skip the start for this long
# (the sweeper starts those orders), so a hung server doesn't slow every checkout.
TEMPORAL_START_PAUSE_SECONDS = env.float("TEMPORAL_START_PAUSE_SECONDS", default=15.0)
# How often runworker starts orders that have no workflow yet.
ORDER_SWEEP_INTERVAL_SECONDS = env.float("ORDER_SWEEP_INTERVAL_SECONDS", default=30.0)
# Observability (docs/OPERATIONS.md, "Metrics"): the worker's Prometheus endpoint (HOST:PORT,
# empty: off) and the bearer token a scraper sends to the web's /metrics (empty: a 404).
METRICS_BIND = env.str("METRICS_BIND", default="")
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# An order in a moving status (received ... authorized) unchanged this long counts as stuck
# (metric shop_orders_stuck, alert OrdersStuck, the admin's "needs attention" filter).
ORDER_STUCK_MINUTES = env.float("ORDER_STUCK_MINUTES", default=60.0)
# A step failing this many attempts in a row logs at ERROR and emails staff (once per step).
ORDER_ALERT_AFTER_ATTEMPTS = env.int("ORDER_ALERT_AFTER_ATTEMPTS", default=5)
# Periodic work as Temporal Schedules (manage.py sync_schedules, also run by runworker); off:
# runworker's own sweeper thread starts pending orders, cron runs the other jobs.
TEMPORAL_SCHEDULES = env.bool("TEMPORAL_SCHEDULES", default=True)
PAYMENT_RECONCILIATION_CRON = env.str("PAYMENT_RECONCILIATION_CRON", default="0 3 * * *")
# Orders carry the search attributes CustomerId, OrderStatus, OrderTotal, OrderNumber (the
# server must know them: runworker registers them). Off for a server that can't have them.
TEMPORAL_SEARCH_ATTRIBUTES = env.bool("TEMPORAL_SEARCH_ATTRIBUTES", default=True)
# How long the workflow waits for delivery before recording an overdue event and alerting staff.
ORDER_DELIVERY_TIMEOUT_DAYS = env.float("ORDER_DELIVERY_TIMEOUT_DAYS", default=14.0)
# Activity start-to-close timeout and retry backoff of the order workflow's steps. A crashed
# worker's activity is retried after the timeout, so keep it modest.
ORDER_ACTIVITY_TIMEOUT_SECONDS = env.float("ORDER_ACTIVITY_TIMEOUT_SECONDS", default=30.0)
ORDER_RETRY_INITIAL_INTERVAL_SECONDS = env.float(
    "ORDER_RETRY_INITIAL_INTERVAL_SECONDS", default=1.0
)
ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = env.float(
    "ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS", default=60.0
)

# --- Payments and carrier -----------------------------------------------------------------
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="orders.payments.fake.FakeGateway")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10.0)
# How long the checkout page waits for the card's answer before saying "received, we'll email
# you" (the workflow goes on either way).
CHECKOUT_PAYMENT_WAIT_SECONDS = env.float("CHECKOUT_PAYMENT_WAIT_SECONDS", default=10.0)
# After a decline the order keeps its stock this long for the shopper to pay again.
PAYMENT_RETRY_MINUTES = env.float("PAYMENT_RETRY_MINUTES", default=30.0)
# An authorization not captured within this many days is voided and the order failed.
PAYMENT_AUTHORIZATION_DAYS = env.float("PAYMENT_AUTHORIZATION_DAYS", default=7.0)
# Share of calls the FlakyFakeGateway fails transiently (reliability tests).
FAKE_GATEWAY_FAILURE_RATE = env.float("FAKE_GATEWAY_FAILURE_RATE", default=0.5)
CARRIER_WEBHOOK_SECRET = env.str(
    "CARRIER_WEBHOOK_SECRET", default="dev-carrier-secret" if DEBUG else None
)
# A signed carrier event older than this (its X-Carrier-Timestamp) is refused as a replay.
CARRIER_WEBHOOK_TOLERANCE_SECONDS = env.int("CARRIER_WEBHOOK_TOLERANCE_SECONDS", default=300)
# Customer returns (docs/RETURNS.md): asked for within this many days of delivery, sent back
# within RETURN_SHIP_BY_DAYS of asking (else the return expires), approved at once unless off.
RETURN_WINDOW_DAYS = env.float("RETURN_WINDOW_DAYS", default=30.0)
RETURN_SHIP_BY_DAYS = env.float("RETURN_SHIP_BY_DAYS", default=14.0)
RETURNS_AUTO_APPROVE = env.bool("RETURNS_AUTO_APPROVE", default=True)
# How long the order link in a guest's emails opens the order (staff can revoke it sooner).
ORDER_LINK_MAX_AGE_DAYS = env.float("ORDER_LINK_MAX_AGE_DAYS", default=30.0)
SHIPPING_METHODS = {
    "standard": {"label": "Standard (3-5 business days)", "price": "4.90"},
    "express": {"label": "Express (next business day)", "price": "14.90"},
}
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="EUR")
# VAT (docs/TAXES.md): catalog prices and shipping are entered with VAT included (gross, the EU
# convention) unless false (net, VAT added at checkout). The cart page taxes for this country
# until the shopper gives a shipping address.
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=True)
SHOP_DEFAULT_COUNTRY = env.str("SHOP_DEFAULT_COUNTRY", default="DE").upper()
# The seller as invoices and credit notes print it (docs/INVOICES.md). The address is a list of
# lines, comma-separated in the environment.
SHOP_SELLER_NAME = env.str("SHOP_SELLER_NAME", default="Temporal Shop GmbH")
SHOP_SELLER_ADDRESS = env.list(
    "SHOP_SELLER_ADDRESS", default=["Beispielstraße 1", "10115 Berlin", "Germany"]
)
SHOP_SELLER_VAT_ID = env.str("SHOP_SELLER_VAT_ID", default="DE000000000")
SHOP_SELLER_EMAIL = env.str("SHOP_SELLER_EMAIL", default="billing@example.com")
# Register court and number, managing directors, bank: one line each (comma-separated), printed
# in the footer; empty: none.
SHOP_SELLER_LEGAL = env.list("SHOP_SELLER_LEGAL", default=[])

# --- REST framework -----------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an unauthenticated call then gets a 401 with `WWW-Authenticate: Bearer`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ExpiringTokenAuthentication",
        "shop.api_policies.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "checkout": env.str("THROTTLE_CHECKOUT", default="30/min"),
        "auth": env.str("THROTTLE_AUTH", default="20/min"),
    },
    # Throttles identify anonymous callers by address. X-Forwarded-For is trusted (its last
    # hop) only behind the TLS proxy that SECURE_PROXY_SSL_HEADER declares; otherwise
    # REMOTE_ADDR counts, so a client can't make up addresses to dodge the limits.
    "NUM_PROXIES": 1 if env.list("SECURE_PROXY_SSL_HEADER", default=[]) else 0,
    "EXCEPTION_HANDLER": "shop.api_errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON bodies only: the schema then promises exactly what the views parse.
    "DEFAULT_PARSER_CLASSES": ["shop.api_policies.JSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Temporal Shop API",
    "DESCRIPTION": (
        "Catalog, cart, checkout and orders of the shop. Errors are JSON "
        '`{"code": ..., "detail": ..., "errors": {...}}` with a stable `code`. Authenticate with '
        "a token (`POST /api/auth/token/`, then `Authorization: Bearer <key>`) or a session "
        "cookie (send the `X-CSRFToken` header on writes)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two fields named "status" with different value sets: name each set.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.status.OrderStatus",
        "PaymentOutcomeStatusEnum": "workflows.types.PAYMENT_OUTCOMES",
        "ShipmentStatusEnum": "orders.serializers.SHIPMENT_STATUSES",
        "StepStatusEnum": "orders.serializers.STEP_STATUSES",
        "OrderEventKindEnum": "orders.serializers.EVENT_KINDS",
        "ReturnStatusEnum": "returns.models.ReturnStatus",
        "ReturnConditionEnum": "returns.models.ReturnCondition",
        "ReturnStepStatusEnum": "returns.serializers.RETURN_STEP_STATUSES",
    },
    # Response headers (Retry-After, Location) and links between operations: shop/api_schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shop.api_schema.postprocess",
    ],
}

# --- Production security (python manage.py check --deploy is clean when DEBUG is off) ---------
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be at least 50 characters when DEBUG is off; generate one with "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
# Redirect plain HTTP to HTTPS (turn off only when nothing but a TLS proxy can reach the app).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers poll the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
# Behind a TLS-terminating proxy: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only when
# the proxy always sets that header and strips it from clients).
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https"
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header[0], _proxy_ssl_header[1])
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# Sessions are written to the database and read from the shared cache (CACHE_URL): a session
# page (cart, checkout) saves its session query; a cache miss or a Redis outage falls back
# to the database row.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Pages run only the shop's own scripts and styles (no inline script or style, no CDN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# /api/schema/ and /api/docs/: off in production unless wanted (API_DOCS=false hides them).
API_DOCS = env.bool("API_DOCS", default=True)
CSRF_FAILURE_VIEW = "shop.views.csrf_failure"

# --- Logging ------------------------------------------------------------------------------
# Everything to stdout; one JSON object per line when LOG_FORMAT=json (the default when DEBUG is
# off), readable lines otherwise.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "shop.logging.JsonFormatter"},
    },
    # Order activities' records carry workflow_id and order_number (fields in JSON logs).
    "filters": {"order_context": {"()": "workflows.log_context.OrderContextFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["order_context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "temporalio": {"level": env.str("TEMPORAL_LOG_LEVEL", default="WARNING")},
        # django-axes logs every login attempt at INFO: its lockouts (WARNING) are what matter.
        "axes": {"level": "WARNING"},
    },
}
