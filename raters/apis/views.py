from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from comparisons import selectors as study_selectors
from comparisons.api_errors import CONFLICT
from comparisons.apis.studies import ERRORS, NOT_FOUND
from comparisons.errors import InvalidInput, RowError
from comparisons.models import Comparison, Study, pair_key, rating_key
from raters import selectors, services
from raters.apis.serializers import (
    AttentionInSerializer,
    ExcludeSerializer,
    GoldInSerializer,
    GoldOutSerializer,
    InviteOutSerializer,
    InviteSerializer,
    RaterSerializer,
    RaterSettingsSerializer,
)
from raters.models import GoldPair, Rater


def own_study(request, slug: str) -> Study:
    return study_selectors.study_owned(request.user, slug)


def with_stats(study: Study, raters: QuerySet[Rater] | list[Rater]) -> list[Rater]:
    stats = selectors.stats_by_rater(study, services.rater_settings_get(study=study))
    raters = list(raters)
    for rater in raters:
        rater._stats = stats.get(rater.pk)  # type: ignore[attr-defined]  # read by RaterSerializer
    return raters


class RaterListApi(APIView):
    @extend_schema(
        summary="The study's raters with quality stats and flags",
        responses={200: RaterSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        study = own_study(request, slug)
        return Response(RaterSerializer(with_stats(study, selectors.raters_of(study)), many=True).data)


class RaterExcludeApi(APIView):
    @extend_schema(
        summary="Exclude a rater: their votes stay stored, flagged, and leave the results",
        request=ExcludeSerializer,
        responses={200: RaterSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        study = own_study(request, slug)
        rater = get_object_or_404(Rater, study=study, pk=pk)
        data = ExcludeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rater = services.rater_exclude(rater=rater, reason=data.validated_data["reason"])
        return Response(RaterSerializer(with_stats(study, [rater])[0]).data)


class RaterIncludeApi(APIView):
    @extend_schema(
        summary="Include an excluded rater again", request=None, responses={200: RaterSerializer, **ERRORS, **NOT_FOUND}
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        study = own_study(request, slug)
        rater = services.rater_include(rater=get_object_or_404(Rater, study=study, pk=pk))
        return Response(RaterSerializer(with_stats(study, [rater])[0]).data)


class InviteApi(APIView):
    @extend_schema(
        summary="Create a named rater and their signed invite link",
        request=InviteSerializer,
        responses={201: InviteOutSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
    )
    def post(self, request: Request, slug: str) -> Response:
        study = own_study(request, slug)
        data = InviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rater, token = services.invite_create(study=study, **data.validated_data)
        url = request.build_absolute_uri(reverse("raters:invite", kwargs={"slug": study.slug, "token": token}))
        return Response({"rater": RaterSerializer(with_stats(study, [rater])[0]).data, "url": url}, status=201)


class RaterSettingsApi(APIView):
    @extend_schema(
        summary="The study's rater settings", responses={200: RaterSettingsSerializer, **ERRORS, **NOT_FOUND}
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(RaterSettingsSerializer(services.rater_settings_get(study=own_study(request, slug))).data)

    @extend_schema(
        summary="Change some rater settings",
        request=RaterSettingsSerializer,
        responses={200: RaterSettingsSerializer, **ERRORS, **NOT_FOUND},
    )
    def patch(self, request: Request, slug: str) -> Response:
        study = own_study(request, slug)
        data = RaterSettingsSerializer(services.rater_settings_get(study=study), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(
            RaterSettingsSerializer(services.rater_settings_update(study=study, **data.validated_data)).data
        )


def gold_queryset(study: Study) -> QuerySet[GoldPair]:
    return (
        GoldPair.objects.filter(comparison__study=study)
        .select_related(
            "comparison__prompt",
            "comparison__study",
            "comparison__left_response__system",
            "comparison__right_response__system",
            "expected_winner",
        )
        .order_by("comparison_id")
    )


class GoldListApi(APIView):
    @extend_schema(
        summary="The study's gold pairs and attention checks",
        responses={200: GoldOutSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(GoldOutSerializer(gold_queryset(own_study(request, slug)), many=True).data)

    @extend_schema(
        summary="Mark a comparison gold with its expected answer (votes on it never count in results)",
        request=GoldInSerializer,
        responses={201: GoldOutSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        study = own_study(request, slug)
        data = GoldInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        comparison = _comparison(study, d["prompt_id"], d["systems"])
        gold = services.gold_set(comparison=comparison, expected=d["expected"], kind=d["kind"])
        return Response(GoldOutSerializer(gold_queryset(study).get(pk=gold.pk)).data, status=201)


class AttentionChecksApi(APIView):
    @extend_schema(
        summary="Add attention checks made by the service",
        description="Each pairs a real response with an obviously broken one that asks, in plain words, for "
        "the other answer (an instructed-response item, as Prolific allows). They are gold pairs of kind "
        "`attention`: served at the study's gold rate, never counted in results; a failed one flags the rater.",
        request=AttentionInSerializer,
        responses={201: GoldOutSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        from raters.services.attention import attention_checks_create

        study = own_study(request, slug)
        data = AttentionInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = attention_checks_create(study=study, count=data.validated_data["count"])
        return Response(
            GoldOutSerializer(gold_queryset(study).filter(pk__in=[g.pk for g in created]), many=True).data, status=201
        )


class GoldDetailApi(APIView):
    @extend_schema(
        summary="Unmark a gold pair (its votes count again)", request=None, responses={204: None, **ERRORS, **NOT_FOUND}
    )
    def delete(self, request: Request, slug: str, comparison: int) -> Response:
        study = own_study(request, slug)
        services.gold_remove(
            comparison=get_object_or_404(GoldPair, comparison__study=study, comparison_id=comparison).comparison
        )
        return Response(status=204)


def _comparison(study: Study, prompt_id: str, systems: list[str]) -> Comparison:
    ids = dict(study.systems.filter(name__in=systems).values_list("name", "id"))
    for name in systems:
        if name not in ids:
            raise InvalidInput(
                f"systems: no system {name!r} in this study",
                [RowError(None, "systems", f"no system {name!r} in this study")],
            )
    wanted = 1 if study.is_rating else 2
    if len(ids) != wanted or len(systems) != wanted:
        reason = (
            "must name the one system whose response is graded" if wanted == 1 else "must name two different systems"
        )
        raise InvalidInput(f"systems: {reason}", [RowError(None, "systems", reason)])
    key = rating_key(*ids.values()) if study.is_rating else pair_key(*ids.values())
    comparison = Comparison.objects.filter(study=study, prompt__external_id=prompt_id, pair_key=key).first()
    if comparison is None:
        raise InvalidInput(
            "prompt_id: no comparison of these systems on this prompt",
            [
                RowError(
                    None, "prompt_id", f"no comparison of {' and '.join(map(repr, systems))} on prompt {prompt_id!r}"
                )
            ],
        )
    return comparison
