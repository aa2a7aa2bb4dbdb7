"""Rendering the texts of open studies ahead of the rater pages.

A rater's page shows a prompt and two responses as sanitized HTML (raters.rendering).
Rendering is the costliest step of serving a pair in Python (markdown-it-py: about 0.25 ms
for a short answer, several ms for a long one with code and tables), and every text is
shown to several raters, so a beat task (raters.render_ahead) renders each prompt and
response of an open study once and stores the HTML with the rules it was made under. A page
uses the stored HTML when its rules are current and renders the text itself otherwise: a
text not reached yet, or new rules, only costs time. A response that reveals its author is
rendered from its masked text (comparisons/reveal.py), as raters.sql.pair_texts reads it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Coalesce, NullIf

from comparisons.models import Prompt, Response, Study
from raters import rendering
from raters.models import RenderedPrompt, RenderedResponse

BATCH = 500


def render_ahead(*, limit: int = 5000) -> int:
    """Render and store up to `limit` prompts and responses of open studies whose stored
    HTML is missing or was made under other rules; returns how many were stored. Safe to
    run twice, or twice at once (the rows are upserted)."""
    rules = rendering.RULES
    responses = list(
        Response.objects.filter(prompt__study__status=Study.Status.OPEN)
        .exclude(rendered__rules=rules)
        .order_by("id")
        .values_list("id", Coalesce(NullIf("masked_text", Value("")), "text", output_field=TextField()))[:limit]
    )
    for start in range(0, len(responses), BATCH):
        response_rows = [
            RenderedResponse(response_id=pk, rules=rules, html=rendering.render_text(text))
            for pk, text in responses[start : start + BATCH]
        ]
        with transaction.atomic():
            RenderedResponse.objects.bulk_create(
                response_rows, update_conflicts=True, unique_fields=["response"], update_fields=["rules", "html"]
            )
    prompts = list(
        Prompt.objects.filter(study__status=Study.Status.OPEN)
        .exclude(rendered__rules=rules)
        .order_by("id")
        .values_list("id", "text", "turns")[: max(0, limit - len(responses))]
    )
    for start in range(0, len(prompts), BATCH):
        prompt_rows = [
            RenderedPrompt(
                prompt_id=pk,
                rules=rules,
                html=rendering.render_text(text),
                turns_html=[rendering.render_text(t["content"]) for t in (turns or [])[:-1]],
            )
            for pk, text, turns in prompts[start : start + BATCH]
        ]
        with transaction.atomic():
            RenderedPrompt.objects.bulk_create(
                prompt_rows,
                update_conflicts=True,
                unique_fields=["prompt"],
                update_fields=["rules", "html", "turns_html"],
            )
    return len(responses) + len(prompts)
