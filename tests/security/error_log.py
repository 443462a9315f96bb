"""A logging handler on the root logger that keeps what is logged at ERROR: an unhandled
exception in a view or a consumer is logged there (django.request, the consumer's logger)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class ErrorLog(logging.Handler):
    """Records at ERROR and above, except from loggers whose names start with `ignore`."""

    def __init__(self, ignore: tuple[str, ...] = ()) -> None:
        super().__init__(level=logging.ERROR)
        self.ignore = ignore
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(self.ignore):
            self.records.append(record)


@contextmanager
def error_log(ignore: tuple[str, ...] = ()) -> Iterator[ErrorLog]:
    handler = ErrorLog(ignore)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
