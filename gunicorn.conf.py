"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app` (see docs/production.md).

Threaded workers (gthread): a slow client holds one thread, not a whole worker, so two half-sent
uploads cannot starve the server as they do with the default sync workers. Every read from a
client socket is bounded (`REQUEST_READ_TIMEOUT`, via `consortium.serving.BoundedThreadWorker`): a
client that stops sending in the middle of its headers or body is dropped after that many seconds,
and what it had sent is thrown away (nothing is stored from a request the app never finished reading).
The reverse proxy in front should also buffer request bodies (nginx does by default), so most slow
uploads never reach a worker at all.

Each setting may be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS, ...).
"""

import ctypes
import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "consortium.serving.BoundedThreadWorker"
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", 8))
# A worker that does not report back within this many seconds (stuck request) is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Seconds a client may stay silent while sending its request (headers or body) before it is dropped.
raw_env = [f"REQUEST_READ_TIMEOUT={os.environ.get('REQUEST_READ_TIMEOUT', '15')}"]
# Bounded request lines and headers: gunicorn's own defaults, stated here so they are not lost.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# X-Forwarded-* are believed by the app only if TRUSTED_PROXY_COUNT is set (Werkzeug's ProxyFix);
# gunicorn's own handling is limited to the proxy on this machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app is built once in the master and the workers are forked from it (issue 16), so its code, catalogues and
# spec are shared copy-on-write instead of built again in every worker: less memory in all (proportional set
# size), a quicker start. A new release then needs a restart, not a HUP (HUP re-forks the same code).
# GUNICORN_PRELOAD=0 builds the app in each worker instead.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"

# glibc's malloc, where the C library is glibc (elsewhere these two are left out).
_libc = ctypes.CDLL(None)
_mallopt, _malloc_trim = getattr(_libc, "mallopt", None), getattr(_libc, "malloc_trim", None)
# glibc gives each thread that allocates under contention an arena of its own (up to 8 per core), and each keeps
# the memory it once held: a worker's 8 threads held 7 arenas, about 7 MB after memory_http's load, where 2 arenas
# hold about 3 MB less (issue 16). The GIL serialises most allocations anyway. MALLOC_ARENA_MAX overrides it.
M_ARENA_MAX = -8
if _mallopt is not None and "MALLOC_ARENA_MAX" not in os.environ:
    _mallopt(M_ARENA_MAX, 2)


def pre_fork(server, worker):
    """The preloaded app's objects move to the collector's permanent generation before a worker is forked: a
    collection in the worker then never writes to them, so their pages stay shared with the master instead of
    being copied into every worker (https://docs.python.org/3/library/gc.html#gc.freeze)."""
    if preload_app:
        gc.freeze()
        if _malloc_trim is not None:
            # What building the app allocated and freed goes back to the system instead of into every worker
            # (about 3 MB of glibc's heap).
            _malloc_trim(0)


def post_fork(server, worker):
    """A worker forked from a preloaded app starts its own database pools: the master's (which should hold no
    connection: the app opens none while it is built) are dropped without closing what the master owns."""
    app = getattr(server.app, "callable", None) if preload_app else None
    extension = getattr(app, "extensions", {}).get("sqlalchemy")
    if extension is not None:
        with app.app_context():
            for engine in extension.engines.values():
                engine.dispose(close=False)
accesslog = "-"
errorlog = "-"
