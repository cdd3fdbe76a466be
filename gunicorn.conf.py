"""gunicorn settings for production (``gunicorn -c gunicorn.conf.py communityrule.wsgi``).

Everything comes from the environment: PORT, WEB_CONCURRENCY, GUNICORN_THREADS,
FORWARDED_ALLOW_IPS. The app writes its own JSON access line per request
(communityrule.api.middleware), so gunicorn's access log stays off.
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# 2 x cores + 1, capped: each worker holds its own database connection.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

timeout = 30
graceful_timeout = 30
keepalive = 5

accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Addresses of reverse proxies whose X-Forwarded-* headers gunicorn trusts.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
