"""The voting form and the completion page.

A vote's POST answers with the next pair directly (200, the form again at the same URL), not
with a redirect and a second GET: one request per vote instead of two, and one transaction
(raters.services.cycle; issue 13). Resending the POST (reload, back button, double click) is
harmless: the stored vote is found by its token, and the answer is the rater's pending pair
again. The last
vote still redirects to the completion page, and the states without a pair (closed, full,
excluded) answer with their status page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from comparisons.errors import InvalidInput, ServiceError
from comparisons.grading import dialogue_turns
from comparisons.models import Study
from raters import selectors, services
from raters.access import RaterRequest, rater_required, status_page
from raters.db_retry import retry_on_dropped_connection
from raters.errors import LeaseExpired, Refused
from raters.frames import render_framed
from raters.models import Vote
from raters.rendering import render_many

# What changes from one pair to the next on raters/vote.html (the rest is the study's: its frame)
FRAMED = ("token", "position", "prompt", "left", "right")


def choices_for(study: Study) -> list[tuple[str, str, str]]:
    """(value, keyboard key, label) of each answer the study offers, in the form's order."""
    choices = [("left", "1", study.choice_a), ("right", "2", study.choice_b), ("tie", "3", study.choice_tie)]
    if study.offer_both_bad:
        choices.append(("both_bad", "4", study.choice_both_bad))
    return choices


def _form(
    page: RaterRequest, nxt: services.Next, *, error: str = "", notice: str = "", status: int = 200
) -> HttpResponse:
    """The pair of `nxt`; after an error the rater's choice and comment are kept (`error`), a
    new pair starts blank."""
    request, study = page.request, page.study
    assignment = nxt.assignment
    assert assignment is not None, "the form shows an assigned pair"
    pair = selectors.pair_for(assignment)
    if study.is_rating:
        return _grade_form(page, nxt, pair, error=error, notice=notice, status=status)
    if study.per_turn:
        return _per_turn_form(page, nxt, pair, error=error, notice=notice, status=status)
    turns_ready: list[str | None] = list(pair.turns_html) if pair.turns_html else [None] * len(pair.turns)
    ready = [pair.prompt_html, pair.left_html, pair.right_html, *turns_ready]
    prompt, left, right, *turns = render_many(
        [pair.prompt, pair.left, pair.right or "", *(t["content"] for t in pair.turns)], ready
    )
    context = _page_context(page, nxt, pair, prompt=prompt, turns_html=turns, error=error, notice=notice) | {
        "left": left,
        "right": right,
        "choices": choices_for(study),
        "chosen": request.POST.get("choice", "") if error else "",
    }
    if not error and not pair.turns:  # the common page: from a cached frame (raters.frames)
        return render_framed(request, "raters/vote.html", context, FRAMED, status=status)
    return render(request, "raters/vote.html", context, status=status)


def _page_context(
    page: RaterRequest,
    nxt: services.Next,
    pair: selectors.Pair,
    *,
    prompt: str,
    turns_html: Sequence[str],
    error: str,
    notice: str,
) -> dict[str, Any]:
    """What every voting page shows (raters/_question.html and the form's frame): progress, the
    prompt with the conversation's earlier turns, the error or notice, and after an error the
    rater's comment kept."""
    assert nxt.assignment is not None, "the form shows an assigned pair"
    return {
        "study": page.study,
        "token": nxt.assignment.token,
        "position": nxt.done + 1,
        "quota": nxt.quota,
        "error": error,
        "notice": notice,
        "turns": [{"role": t["role"], "html": html} for t, html in zip(pair.turns, turns_html, strict=True)],
        "prompt": prompt,
        "rationale": page.request.POST.get("rationale", "") if error else "",
    }


