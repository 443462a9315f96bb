"""The Content-Security-Policy headers: django-csp's, built once and reused (access_support/
csp_headers.py) — the same text django-csp gives, a setting change seen at once, and per-view
policies, exemptions and nonces still django-csp's own."""

from __future__ import annotations

import pytest
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory

from access_support.speedups.csp import CSPMiddleware

HEADER = "Content-Security-Policy"
HEADER_RO = "Content-Security-Policy-Report-Only"


def _answer(middleware_class, prepare=None, path="/x"):
    request = RequestFactory().get(path)

    def view(request):
        response = HttpResponse("ok")
        if prepare is not None:
            prepare(request, response)
        return response

    return middleware_class(view)(request)


def test_the_header_is_the_one_django_csp_builds():
    ours, theirs = _answer(CSPMiddleware), _answer(DjangoCSPMiddleware)
    assert ours[HEADER] == theirs[HEADER]
    assert "frame-ancestors 'none'" in ours[HEADER]
    assert HEADER_RO not in ours and HEADER_RO not in theirs


@pytest.mark.django_db
def test_every_page_carries_it():
    assert "default-src 'self'" in Client().get("/accounts/login/")[HEADER]


def test_a_changed_setting_is_seen_at_once(settings):
    _answer(CSPMiddleware)  # builds and keeps the headers
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    answer = _answer(CSPMiddleware)
    assert answer[HEADER] == "default-src 'none'"
    assert "img-src 'self'" in answer[HEADER_RO]
    assert answer[HEADER_RO] == _answer(DjangoCSPMiddleware)[HEADER_RO]


def test_a_per_view_policy_is_still_honoured():
    def update(request, response):
        response._csp_update = {"img-src": ["https://maps.example"]}

    answer = _answer(CSPMiddleware, update)
    assert answer[HEADER] == _answer(DjangoCSPMiddleware, update)[HEADER]
    assert "https://maps.example" in answer[HEADER]


def test_an_exempt_view_gets_no_header():
    def exempt(request, response):
        response._csp_exempt = True

    assert HEADER not in _answer(CSPMiddleware, exempt)


def test_a_nonce_used_by_the_page_is_in_its_header(settings):
    from csp.constants import NONCE, SELF

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    seen = {}

    def use_nonce(request, response):
        seen["nonce"] = str(request.csp_nonce)

    answer = _answer(CSPMiddleware, use_nonce)
    assert f"'nonce-{seen['nonce']}'" in answer[HEADER]
    # The next plain response is back to the shared header, without that nonce.
    assert seen["nonce"] not in _answer(CSPMiddleware)[HEADER]


def test_a_header_the_view_set_itself_is_kept():
    def own(request, response):
        response[HEADER] = "default-src 'self' https://own.example"

    assert _answer(CSPMiddleware, own)[HEADER] == "default-src 'self' https://own.example"


def test_every_per_response_setting_of_django_csps_decorators_is_known():
    """A django-csp upgrade whose decorators set another attribute on responses must be added to
    PER_VIEW, or such responses would get the shared header: this fails first."""
    import inspect
    import re

    import csp.decorators

    from access_support.speedups.csp import PER_VIEW

    set_by_decorators = set(re.findall(r"\b(_csp_\w+)\b", inspect.getsource(csp.decorators)))
    assert set_by_decorators and set_by_decorators <= set(PER_VIEW)
