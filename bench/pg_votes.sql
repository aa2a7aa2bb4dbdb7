-- One vote cycle as Django issues it (bench/pg_votes.py): the pair's page (GET /r/{slug}/vote/)
-- and the vote (POST), transcribed from CaptureQueriesContext with literals made variables.
-- Differences, each noted: the rater is looked up by id (the app: by its cookie key, also a
-- unique index); the comparison is locked with one SKIP LOCKED statement over the 40 candidates
-- (the app tries them one by one in Python); the coverage check for new comparisons (once a
-- minute per process) is left out. Each client owns :per_client raters and uses them in turn.
\set rater :rater_base + :client_id * :per_client + random(1, :per_client)
-- GET: the rater and study (raters.sql.rater_with_study)
SELECT r."id", r."study_id", r."external_id", r."key", r."source", r."group", r."consented_at", r."finished_at", r."excluded", s."id", s."slug", s."votes_per_comparison", s."status", s."seed", s."stopping", rs."quota", rs."lease_minutes", rs."gold_rate", rs."reveal_policy" FROM raters_rater r JOIN comparisons_study s ON s.id = r.study_id LEFT JOIN raters_studyratersettings rs ON rs.study_id = s.id WHERE r.id = :rater AND s.slug = 'pg-votes' AND s.status <> 'draft';
-- GET: the lease transaction (raters.services.assignment)
BEGIN;
SELECT excluded, set_config('synchronous_commit', 'off', true) FROM raters_rater WHERE id = :rater FOR UPDATE;
SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'voted' THEN 1 ELSE 0 END), 0) FROM raters_assignment WHERE rater_id = :rater;
SELECT 1 AS "a" FROM "raters_studyratersettings" WHERE ("raters_studyratersettings"."reveal_policy" = 'hold' AND "raters_studyratersettings"."study_id" = :study) LIMIT 1;
SELECT c.comparison_id, c.filled FROM raters_coverage c WHERE c.study_id = :study AND c.filled < 3 AND NOT EXISTS (SELECT 1 FROM raters_assignment a WHERE a.rater_id = :rater AND a.comparison_id = c.comparison_id) AND NOT EXISTS (SELECT 1 FROM raters_goldpair g WHERE g.comparison_id = c.comparison_id) ORDER BY c.filled, c.rank LIMIT 40;
SELECT comparison_id AS comp FROM raters_coverage WHERE comparison_id IN (SELECT c.comparison_id FROM raters_coverage c WHERE c.study_id = :study AND c.filled < 3 AND NOT EXISTS (SELECT 1 FROM raters_assignment a WHERE a.rater_id = :rater AND a.comparison_id = c.comparison_id) ORDER BY c.filled, c.rank LIMIT 40) LIMIT 1 FOR UPDATE SKIP LOCKED \gset
SELECT (SELECT COUNT(*) FROM raters_vote v JOIN raters_rater r ON r.id = v.rater_id WHERE v.comparison_id = :comp AND NOT v.is_gold AND NOT r.excluded AND r."group" <> 'judge' AND NOT EXISTS (SELECT 1 FROM raters_goldpair g WHERE g.comparison_id = v.comparison_id)) + (SELECT COUNT(*) FROM raters_assignment a JOIN raters_rater r ON r.id = a.rater_id WHERE a.comparison_id = :comp AND a.state = 'pending' AND a.expires_at > now() AND NOT a.is_gold AND NOT r.excluded AND a.id <> 0) AS fill \gset
UPDATE raters_coverage SET filled = :fill + 1 WHERE comparison_id = :comp AND filled <> :fill + 1 AND filled < 1000000;
INSERT INTO raters_assignment ("rater_id", "comparison_id", "token", "swapped", "is_gold", "state", "served_at", "expires_at") VALUES (:rater, :comp, md5(random()::text), false, false, 'pending', now(), now() + interval '10 minutes') RETURNING id AS aid, token \gset
COMMIT;
-- GET: the pair's texts (raters.selectors.pair_for)
SELECT p.text, p.turns, COALESCE(NULLIF(l.masked_text, ''), l.text), COALESCE(NULLIF(r.masked_text, ''), r.text), rp.rules, rp.html, rp.turns_html, rl.rules, rl.html, rr.rules, rr.html FROM comparisons_comparison c JOIN comparisons_prompt p ON p.id = c.prompt_id JOIN comparisons_response l ON l.id = c.left_response_id JOIN comparisons_response r ON r.id = c.right_response_id LEFT JOIN raters_renderedprompt rp ON rp.prompt_id = p.id LEFT JOIN raters_renderedresponse rl ON rl.response_id = l.id LEFT JOIN raters_renderedresponse rr ON rr.response_id = r.id WHERE c.id = :comp;
-- POST: the rater and study again, then the vote's transaction (raters.services.voting)
SELECT r."id", r."study_id", r."key", r."consented_at", r."finished_at", r."excluded", s."id", s."slug", s."votes_per_comparison", s."status", rs."quota" FROM raters_rater r JOIN comparisons_study s ON s.id = r.study_id LEFT JOIN raters_studyratersettings rs ON rs.study_id = s.id WHERE r.id = :rater AND s.slug = 'pg-votes' AND s.status <> 'draft';
BEGIN;
SELECT a."id", a."rater_id", a."comparison_id", a."token", a."swapped", a."is_gold", a."state", a."served_at", a."expires_at", c.left_response_id AS lr, c.right_response_id AS rr, l.system_id, rr.system_id, s.status FROM raters_assignment a JOIN comparisons_comparison c ON c.id = a.comparison_id JOIN comparisons_study s ON s.id = c.study_id JOIN comparisons_response l ON l.id = c.left_response_id JOIN comparisons_response rr ON rr.id = c.right_response_id WHERE a.token = ':token' FOR UPDATE OF a \gset
INSERT INTO raters_vote ("rater_id", "comparison_id", "assignment_id", "shown_left_id", "shown_right_id", "choice", "winner_id", "seconds", "rationale", "is_gold", "imported", "simulated", "created_at") VALUES (:rater, :comp, :aid, :lr, :rr, 'tie', NULL, 12.5, '', false, false, false, now()) RETURNING id;
UPDATE raters_assignment SET state = 'voted' WHERE id = :aid;
COMMIT;
