"""The budget planner's API: GET /api/studies/{slug}/budget/ (researchers, own studies only)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from comparisons import selectors as study_selectors
from comparisons.api_errors import ERRORS, NOT_FOUND
from comparisons.errors import InvalidInput, RowError

# The shares of comparisons.stats.ppi.SHARES (a test keeps the two equal): named here so that
# importing the URLs loads no numpy (every manage.py command imports them).
SHARE_NAMES = ["win_share", "tie_share", "loss_share", "win_or_tie_share", "win_rate"]


class BudgetQuerySerializer(serializers.Serializer):
    half_width = serializers.FloatField(min_value=0.001, max_value=0.5, help_text="Target half-width of the interval.")
    price_per_human_vote = serializers.FloatField(min_value=0, help_text="What one human vote costs.")
    price_per_judge_call = serializers.FloatField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: the mean cost of the study's answered judge calls.",
    )
    level = serializers.FloatField(min_value=0.5, max_value=0.999, default=0.95)
    share = serializers.ChoiceField(choices=SHARE_NAMES, default="win_rate")


class StudyBudgetApi(APIView):
    @extend_schema(
        summary="The cheapest mix of human votes and judge calls for a target PPI++ half-width",
        parameters=[BudgetQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, **ERRORS, **NOT_FOUND},
        description="Per pair, from the votes so far: the sd of the humans' per-prompt share and its correlation "
        "with the judge's, then the number of human-labelled prompts and judge-only prompts of least cost whose "
        "PPI++ interval reaches the half-width (humans alone when that is cheaper). See docs/statistics.md.",
    )
    def get(self, request: Request, slug: str) -> Response:
        study = study_selectors.study_owned(request.user, slug)
        query = BudgetQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if study.is_rating:
            reason = "plans the shares of pairwise comparisons; a rating study's results give votes_needed per system"
            raise InvalidInput(f"share: {reason}", [RowError(None, "share", reason)])
        from judges.budget import budget_plan  # noqa: PLC0415  (numpy loads with the first plan, not the URLs)

        return Response(budget_plan(study=study, **query.validated_data))
