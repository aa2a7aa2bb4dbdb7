-- One vote cycle as Django issues it (bench/pg_votes.py): one POST of /r/{slug}/vote/ that
-- records the vote and hands out the next pair (raters/services/cycle.py), transcribed from
-- CaptureQueriesContext with literals made variables: the rater and study lookup, then one
-- transaction of the rater's lock, the token's lease locked with the rater's pair counts, the
-- vote's INSERT that marks its lease, the candidate scan, the SKIP LOCKED lock of a candidate,
-- the exact fill with its hint, the lease INSERT returning the pair's texts, a durable COMMIT:
-- 10 statements, 1 commit. Each client owns :per_client raters and uses them in turn; each
-- rater's first pair is leased before the clock by the app itself (bench/pg_votes.py seeds it
-- through raters.services.assignment_next, as the first GET does), and each cycle votes on the
-- lease its rater's previous cycle inserted. Differences from the app, each noted:
-- - tokens and keys are derived, not random: a lease's token is md5('pgv-<rater>-<visit>') (the
--   app: 32 random characters; the bench rewrites the seeded leases' tokens to visit 0) and a
--   rater's key is left(md5('pgv-key-<rater>'), 24) (the app: 24 random characters, set so by
--   the bench), both computed by PostgreSQL from constants (folded when planned), since a
--   pgbench client cannot keep a token per rater; the lookups are by the same unique indexes;
-- - the candidate scan is the app's statement wrapped to return the candidate at a random
--   offset of its 40 (OFFSET :pick LIMIT 1): the app reads all 40 and shuffles the least-filled
--   level in Python, seeded per rater, which pgbench cannot do;
-- - when another client holds that candidate (SKIP LOCKED returns nothing) the app tries the
--   next ones one by one; the script makes one more attempt over all 40 candidates in a single
--   statement (the candidate scan again as a subquery), then goes on;
-- - the app leases only when the exact fill is below the cap (and tries the next candidate
--   otherwise); the script leases without looking (fills stay far below 3 here; the bench
--   checks afterwards that no comparison holds more than 3 votes and live leases);
-- - timestamps are now() (the app: literals of the request's time), the vote's seconds 12.5
--   (the app: measured), the lease's side never swapped (the app: a coin per rater and
--   comparison; the vote's shown ids follow it), the choice always tie;
-- - the once-a-minute check for new comparisons (coverage_sync, a statement in one cycle of
--   many per process) is left out, as it is from the captured POST.
\set cycle :cycle + 1
\set slot (:cycle - 1) % :per_client
\set visit (:cycle - 1) / :per_client
\set rater :rater_base + :client_id * :per_client + :slot + 1
\set pick random(0, 39)
\set locked 0
-- the rater and study (raters.sql.rater_with_study, by the cookie's key)
SELECT r."id", r."study_id", r."external_id", r."key", r."source", r."group", r."prolific_study_id", r."prolific_session_id", r."consented_at", r."finished_at", r."excluded", r."excluded_reason", r."created_at", s."id", s."name", s."slug", s."owner_id", s."design", s."focal_system_id", s."question", s."choice_a", s."choice_b", s."choice_tie", s."offer_both_bad", s."choice_both_bad", s."per_turn", s."scale", s."votes_per_comparison", s."status", s."seed", s."stopping", s."created_at", s."opened_at", s."closed_at", rs."id", rs."study_id", rs."guidelines", rs."quota", rs."completion_code", rs."prolific_completion_url", rs."allow_anonymous", rs."allow_prolific", rs."allow_invite", rs."reveal_policy", rs."lease_minutes", rs."gold_rate", rs."min_median_seconds", rs."min_gold_accuracy", rs."researcher_name", rs."researcher_contact", rs."estimated_minutes", rs."pay", rs."data_use", rs."updated_at" FROM raters_rater r JOIN comparisons_study s ON s.id = r.study_id LEFT JOIN raters_studyratersettings rs ON rs.study_id = s.id WHERE r.key = left(md5('pgv-key-' || :rater), 24) AND s.slug = 'pg-votes' AND s.status <> 'draft';
-- the cycle's transaction (raters.services.cycle.vote_cycle)
BEGIN;
-- the rater's lock (raters.sql.lock_rater_row; durable: this transaction writes a vote)
SELECT excluded FROM raters_rater WHERE id = :rater FOR UPDATE;
-- the token's lease, locked, with the rater's pairs counted (raters.sql.assignment_for_vote)
SELECT a."id", a."rater_id", a."comparison_id", a."token", a."swapped", a."is_gold", a."state", a."served_at", a."expires_at", c.left_response_id, c.right_response_id, l.system_id, rr.system_id, s.status, (SELECT COUNT(*) FROM raters_assignment WHERE rater_id = :rater), (SELECT COUNT(*) FROM raters_assignment WHERE rater_id = :rater AND state = 'voted') FROM raters_assignment a JOIN comparisons_comparison c ON c.id = a.comparison_id JOIN comparisons_study s ON s.id = c.study_id JOIN comparisons_response l ON l.id = c.left_response_id LEFT JOIN comparisons_response rr ON rr.id = c.right_response_id WHERE a.token = md5('pgv-' || :rater || '-' || :visit) FOR UPDATE OF a \gset
-- the vote, marking its lease voted (raters.sql.vote_insert)
WITH v AS (INSERT INTO raters_vote ("rater_id", "comparison_id", "assignment_id", "shown_left_id", "shown_right_id", "choice", "grade", "turn_grades", "turn_choices", "winner_id", "seconds", "rationale", "is_gold", "imported", "simulated", "created_at") VALUES (:rater, :comparison_id, :id, :left_response_id, :right_response_id, 'tie', NULL, NULL, NULL, NULL, 12.5, '', false, false, false, now()) RETURNING id) UPDATE raters_assignment SET state = 'voted' WHERE id = :id RETURNING (SELECT id FROM v);
-- the next pair: the candidate scan (raters.sql.unseen_least_filled), one candidate kept
SELECT comparison_id AS comp FROM (SELECT c.comparison_id, c.filled FROM raters_coverage c WHERE c.study_id = :study AND c.filled < 3 AND NOT EXISTS (SELECT 1 FROM raters_assignment a WHERE a.rater_id = :rater AND a.comparison_id = c.comparison_id) AND NOT EXISTS (SELECT 1 FROM raters_goldpair g WHERE g.comparison_id = c.comparison_id) ORDER BY c.filled, c.rank LIMIT 40) candidates OFFSET :pick LIMIT 1 \gset
-- its lock (raters.services.coverage.lock_slot, skip=True)
SELECT comparison_id AS locked FROM raters_coverage WHERE comparison_id = :comp FOR UPDATE SKIP LOCKED \aset
\if :locked = 0
-- another client holds it: one more attempt over the 40 candidates (see the header)
SELECT comparison_id AS comp FROM raters_coverage WHERE comparison_id IN (SELECT c.comparison_id FROM raters_coverage c WHERE c.study_id = :study AND c.filled < 3 AND NOT EXISTS (SELECT 1 FROM raters_assignment a WHERE a.rater_id = :rater AND a.comparison_id = c.comparison_id) AND NOT EXISTS (SELECT 1 FROM raters_goldpair g WHERE g.comparison_id = c.comparison_id) ORDER BY c.filled, c.rank LIMIT 40) LIMIT 1 FOR UPDATE SKIP LOCKED \gset
\endif
-- the exact fill and its hint (raters.sql.exact_fill_hinted)
WITH f AS (SELECT (SELECT (SELECT COUNT(*) FROM raters_vote v JOIN raters_rater r ON r.id = v.rater_id WHERE v.comparison_id = :comp AND NOT v.is_gold AND NOT r.excluded AND r."group" <> 'judge' AND NOT EXISTS (SELECT 1 FROM raters_goldpair g WHERE g.comparison_id = v.comparison_id)) + (SELECT COUNT(*) FROM raters_assignment a JOIN raters_rater r ON r.id = a.rater_id WHERE a.comparison_id = :comp AND a.state = 'pending' AND a.expires_at > now() AND NOT a.is_gold AND NOT r.excluded AND a.id <> 0)) AS n), h AS (SELECT n + CASE WHEN n < 3 THEN 1 ELSE 0 END AS hint FROM f), u AS (UPDATE raters_coverage c SET filled = h.hint FROM h WHERE c.comparison_id = :comp AND c.filled <> h.hint AND c.filled < 1000000) SELECT n FROM f;
-- the lease, returning its pair's texts (raters.sql.lease_insert)
WITH a AS (INSERT INTO raters_assignment ("rater_id", "comparison_id", "token", "swapped", "is_gold", "state", "served_at", "expires_at") VALUES (:rater, :comp, md5('pgv-' || :rater || '-' || (:visit + 1)), false, false, 'pending', now(), now() + interval '10 minutes') RETURNING id) SELECT (SELECT id FROM a), p.text, p.turns, COALESCE(NULLIF(l.masked_text, ''), l.text), COALESCE(NULLIF(r.masked_text, ''), r.text), rp.rules, rp.html, rp.turns_html, rl.rules, rl.html, rr.rules, rr.html FROM comparisons_comparison c JOIN comparisons_prompt p ON p.id = c.prompt_id JOIN comparisons_response l ON l.id = c.left_response_id LEFT JOIN comparisons_response r ON r.id = c.right_response_id LEFT JOIN raters_renderedprompt rp ON rp.prompt_id = p.id LEFT JOIN raters_renderedresponse rl ON rl.response_id = l.id LEFT JOIN raters_renderedresponse rr ON rr.response_id = r.id WHERE c.id = :comp;
COMMIT;
