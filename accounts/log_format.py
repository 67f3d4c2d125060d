"""Log formatting and token redaction: moved to ``core.log_format`` (one place for every log)."""

from core.log_format import JsonFormatter, TokenRedactingFilter, redact

__all__ = ["JsonFormatter", "TokenRedactingFilter", "redact"]
