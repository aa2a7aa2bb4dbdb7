"""Storing uploaded model outputs: all or nothing, idempotent, with 409 on conflicts.

New prompts and responses stream into PostgreSQL with COPY, in the upload's one transaction
(comparisons/services/copy_rows.py), as plain values (NewPrompt, NewResponse) rather than a
model instance each; on SQLite they go through bulk_create. New responses are searched for
names that reveal their author a chunk at a time while COPY writes the chunks before
(_ResponseValues), so that PostgreSQL and this process work at the same time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from comparisons import tasks
from comparisons.errors import Conflict, InvalidInput, RowError
from comparisons.grading import (
    MAX_PER_TURN,
    dialogue_skeleton,
    dialogue_text,
    dialogue_turns,
    skeleton_difference,
)
from comparisons.ingest.rows import OutputRow
from comparisons.models import Prompt, Response, Study, StudySystem, System
from comparisons.reveal import Finder, Reveal
from comparisons.services.copy_rows import insert_values

BATCH = 2000
LOOKUP_CHUNK = 5000
PROMPT_VALUES = ("study_id", "external_id", "text", "turns", "category")
RESPONSE_VALUES = ("prompt_id", "system_id", "text", "metadata", "length", "reveals", "masked_text")


@dataclass(frozen=True, slots=True)
class NewPrompt:
    text: str
    turns: list[dict[str, str]]
    category: str


@dataclass(slots=True)
class NewResponse:
    """A response to write: its prompt by external id (`prompt_pk` None when the prompt is new
    in this upload too) and its system's id."""

    prompt: str
    prompt_pk: int | None
    system_id: int
    text: str
    metadata: dict[str, Any]
    reveals: list[str]
    masked_text: str


@dataclass(frozen=True)
class UploadCounts:
    rows: int
    created: int
    unchanged: int
    replaced: int
    prompts_created: int
    prompts_replaced: int
    systems_created: int
    systems_added: int

    def as_dict(self) -> dict:
        return asdict(self)


def outputs_upload(
    *,
    study: Study,
    rows: list[OutputRow],
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
) -> UploadCounts:
    """Store `rows` (already validated one by one) for `study`, or nothing at all.

    Raises InvalidInput (400) for rows that cannot be stored (unknown prompt, new system on
    an open study) and Conflict (409) for rows that contradict stored data, unless the study
    is a draft and `replace` is true. Queues the comparison build when the study is open."""
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        check_upload_allowed(study, replace=replace)
        if errors := response_kind_errors(study, rows):
            raise InvalidInput(f"{len(errors)} error(s) in the upload; nothing was stored", errors)
        systems, systems_created, systems_added = _resolve_systems(study, rows)
        prompts, prompts_new, prompts_changed = _resolve_prompts(study, rows, replace)
        new, changed, unchanged = _resolve_responses(rows, prompts, systems, replace)
        if errors := continuation_errors(study, rows, new, changed):
            raise InvalidInput(f"{len(errors)} continuation(s) cannot be compared turn by turn; nothing stored", errors)
        names = list(study.systems.values_list("name", flat=True))
        _flag_revealing(changed, names)  # (the new ones while COPY writes them: _ResponseValues)

        prompt_pks = {external_id: prompt.pk for external_id, prompt in prompts.items()}
        new_values = [(study.pk, eid, p.text, p.turns, p.category) for eid, p in prompts_new.items()]
        # COPY on PostgreSQL (copy_rows.py)
        responses = _ResponseValues(new, prompt_pks, names)
        # (the first responses are masked while PostgreSQL writes the prompts)
        new_pks = insert_values(Prompt, PROMPT_VALUES, new_values, ids=True, meanwhile=responses.ahead())
        prompt_pks.update(zip(prompts_new, new_pks, strict=True))
        if prompts_changed:
            Prompt.objects.bulk_update(prompts_changed, ["text", "turns", "category"], batch_size=BATCH)
        insert_values(Response, RESPONSE_VALUES, responses, progress=progress)
        if changed:
            Response.objects.bulk_update(
                changed, ["text", "metadata", "length", "reveals", "masked_text"], batch_size=BATCH
            )
        if study.status == Study.Status.OPEN and new:
            # robust: a lost message is picked up by comparisons.rebuild_stranded_studies
            transaction.on_commit(lambda: tasks.build_comparisons.delay(study.pk), robust=True)
    return UploadCounts(
        rows=len(rows),
        created=len(new),
        unchanged=unchanged,
        replaced=len(changed),
        prompts_created=len(prompts_new),
        prompts_replaced=len(prompts_changed),
        systems_created=systems_created,
        systems_added=systems_added,
    )


