"""'Both are bad' on the rater form: offered only when the study says so, stored apart from a tie."""

from __future__ import annotations

import pytest

from comparisons.models import Study
from raters.models import Vote
from tests.raters.conftest import open_study
from tests.raters.test_pages import SYSTEMS, token_of

pytestmark = pytest.mark.django_db


def _study(offer: bool) -> Study:
    rows = [
        {"prompt_id": f"p{i}", "prompt": f"Question {i}?", "system": s, "response": f"Answer {i}.{j}"}
        for i in range(3)
        for j, s in enumerate(SYSTEMS)
    ]
    study = open_study(systems=SYSTEMS, rows=rows, slug="blind", quota=2)
    Study.objects.filter(pk=study.pk).update(offer_both_bad=offer, choice_both_bad="Neither answer is any good")
    return study


def _enter(client) -> str:
    client.get("/r/blind/?PROLIFIC_PID=PID1&STUDY_ID=S1&SESSION_ID=X1")
    client.post("/r/blind/instructions/", {"consent": "yes"})
    return client.get("/r/blind/vote/").content.decode()


def test_the_form_offers_both_bad_with_its_label_and_key_4_and_stores_it_apart_from_a_tie(client):
    _study(offer=True)
    page = _enter(client)
    assert 'value="both_bad"' in page and "Neither answer is any good" in page
    assert "<kbd>4</kbd> Neither answer is any good" in page  # the keyboard hint
    response = client.post("/r/blind/vote/", {"token": token_of(page), "choice": "both_bad"})  # a plain form post
    # The POST answers with the next pair's form (no redirect), with no error on it.
    assert response.status_code == 200 and 'name="token"' in response.content.decode()
    assert token_of(response.content.decode()) != token_of(page) and 'class="error"' not in response.content.decode()
    vote = Vote.objects.get()
    assert vote.choice == Vote.Choice.BOTH_BAD and vote.winner_id is None


def test_a_study_without_the_option_neither_shows_nor_takes_both_bad(client):
    _study(offer=False)
    page = _enter(client)
    assert 'value="both_bad"' not in page and "<kbd>4</kbd>" not in page
    response = client.post("/r/blind/vote/", {"token": token_of(page), "choice": "both_bad"})
    assert response.status_code == 400 and "Please choose one of the answers" in response.content.decode()
    assert not Vote.objects.exists()


def test_the_keyboard_script_knows_key_4():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "raters" / "static" / "raters" / "vote.js").read_text()
    assert '["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]' in script  # 1-4 pairwise, up to 10 grades


def test_a_rater_who_always_says_both_bad_is_flagged_like_one_who_always_ties():
    from raters.quality import VoteRow, rater_stats

    stats = rater_stats([VoteRow("both_bad", 20.0)] * 4 + [VoteRow("tie", 20.0)])
    assert stats.flags == ("all_ties",) and stats.tie_share == 1.0
    assert rater_stats([VoteRow("both_bad", 20.0), VoteRow("left", 20.0)] * 3).flags == ()
