"""What the fault tests share: a rater at their first pair, and a database connection cut."""

from __future__ import annotations

from django.db import connection, connections
from django.test import Client


def first_pair_token(client: Client, slug: str = "blind") -> str:
    """Open the study `slug` (tests.raters.conftest.open_study), enter it as Prolific rater P1,
    consent, and return the token of the first pair's form."""
    from tests.raters.conftest import open_study

    open_study(slug=slug)
    client.get(f"/r/{slug}/?PROLIFIC_PID=P1")
    client.post(f"/r/{slug}/instructions/", {"consent": "yes"})
    page = client.get(f"/r/{slug}/vote/").content.decode()
    return page.split('name="token" value="')[1].split('"')[0]


def terminate_this_connection() -> None:
    """pg_terminate_backend of this thread's connection, from another one (what the drill does)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()