@require_http_methods(["GET", "POST"])
@retry_on_dropped_connection
@rater_required
def vote(page: RaterRequest) -> HttpResponse:
    request, study, rater = page.request, page.study, page.rater
    if rater.consented_at is None:
        return redirect("raters:instructions", slug=study.slug)
    notice, nxt = "", None
    if request.method == "POST":
        choice, grade, turn_grades = _grades_posted(page)
        try:
            cycle = services.vote_cycle(
                rater=rater,
                study=study,
                token=request.POST.get("token", ""),
                choice=choice,
                rationale=request.POST.get("rationale", ""),
                grade=grade,
                turn_grades=turn_grades,
                turn_choices=_turns_posted(page) if choice == Vote.Choice.PER_TURN else None,
            )
            nxt, notice = cycle.next, cycle.notice
        except InvalidInput as exc:
            nxt = services.assignment_next(rater=rater, study=study)
            if nxt.state == "assigned" and nxt.assignment and nxt.assignment.token == request.POST.get("token"):
                return _form(page, nxt, error=_sentence(exc), status=400)
        except (Refused, LeaseExpired) as exc:
            notice = exc.detail
        except ServiceError:
            pass  # the study closed: the next page says so
    if nxt is None:
        nxt = services.assignment_next(rater=rater, study=study)
    if nxt.state == "assigned":
        return _form(page, nxt, notice=notice)
    if nxt.state == "finished":
        return redirect("raters:done", slug=study.slug)
    return status_page(page, nxt.state)


def _grade_form(
    page: RaterRequest, nxt: services.Next, pair: selectors.Pair, *, error: str, notice: str, status: int
) -> HttpResponse:
    """A rating item: the response (or the conversation, each assistant turn with its grades)."""
    request, study = page.request, page.study
    assert nxt.assignment is not None, "the form shows an assigned item"
    labels = list(study.scale)
    keys = [str((i + 1) % 10) for i in range(len(labels))]
    dialogue = dialogue_turns(pair.left) if study.design == Study.Design.DIALOGUE else None
    turn_texts = [t["content"] for t in dialogue or []]
    ready: list[str | None] = [pair.prompt_html, None if dialogue else pair.left_html]
    ready += pair.turns_html or [None] * len(pair.turns)
    ready += [None] * len(turn_texts)
    prompt, left, *rest = render_many(
        [pair.prompt, "" if dialogue else pair.left, *(t["content"] for t in pair.turns), *turn_texts], ready
    )
    earlier, conversation = rest[: len(pair.turns)], rest[len(pair.turns) :]

    def grades(name: str) -> list[tuple[int, str, str, bool]]:
        chosen = request.POST.get(name, "") if error else ""
        return [(i, keys[i], label, chosen == str(i)) for i, label in enumerate(labels)]

    shown: list[dict[str, Any]] = []
    number = 0
    for turn, html in zip(dialogue or [], conversation, strict=True):
        entry: dict[str, Any] = {"role": turn["role"], "html": html}
        if turn["role"] == "assistant":
            number += 1
            entry |= {"number": number, "name": f"turn_{number - 1}", "grades": grades(f"turn_{number - 1}")}
        shown.append(entry)
    context = _page_context(page, nxt, pair, prompt=prompt, turns_html=earlier, error=error, notice=notice) | {
        "left": left,
        "choice": Vote.Choice.TURNS if dialogue is not None else Vote.Choice.GRADE,
        "dialogue": shown,
        "n_turns": number,
        "grades": grades("grade"),
        "scale_keys": [(i, keys[i], label) for i, label in enumerate(labels)],
    }
    return render(request, "raters/grade.html", context, status=status)


