"""Error answers Django itself gives (CSRF failure, 400, 403, 404, 500): JSON clients get the
API's `{"error": code, "detail": …}` shape (docs/api.md), browsers Django's own pages.

A JSON client is a request under `/api/` or one whose Accept header prefers JSON to HTML. The
API views answer their own errors (access_support.http); these cover what happens before or
around them — the CSRF middleware, a body over DATA_UPLOAD_MAX_MEMORY_SIZE, an unknown path, an
unhandled exception — where a script would otherwise get an HTML page it cannot read.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views import csrf, defaults

from access_support.http import json_error


def wants_json(request: HttpRequest) -> bool:
    if request.path_info.startswith("/api/"):
        return True
    # A browser sends text/html first (or */*, which matches text/html first here).
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if wants_json(request):
        return json_error(
            "csrf_failed",
            403,
            "Send the csrftoken cookie's value in the X-CSRFToken header (GET /api/v1/auth/csrf).",
        )
    return csrf.csrf_failure(request, reason)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        if isinstance(exception, RequestDataTooBig):
            return json_error("body_too_large", 413, "The body is too large.")
        return json_error("bad_request", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return json_error("forbidden", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return json_error("not_found", 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        return json_error("server_error", 500)
    return defaults.server_error(request)
