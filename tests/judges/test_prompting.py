"""Strict verdict parsing and prompt templates (pure)."""

from __future__ import annotations

import pytest

from judges.prompting import DEFAULT_TEMPLATE, parse_verdict, render, template_problems

CHOICES = {
    "a": "Response A is significantly better",
    "b": "Response B is significantly better",
    "tie": "Neither is significantly better",
}


@pytest.mark.parametrize(
    "answer,verdict",
    [
        ('{"verdict": "A"}', "A"),
        ('  {"verdict": "B", "reason": "more complete"}\n', "B"),
        ('{"verdict": "tie"}', "tie"),
        ('{"verdict": "TIE"}', "tie"),
        ('```json\n{"verdict": "B"}\n```', "B"),
        ("Response A is significantly better", "A"),
        ("neither is significantly better.", "tie"),
        ('"Response B is significantly better"', "B"),
    ],
)
def test_accepted_answers_give_their_verdict(answer, verdict):
    assert parse_verdict(answer, CHOICES) == verdict


@pytest.mark.parametrize(
    "answer",
    [
        "A",
        "I think A is better.",
        '{"verdict": "C"}',
        '{"verdict": "A"',
        '{"winner": "A"}',
        '["A"]',
        "",
        "Response A is significantly better. Response B is significantly better",
        '{"verdict": 1}',
        'Sure! {"verdict": "A"}',
        "```\nResponse A is significantly better\n```",
    ],
)
def test_anything_else_is_unparseable_never_guessed(answer):
    assert parse_verdict(answer, CHOICES) is None


def test_the_default_template_renders_the_study_question_and_choices():
    text = render(
        DEFAULT_TEMPLATE,
        question="Which is more helpful?",
        prompt="Say hi",
        response_a="hi",
        response_b="hello",
        choices=CHOICES,
    )
    assert "Which is more helpful?" in text and "[Response A]\nhi\n\n[Response B]\nhello" in text
    assert '- "tie": Neither is significantly better' in text and '{"verdict": "A"}' in text


def test_a_template_must_show_both_responses_and_name_only_known_placeholders():
    assert template_problems(DEFAULT_TEMPLATE) == []
    problems = template_problems("Q: $prompt A: $response_a cost $5 $answer")
    assert "must contain $response_b" in problems
    assert any("$answer" in p for p in problems) and any("lone $" in p for p in problems)


def test_both_bad_is_a_verdict_only_when_the_study_offers_it():
    offered = CHOICES | {"both_bad": "Both are bad"}
    for answer in ('{"verdict": "both_bad"}', "Both are bad.", '```json\n{"verdict": "BOTH_BAD"}\n```'):
        assert parse_verdict(answer, offered) == "both_bad"
        assert parse_verdict(answer, CHOICES) is None  # never guessed into a tie
    assert parse_verdict('{"verdict": "tie"}', offered) == "tie"
    assert parse_verdict('{"verdict": "both bad"}', offered) is None


def test_the_both_bad_template_lists_the_fourth_choice():
    from judges.prompting import DEFAULT_TEMPLATE_BOTH_BAD

    assert template_problems(DEFAULT_TEMPLATE_BOTH_BAD) == []
    text = render(
        DEFAULT_TEMPLATE_BOTH_BAD,
        question="Which is more helpful?",
        prompt="Say hi",
        response_a="hi",
        response_b="hello",
        choices=CHOICES | {"both_bad": "Neither answers it"},
    )
    assert '- "tie": Neither is significantly better\n- "both_bad": Neither answers it' in text
    assert '{"verdict": "both_bad"}' in text