class _ResponseValues:
    """The new responses' RESPONSE_VALUES, flagged (`_flag_revealing`) a chunk at a time as COPY
    asks for them, or before (`ahead`, while PostgreSQL writes the prompts): PostgreSQL writes the
    rows sent before while this process searches the next ones (a Finder per chunk finds what one
    for all of them would: comparisons.reveal)."""

    CHUNK = 1000

    def __init__(self, new: list[NewResponse], prompt_pks: dict[str, int], names: list[str]) -> None:
        self.new, self.prompt_pks, self.names = new, prompt_pks, names
        self.flagged = 0  # new[:flagged] are flagged already (`ahead`)

    def __len__(self) -> int:
        return len(self.new)

    def ahead(self) -> Iterator[None]:
        """Flag the chunks `__iter__` would flag, one per step, before it is asked for them."""
        while self.flagged < len(self.new):
            chunk = self.new[self.flagged : self.flagged + self.CHUNK]
            _flag_revealing(chunk, self.names)
            self.flagged += len(chunk)
            yield None

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        pks = self.prompt_pks  # (read as COPY asks: the new prompts' ids are added after `ahead`)
        for start in range(0, len(self.new), self.CHUNK):
            chunk = self.new[start : start + self.CHUNK]
            if start >= self.flagged:
                _flag_revealing(chunk, self.names)
            for r in chunk:
                yield pks[r.prompt], r.system_id, r.text, r.metadata, len(r.text), r.reveals, r.masked_text


def _flag_revealing(responses: Sequence[Response | NewResponse], names: Iterable[str]) -> None:
    """Flag the responses that reveal their author (comparisons/reveal.py): the matches for
    the researcher, the masked text for raters."""
    turns = [dialogue_turns(response.text) if response.text.startswith("[{") else None for response in responses]
    searched = [turn["content"] for each in turns if each for turn in each]
    searched += [response.text for response, each in zip(responses, turns, strict=True) if each is None]
    finder = Finder(searched, names=names, extra=settings.LIMA_REVEAL_PATTERNS)
    for response, each in zip(responses, turns, strict=True):
        found = _find_in_response(response.text, each, finder)
        response.reveals, response.masked_text = (found.matches, found.masked) if found else ([], "")


def _find_in_response(text: str, turns: list[dict[str, str]] | None, finder: Finder) -> Reveal | None:
    """`find` on a response; a dialogue's turns are searched and masked one by one, so that its
    masked text is still the canonical JSON of its turns (a system named "content" never masks
    a key, and no match spans two turns)."""
    if turns is None:
        return finder.find(text)
    found = [finder.find(turn["content"]) for turn in turns]
    if not any(found):
        return None
    matches = list(dict.fromkeys(m for f in found if f for m in f.matches))[:20]
    masked = [{**turn, "content": f.masked if f else turn["content"]} for turn, f in zip(turns, found, strict=True)]
    return Reveal(matches=matches, masked=dialogue_text(masked))


def response_kind_errors(study: Study, rows: list[OutputRow]) -> list[RowError]:
    """A dialogue study (and a per-turn pairwise study) takes responses that are lists of
    turns, every other design text."""
    dialogue = study.design == Study.Design.DIALOGUE or study.per_turn
    kind = "a per-turn study's" if study.per_turn else "a dialogue study's"
    reason = (
        f"{kind} response is a list of turns {{role, content}}, starting and ending with the assistant's"
        if dialogue
        else "must be a string (a list of turns is a dialogue or per-turn study's response)"
    )
    errors = [RowError(row.row, "response", reason) for row in rows if row.is_dialogue != dialogue]
    if study.per_turn:
        errors += [
            RowError(row.row, "response", f"has more than {MAX_PER_TURN} assistant turns")
            for row in rows
            if row.is_dialogue and (dialogue_skeleton(row.response) or (0,))[0] > MAX_PER_TURN
        ]
    return errors


