"""gunicorn settings: ``gunicorn -c gunicorn.conf.py newsroom.wsgi`` (what ``make run`` runs).

Sized from the CPU count; every value can be overridden from the environment:

- ``HOST`` / ``PORT``: where to listen (default 127.0.0.1:8000; ``HOST=0.0.0.0`` behind a
  load balancer);
- ``WEB_CONCURRENCY``: worker processes (default 2 per core + 1);
- ``GUNICORN_THREADS``: threads per worker (default 2 per core), so a worker waiting on the
  database or Redis still answers other requests;
- ``GUNICORN_TIMEOUT``: seconds before a stuck worker is restarted (default 30);
- ``GUNICORN_MAX_REQUESTS``: requests after which a worker is replaced (default 5000; 0 never);
- ``FORWARDED_ALLOW_IPS``: proxies trusted for X-Forwarded-* (default 127.0.0.1);
- ``GUNICORN_CONTROL_SOCKET``: a path for gunicorn's control socket (default: none).

Each worker keeps its own local-memory cache; that is safe because the content version that
keys cached pages lives in the database (see docs/DEPLOY.md).
"""

import multiprocessing
import os

cores = multiprocessing.cpu_count()

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", cores * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", cores * 2))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Restart each worker now and then, staggered, so a slow leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Heartbeat files in memory: a slow disk must not make gunicorn think a worker is stuck.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# The longest request line taken: gunicorn's most (its default: 4094 bytes). The search form
# sends at most 200 characters; a longer search typed into the address, up to about 8,000
# bytes, then reaches the site and gets its "shorten it" page, not gunicorn's bare 414.
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"  # access log on stdout, errors on stderr: the process manager collects both
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): a second
# server of the same user takes it over, and deletes it when it stops. Off unless a path of
# this server's own is given; the process manager's signals do the same work.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
