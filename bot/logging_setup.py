"""Logging that can never print the bot token, whatever a library puts in a message."""

from __future__ import annotations

import logging


class RedactToken(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret:
            return True
        message = record.getMessage()
        if self.secret in message:
            record.msg = message.replace(self.secret, "<BOT_TOKEN>")
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.secret in text:
                record.msg = f"{record.msg}\n{text.replace(self.secret, '<BOT_TOKEN>')}"
                record.exc_info = None
                record.exc_text = None
        return True


def setup_logging(level: str, secret: str = "", *more_secrets: str) -> None:
    """Log to stderr; the token (and any other secret given, like the webhook's) is redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for value in (secret, *more_secrets):
        handler.addFilter(RedactToken(value))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiogram.event").setLevel(
        max(logging.getLevelName(level), logging.WARNING)
        if isinstance(logging.getLevelName(level), int)
        else logging.WARNING
    )
