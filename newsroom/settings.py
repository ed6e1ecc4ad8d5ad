"""Settings for newsroom, read from the environment with safe local defaults.

Variables: DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL.
See docs/CONFIGURATION.md.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """A real boolean: 1/true/yes/on and 0/false/no/off (any case); anything else is an error."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# DJANGO_ENV=production: no debug, a real secret and host list required, HTTPS only.
PRODUCTION = os.environ.get("DJANGO_ENV", "").strip().lower() == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=False)
if PRODUCTION:
    missing = [n for n in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS") if not os.environ.get(n)]
    if missing:
        raise ImproperlyConfigured(f"DJANGO_ENV=production needs {' and '.join(missing)}")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_ENV=production and DJANGO_DEBUG=true do not mix")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    # Local use only: a key kept beside the database, made on first start and never committed.
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "articles",
    "articles.ingest",
    "articles.reader",
    "articles.desk",
    "articles.images",
    "pagecache",
    "axes",
]

MIDDLEWARE = [
    # Outermost: a HEAD response keeps its headers and loses its body (newsroom/http/head.py).
    "newsroom.http.head.HeadWithoutBodyMiddleware",
    # Each database statement of a request stops after REQUEST_STATEMENT_TIMEOUT: a 503, not
    # a worker held (newsroom/http/statement_limit.py).
    "newsroom.http.statement_limit.StatementTimeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL in the address: 400 before anything spends work on it (newsroom/http/guards.py).
    "newsroom.http.guards.RefuseNulMiddleware",
    # Before the session middleware: it sees every cookie a response sets, and never loads a
    # session for an anonymous reader; before CSP: a stored page keeps its policy header, and
    # a hit does not build it again (pagecache/middleware.py).
    "pagecache.middleware.PublicPageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# Admin login throttling (django-axes): after DJANGO_LOGIN_FAILURE_LIMIT failed logins for one
# user name from one address, that pair is locked out for DJANGO_LOGIN_LOCKOUT_MINUTES.
# The lockout check comes first; it refuses before any password is tried.
AUTHENTICATION_BACKENDS = [
    "articles.desk.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("DJANGO_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# The client address: REMOTE_ADDR unless DJANGO_LOGIN_IP_HEADERS names the header a trusted
# proxy sets (e.g. HTTP_X_FORWARDED_FOR,REMOTE_ADDR); a client could forge any other.
AXES_IPWARE_META_PRECEDENCE_ORDER = env_list("DJANGO_LOGIN_IP_HEADERS", "REMOTE_ADDR")
AXES_IPWARE_PROXY_ORDER = "right-most"  # the address our proxy appended, not the client's list

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    # The public pages (templates/jinja2/): Jinja2 renders them several times faster than the
    # Django template language, which is most of an uncached page's time
    # (articles.reader.templating).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "articles.reader.templating.environment"},
    },
    # The admin and everything else.
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

# Database: an SQLite file in the project root unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        # A SELECT 1 before the first query of each request; costs a round trip per request.
        conn_health_checks=env_bool("DJANGO_CONN_HEALTH_CHECKS", default=True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web server reads while an import writes: WAL lets readers go on during a write,
    # IMMEDIATE takes the write lock up front (no deadlock on lock upgrade), and the
    # timeout makes a writer wait for the other instead of failing with "database is locked".
    # Connections are kept between requests (CONN_MAX_AGE above): opening one and running
    # the PRAGMAs below costs more than serving a cached page; an idle one holds no lock.
    # The file is read through a memory map (up to 1 GiB of address space, shared with every
    # process through the OS's page cache) rather than SQLite's 2 MB cache per connection: a
    # search reads a thousand stories' rows where a page reads twenty (docs/PERFORMANCE.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; "
            "PRAGMA mmap_size=1073741824;"
        ),
    }

