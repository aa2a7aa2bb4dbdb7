from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from comparisons import selectors
from comparisons.api_errors import CONFLICT, ERRORS, NOT_FOUND
from comparisons.errors import InvalidInput, RowError
from comparisons.ingest.parse import parse_rows
from comparisons.parsers import JSONLinesParser, NDJSONParser, RawJSONParser
from comparisons.request_body import read_upload
from raters.services.vote_import import votes_import
from raters.vote_rows import validate_vote_rows
from results import export
from results.categories import BY_PATTERN
from results.params import AGGREGATES, METHODS, Params
from results.schema import ResultsSerializer
from results.selectors import VoteFilter
from results.services import results_get, results_schedule_refresh


class ResultsQuerySerializer(serializers.Serializer[Any]):
    level = serializers.FloatField(min_value=0.5, max_value=0.999, default=0.95, help_text="Confidence level.")
    method = serializers.ChoiceField(
        choices=METHODS,
        default="bootstrap",
        help_text="The interval shown as `interval` (all three are always in `intervals`).",
    )
    aggregate = serializers.ChoiceField(
        choices=AGGREGATES,
        default="vote",
        help_text="vote: every vote counts; majority: one outcome per comparison, a split is a tie.",
    )
    exclude_raters = serializers.CharField(
        required=False, default="", help_text="Comma-separated rater ids to leave out."
    )
    rater_group = serializers.CharField(
        required=False, max_length=50, help_text="Only this rater group's votes (not empty when given)."
    )
    by = serializers.RegexField(
        BY_PATTERN,
        required=False,
        default="",
        error_messages={"invalid": "must be category or metadata.<key> (letters, digits, _ and -)"},
        help_text="Add `breakdown`: shares, intervals, verdicts and judge agreement per "
        "`category` or per value of `metadata.<key>`.",
    )
    judge_family = serializers.CharField(
        required=False,
        default="",
        max_length=1000,
        help_text="Comma-separated systems of the judge's own model family: adds self-preference to `judges[].bias`.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """An empty `rater_group=` is a mistake, not "every group" (DRF skips empty optional query values)."""
        if "rater_group" in self.initial_data and not str(self.initial_data.get("rater_group") or "").strip():
            raise serializers.ValidationError({"rater_group": ["must not be empty; leave it out for every group"]})
        return attrs


class VoteImportCountsSerializer(serializers.Serializer[Any]):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    raters_created = serializers.IntegerField()


class VoteRowSerializer(serializers.Serializer[Any]):
    prompt_id = serializers.CharField()
    left_system = serializers.CharField()
    right_system = serializers.CharField()
    choice = serializers.ChoiceField(
        choices=["left", "right", "tie", "both_bad"], help_text="As shown; both_bad only where the study offers it."
    )
    rater = serializers.CharField()
    rater_group = serializers.CharField(required=False, help_text='Default "crowd".')
    created = serializers.DateTimeField(required=False)
    seconds = serializers.FloatField(required=False)


class StudyResultsApi(APIView):
    @extend_schema(
        summary="Win / tie / loss with intervals, tests, agreement, rankings and biases",
        parameters=[ResultsQuerySerializer],
        responses={200: ResultsSerializer, **ERRORS, **NOT_FOUND},
        description="Per pair of systems (the focal system against each baseline, or every pair): counts and "
        "shares, AlpacaEval's win rate and standard error, Wilson, Goodman and prompt-clustered bootstrap "
        "intervals (the one chosen by `method` also as `interval`), a sign test and a prompt-level Wilcoxon test, "
        "Holm-adjusted p-values and a verdict in words, and the votes still needed for a 5-point half-width. "
        "Gold pairs and excluded raters never count. LLM judges (rater group `judge`) are left out of the "
        "headline numbers and shown beside the humans in `by_group` and the agreement section, unless "
        "`rater_group=judge` asks for them alone. Cached; see docs/statistics.md.",
    )
    def get(self, request: Request, slug: str) -> Response:
        study = selectors.study_owned(request.user, slug)
        query = ResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        filters = VoteFilter(
            exclude_raters=tuple(sorted(r.strip() for r in q["exclude_raters"].split(",") if r.strip())),
            rater_group=q.get("rater_group") or None,
        )
        params = Params(
            level=q["level"],
            method=q["method"],
            aggregate=q["aggregate"],
            seed=study.seed,
            headline_excludes=() if filters.rater_group else Params.headline_excludes,
        )
        family = tuple(sorted({name.strip() for name in q["judge_family"].split(",") if name.strip()}))
        unknown = sorted(set(family) - set(study.systems.values_list("name", flat=True)))
        if unknown:
            raise InvalidInput(
                "judge_family names systems that are not in this study",
                [RowError(None, "judge_family", f"no system {name!r} in this study") for name in unknown],
            )
        snapshot, stale = results_get(study=study, params=params, filters=filters)
        data = {"computed_at": snapshot.computed_at, "stale": stale, **snapshot.data}
        if q["by"] or family:
            from results.options import results_options_get  # noqa: PLC0415  (numpy loads here, not with the URLs)

            extra = results_options_get(study=study, params=params, filters=filters, by=q["by"], family=family)
            data |= {k: v for k, v in extra.items() if k in ("breakdown", "judges")}
        return Response(data)


class StudyVotesImportApi(APIView):
    parser_classes = [RawJSONParser, NDJSONParser, JSONLinesParser]

    @extend_schema(
        summary="Import votes collected elsewhere",
        description="Rows `{prompt_id, left_system, right_system, choice: left|right|tie|both_bad, rater, "
        "rater_group?, created?, seconds?}` as a JSON array or JSON Lines (both_bad: only a study created with "
        "`both_bad: true`). All or nothing; the same vote again is `unchanged`; "
        "a different vote by the same rater on the same pair is a 409. Votes are marked imported.",
        request={"application/json": VoteRowSerializer(many=True), "application/x-ndjson": VoteRowSerializer},
        responses={201: VoteImportCountsSerializer, 200: VoteImportCountsSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
    )
    def post(self, request: Request, slug: str) -> Response:
        study = selectors.study_owned(request.user, slug)
        text, fmt, field = read_upload(request)
        parsed = parse_rows(text, fmt=fmt, field_name=field, max_rows=settings.LIMA_UPLOAD_MAX_ROWS)
        rows, row_errors = validate_vote_rows(parsed.rows)
        errors = sorted(parsed.errors + row_errors, key=lambda e: e.row or 0)
        if errors:
            raise InvalidInput(f"{len(errors)} error(s) in the import; nothing was stored", errors)
        counts = votes_import(study=study, rows=rows)
        if counts.created:
            results_schedule_refresh(study_id=study.pk)
        return Response(counts.as_dict(), status=201 if counts.created else 200)


class StudyVotesExportApi(APIView):
    formats = {
        "csv": ("text/csv; charset=utf-8", export.csv_lines),
        "jsonl": ("application/x-ndjson", export.jsonl_lines),
    }

    @extend_schema(
        summary="Every vote, with rater, group, sides, systems, choice, outcome, times and flags",
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            **ERRORS,
            **NOT_FOUND,
        },
    )
    def get(self, request: Request, slug: str, fmt: str) -> StreamingHttpResponse:
        study = selectors.study_owned(request.user, slug)
        content_type, lines = self.formats[fmt]
        response = StreamingHttpResponse(lines(study), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{study.slug}-votes.{fmt}"'
        return response