def continuation_errors(
    study: Study, rows: list[OutputRow], new: list[NewResponse], changed: list[Response]
) -> list[RowError]:
    """A per-turn study compares continuations turn by turn, so every response to a prompt must
    have the same assistant turns and the same user turns in between (comparisons.grading
    .dialogue_skeleton): one error per upload row that differs from the prompt's other responses."""
    if not study.per_turn or not (new or changed):
        return []
    written = {(r.prompt, r.system_id): r.text for r in new} | {
        (r.prompt.external_id, r.system_id): r.text for r in changed
    }
    texts: dict[str, dict[int, str]] = {}
    stored_prompts = {r.prompt_pk: r.prompt for r in new if r.prompt_pk is not None} | {
        r.prompt.pk: r.prompt.external_id for r in changed
    }
    for prompt_id, system_id, text in Response.objects.filter(prompt_id__in=list(stored_prompts)).values_list(
        "prompt_id", "system_id", "text"
    ):
        texts.setdefault(stored_prompts[prompt_id], {})[system_id] = text
    for (name, system_id), text in written.items():
        texts.setdefault(name, {})[system_id] = text
    row_of = {(row.prompt_id, row.response): row.row for row in rows}
    errors = []
    for (name, system_id), text in written.items():
        mine = dialogue_skeleton(text)
        for other_id, other_text in sorted(texts[name].items()):
            other = dialogue_skeleton(other_text)
            if other_id == system_id or mine is None or other is None:
                continue
            if difference := skeleton_difference(mine, other):
                errors.append(
                    RowError(
                        row_of.get((name, text)),
                        "response",
                        f"prompt_id {name!r}: this continuation cannot be compared turn by turn with another "
                        f"system's ({difference}); a per-turn study's continuations share their user turns",
                    )
                )
                break
    return sorted(errors, key=lambda e: e.row or 0)


def check_upload_allowed(study: Study, *, replace: bool) -> None:
    """Raise when the study's state refuses this upload (closed; replace outside draft)."""
    if study.status == Study.Status.CLOSED:
        raise Conflict(f"study {study.slug!r} is closed: no outputs can be added")
    if replace and study.status != Study.Status.DRAFT:
        raise InvalidInput(
            "replace=true is only allowed while the study is a draft",
            [RowError(None, "replace", f"only a draft study's outputs can be replaced; this study is {study.status}")],
        )


def _resolve_systems(study: Study, rows: list[OutputRow]) -> tuple[dict[str, System], int, int]:
    names = {row.system for row in rows}
    in_study = {s.name: s for s in study.systems.filter(name__in=names)}
    missing = names - in_study.keys()
    if not missing:
        return in_study, 0, 0
    if study.status == Study.Status.OPEN:
        first_rows: dict[str, int] = {}
        for row in rows:
            if row.system in missing:
                first_rows.setdefault(row.system, row.row)
        raise InvalidInput(
            "the study is open, so no new systems can be added",
            [
                RowError(r, "system", f"unknown system {name!r}: the study is open, so no new systems can be added")
                for name, r in sorted(first_rows.items(), key=lambda kv: kv[1])
            ],
        )
    existing = {s.name: s for s in System.objects.filter(name__in=missing)}
    created = [System(name=name) for name in sorted(missing - existing.keys())]
    System.objects.bulk_create(created, ignore_conflicts=True)
    added = {s.name: s for s in System.objects.filter(name__in=missing)}
    StudySystem.objects.bulk_create([StudySystem(study=study, system=s) for s in added.values()], ignore_conflicts=True)
    return in_study | added, len(created), len(added)


def _resolve_prompts(
    study: Study, rows: list[OutputRow], replace: bool
) -> tuple[dict[str, Prompt], dict[str, NewPrompt], list[Prompt]]:
    """The upload's stored prompts by external id, its new ones, and the stored ones it
    changes (only with `replace`). A new prompt needs its text; a stored one that differs is
    a conflict unless replaced."""
    given, categories = _given_prompts(rows)
    ids = list(dict.fromkeys(row.prompt_id for row in rows))
    prompts = _stored_prompts(study, ids)
    errors: list[RowError] = []
    conflicts: list[RowError] = []
    new: dict[str, NewPrompt] = {}
    changed: list[Prompt] = []
    for external_id in ids:
        row = given.get(external_id)
        turns = [{"role": r, "content": c} for r, c in row.turns] if row and row.turns else []
        stored = prompts.get(external_id)
        if stored is None:
            made = _new_prompt(external_id, row, turns, categories.get(external_id, ""), rows)
            if isinstance(made, RowError):
                errors.append(made)
            else:
                new[external_id] = made
            continue
        category = categories.get(external_id)
        differs = _prompt_differences(stored, row, turns, category, rows)
        if differs and replace:
            if row is not None and row.prompt_text is not None:  # (rows in `given` have one)
                stored.text, stored.turns = row.prompt_text, turns
            if category is not None:
                stored.category = category
            changed.append(stored)
        elif differs:
            conflicts.extend(
                RowError(
                    r,
                    field,
                    f"differs from the stored {field} of prompt_id {external_id!r}; "
                    "use ?replace=true on a draft study to replace it",
                )
                for field, r in differs
            )
    if errors:
        raise InvalidInput(f"{len(errors)} rows refer to prompts that were never given", errors)
    if conflicts:
        raise Conflict(f"{len(conflicts)} rows differ from stored data", conflicts)
    return prompts, new, changed


