"""The two shapes every app's rules speak in: a `Decision` from a policy, and a `DomainError`
from a service that refuses a change. The HTTP status a refusal gets is answered in one place,
the JSON edge (`access_support.http.api_view`); pages translate the code into words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Decision:
    """A policy's answer: `reason` is a machine code ("ok" when allowed); `grant` is the proxy
    grant that decided, where one did (Senior Support), else None."""

    allowed: bool
    reason: str
    grant: Any = None


class DomainError(Exception):
    """A refused change. `code` is the machine reason (the JSON API's `error`), `status` the
    HTTP status the JSON edge answers with, `detail` a sentence for developers, `extra` more
    fields for the JSON answer (e.g. `retry_after`, `opens_at`)."""

    def __init__(self, code: str, status: int = 400, detail: str = "", **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.detail = detail or code.replace("_", " ")
        self.extra = extra
