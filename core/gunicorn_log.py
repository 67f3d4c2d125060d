"""gunicorn's own log lines as JSON (``gunicorn.conf.py``: ``logger_class``), like the portal's.

The access line carries the request id the portal set (``X-Request-ID`` response header, or the
one a trusted proxy sent), method, path (tokens redacted, no query string), status, duration,
size and client; gunicorn's error log (start, worker timeouts, ...) the same fields as every line.
"""

from __future__ import annotations

import json
import logging
import time

from gunicorn.glogging import Logger

from .log_format import JsonFormatter, redact, utc_timestamp


class JsonGunicornLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())
        for handler in self.access_log.handlers:  # access() writes whole JSON lines
            handler.setFormatter(logging.Formatter("%(message)s"))

    def access(self, resp, req, environ, request_time):
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict or self.cfg.syslog):
            return
        headers = {name.lower(): value for name, value in (resp.headers or [])}
        request_id = headers.get("x-request-id") or environ.get("HTTP_X_REQUEST_ID", "")
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        line = {
            "time": utc_timestamp(time.time()),
            "level": "INFO",
            "logger": "gunicorn.access",
            "request_id": request_id,
            "http": {
                "method": environ.get("REQUEST_METHOD"),
                "path": redact(environ.get("PATH_INFO", "")),
                "status": int(status),
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "bytes": getattr(resp, "sent", None),
                "client": environ.get("REMOTE_ADDR"),
                "protocol": environ.get("SERVER_PROTOCOL"),
            },
        }
        self.access_log.info(json.dumps(line, ensure_ascii=False, default=str))
