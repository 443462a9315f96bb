"""Issue 23 item 6: the answers of a proxy registration survive the idle sign-out. They are kept
bound to the user (proxies.RegistrationDraft), not the session; signing in again resumes at the
question the person was on, says so, and sending the invitation or a day's wait ends the draft."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from access_support.audit.models import AuditEvent
from proxies.models import RegistrationDraft
from tests.proxies.conftest import STEP, answer_first_three

pytestmark = pytest.mark.django_db

KEPT = "前回の入力を残しています"
KEPT_PLAIN = "前に 入れた ことを のこして います"


def idle_sign_out(client) -> None:
    """What the idle timeout does: the session ends. Nothing of it comes back."""
    client.logout()


def test_after_the_idle_sign_out_registration_resumes_at_question_4_with_the_answers(
    signed_in, senior
):
    client = signed_in(senior)
    answer_first_three(client)
    idle_sign_out(client)

    again = signed_in(senior)  # signed in again: a new session
    opened = again.get("/proxies/register/")
    assert opened.status_code == 302 and opened["Location"] == STEP.format("end-date")
    page = again.get(STEP.format("end-date")).content.decode()
    assert "質問 4 / 4" in page and KEPT in page
    # Question 4 leads to the check page with answers 1–3 intact, not to an empty question 1.
    assert again.post(STEP.format("end-date"), {})["Location"] == STEP.format("check")
    check = again.get(STEP.format("check"))
    assert check.status_code == 200
    html = check.content.decode()
    for shown in ("山田 太郎", "taro@example.jp"):
        assert shown in html
    # Told once per session, not on every page.
    assert KEPT not in html


def test_signing_in_again_on_question_4_itself_keeps_the_earlier_answers(signed_in, senior):
    """The sign-in returns to the page the timeout interrupted (question 4)."""
    client = signed_in(senior)
    answer_first_three(client)
    idle_sign_out(client)
    again = signed_in(senior)
    assert KEPT in again.get(STEP.format("end-date")).content.decode()
    again.post(STEP.format("end-date"), {"ends_year": "2099", "ends_month": "3", "ends_day": "31"})
    html = again.get(STEP.format("check")).content.decode()
    assert "山田 太郎" in html and "2099年3月31日" in html


def test_the_answers_are_not_kept_in_the_session(signed_in, senior):
    client = signed_in(senior)
    answer_first_three(client)
    assert "proxy_register" not in client.session
    draft = RegistrationDraft.objects.get(user=senior)
    assert draft.step == "end-date"
    assert draft.data["proxy_name"] == "山田 太郎" and draft.data["relationship"] == "子"


def test_the_resume_message_has_a_plain_wording(signed_in, senior):
    senior.plain_japanese = True
    senior.save(update_fields=["plain_japanese"])
    client = signed_in(senior)
    answer_first_three(client)
    idle_sign_out(client)
    page = signed_in(senior).get("/proxies/register/", follow=True).content.decode()
    assert KEPT_PLAIN in page and KEPT not in page


def test_a_draft_older_than_a_day_is_ignored_and_registration_starts_afresh(signed_in, senior):
    client = signed_in(senior)
    answer_first_three(client)
    RegistrationDraft.objects.filter(user=senior).update(
        updated_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    idle_sign_out(client)
    again = signed_in(senior)
    opened = again.get("/proxies/register/")
    assert opened.status_code == 200
    html = opened.content.decode()
    assert "質問 1 / 4" in html and "山田 太郎" not in html and KEPT not in html
    # Answering question 1 again keeps nothing of the old answers.
    again.post(
        STEP.format("person"),
        {
            "proxy_name": "山田 次郎",
            "proxy_name_reading": "やまだ じろう",
            "proxy_email": "j@example.jp",
        },
    )
    assert set(RegistrationDraft.objects.get(user=senior).data) == {
        "proxy_name",
        "proxy_name_reading",
        "proxy_email",
    }


def test_a_draft_younger_than_a_day_is_still_resumed(signed_in, senior):
    client = signed_in(senior)
    answer_first_three(client)
    RegistrationDraft.objects.filter(user=senior).update(
        updated_at=timezone.now() - datetime.timedelta(hours=23)
    )
    idle_sign_out(client)
    assert signed_in(senior).get("/proxies/register/")["Location"] == STEP.format("end-date")


def test_purge_expired_deletes_drafts_older_than_a_day_and_counts_them(signed_in, senior, member_b):
    answer_first_three(signed_in(senior))
    answer_first_three(signed_in(member_b))
    RegistrationDraft.objects.filter(user=senior).update(
        updated_at=timezone.now() - datetime.timedelta(days=2)
    )
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert list(RegistrationDraft.objects.values_list("user", flat=True)) == [member_b.pk]
    assert "1 unfinished proxy registrations" in out.getvalue()
    event = AuditEvent.objects.get(action="retention.purged")
    assert event.after["registration_drafts"] == 1


def test_sending_the_invitation_clears_the_draft(
    signed_in, senior, django_capture_on_commit_callbacks
):
    client = signed_in(senior)
    answer_first_three(client)
    client.post(STEP.format("end-date"), {})
    assert RegistrationDraft.objects.get(user=senior).step == "check"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(STEP.format("check"))["Location"] == "/proxies/"
    assert not RegistrationDraft.objects.filter(user=senior).exists()
    idle_sign_out(client)
    again = signed_in(senior).get("/proxies/register/")
    assert again.status_code == 200 and "山田 太郎" not in again.content.decode()


def test_a_card_number_typed_into_an_answer_is_stored_masked(signed_in, senior):
    client = signed_in(senior)
    response = client.post(
        STEP.format("person"),
        {
            "proxy_name": "山田 4111 1111 1111 1111",
            "proxy_name_reading": "やまだ",
            "proxy_email": "taro@example.jp",
        },
        follow=True,
    )
    stored = RegistrationDraft.objects.get(user=senior).data["proxy_name"]
    assert "4111 1111 1111" not in stored and stored.endswith("1111")
    assert "カード番号" in response.content.decode()


def test_the_drafts_of_two_people_are_kept_apart(signed_in, senior, member_b):
    answer_first_three(signed_in(senior))
    assert signed_in(senior).get("/proxies/register/")["Location"] == STEP.format("end-date")
    other = signed_in(member_b).get("/proxies/register/")
    assert other.status_code == 200 and "山田 太郎" not in other.content.decode()
