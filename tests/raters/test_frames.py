"""Rater pages from a cached frame (raters.frames): byte for byte the page the template
renders, values escaped as the template escapes them, a new frame when the study changes."""

from __future__ import annotations

import re

import pytest
from django.shortcuts import render
from django.test import Client, RequestFactory
from django.utils.safestring import mark_safe

from comparisons.models import Study
from raters.frames import render_framed
from raters.models import Vote
from raters.views_vote import FRAMED, choices_for
from tests.raters.conftest import open_study
from tests.raters.test_pages import token_of

pytestmark = pytest.mark.django_db
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def context(study: Study, **changes) -> dict:
    return {
        "study": study,
        "token": "tok-1",
        "position": 3,
        "quota": 20,
        "error": "",
        "notice": "",
        "turns": [],
        "prompt": mark_safe("<p>Which is <em>better</em>?</p>"),
        "left": mark_safe("<p>Left &amp; answer</p>"),
        "right": mark_safe("<p>Right answer</p>"),
        "rationale": "",
        "choices": choices_for(study),
        "chosen": "",
    } | changes


def both_ways(study: Study, ctx: dict) -> tuple[str, str]:
    request = RequestFactory().get("/r/x/vote/")
    framed = render_framed(request, "raters/vote.html", ctx, FRAMED).content.decode()
    rendered = render(request, "raters/vote.html", ctx).content.decode()
    masked = [CSRF.sub('name="csrfmiddlewaretoken" value="-"', page) for page in (framed, rendered)]
    return masked[0], masked[1]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"position": 1234, "token": 'a"b<c>&d'},  # a token is escaped in its attribute, as the template does
        {"prompt": "<script>plain text</script>", "left": mark_safe("")},  # a str is escaped, a safe one kept
        {"notice": "Your pair <b>went</b> elsewhere."},
    ],
)
def test_a_framed_page_is_the_page_the_template_renders(changes):
    study = open_study(prompts=1)
    Study.objects.filter(pk=study.pk).update(offer_both_bad=True, question="Which is <better>?")
    study.refresh_from_db()
    framed, rendered = both_ways(study, context(study, **changes))
    assert framed == rendered
    assert "Which is &lt;better&gt;?" in framed and "Both are bad" in framed


def test_a_change_to_the_study_makes_a_new_frame():
    study = open_study(prompts=1)
    first, _ = both_ways(study, context(study))
    study.question = "A new question?"
    framed, rendered = both_ways(study, context(study))
    assert framed == rendered and "A new question?" in framed and "A new question?" not in first


def test_a_framed_form_posts_back_with_its_own_csrf_token():
    open_study(prompts=3, slug="framed", quota=3)
    client = Client(enforce_csrf_checks=True)
    client.get("/r/framed/?PROLIFIC_PID=F1")
    page = client.get("/r/framed/instructions/").content.decode()
    client.post("/r/framed/instructions/", {"consent": "yes", "csrfmiddlewaretoken": CSRF.search(page).group(1)})
    page = client.get("/r/framed/vote/").content.decode()
    for choice in ("left", "right"):
        csrf = CSRF.search(page)
        assert csrf is not None
        answer = client.post(
            "/r/framed/vote/", {"token": token_of(page), "choice": choice, "csrfmiddlewaretoken": csrf.group(1)}
        )
        assert answer.status_code == 200
        page = answer.content.decode()
    assert Vote.objects.count() == 2 and "Pair <strong>3 of 3</strong>" in page


def test_the_frame_cache_keeps_only_the_newest_frames(monkeypatch):
    from raters import frames

    study = open_study(prompts=1)
    monkeypatch.setattr(frames, "MAX_FRAMES", 2)
    monkeypatch.setattr(frames, "_FRAMES", type(frames._FRAMES)())
    for n in range(4):
        framed, rendered = both_ways(study, context(study, notice=f"notice {n}"))
        assert framed == rendered and f"notice {n}" in framed
    assert len(frames._FRAMES) == 2
