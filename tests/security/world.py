"""Two researchers' studies, full of data a stranger must never see, for the authorization
matrix and the XSS corpus: every object a route can name exists in study A."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token

from comparisons.models import Comparison, Prompt, Study
from comparisons.permissions import RESEARCHERS_GROUP
from judges.models import Collection, Judge
from raters import services
from raters.models import GoldPair, Rater
from tests.factories import UploadJobFactory
from tests.raters.conftest import open_study
from tests.security.helpers import vote_as

SECRETS = (
    "SecretSysAlpha",
    "HiddenBaselineAlpha",
    "Alpha Confidential Study",
    "PIDALPHA01",
    "invited-alpha",
    "judgealpha",
    "judge.alpha.example",
    "owner-alpha",
    "LIMA_JUDGE_KEY_ALPHA",
    "alpha rationale words",
)


@dataclass
class World:
    alpha: Study
    beta: Study
    owner: User
    other: User
    plain: User
    rater: Rater
    invite_token: str
    judge: Judge
    collection: Collection
    gold: Comparison
    prompt: Prompt
    job_id: str
    tokens: dict[str, str] = field(default_factory=dict)


def researcher(username: str) -> User:
    user = User.objects.create_user(username, password="pw-" + username)
    user.groups.add(Group.objects.get_or_create(name=RESEARCHERS_GROUP)[0])
    return user


def build_world(*, texts: dict[str, str] | None = None) -> World:
    """Study A ("alpha", owner-alpha) with a rater who voted, an invited rater, a judge, a
    collection, a gold pair and an upload job; study B ("beta", owner-beta); a logged-in user
    who is no researcher. `texts` replaces the prompt and response texts (the XSS corpus)."""
    owner, other = researcher("owner-alpha"), researcher("owner-beta")
    plain = User.objects.create_user("plain-user", password="pw-plain")
    rows = None
    if texts:
        rows = []
        for i in range(4):
            rows.append(
                {
                    "prompt_id": f"q{i}",
                    "prompt": texts.get("prompt", f"Question {i}?"),
                    "system": "SecretSysAlpha",
                    "response": texts.get("left", f"Answer one {i}."),
                }
            )
            rows.append(
                {
                    "prompt_id": f"q{i}",
                    "system": "HiddenBaselineAlpha",
                    "response": texts.get("right", f"Answer two {i}."),
                }
            )
    alpha = open_study(
        prompts=4,
        systems=("SecretSysAlpha", "HiddenBaselineAlpha"),
        votes_per_comparison=3,
        rows=rows,
        slug="alpha",
        quota=3,
    )
    Study.objects.filter(pk=alpha.pk).update(owner=owner, name="Alpha Confidential Study")
    alpha.refresh_from_db()
    beta = open_study(prompts=2, systems=("BetaOne", "BetaTwo"), slug="beta")
    Study.objects.filter(pk=beta.pk).update(owner=other)
    rater = vote_as(alpha, "PIDALPHA01", rationale="alpha rationale words")
    _, invite_token = services.invite_create(study=alpha, name="invited-alpha")
    judge_rater = Rater.objects.create(
        study=alpha, external_id="judge:judgealpha", source=Rater.Source.JUDGE, group="judge"
    )
    judge = Judge.objects.create(
        study=alpha,
        name="judgealpha",
        rater=judge_rater,
        base_url="https://judge.alpha.example/v1",
        model="m",
        api_key_env="LIMA_JUDGE_KEY_ALPHA",
        prompt_template="$question",
    )
    collection = Collection.objects.create(
        study=alpha,
        system="SecretSysAlpha",
        base_url="https://judge.alpha.example/v1",
        model="m",
        api_key_env="LIMA_JUDGE_KEY_ALPHA",
    )
    gold = Comparison.objects.filter(study=alpha).exclude(votes__rater=rater).order_by("id")[0]
    GoldPair.objects.create(comparison=gold, expected_winner=None)
    job = UploadJobFactory(study=alpha, created_by=owner)
    world = World(
        alpha=alpha,
        beta=beta,
        owner=owner,
        other=other,
        plain=plain,
        rater=rater,
        invite_token=invite_token,
        judge=judge,
        collection=collection,
        gold=gold,
        prompt=Prompt.objects.filter(study=alpha).order_by("id")[0],
        job_id=str(job.pk),  # type: ignore[attr-defined]
    )
    world.tokens = {u.username: Token.objects.create(user=u).key for u in (owner, other, plain)}
    return world
