"""The Prolific client against the fake Prolific API over real HTTP: retries, Retry-After,
Prolific's error messages, pagination, the never-repeated pay call, and the token kept out
of every message."""

from __future__ import annotations

import pytest

from comparisons.retry import retry_after_seconds
from prolific.client import Config, Prolific, ProlificError, backoff_seconds
from tests.prolific.conftest import TOKEN
from tests.prolific.fake_prolific import Fail
from tests.prolific.helpers import fast_client


def test_every_call_carries_the_token_from_the_environment(fake):
    fake.add_study("S1", url="u", code="C")
    assert fast_client().study("S1")["id"] == "S1"
    assert fake.requests[-1].headers["Authorization"] == f"Token {TOKEN}"


def test_a_missing_token_is_an_error_that_names_the_variable_not_a_request(fake, monkeypatch):
    monkeypatch.delenv("PROLIFIC_API_TOKEN")
    with pytest.raises(ProlificError, match="PROLIFIC_API_TOKEN is not set"):
        fast_client().study("S1")
    assert fake.requests == []


def test_a_429_waits_what_retry_after_asks_then_succeeds(fake):
    fake.add_study("S1", url="u", code="C")
    fake.fail(Fail("GET", "/studies/S1/", status=429, message="Request was throttled.", headers={"Retry-After": "7"}))
    slept: list[float] = []
    assert fast_client(slept).study("S1")["id"] == "S1"
    assert slept == [7.0] and len(fake.calls("GET", "/studies/S1/")) == 2


def test_5xx_answers_back_off_and_give_up_after_the_last_attempt(fake):
    fake.add_study("S1", url="u", code="C")
    fake.fail(*[Fail("GET", "/studies/S1/", status=503, message="Down for maintenance") for _ in range(4)])
    slept: list[float] = []
    with pytest.raises(ProlificError) as info:
        fast_client(slept).study("S1")
    assert info.value.retryable and info.value.status == 503 and "gave up after 4 attempts" in info.value.message
    assert "Down for maintenance" in info.value.message
    assert len(slept) == 3 and len(fake.calls("GET", "/studies/S1/")) == 4


def test_a_4xx_is_raised_at_once_with_prolifics_own_message(fake):
    with pytest.raises(ProlificError) as info:
        fast_client().study("NOPE")
    assert info.value.status == 404 and not info.value.retryable and "Not found." in info.value.message
    assert len(fake.requests) == 1


def test_submissions_follow_every_page(fake):
    fake.add_study("S1", url="u", code="C")
    ids = [fake.participant_starts("S1", f"P{i}") for i in range(5)]
    assert [s["id"] for s in fast_client().submissions("S1")] == ids
    assert len(fake.calls("GET", "/submissions/")) == 3  # pages of 2


def test_a_bonus_pay_that_times_out_is_uncertain_and_never_sent_again(fake):
    fake.add_study("S1", url="u", code="C")
    fake.participant_starts("S1", "P1")
    batch = fast_client().bonus_create("S1", [("P1", "0.50")])
    fake.fail(Fail("POST", "/pay/", status=202, delay=2.0, act=True))
    with pytest.raises(ProlificError) as info:
        fast_client().bonus_pay(batch["id"])
    assert info.value.uncertain and "did not answer" in info.value.message
    assert len(fake.calls("POST", "/pay/")) == 1


@pytest.mark.parametrize("status", [500, 503])
def test_a_bonus_pay_answered_with_a_5xx_is_uncertain_and_not_repeated(fake, status):
    fake.add_study("S1", url="u", code="C")
    fake.participant_starts("S1", "P1")
    batch = fast_client().bonus_create("S1", [("P1", "0.50")])
    fake.fail(Fail("POST", "/pay/", status=status))
    with pytest.raises(ProlificError) as info:
        fast_client().bonus_pay(batch["id"])
    assert info.value.uncertain and len(fake.calls("POST", "/pay/")) == 1 and not fake.paid


def test_a_bonus_pay_throttled_with_429_is_retried_because_prolific_did_not_act(fake):
    fake.add_study("S1", url="u", code="C")
    fake.participant_starts("S1", "P1")
    batch = fast_client().bonus_create("S1", [("P1", "0.50")])
    fake.fail(Fail("POST", "/pay/", status=429, headers={"Retry-After": "1"}))
    fast_client().bonus_pay(batch["id"])
    assert len(fake.calls("POST", "/pay/")) == 2 and str(fake.paid["P1"]) == "0.50"


def test_the_token_never_appears_in_an_error_message(fake):
    fake.fail(Fail("GET", "/studies/S1/", status=400, message=f"bad header Token {TOKEN}"))
    with pytest.raises(ProlificError) as info:
        fast_client().study("S1")
    assert TOKEN not in str(info.value) and "[token]" in str(info.value)


def test_urls_are_joined_onto_the_base_path_and_ids_cannot_change_the_path():
    client = Prolific(Config(base_url="https://proxy.example/prolific/"))
    assert client.url("studies/abc/") == "https://proxy.example/prolific/api/v1/studies/abc/"
    with pytest.raises(ProlificError):
        client.study("../users/me")


def test_retry_after_reads_seconds_and_http_dates_and_backoff_never_waits_less():
    assert retry_after_seconds("12") == 12.0 and retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert backoff_seconds(Config(backoff_base=1, backoff_cap=2), 5, 30.0) == 30.0
    assert 0.5 <= backoff_seconds(Config(backoff_base=1, backoff_cap=2), 1, None) <= 1.0
