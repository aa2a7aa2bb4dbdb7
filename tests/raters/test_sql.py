"""raters.sql, the rater path's hand-written statements: each agrees with the ORM
definition it stands for, on PostgreSQL here and on the embedded SQLite default (a
subprocess), and the signed rater cookie that replaced the session."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test import Client
from django.utils import timezone

from comparisons.models import Comparison, Study
from raters import services, sql
from raters.models import Assignment, Coverage, GoldPair, Rater, StudyRaterSettings, Vote
from raters.selectors import leases_holding_slots as holding
from raters.selectors import votes_filling_slots as counted_votes
from raters.services.coverage import coverage_sync
from tests.conftest import ROOT
from tests.factories import GoldPairFactory, RaterFactory
from tests.raters.conftest import open_study

pytestmark = pytest.mark.django_db


def vote_on(rater: Rater, now=None) -> Assignment:
    nxt = services.assignment_next(rater=rater, now=now)
    assert nxt.state == "assigned" and nxt.assignment is not None
    services.vote_submit(rater=rater, token=nxt.assignment.token, choice="left", now=now)
    return nxt.assignment


def test_exact_fill_counts_what_the_orm_definitions_count():
    study = open_study(prompts=3, systems=("A", "B", "C"), votes_per_comparison=9)
    now = timezone.now()
    raters = [RaterFactory(study=study) for _ in range(8)]
    for rater in raters:  # votes
        vote_on(rater)
        vote_on(rater)
    judge = RaterFactory(study=study, source=Rater.Source.JUDGE, group="judge")
    vote_on(judge)
    for rater in raters[:5]:  # live leases, one of which lapses
        services.assignment_next(rater=rater)
    Assignment.objects.filter(rater=raters[0], state="pending").update(expires_at=now - timedelta(seconds=1))
    Rater.objects.filter(pk=raters[1].pk).update(excluded=True)  # their votes and lease stop counting
    gold = Comparison.objects.filter(study=study).first()
    GoldPairFactory(comparison=gold)
    Vote.objects.filter(comparison=gold).update(is_gold=True)
    pending = Assignment.objects.filter(state="pending").first()
    for comparison in Comparison.objects.filter(study=study):
        orm = counted_votes().filter(comparison=comparison).count() + holding(now).filter(comparison=comparison).count()
        assert sql.exact_fill(comparison.pk, now) == orm
        if comparison.pk == pending.comparison_id:
            left_out = holding(now).filter(comparison=comparison).exclude(pk=pending.pk).count()
            assert (
                sql.exact_fill(comparison.pk, now, excluding=pending.pk)
                == counted_votes().filter(comparison=comparison).count() + left_out
            )
    assert sum(sql.exact_fill(c, now) for c in Comparison.objects.values_list("id", flat=True)) > 0


def test_the_candidate_scan_is_the_orm_query_it_replaces():
    study = open_study(prompts=6, systems=("A", "B", "C"), votes_per_comparison=2)
    raters = [RaterFactory(study=study) for _ in range(3)]
    for rater in raters:
        vote_on(rater)
    GoldPairFactory(comparison=Comparison.objects.filter(study=study).last())
    coverage_sync(study_id=study.pk, force=True)
    for rater in raters:
        orm = list(
            Coverage.objects.filter(study_id=study.pk, filled__lt=2)
            .exclude(Exists(Assignment.objects.filter(rater=rater, comparison=OuterRef("comparison_id"))))
            .exclude(Exists(GoldPair.objects.filter(comparison=OuterRef("comparison_id"))))
            .order_by("filled", "rank")
            .values_list("comparison_id", "filled")[:7]
        )
        assert sql.unseen_least_filled(rater_id=rater.pk, study_id=study.pk, cap=2, limit=7) == orm
        assert len(orm) == 7


def test_rows_load_as_the_orm_loads_them():
    study = open_study(prompts=2, quota=4, lease_minutes=7)
    rater = RaterFactory(study=study, consented_at=timezone.now())
    loaded = sql.rater_with_study(rater_id=rater.pk, study_id=study.pk, slug=study.slug)
    orm = Rater.objects.select_related("study__rater_settings").get(pk=rater.pk)
    for field in Rater._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(orm, field.attname), field.name
    for field in Study._meta.concrete_fields:
        if field.name != "queue_report":
            assert getattr(loaded.study, field.attname) == getattr(orm.study, field.attname), field.name
    for field in StudyRaterSettings._meta.concrete_fields:
        assert getattr(loaded.study.rater_settings, field.attname) == getattr(orm.study.rater_settings, field.attname)
    assert loaded.study.queue_report == orm.study.queue_report  # deferred: loaded when asked for
    assert sql.rater_with_study(rater_id=rater.pk, study_id=study.pk, slug="other") is None
    Study.objects.filter(pk=study.pk).update(status=Study.Status.DRAFT)
    assert sql.rater_with_study(rater_id=rater.pk, study_id=study.pk, slug=study.slug) is None

    Study.objects.filter(pk=study.pk).update(status=Study.Status.OPEN)
    assignment = services.assignment_next(rater=rater).assignment
    locked = sql.assignment_for_vote(assignment.token)
    fresh = Assignment.objects.select_related("comparison__left_response", "comparison__right_response").get(
        pk=assignment.pk
    )
    for field in Assignment._meta.concrete_fields:
        assert getattr(locked, field.attname) == getattr(fresh, field.attname), field.name
    assert (locked.left_id, locked.right_id, locked.left_system, locked.right_system, locked.study_status) == (
        fresh.comparison.left_response_id,
        fresh.comparison.right_response_id,
        fresh.comparison.left_response.system_id,
        fresh.comparison.right_response.system_id,
        "open",
    )
    assert sql.assignment_for_vote("no-such-token") is None


def test_the_rater_cookie_is_signed_scoped_to_its_study_and_worthless_elsewhere():
    one = open_study(slug="one")
    open_study(slug="two", systems=("X", "Y"))
    client = Client()
    entered = client.get("/r/one/?PROLIFIC_PID=P1")
    cookie = entered.cookies["lima_rater"]
    assert cookie["path"] == "/r/one/" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.post("/r/one/instructions/", {"consent": "yes"}).status_code == 302
    assert client.get("/r/one/vote/").status_code == 200
    # The same cookie sent to another study's pages (a client ignoring its path) is no entry there.
    client.cookies["lima_rater"]["path"] = "/"
    assert client.get("/r/two/vote/").status_code == 403
    # Tampered with, or naming another rater: no session at all.
    rater = Rater.objects.get(study=one)
    forged = signing.dumps([one.pk, rater.pk + 1000], salt="raters.rater")[:-2] + "xx"
    for value in (forged, cookie.value[:-1] + ("A" if cookie.value[-1] != "A" else "B"), "garbage"):
        other = Client()
        other.cookies["lima_rater"] = value
        assert other.get("/r/one/vote/").status_code == 403
    # A correctly signed cookie of a rater of another study does not open this one.
    stranger = RaterFactory(study=Study.objects.get(slug="two"), consented_at=timezone.now())
    other = Client()
    other.cookies["lima_rater"] = signing.dumps([stranger.study_id, stranger.pk], salt="raters.rater")
    assert other.get("/r/one/vote/").status_code == 403


SQLITE_JOURNEY = r"""
import re, django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
from raters.models import Vote, Assignment, Rater
from raters import sql
client = Client()
assert client.get("/r/lima-demo/?PROLIFIC_PID=SQLITE1").status_code == 302
assert client.post("/r/lima-demo/instructions/", {"consent": "yes"}).status_code == 302
for i in range(6):
    page = client.get("/r/lima-demo/vote/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    choice = "left right tie".split()[i % 3]
    assert client.post("/r/lima-demo/vote/", {"token": token, "choice": choice}).status_code in (200, 302)
rater = Rater.objects.get(external_id="SQLITE1")
votes = list(Vote.objects.filter(rater=rater))
assert len(votes) == 6 and all(v.seconds >= 0 and v.created_at.tzinfo for v in votes), votes
assert all((v.choice == "tie") == (v.winner_id is None) for v in votes)
loaded = sql.rater_with_study(rater_id=rater.pk, study_id=rater.study_id, slug="lima-demo")
assert loaded.consented_at == rater.consented_at and loaded.consented_at.tzinfo is not None
assert loaded.study.rater_settings.quota >= 6
assert Assignment.objects.filter(rater=rater, state="voted").count() == 6
print("ok", len(votes))
"""


@pytest.mark.django_db(transaction=False)
def test_a_rater_votes_on_the_embedded_sqlite_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "DJANGO_SETTINGS_MODULE": "lima_eval.settings"}
    for args in (["migrate", "--noinput"], ["load_demo"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_JOURNEY], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok 6"


def _show(setting: str) -> str:
    """The value of a PostgreSQL setting on this connection now."""
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_only_an_outermost_lease_transaction_skips_waiting_for_the_disk():
    from django.db import transaction

    rater = RaterFactory(study=open_study(prompts=1))

    with transaction.atomic():
        assert sql.lock_rater(rater.pk, durable=False) == (False, 0, 0)
        assert _show("synchronous_commit") == "off"
    assert _show("synchronous_commit") == "on"  # for this transaction only
    with transaction.atomic():
        sql.lock_rater(rater.pk)
        assert _show("synchronous_commit") == "on"
    with transaction.atomic(), transaction.atomic():  # inside a caller's transaction: left alone
        sql.lock_rater(rater.pk, durable=False)
        assert _show("synchronous_commit") == "on"
    assert services.assignment_next(rater=rater).state == "assigned"


def _generic_plan(statement: str, params: list) -> dict:
    """The plan PostgreSQL keeps for `statement` once it settles on a generic plan for a
    prepared statement (as it may for psycopg's prepared statements after five runs): the
    plan made without the parameters' values, as JSON."""
    numbered = iter(range(1, statement.count("%s") + 1))
    prepared = re.sub(r"%s", lambda _: f"${next(numbered)}", statement)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE plan_check AS {prepared}")
        try:
            literals = ", ".join(_literal(p) for p in params)
            cursor.execute(f"EXPLAIN (FORMAT JSON) EXECUTE plan_check({literals})")
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("DEALLOCATE plan_check")
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _literal(value: object) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def _nodes(plan: dict) -> list[dict]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


def _heavy_rater_analyzed_when_new() -> tuple[Study, Rater]:
    """A study whose statistics (ANALYZE) were taken before any pair was served, as when a
    study opens (autovacuum refreshes them later), and a rater who since then was served 300
    pairs and voted on them: a generic plan made from those statistics expects few pairs."""
    study = open_study(prompts=1000, systems=("A", "B", "C"), votes_per_comparison=200)
    comparisons = list(Comparison.objects.filter(study=study).values_list("id", flat=True))
    coverage_sync(study_id=study.pk, force=True)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Assignment._meta.db_table}, {Coverage._meta.db_table}")
    now = timezone.now()
    heavy: Rater = RaterFactory.create(study=study)
    Assignment.objects.bulk_create(
        Assignment(rater=heavy, comparison_id=c, swapped=False, state="voted", served_at=now, expires_at=now)
        for c in comparisons[:300]
    )
    return study, heavy


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")
def test_the_candidate_scan_checks_the_raters_pairs_per_candidate_under_a_generic_plan():
    """The candidate scan checks each candidate against the rater's pairs (a subplan run per
    candidate, which stops after the 8 it needs), never joins all the rater's pairs against
    the candidates: as an anti-join, a generic plan made while the table was new read every
    pair of the rater on each call (1.2 ms for a rater with 1,200 pairs, docs/benchmarks.md)."""
    study, heavy = _heavy_rater_analyzed_when_new()
    plan = _generic_plan(sql._CANDIDATES, [study.pk, 200, heavy.pk, 8])
    in_subplans = [n for node in _nodes(plan) if node.get("Parent Relationship") == "SubPlan" for n in _nodes(node)]
    reads = [n for n in _nodes(plan) if n.get("Relation Name") == Assignment._meta.db_table]
    assert reads, plan
    assert all(any(r is n for n in in_subplans) for r in reads), plan
    unseen = sql.unseen_least_filled(rater_id=heavy.pk, study_id=study.pk, cap=200, limit=8)
    assert len(unseen) == 8 and not Assignment.objects.filter(rater=heavy, comparison_id__in=[c for c, _ in unseen])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")
def test_a_raters_pairs_are_counted_from_their_own_rows_under_a_generic_plan():
    """Counting a rater's pairs served and voted (alone, and in the statement that locks a
    vote's lease) reads that rater's rows once, never through the index on `state`, which
    holds every rater's leases."""
    study, heavy = _heavy_rater_analyzed_when_new()
    lease = services.assignment_next(rater=RaterFactory(study=study)).assignment
    statements = (
        (sql._RATER_COUNTS, ["voted", heavy.pk]),
        (sql.assignment_for_vote_sql(True), ["voted", heavy.pk, lease.token]),
    )
    for statement, params in statements:
        nodes = _nodes(_generic_plan(statement, params))
        reads = [n for n in nodes if n.get("Relation Name") == Assignment._meta.db_table or "Index Name" in n]
        of_rater = [n for n in reads if "rater_id" in n.get("Index Cond", "") + n.get("Recheck Cond", "")]
        assert len(of_rater) == 1, nodes  # one pass over the rater's rows
        assert all(n.get("Index Name") != "raters_assi_state_c2c99a_idx" for n in nodes), nodes
    assert sql.assignment_for_vote(lease.token, counts_of=heavy.pk).rater_counts == (300, 300)
    assert sql.lock_rater(heavy.pk) == (False, 300, 300)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")
def test_a_comparisons_fill_looks_each_voters_row_up_under_a_generic_plan():
    """The exact fill counts the comparison's votes and leases and looks each one's rater up
    under a subplan (a scalar subquery, never a join): a plan that starts from the raters (as
    a generic plan did on the benchmark's study) reads every rater of the database on each
    vote. The counts stay those of the ORM definitions (test above)."""
    study, heavy = _heavy_rater_analyzed_when_new()
    Rater.objects.bulk_create(RaterFactory.build(study=study) for _ in range(300))
    comparison = heavy.assignments.first().comparison_id
    fill = [comparison, Rater.JUDGE_GROUP, comparison, "pending", timezone.now().isoformat(), 0]
    nodes = _nodes(_generic_plan(sql._FILL_HINTED, [*fill, 200, comparison, sql.SETTLED]))
    in_subplans = [n for node in nodes if node.get("Parent Relationship") == "SubPlan" for n in _nodes(node)]
    raters = [n for n in nodes if n.get("Relation Name") == Rater._meta.db_table]
    assert len(raters) == 2 and all(any(r is n for n in in_subplans) for r in raters), nodes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")
def test_no_statement_of_a_raters_transactions_is_planned_again_on_every_vote():
    """psycopg prepares a statement after its fifth run, and PostgreSQL would still plan it
    afresh on each call while it estimates its generic plan dearer than the custom ones (0.74
    ms of planning for the lease's lock, executed in 0.08 ms): after the rater's lock every
    statement of the transaction runs on its generic plan, so none was ever custom-planned."""
    study = open_study(prompts=30, votes_per_comparison=3)
    rater = RaterFactory(study=study)
    token = services.assignment_next(rater=rater).assignment.token
    for _ in range(12):
        cycle = services.vote_cycle(rater=rater, study=study, token=token, choice="left")
        token = cycle.next.assignment.token
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        prepared = cursor.fetchall()
    markers = (
        "FROM raters_rater WHERE id = $1 FOR UPDATE",  # the rater's lock
        "WHERE a.token = $",  # the vote's lease, with the rater's counts
        "WITH v AS (INSERT INTO raters_vote",  # the vote
        "FROM raters_coverage c WHERE c.study_id = $1",  # the candidates
        "FROM raters_coverage WHERE comparison_id = $1 FOR UPDATE SKIP LOCKED",  # a candidate's lock
        "WITH f AS",  # its fill, writing its hint
        "WITH a AS (INSERT INTO raters_assignment",  # the new lease with its texts
    )
    for marker in markers:
        found = [row for row in prepared if marker in " ".join(row[0].split())]
        assert found, (marker, prepared)
        assert all(generic > 0 and custom == 0 for _, generic, custom in found), (marker, found)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="plan_cache_mode is PostgreSQL's")
