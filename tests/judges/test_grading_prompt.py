"""What a grader is asked and how strictly its answer is read (pure Python, no database)."""

from __future__ import annotations

import pytest

from judges.grading_prompt import (
    DEFAULT_DIALOGUE_TEMPLATE,
    DEFAULT_GRADING_TEMPLATE,
    Unreadable,
    grading_template_problems,
    parse_grades,
    render_dialogue,
    render_grading,
    scale_text,
)

LIMA = ["Fail", "Pass", "Excellent"]


@pytest.mark.parametrize(
    ("answer", "grade"),
    [
        ('{"grade": "Pass"}', 1),
        ('```json\n{"grade": "excellent"}\n```', 2),
        ("Fail", 0),
        ("  excellent. ", 2),
        ('"Pass"', 1),
        ("3", 2),
        ('{"grade": 1}', 0),
        ('{"grade": "Pass", "reason": "meets the prompt"}', 1),
    ],
)
def test_a_rating_answer_naming_one_label_or_its_number_is_read(answer, grade):
    assert parse_grades(answer, LIMA, None) == [grade]


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("Pass or Excellent", "not one of the scale's labels"),
        ("Good", "not one of the scale's labels"),
        ("The response is a Pass.", "not one of the scale's labels"),
        ("4", "outside 1 to 3"),
        ("0", "outside 1 to 3"),
        ('{"grade": true}', "not one of the scale's labels"),
        ('{"grade": 2.0}', "not one of the scale's labels"),
        ('{"verdict": "A"}', 'no "grade"'),
        ('{"grade": "Pass"', "does not parse"),
        ("```\nPass\n```", "fenced answer must be a JSON object"),
        ("", "empty"),
        ('["Pass"]', "not one of the scale's labels"),
    ],
)
def test_anything_else_is_unreadable_with_its_reason_never_a_guess(answer, why):
    with pytest.raises(Unreadable, match=why):
        parse_grades(answer, LIMA, None)


def test_on_a_scale_of_numbers_a_number_is_a_label_never_a_position():
    zero_based = ["0", "1", "2"]
    assert parse_grades("1", zero_based, None) == [1]  # the label "1", not the first label
    assert parse_grades('{"grade": "2"}', zero_based, None) == [2]
    with pytest.raises(Unreadable):
        parse_grades('{"grade": 1}', zero_based, None)  # a JSON number is not a label
    likert = ["1", "2", "3", "4", "5"]
    assert parse_grades("5", likert, None) == [4]
    with pytest.raises(Unreadable):
        parse_grades("6", likert, None)


@pytest.mark.parametrize(
    "answer",
    [
        '{"grades": ["Pass", "fail", "Excellent"]}',
        '["Pass", "Fail", 3]',
        "Pass\nFail\nExcellent",
        "Turn 1: Pass\nTurn 2: Fail\nTurn 3: Excellent.",
        "1. Pass\n2) fail\n3: excellent",
        '```json\n{"grades": [2, 1, 3]}\n```',
    ],
)
def test_a_dialogue_answer_gives_one_grade_per_assistant_turn(answer):
    assert parse_grades(answer, LIMA, 3) == [1, 0, 2]


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ('{"grades": ["Pass", "Fail"]}', "2 grades for 3 assistant turns"),
        ('["Pass", "Fail", "Pass", "Pass"]', "4 grades for 3 assistant turns"),
        ("Pass\nFail", "2 grades for 3 assistant turns"),
        ("Turn 1: Pass\nTurn 3: Fail\nTurn 2: Pass", "line 2 is numbered as turn 3"),
        ('{"grade": "Pass"}', 'no "grades"'),
        ('{"grades": "Pass, Fail, Pass"}', "must be a list of 3 grades"),
        ('{"grades": ["Pass", "Good", "Pass"]}', "'Good' is not one of the scale's labels"),
        ("All three turns pass.", "1 grade for 3 assistant turns"),
    ],
)
def test_a_dialogue_answer_with_the_wrong_count_or_a_bad_grade_is_unreadable(answer, why):
    with pytest.raises(Unreadable, match=why):
        parse_grades(answer, LIMA, 3)


def test_limas_scale_is_explained_by_its_guidelines_and_a_custom_scale_lists_its_labels_in_order():
    lima = scale_text(LIMA, dialogue=False)
    assert lima.splitlines() == [
        "1. Fail: the response does not meet the requirements of the prompt.",
        "2. Pass: the response meets the requirements of the prompt.",
        "3. Excellent: the model provides an excellent response to the prompt.",
    ]
    assert "the user's message" in scale_text(LIMA, dialogue=True)
    assert scale_text(["Poor", "Okay", "Good", "Great"], dialogue=False) == "1. Poor\n2. Okay\n3. Good\n4. Great"


def test_the_default_templates_render_the_response_the_scale_and_the_turn_count():
    text = render_grading(
        DEFAULT_GRADING_TEMPLATE,
        question="How good?",
        prompt="Q?",
        response="An answer.",
        scale=LIMA,
        n_turns=1,
        dialogue=False,
    )
    assert "[Response]\nAn answer." in text and '"Fail", "Pass", "Excellent"' in text and "1. Fail:" in text
    turns = [
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "More?"},
        {"role": "assistant", "content": "Sure."},
    ]
    dialogue = render_dialogue(turns)
    assert dialogue == "[Assistant, turn 1]\nHello.\n\n[User]\nMore?\n\n[Assistant, turn 2]\nSure."
    text = render_grading(
        DEFAULT_DIALOGUE_TEMPLATE, question="", prompt="Q?", response=dialogue, scale=LIMA, n_turns=2, dialogue=True
    )
    assert "assistant's 2 turns" in text and "exactly 2 grades" in text


def test_a_grading_template_must_show_the_prompt_and_the_response_and_no_pairwise_placeholder():
    assert grading_template_problems(DEFAULT_GRADING_TEMPLATE) == []
    assert grading_template_problems(DEFAULT_DIALOGUE_TEMPLATE) == []
    problems = grading_template_problems("Compare $response_a with $response_b for $prompt")
    assert "must contain $response" in problems
    assert any(p.startswith("uses unknown placeholder $response_a") for p in problems)
