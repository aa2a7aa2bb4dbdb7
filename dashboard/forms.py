from __future__ import annotations

from django import forms

from comparisons.ingest.rows import MAX_SYSTEM_CHARS
from comparisons.models import (
    DEFAULT_CHOICE_A,
    DEFAULT_CHOICE_B,
    DEFAULT_CHOICE_BOTH_BAD,
    DEFAULT_CHOICE_TIE,
    DEFAULT_QUESTION,
    Study,
)


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.replace("\n", ",").split(",") if n.strip()]


class StudyForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=100,
        required=False,
        help_text="Part of the rater link; random words if empty (the name may name systems, and raters see the link).",
    )
    design = forms.ChoiceField(choices=Study.Design.choices, initial=Study.Design.FOCAL)
    focal_system = forms.CharField(max_length=100, required=False, help_text="Focal design: the system under study.")
    baselines = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Focal design: baselines, separated by commas or lines.",
    )
    systems = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="All-pairs design: the systems, separated by commas or lines.",
    )
    votes_per_comparison = forms.IntegerField(min_value=1, max_value=1000, initial=3)
    question = forms.CharField(max_length=500, initial=DEFAULT_QUESTION)
    choice_a = forms.CharField(max_length=200, initial=DEFAULT_CHOICE_A, label="Choice A")
    choice_b = forms.CharField(max_length=200, initial=DEFAULT_CHOICE_B, label="Choice B")
    choice_tie = forms.CharField(max_length=200, initial=DEFAULT_CHOICE_TIE, label="Choice tie")
    both_bad = forms.BooleanField(
        required=False, label='Offer "both are bad"', help_text="A fourth choice, counted apart from a tie."
    )
    choice_both_bad = forms.CharField(
        max_length=200, required=False, initial=DEFAULT_CHOICE_BOTH_BAD, label="Choice both bad"
    )
    per_turn = forms.BooleanField(
        required=False,
        label="Compare turn by turn",
        help_text="Pairwise designs: responses are dialogue continuations, compared one assistant turn at a time.",
    )
    scale = forms.CharField(
        max_length=1200,
        required=False,
        help_text="Rating and dialogue designs: the grades, lowest first, separated by commas "
        "(empty: LIMA's Fail, Pass, Excellent).",
    )

    def clean(self) -> dict:
        """System names (focal, baselines, systems) fit the system name's column (a longer one was a 500)."""
        data = super().clean() or {}
        for field in ("focal_system", "baselines", "systems"):
            long = [n for n in _names(data.get(field) or "") if len(n) > MAX_SYSTEM_CHARS]
            if long:
                self.add_error(
                    field, f"a system name is at most {MAX_SYSTEM_CHARS} characters ({long[0][:30]}... is longer)"
                )
        return data

    def service_arguments(self) -> dict:
        d = self.cleaned_data
        focal = d["design"] == Study.Design.FOCAL
        graded = d["design"] in (Study.Design.RATING, Study.Design.DIALOGUE)
        arguments = {
            "name": d["name"],
            "slug": d["slug"] or None,
            "design": d["design"],
            "focal_system": d["focal_system"] or None if focal else None,
            "baselines": _names(d["baselines"]) if focal else None,
            "systems": None if focal else _names(d["systems"]),
            "votes_per_comparison": d["votes_per_comparison"],
            "question": d["question"],
            "choices": {
                "a": d["choice_a"],
                "b": d["choice_b"],
                "tie": d["choice_tie"],
                "both_bad": d["choice_both_bad"] or DEFAULT_CHOICE_BOTH_BAD,
            },
            "both_bad": d["both_bad"],
            "per_turn": d["per_turn"],
            "scale": [label.strip() for label in d["scale"].split(",")] if d["scale"].strip() else None,
        }
        if graded:  # raters grade on the scale: the pairwise labels the form always carries do not apply
            arguments["choices"] = None
        return arguments


class UploadForm(forms.Form):
    file = forms.FileField(help_text="A .jsonl file (one row per line) or a .json array of rows.")
    replace = forms.BooleanField(required=False, help_text="Replace differing stored outputs (draft studies only).")


class SettingsForm(forms.Form):
    votes_per_comparison = forms.IntegerField(min_value=1, max_value=1000)
    guidelines = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown shown to raters before they start; LIMA's framing when empty.",
    )
    quota = forms.IntegerField(min_value=1, max_value=10000, help_text="Pairs per rater, gold pairs included.")
    completion_code = forms.CharField(max_length=64)
    prolific_completion_url = forms.URLField(
        required=False,
        assume_scheme="https",
        help_text="Where a rater is sent after the last pair: Prolific's completion URL without the code, "
        "https://app.prolific.com/submissions/complete — lima-eval adds ?cc= and the completion code above "
        "(paste the same code into Prolific). Empty: raters only see the code.",
    )
    allow_anonymous = forms.BooleanField(
        required=False,
        label="Allow anonymous raters",
        help_text="Anyone with the rater link may vote (no Prolific ID or invite).",
    )
    allow_prolific = forms.BooleanField(required=False, help_text="Participants may join with Prolific's PROLIFIC_PID.")
    allow_invite = forms.BooleanField(required=False, help_text="Invite links of this study open it.")
    reveal_policy = forms.ChoiceField(
        required=False,
        choices=[("mask", "Mask author names for raters"), ("hold", "Hold such pairs out")],
        help_text="Responses that reveal their author (flagged at upload).",
    )
    gold_rate = forms.FloatField(min_value=0, max_value=1, help_text="Share of served pairs that are gold pairs.")
    researcher_name = forms.CharField(required=False, max_length=200, help_text="Who runs the study (consent page).")
    researcher_contact = forms.CharField(
        required=False, max_length=200, help_text="Email address or URL for raters' questions (consent page)."
    )
    estimated_minutes = forms.IntegerField(
        required=False, min_value=1, max_value=24 * 60, help_text="Time the task takes; empty: about a minute per pair."
    )
    pay = forms.CharField(required=False, max_length=200, help_text="Shown on the consent page when given.")
    data_use = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What is stored and how it is used; a true default when empty.",
    )
