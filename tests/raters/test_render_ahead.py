"""Texts of open studies are rendered ahead of the rater pages (raters.services.render_ahead),
and a page uses that HTML only under the current rendering rules."""

from __future__ import annotations

import pytest

from comparisons.models import Prompt, Response, Study
from raters import rendering, services
from raters.models import RenderedPrompt, RenderedResponse
from raters.tasks import render_ahead
from tests.raters.conftest import open_study
from tests.raters.test_pages import SYSTEMS, enter

pytestmark = pytest.mark.django_db


def test_an_open_studys_texts_are_rendered_once_and_a_drafts_are_not(settings):
    assert settings.CELERY_BEAT_SCHEDULE["raters-render-ahead"]["task"] == "raters.render_ahead"
    study = open_study(prompts=4, systems=("A", "B", "C"))
    draft = open_study(prompts=2, systems=("D", "E"))
    Study.objects.filter(pk=draft.pk).update(status=Study.Status.DRAFT)
    hostile = Response.objects.filter(prompt__study=study).first()
    Response.objects.filter(pk=hostile.pk).update(text="**bold** <script>alert(1)</script> <img src=x onerror=y()>")
    assert render_ahead.apply().get() == 12 + 4
    assert services.render_ahead() == 0  # nothing left: a second sweep stores nothing
    assert RenderedResponse.objects.filter(response__prompt__study=draft).count() == 0
    stored = RenderedResponse.objects.get(pk=hostile.pk)
    assert stored.rules == rendering.RULES and "<strong>bold</strong>" in stored.html
    assert "<script" not in stored.html and "<img" not in stored.html
    for prompt in Prompt.objects.filter(study=study):
        assert RenderedPrompt.objects.get(pk=prompt.pk).html == rendering.render_text(prompt.text)


def test_new_rules_render_everything_again(monkeypatch):
    open_study(prompts=2)
    assert services.render_ahead() == 6
    monkeypatch.setattr(rendering, "RULES", "new-rules")
    assert services.render_ahead() == 6
    assert set(RenderedResponse.objects.values_list("rules", flat=True)) == {"new-rules"}
    assert services.render_ahead(limit=1) == 0


def test_the_page_shows_the_html_rendered_ahead_under_the_current_rules_only(client, monkeypatch):
    turns = [
        {"role": "user", "content": "Name a fruit."},
        {"role": "assistant", "content": "Apple."},
        {"role": "user", "content": "Another one?"},
    ]
    study = open_study(
        systems=SYSTEMS,
        rows=[{"prompt_id": "t", "prompt": turns, "system": s, "response": f"ok {i}"} for i, s in enumerate(SYSTEMS)],
        slug="blind",
    )
    services.render_ahead()
    RenderedResponse.objects.update(html="<p>from the store</p>")
    RenderedPrompt.objects.update(html="<p>prompt from the store</p>", turns_html=["<p>t1</p>", "<p>t2</p>"])
    monkeypatch.setattr(rendering, "_render", lambda text: pytest.fail("rendered on the request path"))
    enter(client)
    page = client.get("/r/blind/vote/").content.decode()
    assert page.count("<p>from the store</p>") == 2 and "prompt from the store" in page
    assert page.index("<p>t1</p>") < page.index("<p>t2</p>") < page.index("prompt from the store")
    # Rules changed since: the stored HTML is ignored and the texts are rendered on the page.
    monkeypatch.undo()
    monkeypatch.setattr(rendering, "RULES", "other")
    page = client.get("/r/blind/vote/").content.decode()
    assert "from the store" not in page and "Apple." in page and "ok 0" in page and "ok 1" in page
    assert study.status == Study.Status.OPEN
