"""`manage.py load_demo`: a synthetic LIMA-shaped demo study, or real outputs from JSONL.

Safe to run again and changes no number: uploads are idempotent, the comparison build adds
nothing twice and the simulated votes are added once (demo.simulate). The synthetic demo lets
anonymous raters in, so the printed rater link reaches a voting form."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from comparisons import services
from comparisons.errors import ServiceError
from comparisons.ingest.parse import JSONL, parse_rows
from comparisons.ingest.rows import OutputRow, validate_rows
from comparisons.models import Study, System
from comparisons.permissions import RESEARCHERS_GROUP
from demo.data import BASELINES, FOCAL_SYSTEM, SYSTEM_INFO, demo_rows
from demo.ratings import ratings_demo_load
from demo.simulate import votes_simulate
from raters.services.entry import rater_settings_update
from results.services import results_refresh

DEMO_CONSENT = {
    "researcher_name": "the lima-eval demo (a local demonstration, not a real study)",
    "data_use": "This is a demonstration running on this computer: your choices and the time each took are stored in "
    "its local database with a random ID, and shown on its dashboard beside simulated votes. Nothing is "
    "sent anywhere and nobody is paid.",
}


class Command(BaseCommand):
    help = "Load the synthetic demo study (or real outputs from --jsonl), open it and build its comparisons."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--slug", default="lima-demo")
        parser.add_argument("--name", default="LIMA-style demo (synthetic outputs)")
        parser.add_argument("--owner", default="demo", help="The researcher who owns the study (created if needed).")
        parser.add_argument(
            "--prompts", type=int, default=300, help="Synthetic prompts to generate (LIMA's test set: 300)."
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--jsonl", type=Path, help="Load these outputs instead of the synthetic ones.")
        parser.add_argument("--focal", help="With --jsonl: the focal system (the others become its baselines).")
        parser.add_argument("--all-pairs", action="store_true", help="With --jsonl: compare every pair of systems.")
        parser.add_argument(
            "--no-votes",
            action="store_true",
            help="Do not add simulated votes (the synthetic demo gets them by default).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        owner = self._owner(opts["owner"])
        if opts["jsonl"]:
            rows = self._read_jsonl(opts["jsonl"])
            design = Study.Design.ALL_PAIRS if opts["all_pairs"] else Study.Design.FOCAL
            if design == Study.Design.FOCAL and not opts["focal"]:
                raise CommandError("--focal NAME is required with --jsonl (or pass --all-pairs)")
            focal = opts["focal"]
        else:
            raw = demo_rows(seed=opts["seed"], n_prompts=opts["prompts"])
            rows, errors = validate_rows(list(enumerate(raw, start=1)), max_text_chars=10**6)
            assert not errors, errors
            design, focal = Study.Design.FOCAL, FOCAL_SYSTEM
            for name, info in SYSTEM_INFO.items():
                System.objects.update_or_create(name=name, defaults={"description": info["description"]})
        try:
            study = Study.objects.filter(slug=opts["slug"]).first()
            if study is None:
                baselines = [] if opts["jsonl"] else BASELINES
                study = services.study_create(
                    owner=owner,
                    name=opts["name"],
                    slug=opts["slug"],
                    design=design,
                    focal_system=focal if design == Study.Design.FOCAL else None,
                    baselines=baselines if design == Study.Design.FOCAL else None,
                )
            if study.status != Study.Status.DRAFT:
                self.stdout.write(
                    f"Study {study.slug!r} exists and is {study.status}; its outputs are left as they are."
                )
            else:
                counts = services.outputs_upload(study=study, rows=rows)
                self.stdout.write(f"Outputs: {counts.as_dict()}")
            study = services.study_open(study=study)
            report = services.comparisons_build(study_id=study.pk)
            if not opts["jsonl"]:
                rater_settings_update(study=study, allow_anonymous=True, **DEMO_CONSENT)
            if not opts["jsonl"] and not opts["no_votes"]:
                added = votes_simulate(study=study, seed=opts["seed"])
                results_refresh(study_id=study.pk)
                self.stdout.write(
                    f"Simulated votes added: {added} (LIMA's Figure 1 human shares and Figure 2's GPT-4 judge; "
                    "flagged simulated)."
                    if added
                    else "Simulated votes: already there, none added."
                )
                self._ratings(owner, opts["seed"])
        except ServiceError as exc:
            raise CommandError(f"{exc.detail}: {[e.as_dict() for e in exc.errors[:10]]}") from exc
        self.stdout.write(
            f"Study {study.slug!r} is open: {report.prompts} prompts, {report.total} comparisons "
            f"over {report.pairs} pairs; {report.prompts_missing_responses} prompts lack a response."
        )

    def _ratings(self, owner: Any, seed: int) -> None:
        """LIMA's Figure 3 (absolute ratings) and Figure 7 (dialogue turns), simulated (demo.ratings)."""
        for slug, added in ratings_demo_load(owner=owner, seed=seed).items():
            results_refresh(study_id=Study.objects.get(slug=slug).pk)
            self.stdout.write(f"Study {slug!r}: {added} simulated votes added (flagged simulated).")

    def _owner(self, username: str) -> Any:
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.groups.add(Group.objects.get_or_create(name=RESEARCHERS_GROUP)[0])
        return user

    def _read_jsonl(self, path: Path) -> list[OutputRow]:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            parsed = parse_rows(text, fmt=JSONL, field_name="file", max_rows=10**7)
        except ServiceError as exc:
            raise CommandError(f"{path}: {exc.detail}") from exc
        rows, errors = validate_rows(parsed.rows, max_text_chars=10**7)
        errors = parsed.errors + errors
        if errors:
            listed = "\n".join(f"  line {e.row}: {e.field}: {e.reason}" for e in errors[:20])
            raise CommandError(f"{path}: {len(errors)} bad rows, nothing loaded:\n{listed}")
        return rows
