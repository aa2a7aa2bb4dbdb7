"""Settings for running past one machine (docs/deployment.md, "Past one machine")."""

from __future__ import annotations

from tests.test_deployment import clean_env, run_python

SHOW = (
    "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default']; "
    "print(d['DISABLE_SERVER_SIDE_CURSORS'], d['OPTIONS']['prepare_threshold'], d['CONN_HEALTH_CHECKS'])"
)


def test_behind_pgbouncer_in_transaction_mode_server_side_cursors_and_prepared_statements_turn_off():
    url = "postgres://u@127.0.0.1:5432/x"
    assert run_python(SHOW, clean_env(DATABASE_URL=url)) == "False 5 True"
    pooled = clean_env(DATABASE_URL=url, DB_DISABLE_SERVER_SIDE_CURSORS="True", DB_PREPARE_THRESHOLD="")
    assert run_python(SHOW, pooled) == "True None True"
