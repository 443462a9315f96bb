"""TOTP enrolment with a QR code and hashed backup codes."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from access_support.accounts.models import BackupCode
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_totp_enrolment_shows_a_qr_code_and_then_signs_in(signed_in, senior):
    client = signed_in(senior)
    page = client.post("/accounts/security/", {"action": "totp_start"}).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=senior, confirmed=False)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    wrong = client.post(
        "/accounts/security/",
        {"action": "totp_confirm", "token": "000000" if totp.token() != 0 else "111111"},
    )
    assert wrong.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # the person takes a moment before typing the right code
    client.post("/accounts/security/", {"action": "totp_confirm", "token": f"{totp.token():06d}"})
    device.refresh_from_db()
    assert device.confirmed

    fresh = Client()
    devices = fresh.post(
        "/api/v1/auth/login",
        {"username": "senior", "password": PASSWORD},
        content_type="application/json",
    ).json()["devices"]
    assert {"email", "totp"} <= {d["type"] for d in devices}
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    response = fresh.post(
        "/api/v1/auth/otp/verify",
        {"device": "totp", "token": f"{totp.token():06d}"},
        content_type="application/json",
    )
    assert response.json() == {"verified": True}


def test_backup_codes_are_stored_hashed_and_work_once(signed_in, senior):
    client = signed_in(senior)
    page = client.post("/accounts/security/", {"action": "backup_codes"}).content.decode()
    stored = list(BackupCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10
    code = next(c for c in __import__("re").findall(r"<code>([A-Z0-9]{10})</code>", page))
    assert code not in stored and all(len(h) == 64 for h in stored)
    assert code not in str(list(BackupCode.objects.values()))

    for attempt in range(2):
        fresh = Client()
        fresh.post(
            "/api/v1/auth/login",
            {"username": "senior", "password": PASSWORD},
            content_type="application/json",
        )
        # Written with a hyphen and lower case, as a person might copy it.
        typed = f"{code[:5].lower()}-{code[5:]}"
        response = fresh.post(
            "/api/v1/auth/otp/verify",
            {"device": "backup_codes", "token": typed},
            content_type="application/json",
        )
        if attempt == 0:
            assert response.json() == {"verified": True}
        else:
            assert response.status_code in (400, 401)
    assert BackupCode.objects.count() == 9
