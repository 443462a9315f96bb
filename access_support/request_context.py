"""Per-request values (request id, client address) that services read without an HTTP object."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str] = ContextVar("request_id", default="")
client_address: ContextVar[str] = ContextVar("client_address", default="")
# The request being answered, for text that chooses its wording when it is shown (plain Japanese,
# access_support.accounts.reading.wording). None outside a request (commands, sockets).
request: ContextVar[Any] = ContextVar("request", default=None)
