"""The votes export on PostgreSQL (results.export): a binary COPY of one query, the same rows,
CSV and JSON Lines as the ORM's rows (the SQLite first run's path), for every kind of vote; and a
small study's export, beside a larger study, reads its votes through the rater index instead of
scanning every study's votes."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection

from bench.results_data import study_build
from comparisons.models import Prompt, Study
from raters.models import Rater, Vote
from results import export
from results.planner import RATER_INDEX_PLANNER
from tests.results.test_api import import_votes, lima_votes
from tests.results.test_loading import PLANNER_DEFAULTS, _plan, _vote_reads

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's"),
]


def _texts(study: Study, monkeypatch: pytest.MonkeyPatch, orm: bool) -> tuple[str, str]:
    """The study's CSV and JSON Lines exports, read by the COPY path or (orm) by the ORM's."""
    with monkeypatch.context() as m:
        if orm:
            m.setattr(export, "_copy_rows", export._orm_rows)
        return "".join(export.csv_lines(study)), "".join(export.jsonl_lines(study))


def test_every_kind_of_vote_exports_the_same_through_copy_as_through_the_orm(api, focal, monkeypatch):
    assert import_votes(api, lima_votes(6, 3, 5, rater="r1") + lima_votes(4, 2, 6, baseline="Bard", rater="r2"))
    votes = list(Vote.objects.filter(comparison__study=focal).order_by("id"))
    # every kind the table holds, by the check constraints' rules
    Vote.objects.filter(pk=votes[0].pk).update(choice="both_bad", winner=None)
    Vote.objects.filter(pk=votes[1].pk).update(choice="per_turn", turn_choices=["left", "tie", "right"])
    Vote.objects.filter(pk=votes[2].pk).update(choice="grade", shown_right=None, winner=None, grade=2)
    Vote.objects.filter(pk=votes[3].pk).update(choice="turns", shown_right=None, winner=None, turn_grades=[0, 1])
    Vote.objects.filter(pk=votes[4].pk).update(choice="grade", shown_right=None, winner=None, grade=9)  # off the scale
    Vote.objects.filter(pk=votes[5].pk).update(is_gold=True, simulated=True, imported=False, seconds=12.625)
    rationale = '=HYPERLINK("x")\tsaid "no",\nthen ünïcödé \\ and a \r return'
    Vote.objects.filter(pk=votes[6].pk).update(rationale=rationale)
    Vote.objects.filter(pk=votes[7].pk).update(rationale="-1+1")
    # text cells a spreadsheet would take for formulas, in the rater's and the prompt's fields
    Rater.objects.filter(study=focal, external_id="r2").update(external_id="@r2", group="+expert", excluded=True)
    Prompt.objects.filter(study=focal, external_id="p3").update(external_id="=p3", category="-cat")

    copied, read = list(export._copy_rows(focal)), list(export._orm_rows(focal))
    assert len(copied) == len(read) == len(votes) == 26
    for a, b in zip(copied, read, strict=True):
        assert a == b and [type(x) for x in a] == [type(x) for x in b], (a, b)
    kinds = {row[export.READ.index("choice")] for row in copied}
    assert kinds == {"left", "right", "tie", "both_bad", "per_turn", "grade", "turns"}

    (csv_copy, jsonl_copy), (csv_orm, jsonl_orm) = _texts(focal, monkeypatch, False), _texts(focal, monkeypatch, True)
    assert csv_copy == csv_orm and jsonl_copy == jsonl_orm
    rows = list(csv.DictReader(io.StringIO(csv_copy)))
    lines = [json.loads(line) for line in jsonl_copy.splitlines()]
    assert [int(r["vote_id"]) for r in rows] == [line["vote_id"] for line in lines] == [v.pk for v in votes]
    by_id = {int(r["vote_id"]): r for r in rows}
    assert by_id[votes[6].pk]["rationale"] == "'" + rationale and by_id[votes[7].pk]["rationale"] == "'-1+1"
    assert {r["rater"] for r in rows} == {"r1", "'@r2"} and "'+expert" in {r["rater_group"] for r in rows}
    assert by_id[votes[3].pk]["turn_grades"] == "[0, 1]" and by_id[votes[2].pk]["right_system"] == ""
    assert lines[1]["turn_choices"] == ["left", "tie", "right"] and lines[2]["grade"] == 2


def test_a_small_studys_export_reads_its_votes_through_the_rater_index():
    """Beside a larger study, a small study's export scanned every study's votes (a 10k study
    beside 1M votes: 0.46-0.53 s in PostgreSQL); it now reads them through the rater index, as
    the results' read does (results.planner.through_rater_index), and a large study's is left to
    the planner. Both export the same rows as the ORM."""
    large, small = (Study.objects.get(pk=study_build(n)) for n in (30_000, 600))  # built, then ANALYZEd
    assert export.copy_query(large)[1] is None
    query, planner = export.copy_query(small)
    assert planner == RATER_INDEX_PLANNER
    (alone,) = _vote_reads(_plan(query, PLANNER_DEFAULTS))
    assert alone["Node Type"] == "Seq Scan", alone  # left to the planner: the whole votes table
    (through,) = _vote_reads(_plan(query, planner))
    assert through["Node Type"] == "Bitmap Heap Scan", through
    assert through["Plans"][0]["Index Name"] == "vote_once_per_rater_and_comparison", through
    copied = list(export._copy_rows(small))
    assert copied == list(export._orm_rows(small)) and len(copied) == Vote.objects.filter(rater__study=small).count()
    assert len(list(export._copy_rows(large))) == Vote.objects.filter(rater__study=large).count()


def test_an_export_stopped_early_leaves_the_connection_as_it_was(api, focal, monkeypatch):
    """A client that goes away mid-download closes the generator: the COPY is cancelled, its
    transaction rolled back with the planner settings it ran under, and the connection serves
    the next statement."""
    assert import_votes(api, lima_votes(8, 2, 5, rater="r1"))
    monkeypatch.setattr(export, "through_rater_index", lambda _ids: True)  # with planner settings
    first = Vote.objects.filter(comparison__study=focal).order_by("id").first()
    rows = export._copy_rows(focal)
    assert next(rows)[0] == first.pk  # (no other statement on the connection until the COPY ends)
    rows.close()
    assert Vote.objects.filter(comparison__study=focal).count() == 15
    with connection.cursor() as cursor:
        cursor.execute("select current_setting('enable_seqscan'), current_setting('jit')")
        assert cursor.fetchone() != ("off", "off")
    assert len(list(export._copy_rows(focal))) == 15
