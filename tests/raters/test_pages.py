"""The rater pages through Django's test client: entry, consent, the form, blinding, states."""

from __future__ import annotations

import re

import pytest

from comparisons.models import Comparison, Response, Study, System
from raters.models import Assignment, Rater, StudyRaterSettings, Vote
from tests.raters.conftest import open_study

pytestmark = pytest.mark.django_db
SYSTEMS = ("Zephyrine-LIMA", "Quokka-GPT")


@pytest.fixture
def study(db) -> Study:
    rows = [
        {"prompt_id": f"p{i}", "prompt": f"Question {i}?", "system": s, "response": f"Answer {i}.{j}"}
        for i in range(3)
        for j, s in enumerate(SYSTEMS)
    ]
    return open_study(
        systems=SYSTEMS,
        rows=rows,
        slug="blind",
        quota=2,
        prolific_completion_url="https://app.prolific.com/submissions/complete",
    )


def enter(client, pid: str = "PID1") -> None:
    response = client.get(f"/r/blind/?PROLIFIC_PID={pid}&STUDY_ID=S1&SESSION_ID=X1")
    assert response.status_code == 302 and response["Location"] == "/r/blind/instructions/"
    assert client.post("/r/blind/instructions/", {"consent": "yes"}).status_code == 302


def token_of(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match is not None, html[:300]
    return match.group(1)


def test_a_prolific_rater_reads_the_framing_consents_and_sees_a_pair(client, study):
    response = client.get("/r/blind/?PROLIFIC_PID=PID1&STUDY_ID=S1&SESSION_ID=X1", follow=True)
    assert response.status_code == 200
    assert "Imagine that you have a super-intelligent AI assistant" in response.content.decode()
    rater = Rater.objects.get()
    assert (rater.external_id, rater.prolific_study_id, rater.prolific_session_id) == ("PID1", "S1", "X1")
    assert client.get("/r/blind/vote/")["Location"] == "/r/blind/instructions/"
    refused = client.post("/r/blind/instructions/", {})
    assert refused.status_code == 400 and "Please tick the box" in refused.content.decode()
    page = client.post("/r/blind/instructions/", {"consent": "yes"}, follow=True).content.decode()
    assert "Pair <strong>1 of 2</strong>" in page and "Response A" in page and "Response B" in page
    assert "Neither is significantly better" in page and "<kbd>1</kbd>" in page
    assert 'src="/static/raters/vote.js"' in page


def test_the_guidelines_are_the_studys_markdown_sanitized(client, study):
    StudyRaterSettings.objects.filter(study=study).update(guidelines="## Be careful\n\n<script>x()</script> **bold**")
    client.get("/r/blind/?PROLIFIC_PID=P9")
    page = client.get("/r/blind/instructions/").content.decode()
    assert "<h2>Be careful</h2>" in page and "<strong>bold</strong>" in page and "<script>x()" not in page


def test_voting_through_the_form_records_the_vote_and_shows_the_next_pair(client, study):
    enter(client)
    token = token_of(client.get("/r/blind/vote/").content.decode())
    response = client.post("/r/blind/vote/", {"token": token, "choice": "right", "rationale": "more complete"})
    page = response.content.decode()  # the next pair, answered directly (no redirect, no second GET)
    assert response.status_code == 200 and "Pair <strong>2 of 2</strong>" in page and token_of(page) != token
    assert "more complete" not in page and " checked" not in page  # the new pair's form starts blank
    vote = Vote.objects.get()
    assert vote.choice == "right" and vote.rationale == "more complete" and vote.winner_id == vote.shown_right.system_id
    assert token_of(client.get("/r/blind/vote/").content.decode()) == token_of(page)


def test_a_double_submit_is_harmless_and_answers_with_the_next_pair(client, study):
    enter(client)
    token = token_of(client.get("/r/blind/vote/").content.decode())
    answers = [client.post("/r/blind/vote/", {"token": token, "choice": "left"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200] and Vote.objects.count() == 1
    nxt = token_of(answers[0].content.decode())
    assert nxt != token and token_of(answers[1].content.decode()) == nxt  # the resent POST: the same next pair
    assert token_of(client.get("/r/blind/vote/").content.decode()) == nxt


def test_a_vote_without_a_choice_shows_the_same_pair_with_a_message(client, study):
    enter(client)
    token = token_of(client.get("/r/blind/vote/").content.decode())
    response = client.post("/r/blind/vote/", {"token": token, "rationale": "kept"})
    page = response.content.decode()
    assert response.status_code == 400 and "Please choose one of the answers" in page
    assert token_of(page) == token and ">kept</textarea>" in page and not Vote.objects.exists()


def test_a_vote_for_another_raters_pair_is_refused_with_a_message(client, study, django_user_model):
    from django.test import Client

    other = Client()
    enter(other, "OTHER")
    theirs = token_of(other.get("/r/blind/vote/").content.decode())
    enter(client)
    page = client.post("/r/blind/vote/", {"token": theirs, "choice": "left"}, follow=True).content.decode()
    assert "not one we gave you" in page and not Vote.objects.exists()


def test_the_last_vote_leads_to_the_completion_code_and_the_prolific_redirect(client, study):
    enter(client)
    for _ in range(2):
        token = token_of(client.get("/r/blind/vote/").content.decode())
        last = client.post("/r/blind/vote/", {"token": token, "choice": "tie"})
    assert last.status_code == 302 and last["Location"] == "/r/blind/done/"  # the last vote leads on
    response = client.get("/r/blind/vote/")
    assert response["Location"] == "/r/blind/done/"
    page = client.get("/r/blind/done/").content.decode()
    assert "C0DE42" in page
    assert 'content="5;url=https://app.prolific.com/submissions/complete?cc=C0DE42"' in page


def test_pages_carry_no_system_name_or_database_id(client, study):
    enter(client)
    response = client.get("/r/blind/vote/")
    page = response.content.decode()
    comparison = Assignment.objects.get().comparison
    for name in SYSTEMS:
        assert name not in page and name not in str(response.headers)
    ids = {str(i) for i in Response.objects.values_list("id", flat=True)} | {str(comparison.pk)}
    ids |= {str(i) for i in System.objects.values_list("id", flat=True)}
    attributes = re.findall(r'\s([a-z-]+)="([^"]*)"', page)
    assert {name for name, _ in attributes} <= {
        "lang",
        "charset",
        "name",
        "content",
        "rel",
        "href",
        "id",
        "class",
        "role",
        "method",
        "type",
        "value",
        "src",
        "aria-labelledby",
        "aria-label",
        "max",
        "for",
        "rows",
        "maxlength",
        "aria-hidden",
        "defer",
    }
    assert not [v for _, v in attributes if v in ids]
    assert not re.search(r"data-|comparison|response_id|system", page, re.I)


def test_rater_pages_send_a_strict_content_security_policy_and_no_store(client, study):
    response = client.get("/r/blind/?PROLIFIC_PID=P1", follow=True)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"


def test_responses_are_rendered_from_markdown_with_html_removed(client):
    rows = [
        {
            "prompt_id": "x",
            "prompt": "Show **code**",
            "system": s,
            "response": "```python\nprint(1)\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>"
            '<img src="x" onerror="alert(1)"> [click](javascript:alert(1)) <iframe src="//evil"></iframe>',
        }
        for s in SYSTEMS
    ]
    open_study(systems=SYSTEMS, rows=rows, slug="blind")
    enter(client)
    page = client.get("/r/blind/vote/").content.decode()
    assert '<code class="language-python">print(1)' in page and "<td>1</td>" in page and "<strong>code</strong>" in page
    assert "<script>alert" not in page and "<img" not in page and "<iframe" not in page
    assert 'href="javascript:' not in page


def test_multi_turn_prompts_show_the_earlier_turns(client):
    turns = [
        {"role": "user", "content": "Name a fruit."},
        {"role": "assistant", "content": "Apple."},
        {"role": "user", "content": "Another one?"},
    ]
    open_study(
        systems=SYSTEMS,
        rows=[{"prompt_id": "t", "prompt": turns, "system": s, "response": f"ok {i}"} for i, s in enumerate(SYSTEMS)],
        slug="blind",
    )
    enter(client)
    page = client.get("/r/blind/vote/").content.decode()
    assert page.index("Name a fruit.") < page.index("Apple.") < page.index("Another one?")


@pytest.mark.parametrize(("status", "state", "text"), [(Study.Status.CLOSED, "closed", "This study is closed")])
def test_a_closed_study_shows_a_clear_page(client, study, status, state, text):
    enter(client)
    Study.objects.filter(pk=study.pk).update(status=status)
    for url in ("/r/blind/vote/", "/r/blind/?PROLIFIC_PID=NEW"):
        response = client.get(url)
        assert response.status_code == 200 and text in response.content.decode()


def test_a_full_study_shows_a_clear_page(client):
    open_study(prompts=1, systems=SYSTEMS, slug="blind", votes_per_comparison=1)
    Vote.objects.all().delete()
    first = __import__("django.test", fromlist=["Client"]).Client()
    enter(first, "FIRST")
    first.get("/r/blind/vote/")
    enter(client, "SECOND")
    response = client.get("/r/blind/vote/")
    assert response.status_code == 200 and "This study is full" in response.content.decode()


def test_entry_without_a_session_or_parameters_is_explained(client, study):
    for url in ("/r/blind/", "/r/blind/vote/", "/r/blind/done/"):
        response = client.get(url)
        assert response.status_code == 403
    assert "by invitation" in client.get("/r/blind/").content.decode()
    bad = client.get("/r/blind/?PROLIFIC_PID=%3Cscript%3E")
    assert bad.status_code == 400 and "PROLIFIC_PID" in bad.content.decode()
    assert client.get("/r/nope/").status_code == 404


def test_an_anonymous_link_works_only_when_allowed(client, study):
    assert client.post("/r/blind/").status_code == 403
    StudyRaterSettings.objects.filter(study=study).update(allow_anonymous=True)
    assert client.get("/r/blind/").status_code == 200
    assert client.post("/r/blind/")["Location"] == "/r/blind/instructions/"
    assert Rater.objects.get().source == Rater.Source.ANONYMOUS


def test_an_invite_link_enters_the_named_rater(client, study):
    from raters.services import invite_create

    _, token = invite_create(study=study, name="expert-1")
    assert client.get(f"/r/blind/i/{token}/")["Location"] == "/r/blind/instructions/"
    assert client.get(f"/r/blind/i/{token[:-3]}abc/").status_code == 403
    assert Rater.objects.get().group == "expert"


def test_the_form_posts_only_the_opaque_token_not_ids(client, study):
    enter(client)
    page = client.get("/r/blind/vote/").content.decode()
    names = set(re.findall(r'name="([^"]+)"', page)) - {"viewport", "referrer"}
    assert names == {"csrfmiddlewaretoken", "token", "choice", "rationale"}
    assert Comparison.objects.filter(study=study).count() == 3
