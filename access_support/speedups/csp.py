"""Content-Security-Policy headers, built once: django-csp's middleware with a memo (decision 0010).

Replaces: `csp.middleware.CSPMiddleware` (stock, used with `SPEEDUPS=off`).

django-csp builds both headers (the policy and the report-only one) from settings for every
response — measured in-process with cProfile, about an eighth of a signed-in request's own
CPU time for a view that returns a constant. Our pages use no nonce and no per-view policy,
so every response got the same text. Here the headers django-csp builds for a response with
no nonce and no per-view policy are kept and reused until a setting changes. Everything else —
a request that used a nonce, a response carrying a per-view policy or an exemption (django-csp's
decorators), excluded URL prefixes, DEBUG — goes through django-csp unchanged.
Bought (decision 0010's table, CPU per request of the in-project constant view, in-process):
0.571 → 0.486 ms.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBase

# Response attributes set by django-csp's decorators; any of them means a per-view policy.
PER_VIEW = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)
SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "DEBUG")

_memo: dict[str, str] | None = None


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        headers = self._plain_headers()
        if (
            headers is None
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in PER_VIEW)
        ):
            return super().process_response(request, response)
        for name, value in headers.items():
            if name not in response:
                response[name] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response

    def _plain_headers(self) -> dict[str, str] | None:
        """The headers of a response with no nonce and no per-view policy, or None when
        django-csp must decide per response (DEBUG, excluded URL prefixes)."""
        global _memo
        if _memo is None:
            _memo = self._build_plain_headers()
        return _memo or None

    def _build_plain_headers(self) -> dict[str, str]:
        policies = [
            getattr(settings, name, None) or {}
            for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
        ]
        if settings.DEBUG or any(p.get("EXCLUDE_URL_PREFIXES") for p in policies):
            return {}
        request, response = HttpRequest(), HttpResponse()
        built: dict[str, Any] = {
            HEADER: build_policy(**asdict(self.get_policy_parts(request, response))),
            HEADER_REPORT_ONLY: build_policy(
                **asdict(self.get_policy_parts(request, response, report_only=True)),
                report_only=True,
            ),
        }
        return {name: value for name, value in built.items() if value}


def _forget(*, setting: str, **kwargs: Any) -> None:
    global _memo
    if setting in SETTINGS:
        _memo = None


setting_changed.connect(_forget)