def test_generic_plans_hold_for_the_raters_transaction_only():
    from django.db import transaction

    rater = RaterFactory(study=open_study(prompts=1))

    before = _show("plan_cache_mode")
    with transaction.atomic():
        assert sql.lock_rater_row(rater.pk) is False
        assert _show("plan_cache_mode") == "force_generic_plan"
    assert _show("plan_cache_mode") == before == "auto"
    with transaction.atomic():
        assert sql.lock_rater(rater.pk, durable=False) == (False, 0, 0)
        assert _show("plan_cache_mode") == "force_generic_plan"
    assert _show("plan_cache_mode") == "auto"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")
def test_a_raters_pending_lease_is_found_through_the_pending_index_under_a_generic_plan():
    """The pending lease runs inside the rater's transaction, on a generic plan: with the
    state written into the statement that plan reads the one pending row of the rater by the
    partial index (the ORM's query, the state a parameter, walked every lease of the database)."""
    study, heavy = _heavy_rater_analyzed_when_new()
    fresh = RaterFactory(study=study)
    lease = services.assignment_next(rater=fresh).assignment
    now, comparisons = timezone.now(), list(Comparison.objects.filter(study=study).values_list("id", flat=True))
    Assignment.objects.bulk_create(  # other raters' leases, voted: a table of some size, as in a real study
        Assignment(rater=rater, comparison_id=c, swapped=False, state="voted", served_at=now, expires_at=now)
        for rater in Rater.objects.bulk_create(RaterFactory.build(study=study) for _ in range(5))
        for c in comparisons[:1000]
    )
    plan = _nodes(_generic_plan(sql._PENDING.format(sql.select_list(Assignment, "a")), [fresh.pk]))
    assert [n.get("Index Name") for n in plan if "Scan" in n["Node Type"]] == ["assignment_one_pending_per_rater"], plan
    found = sql.pending_lease(fresh.pk)
    assert found == lease and (found.token, found.state, found.expires_at) == (lease.token, "pending", lease.expires_at)
    assert sql.pending_lease(heavy.pk) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plan_cache_mode is PostgreSQL's")
def test_a_full_studys_rare_path_plans_its_statements_per_call_again():
    """Lapsed leases expired and idle ones released (a study with no free slot) are the ORM's
    statements, planned per call as PostgreSQL chooses: the rater's transaction leaves its
    generic plans before them. (The test's own transaction keeps what the last one set.)"""
    study = open_study(prompts=1, votes_per_comparison=1)

    assert services.assignment_next(rater=RaterFactory(study=study)).state == "assigned"  # the one slot
    assert _show("plan_cache_mode") == "force_generic_plan"
    assert services.assignment_next(rater=RaterFactory(study=study)).state == "full"
    assert _show("plan_cache_mode") == "auto"
