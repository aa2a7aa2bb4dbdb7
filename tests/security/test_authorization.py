"""The authorization matrix: every route and page of the service, asked by researcher A (the
owner), researcher B, a logged-in user who is no researcher, an anonymous visitor and a rater
of A's study, with every method. Nobody but A learns anything of A's study (0 leaks), and
nobody but A changes it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from comparisons.models import Study
from judges.models import Judge
from raters.access import COOKIE
from raters.models import GoldPair, Rater, StudyRaterSettings, Vote
from tests.security.world import SECRETS, World, build_world

pytestmark = pytest.mark.django_db

SKIPPED = ("admin/", "accounts/", "static/")  # Django's own apps: checked apart below
DENIED = {302, 400, 401, 403, 404, 405}
RATER_PAGES = "r/"


def routes() -> list[str]:
    """Every URL pattern of the project as a route string, e.g. "api/studies/<slug:slug>/"."""
    out: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                out.append(prefix + str(p.pattern))

    walk(get_resolver().url_patterns, "")
    return [r for r in out if not r.startswith(SKIPPED)]


def concrete(route: str, w: World) -> str:
    values = {
        "slug": w.alpha.slug,
        "name": w.judge.name,
        "rater_id": str(w.rater.pk),
        "prompt_id": str(w.prompt.pk),
        "comparison": str(w.gold.pk),
        "token": w.invite_token,
        "batch_id": "1",
    }

    def fill(m: re.Match) -> str:
        converter, name = m.group(1), m.group(2)
        if converter == "uuid":
            return w.job_id
        if name == "pk":
            return str(w.collection.pk if "collections" in route else w.rater.pk)
        return values[name]

    path = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)
    assert "<" not in path and "^" not in path, route
    return path


def clients(w: World) -> dict[str, Client]:
    made = {}
    for actor, user in (("owner", w.owner), ("other", w.other), ("plain", w.plain)):
        c = Client(HTTP_AUTHORIZATION=f"Token {w.tokens[user.username]}")
        c.force_login(user)
        made[actor] = c
    made["anonymous"] = Client()
    rater = Client()
    rater.get(f"/r/alpha/?PROLIFIC_PID={w.rater.external_id}")
    assert COOKIE in rater.cookies
    made["rater"] = rater
    return made


def state(w: World) -> tuple:
    alpha = Study.objects.get(pk=w.alpha.pk)
    settings = StudyRaterSettings.objects.get(study=alpha)
    return (
        alpha.status,
        alpha.name,
        alpha.votes_per_comparison,
        settings.quota,
        settings.allow_anonymous,
        list(Rater.objects.filter(study=alpha).values_list("external_id", "excluded")),
        Judge.objects.filter(study=alpha).count(),
        GoldPair.objects.filter(comparison__study=alpha).count(),
        Vote.objects.filter(comparison__study=alpha).count(),
        alpha.prompts.count(),
    )


def leaks(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace") + " ".join(f"{k}: {v}" for k, v in response.items())
    return [s for s in SECRETS if s.lower() in text.lower()]


def test_no_one_but_the_owner_sees_or_changes_anything_of_a_study_on_any_route():
    w = build_world()
    actors = clients(w)
    paths = [concrete(r, w) for r in routes()]
    assert len(paths) >= 40  # every app's routes are here (a new route joins the matrix by itself)
    before = state(w)
    checked, seen_by_owner = 0, 0
    for path in paths:
        for actor, client in actors.items():
            if actor == "owner":
                continue
            for method in ("get", "post", "patch", "delete"):
                response = (
                    getattr(client, method)(path, content_type="application/json")
                    if method != "get"
                    else client.get(path)
                )
                checked += 1
                found = leaks(response)
                if path.startswith("/" + RATER_PAGES) and actor == "rater":
                    assert response.status_code < 500, (actor, method, path, response.status_code)
                    found = [s for s in found if s not in ("PIDALPHA01",)]  # their own id may be on their page
                    assert not found, (actor, method, path, found)
                    continue
                assert not found, (actor, method, path, found)
                names_a = w.alpha.slug in path.split("/") or w.job_id in path
                public = path in ("/healthz/", "/api/schema/", "/api/docs/")  # the API's documentation: no data
                must_deny = names_a if actor == "other" else not public  # B may use B's own lists
                if must_deny and not path.startswith("/" + RATER_PAGES):
                    assert response.status_code in DENIED, (actor, method, path, response.status_code)
        owner_view = actors["owner"].get(path)
        if owner_view.status_code == 200 and leaks(owner_view):
            seen_by_owner += 1
    assert state(w) == before
    assert checked >= 40 * 4 * 4
    assert seen_by_owner >= 10  # the same check finds A's data where A may see it: the matrix can fail


def test_researcher_b_gets_404_for_study_a_as_if_it_did_not_exist():
    w = build_world()
    other = clients(w)["other"]
    for path in (
        "/api/studies/alpha/",
        "/api/studies/alpha/results/",
        "/api/studies/alpha/judges/",
        "/dashboard/s/alpha/",
        "/api/studies/alpha/raters/",
        "/api/studies/alpha/revealing/",
    ):
        assert other.get(path).status_code == 404, path
    listed = other.get("/api/studies/").json()
    assert [s["slug"] for s in listed["results"]] == ["beta"]


def test_djangos_admin_is_closed_to_everyone_but_staff():
    w = build_world()
    actors = clients(w)
    for actor in ("other", "plain", "anonymous", "rater"):
        for path in (
            "/admin/",
            "/admin/comparisons/study/",
            f"/admin/comparisons/study/{w.alpha.pk}/change/",
            "/admin/judges/judge/",
            "/admin/raters/rater/",
        ):
            response = actors[actor].get(path)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (actor, path)
