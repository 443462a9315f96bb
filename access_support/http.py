"""JSON API plumbing: parsing bodies, error answers in the `{"error": code}` shape."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse

from access_support.accounts.models import User
from access_support.domain import DomainError


class ApiError(DomainError):
    """Raised by API views for a refusal of the edge itself (bad body, sign in first)."""


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a page view (the access middleware let no one else through)."""
    user = request.user
    assert isinstance(user, User)
    return user


def require(allowed: bool) -> None:
    """A page's answer to a policy's no: 403, the site's refusal page."""
    if not allowed:
        raise PermissionDenied


def api_user(request: HttpRequest) -> User:
    """The signed-in user of an API view; 401 `not_authenticated` for anyone else."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise ApiError("not_authenticated", 401, "Sign in first.")
    return user


def json_error(code: str, status: int, detail: str = "", **extra: Any) -> JsonResponse:
    return JsonResponse(
        {"error": code, "detail": detail or code.replace("_", " "), **extra}, status=status
    )


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON value, dictionary keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def has_nul(value: Any) -> bool:
    """True if any string in `value` (keys included) holds U+0000, which JSON can carry as
    ``\\u0000`` but PostgreSQL text cannot store (and no form of ours accepts)."""
    return any("\x00" in item for item in _strings(value))


_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(value: Any) -> bool:
    """True if any string in `value` (keys included) holds a surrogate code point (U+D800 to
    U+DFFF). JSON can carry one as an escape (``"\\ud800"``); UTF-8 cannot encode it, so the
    database driver would raise UnicodeEncodeError on it — a 500, or in the chat writer's batch
    a failure of every message stored with it. A valid pair of escapes decodes to one character
    outside the range, so only a lone half matches."""
    return any(not item.isascii() and _SURROGATE.search(item) for item in _strings(value))


def json_body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError("invalid_json", 400, "The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ApiError("invalid_json", 400, "The body must be a JSON object.")
    if has_nul(data):
        raise ApiError("invalid_json", 400, "Text in the body may not hold NUL (U+0000).")
    if has_lone_surrogate(data):
        raise ApiError("invalid_json", 400, "Text in the body may not hold a lone surrogate.")
    return data


def require_str(data: dict[str, Any], key: str, *, max_length: int = 255) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise ApiError("invalid_field", 400, f"'{key}' must be a non-empty string.", field=key)
    return value.strip()


def optional_str(data: dict[str, Any], key: str, *, max_length: int = 255) -> str:
    """A string field the body may leave out (or send empty, or null): "" then."""
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise ApiError("invalid_field", 400, f"'{key}' must be a string.", field=key)
    return value.strip()


def api_view(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Allow only `methods`; turn any DomainError (the edge's ApiError or a service's refusal)
    into its JSON answer: the one place a refusal becomes an HTTP status."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = json_error("method_not_allowed", 405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                return json_error(exc.code, exc.status, exc.detail, **exc.extra)

        return wrapper

    return decorator
