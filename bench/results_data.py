"""LIMA-shaped studies for bench/results.py, written by PostgreSQL itself (INSERT ... SELECT
generate_series): prompts x 5 baselines against one focal system, 3 votes per comparison from
200 raters, so 1,000,000 votes are 66,667 prompts; the votes written in random comparison order,
as raters cast them (a study's vote ids follow arrival, not comparisons). Built once and kept (a
study is rebuilt only when its vote count differs)."""

from __future__ import annotations

from django.db import connection

BASELINES = 5
VOTES_PER_COMPARISON = 3
RATERS = 200
NEW_VOTES_RATER = "bench-late"


def slug_for(n_votes: int) -> str:
    # "-v2": the votes in random comparison order, as raters cast them (since session 10; the
    # studies before wrote them in comparison order, which made every lookup by comparison cheap)
    return f"bench-results-{n_votes}-v2"


def study_build(n_votes: int) -> int:
    """The study of about `n_votes` votes (its id), built if missing."""
    from django.contrib.auth import get_user_model

    from comparisons.models import Study
    from comparisons.services import study_create
    from raters.models import Vote

    slug = slug_for(n_votes)
    prompts = -(-n_votes // (BASELINES * VOTES_PER_COMPARISON))
    study = Study.objects.filter(slug=slug).first()
    want = prompts * BASELINES * VOTES_PER_COMPARISON
    if study is not None and Vote.objects.filter(comparison__study=study).count() == want:
        return study.pk
    if study is not None:
        study.delete()
    owner, _ = get_user_model().objects.get_or_create(username="bench")
    study = study_create(
        owner=owner,
        name=f"Results bench {n_votes:,}",
        slug=slug,
        design="focal",
        focal_system="bench-lima",
        baselines=[f"bench-base-{i}" for i in range(1, BASELINES + 1)],
        votes_per_comparison=VOTES_PER_COMPARISON,
    )
    systems = [study.focal_system_id, *[s.pk for s in study.systems.exclude(pk=study.focal_system_id).order_by("id")]]
    with connection.cursor() as cur:
        cur.execute("select setseed(0.42)")
        cur.execute(
            """insert into comparisons_prompt (external_id, text, turns, category, created_at, study_id)
               select 'p' || g, 'Question ' || g || ': how would you explain it?', '[]', '', now(), %s
               from generate_series(1, %s) g""",
            [study.pk, prompts],
        )
        cur.execute(
            """insert into comparisons_response
                 (text, metadata, length, created_at, updated_at, prompt_id, system_id, masked_text, reveals)
               select 'An answer.', '{}', 200 + (random() * 1800)::int, now(), now(), p.id, s.system, '', '[]'
               from comparisons_prompt p, unnest(%s::bigint[]) as s(system)
               where p.study_id = %s""",
            [systems, study.pk],
        )
        cur.execute(
            """insert into comparisons_comparison
                 (pair_key, created_at, prompt_id, left_response_id, right_response_id, study_id)
               select least(f.system_id, b.system_id) || ':' || greatest(f.system_id, b.system_id), now(),
                      f.prompt_id, case when c then f.id else b.id end, case when c then b.id else f.id end, %s
               from comparisons_response f
               join comparisons_response b on b.prompt_id = f.prompt_id and b.system_id <> f.system_id,
                    lateral (select random() < 0.5 as c) coin
               where f.system_id = %s and f.prompt_id in (select id from comparisons_prompt where study_id = %s)
               order by f.prompt_id, b.system_id""",
            [study.pk, systems[0], study.pk],
        )
        cur.execute(
            """insert into raters_rater (external_id, source, "group", prolific_study_id, prolific_session_id,
                 excluded, excluded_reason, created_at, study_id, key)
               select 'rater-' || g, 'imported', case when g %% 10 = 0 then 'expert' else 'crowd' end, '', '',
                      false, '', now(), %s, md5(%s || ':' || g)
               from generate_series(0, %s) g""",
            [study.pk, slug, RATERS - 1],
        )
        # rater k of a comparison: (rank * 7 + k * 67) mod 200, distinct for k = 0, 1, 2; the
        # focal system wins 45%, ties 20%, a rater's shown sides a fair coin
        cur.execute(
            """with c as (
                 select c.id, c.left_response_id, c.right_response_id, row_number() over (order by c.id) as rank,
                        random() as u
                 from comparisons_comparison c where c.study_id = %s),
               r as (select id, row_number() over (order by id) - 1 as n from raters_rater where study_id = %s),
               v as (
                 select c.id as comparison_id, k, c.rank, l.system_id as a_system, c.left_response_id as a,
                        c.right_response_id as b, rr.system_id as b_system,
                        (c.rank * 7 + k * 67) %% 200 as rater_n, random() as u, random() < 0.5 as swap
                 from c join comparisons_response l on l.id = c.left_response_id
                        join comparisons_response rr on rr.id = c.right_response_id,
                      generate_series(0, 2) k)
               insert into raters_vote (choice, seconds, rationale, is_gold, imported, simulated, created_at,
                                        comparison_id, rater_id, shown_left_id, shown_right_id, winner_id)
               select case when w is null then 'tie' when w = sl then 'left' else 'right' end,
                      10 + v.u * 50, '', false, true, false, now(), v.comparison_id, r.id,
                      case when v.swap then v.b else v.a end, case when v.swap then v.a else v.b end, w
               from v join r on r.n = v.rater_n,
                    lateral (select case when v.u < 0.45 then %s::bigint when v.u < 0.65 then null
                                    else (case when v.a_system = %s then v.b_system else v.a_system end) end as w,
                                    (case when v.swap then v.b_system else v.a_system end) as sl) x
               order by random()""",
            [study.pk, study.pk, systems[0], systems[0]],
        )
        cur.execute("analyze")
    return study.pk


def new_votes_add(study_id: int, n: int = 1_000) -> None:
    """`n` more votes on the study's first comparisons by one late rater (a fourth vote each)."""
    with connection.cursor() as cur:
        cur.execute(
            """insert into raters_rater (external_id, source, "group", prolific_study_id, prolific_session_id,
                 excluded, excluded_reason, created_at, study_id, key)
               values (%s, 'imported', 'crowd', '', '', false, '', now(), %s, md5(%s || ':' || %s))
               on conflict do nothing""",
            [NEW_VOTES_RATER, study_id, NEW_VOTES_RATER, study_id],
        )
        cur.execute(
            """insert into raters_vote (choice, seconds, rationale, is_gold, imported, simulated, created_at,
                                        comparison_id, rater_id, shown_left_id, shown_right_id, winner_id)
               select 'left', 20, '', false, true, false, now(), c.id, r.id, c.left_response_id,
                      c.right_response_id, l.system_id
               from (select * from comparisons_comparison where study_id = %s order by id limit %s) c
               join comparisons_response l on l.id = c.left_response_id
               join raters_rater r on r.study_id = %s and r.external_id = %s""",
            [study_id, n, study_id, NEW_VOTES_RATER],
        )


def new_votes_remove(study_id: int) -> None:
    """Remove the late rater and its votes (the study back to its built state)."""
    from raters.models import Rater

    Rater.objects.filter(study_id=study_id, external_id=NEW_VOTES_RATER).delete()


def votes_vacuum() -> None:
    """VACUUM the votes and their counters (off the clock), as autovacuum would on a server where
    it is on: each size's refreshes after 1,000 votes add and remove 1,000 votes six times, and
    where autovacuum is off (the development server) the dead rows piled up over a session's runs
    and slowed the anchor's scan of the votes (1.40 -> 2.15-2.42 s of PostgreSQL in session 11's
    runs; 1.71 s in the next run, with this: the table keeps the pages they took)."""
    with connection.cursor() as cur:
        cur.execute("vacuum raters_vote, results_ratervotecount")
