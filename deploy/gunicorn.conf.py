"""gunicorn settings of the portal: ``gunicorn -c deploy/gunicorn.conf.py imvo_portal.wsgi:application``.

Dockerfile and docker-compose.yml start it so. (Not ``./gunicorn.conf.py``, which gunicorn would load
on its own for every gunicorn started in the repository, the benchmarks' included.)

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS. Logs: JSON lines on
stdout, the access log included (core/gunicorn_log.py), like the portal's own (core/log_format.py).
Metrics: with PROMETHEUS_MULTIPROC_DIR set, the workers of this node share their counters through
that folder (core/metrics.py); it is emptied at start and a dead worker's gauges are dropped.
"""

import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
logger_class = "core.gunicorn_log.JsonGunicornLogger"


# Emptied as this file is read: before the application (and its metrics) is loaded, --preload or not.
_metrics_folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _metrics_folder:
    shutil.rmtree(_metrics_folder, ignore_errors=True)
    os.makedirs(_metrics_folder, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