def _given_prompts(rows: list[OutputRow]) -> tuple[dict[str, OutputRow], dict[str, str]]:
    """Per prompt id, the first row that gives the prompt's text, and the first category given."""
    given: dict[str, OutputRow] = {}
    categories: dict[str, str] = {}
    for row in rows:
        if row.prompt_text is not None:
            given.setdefault(row.prompt_id, row)
        if row.category is not None:
            categories.setdefault(row.prompt_id, row.category)
    return given, categories


def _stored_prompts(study: Study, ids: list[str]) -> dict[str, Prompt]:
    """The study's stored prompts among `ids`: all of the study's read at once when they are
    not many more than `ids` (a first upload reads none), else looked up by id in chunks."""
    stored = Prompt.objects.filter(study=study)
    if stored.count() <= 2 * len(ids):
        wanted = set(ids)
        return {p.external_id: p for p in stored if p.external_id in wanted}
    prompts: dict[str, Prompt] = {}
    for chunk in _chunks(ids, LOOKUP_CHUNK):
        for prompt in Prompt.objects.filter(study=study, external_id__in=chunk):
            prompts[prompt.external_id] = prompt
    return prompts


def _new_prompt(
    external_id: str,
    row: OutputRow | None,
    turns: list[dict[str, str]],
    category: str,
    rows: list[OutputRow],
) -> NewPrompt | RowError:
    """A prompt not stored yet, or the error of its first row when no row gives its text."""
    if row is None or row.prompt_text is None:  # (rows in `given` have a prompt text)
        first = next(r for r in rows if r.prompt_id == external_id)
        return RowError(first.row, "prompt", f"is required the first time prompt_id {external_id!r} is uploaded")
    return NewPrompt(text=row.prompt_text, turns=turns, category=category)


def _prompt_differences(
    stored: Prompt, row: OutputRow | None, turns: list[dict[str, str]], category: str | None, rows: list[OutputRow]
) -> list[tuple[str, int]]:
    """(field, row number) of each way the upload differs from the stored prompt."""
    differs = []
    if row is not None and (stored.text != row.prompt_text or stored.turns != turns):
        differs.append(("prompt", row.row))
    if category is not None and category != stored.category:
        differs.append(("category", next(r.row for r in rows if r.prompt_id == stored.external_id and r.category)))
    return differs


def _resolve_responses(
    rows: list[OutputRow], prompts: dict[str, Prompt], systems: dict[str, System], replace: bool
) -> tuple[list[NewResponse], list[Response], int]:
    """The responses to write (their prompts stored or new), the stored ones to replace, and how
    many rows change nothing; a row that differs from a stored response is a conflict unless
    replaced. `prompts`: the stored ones."""
    stored: dict[tuple[int, int], Response] = {}
    prompt_pks = [p.pk for p in prompts.values() if p.pk is not None]
    for chunk in _chunks(prompt_pks, LOOKUP_CHUNK):
        for response in Response.objects.filter(prompt_id__in=chunk).only(
            "id", "prompt_id", "system_id", "text", "metadata"
        ):
            stored[(response.prompt_id, response.system_id)] = response
    new: list[NewResponse] = []
    changed: list[Response] = []
    conflicts: list[RowError] = []
    seen: set[tuple[str, str]] = set()
    unchanged = 0
    for row in rows:
        if (row.prompt_id, row.system) in seen:
            unchanged += 1
            continue
        seen.add((row.prompt_id, row.system))
        prompt, system = prompts.get(row.prompt_id), systems[row.system]
        existing = stored.get((prompt.pk, system.pk)) if prompt else None
        metadata = row.metadata if row.metadata is not None else {}
        if existing is None:
            pk = prompt.pk if prompt else None
            new.append(NewResponse(row.prompt_id, pk, system.pk, row.response, metadata, [], ""))
        elif existing.text == row.response and (row.metadata is None or existing.metadata == row.metadata):
            unchanged += 1
        elif replace:
            existing.text, existing.length = row.response, len(row.response)
            if row.metadata is not None:
                existing.metadata = row.metadata
            changed.append(existing)
        else:
            field = "response" if existing.text != row.response else "metadata"
            conflicts.append(
                RowError(
                    row.row,
                    field,
                    f"differs from the stored {field} for ({row.prompt_id!r}, {row.system!r}); "
                    "use ?replace=true on a draft study to replace it",
                )
            )
    if conflicts:
        raise Conflict(f"{len(conflicts)} rows differ from stored responses", conflicts)
    return new, changed, unchanged


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