# No database statement of a web request runs longer than this many seconds (0: no limit);
# management commands have none (newsroom/http/statement_limit.py).
REQUEST_STATEMENT_TIMEOUT = float(os.environ.get("DJANGO_REQUEST_STATEMENT_TIMEOUT", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory (one per worker process) unless REDIS_URL is set (shared by all
# servers). Either way pages are right at once: each is stored with the content version it was
# rendered under, and the version is kept in the database (pagecache/content_version.py).
# Old pages expire after TIMEOUT seconds.
# DJANGO_CACHE_PREFIX: set one per release, so two releases never serve each other's pages.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "newsroom"),
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 1000},
    }
}
if REDIS_URL:
    CACHES["default"].update(
        BACKEND="pagecache.cache_backends.RedisCache", LOCATION=REDIS_URL, OPTIONS={}
    )
# A cache every server shares also keeps a copy of the content version, so that a cached page
# costs one round trip to Redis and none to the database (pagecache/content_version.py).
# DJANGO_CONTENT_VERSION_IN_CACHE=false reads the version from the database on every request.
CONTENT_VERSION_IN_CACHE = env_bool("DJANGO_CONTENT_VERSION_IN_CACHE", default=bool(REDIS_URL))
# Never looked up in the page cache (not even the content version is read for them).
# Pages whose query is free text, cleaned by the page itself: a NUL in it is no error there.
NUL_ALLOWED_QUERY_PATHS = ["/search/"]
# Searches are not cached: any text a reader types would be a page of its own (/search/).
PAGE_CACHE_EXCLUDED_PATHS = [
    "/healthz",
    "/admin/",
    "/static/",
    "/media/",
    "/favicon.ico",
    "/search/",
]
# The query parameters public pages read (list cursors, the sitemaps' page): only these make a
# cached page's key, so "?x=1", "?x=2"... share one entry. A public page that reads another
# parameter must add it here (tests/pagecache/test_page_cache.py checks the pages that read some).
PAGE_CACHE_QUERY_PARAMETERS = ["before", "after", "p"]

# Security headers on every response (SecurityMiddleware, XFrameOptionsMiddleware, django-csp).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts or styles anywhere, the admin included; no image from another site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],  # story images are our own copies (fetch_images, /media/)
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if PRODUCTION:
    # Behind a proxy that terminates TLS and sets X-Forwarded-Proto (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
# Stored images (articles/images/storage.py): files under MEDIA_ROOT, or in S3-compatible
# object storage when IMAGE_S3_BUCKET is set (several servers share them; docs/DEPLOY.md).
# Either way readers get them from this site, under MEDIA_URL (articles/images/serving.py).
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# IMAGE_S3_BUCKET: stored images in S3-compatible object storage (django-storages), shared by
# every server; readers still get them through this site. Credentials as boto3 reads them
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or the machine's role). docs/DEPLOY.md.
IMAGE_S3_BUCKET = os.environ.get("IMAGE_S3_BUCKET", "")
if IMAGE_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": IMAGE_S3_BUCKET,
            "endpoint_url": os.environ.get("IMAGE_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("IMAGE_S3_REGION") or None,
            "location": os.environ.get("IMAGE_S3_PREFIX", ""),
            "default_acl": None,  # private: only this site reads them
            "querystring_auth": True,
            "file_overwrite": True,  # names are content hashes: same name, same bytes
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Seed import
SEEDS_DIR = BASE_DIR / "seeds"

# Stored images (python manage.py fetch_images; articles/images/). IMAGE_FETCH_ALLOW_LOOPBACK
# lets the fetcher reach 127.0.0.0/8 and ::1 (tests, a local host), never another internal
# address.
IMAGE_FETCH_ALLOW_LOOPBACK = env_bool("IMAGE_FETCH_ALLOW_LOOPBACK", default=False)
IMAGE_FETCH_TIMEOUT = float(os.environ.get("IMAGE_FETCH_TIMEOUT", "15"))
IMAGE_FETCH_MAX_BYTES = int(os.environ.get("IMAGE_FETCH_MAX_BYTES", str(20 * 1024 * 1024)))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", "50000000"))
IMAGE_UPLOAD_MAX_BYTES = int(os.environ.get("IMAGE_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (4xx) is one line, without its traceback (newsroom/http/logs.py).
    "filters": {"client_errors": {"()": "newsroom.http.logs.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
