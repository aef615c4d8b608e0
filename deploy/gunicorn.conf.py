"""gunicorn settings for 事務事業実績 (``gunicorn -c deploy/gunicorn.conf.py config.wsgi``).

Every value can be changed from the environment, so that one file serves each host.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Pages are CPU-bound (templates) with short database waits: two sync workers per core.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# A slow client must not hold a worker for long; put nginx (or the load balancer) in front.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Off by default: recycling a worker closes its keep-alive connections, which load generators
# (and some proxies) count as errors. Set it if a worker's memory is seen to grow.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
