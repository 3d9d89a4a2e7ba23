"""gunicorn settings for the web container (``gunicorn --config deploy/gunicorn.conf.py``).

Tunable from the environment: WEB_CONCURRENCY (processes), GUNICORN_THREADS (threads per
process), PORT, GUNICORN_TIMEOUT, FORWARDED_ALLOW_IPS, LOG_FORMAT (json or plain), LOG_LEVEL.
Every process holds its own Temporal client and up to GUNICORN_THREADS database connections
(CONN_MAX_AGE keeps them open), so a web host needs WEB_CONCURRENCY x GUNICORN_THREADS
connections.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Scale out with more containers rather than many processes per container.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A cancel waits for the workflow's update (up to ~30 s when Temporal is slow): stay above that.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle processes now and then (guards against slow leaks), staggered.
max_requests = 2000
max_requests_jitter = 200
# The app is loaded after the fork: each process starts its own Temporal client thread.
preload_app = False
# Proxies allowed to set X-Forwarded-* (comma-separated IPs, or * inside a private network).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn >= 25's runtime control socket is not needed in a container (ignored by older ones).
control_socket_disable = True

# Access and error logs on stdout; JSON lines by default, like the app's own logs.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Method and path, never the query string (it may carry an order link's token).
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "shop.logging.JsonFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
            }
        },
        "root": {"handlers": ["stdout"], "level": "INFO"},
        "loggers": {
            "gunicorn.error": {
                "handlers": ["stdout"],
                "level": loglevel.upper(),
                "propagate": False,
            },
            "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        },
    }