def _per_turn_form(
    page: RaterRequest, nxt: services.Next, pair: selectors.Pair, *, error: str, notice: str, status: int
) -> HttpResponse:
    """Two continuations of a conversation, turn by turn: each user turn once (they are the
    same on both sides), then the two assistant turns side by side and a choice for that turn."""
    request, study = page.request, page.study
    assert nxt.assignment is not None, "the form shows an assigned pair"
    left_turns = dialogue_turns(pair.left) or []
    right_turns = dialogue_turns(pair.right or "") or []
    # the upload and the build refuse continuations whose turns differ: never show one as both
    assert len(left_turns) == len(right_turns), "a per-turn pair's continuations have as many turns"
    earlier: list[str | None] = list(pair.turns_html) if pair.turns_html else [None] * len(pair.turns)
    texts = [pair.prompt, *(t["content"] for t in pair.turns)]
    texts += [t["content"] for t in left_turns] + [t["content"] for t in right_turns]
    prompt, *rest = render_many(texts, [pair.prompt_html, *earlier] + [None] * (2 * len(left_turns)))
    n_earlier = len(pair.turns)
    turns_html, lefts, rights = (
        rest[:n_earlier],
        rest[n_earlier : n_earlier + len(left_turns)],
        rest[n_earlier + len(left_turns) :],
    )
    choices = choices_for(study)
    steps: list[dict[str, Any]] = []
    number = 0
    for i, turn in enumerate(left_turns):
        if turn["role"] == "user":
            steps.append({"role": "user", "html": lefts[i]})
            continue
        number += 1
        name = f"turn_{number - 1}"
        chosen = request.POST.get(name, "") if error else ""
        steps.append(
            {
                "role": "assistant",
                "number": number,
                "name": name,
                "left": lefts[i],
                "right": rights[i],
                "choices": [(value, key, label, chosen == value) for value, key, label in choices],
            }
        )
    context = _page_context(page, nxt, pair, prompt=prompt, turns_html=turns_html, error=error, notice=notice) | {
        "steps": steps,
        "n_turns": number,
        "choices": choices,
    }
    return render(request, "raters/turns.html", context, status=status)


def _turns_posted(page: RaterRequest) -> list[str | None]:
    """A dialogue's or per-turn form's `turn_0` .. `turn_{n-1}` (`n_turns` of them; a missing
    one is None: refused by the service, naming the turn)."""
    count = page.request.POST.get("n_turns", "")
    n = min(int(count), 200) if count.isdigit() else 0
    return [page.request.POST.get(f"turn_{i}") for i in range(n)]


def _grades_posted(page: RaterRequest) -> tuple[str, object, object]:
    """(choice, grade, turn grades) of the POST: a rating study's form posts `grade`, a
    dialogue's the turns of `_turns_posted`."""
    choice = page.request.POST.get("choice", "")
    if choice == Vote.Choice.GRADE:
        return choice, page.request.POST.get("grade"), None
    if choice == Vote.Choice.TURNS:
        return choice, None, _turns_posted(page)
    return choice, None, None


def _sentence(exc: InvalidInput) -> str:
    error = exc.errors[0] if exc.errors else None
    if error and error.field == "choice":
        return "Please choose one of the answers before you continue."
    if error and error.field == "grade":
        return "Please choose a grade before you continue."
    if error and error.field == "turn_grades":
        return "Please grade every turn of the assistant before you continue."
    if error and error.field == "turn_choices":
        unanswered = re.match(r"turn (\d+) is not answered", error.reason)
        if unanswered:
            return f"Please choose an answer for the assistant's turn {unanswered.group(1)} before you continue."
        return "Please choose one answer for every turn of the assistant before you continue."
    if error and error.field == "rationale":
        return f"Your comment under “Why?” {error.reason}."
    return f"Your {error.field}: {error.reason}." if error else exc.detail


def completion_url(base: str, code: str) -> str:
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "cc"] + [("cc", code)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@require_http_methods(["GET"])
@rater_required
def done(page: RaterRequest) -> HttpResponse:
    request, study, rater = page.request, page.study, page.rater
    if rater.finished_at is None:
        return redirect("raters:vote", slug=study.slug)
    settings = services.rater_settings_get(study=study)
    url = (
        completion_url(settings.prolific_completion_url, settings.completion_code)
        if settings.prolific_completion_url
        else ""
    )
    return render(
        request,
        "raters/done.html",
        {"study": study, "code": settings.completion_code, "url": url, "votes": rater.votes.count()},
    )
