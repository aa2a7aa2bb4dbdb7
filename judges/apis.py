"""The judges API under /api/studies/{slug}/judges/: researchers only, owners only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from comparisons import selectors as study_selectors
from comparisons.api_errors import CONFLICT, ERRORS, NOT_FOUND
from comparisons.errors import InvalidInput, RowError
from judges import selectors, services
from judges.models import Judge, JudgeCall
from judges.serializers import (
    JudgeCallSerializer,
    JudgeCreateSerializer,
    JudgeDetailSerializer,
    JudgeRunSerializer,
    JudgeSerializer,
    JudgeStatusSerializer,
)


def study_of(request, slug: str):
    return study_selectors.study_owned(request.user, slug)


def judge_of(request, slug: str, name: str) -> Judge:
    return get_object_or_404(selectors.judges_of(study_of(request, slug)), name=name)


def detail(judge: Judge, status: int = 200) -> Response:
    judge._status = selectors.judge_status(judge)  # type: ignore[attr-defined]  # read by JudgeDetailSerializer
    return Response(JudgeDetailSerializer(judge).data, status=status)


class JudgeListCreateApi(APIView):
    @extend_schema(summary="A study's LLM judges", responses={200: JudgeSerializer(many=True), **ERRORS, **NOT_FOUND})
    def get(self, request: Request, slug: str) -> Response:
        return Response(JudgeSerializer(selectors.judges_of(study_of(request, slug)), many=True).data)

    @extend_schema(
        summary="Add an LLM judge (an OpenAI-compatible endpoint)",
        request=JudgeCreateSerializer,
        responses={201: JudgeDetailSerializer, **ERRORS, **NOT_FOUND},
        description="The key is read in the workers from the environment variable named by `api_key_env`; "
        "it is never stored or shown. The prompt template (string.Template) may use $question, $prompt, "
        "$response_a, $response_b, $choice_a, $choice_b, $choice_tie. See docs/judges.md.",
    )
    def post(self, request: Request, slug: str) -> Response:
        study = study_of(request, slug)
        data = JudgeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["prompt_template"] = fields["prompt_template"] or None
        return detail(services.judge_create(study=study, **fields), status=201)


class JudgeOrdersApi(APIView):
    @extend_schema(
        summary="A both-orders judge's consistency and its agreement with the humans per order",
        responses={200: OpenApiTypes.OBJECT, **ERRORS, **NOT_FOUND},
        description="From the judge's answered calls: position consistency under swap (and how often it "
        "chose the first or second shown response in both orders) on every comparison with both orders, "
        "and strict agreement per order and in both orders with the humans' majority label. "
        "Prompt-clustered bootstrap intervals; see docs/statistics.md.",
    )
    def get(self, request, slug: str, name: str):
        from judges.orders import judge_orders  # noqa: PLC0415  (numpy loads here, not with the URLs)

        judge = judge_of(request, slug, name)
        if judge.order_policy == Judge.OrderPolicy.NONE:
            raise InvalidInput(
                "order_policy: a grader of a rating study has one order; see its status and the results' ratings",
                [RowError(None, "order_policy", "a grader shows one response: there are no orders to compare")],
            )
        return Response(judge_orders(judge))


class JudgeDetailApi(APIView):
    @extend_schema(summary="A judge with its status", responses={200: JudgeDetailSerializer, **ERRORS, **NOT_FOUND})
    def get(self, request: Request, slug: str, name: str) -> Response:
        return detail(judge_of(request, slug, name))


class JudgeStatusApi(APIView):
    @extend_schema(
        summary="A judge's progress: calls by state, verdicts, votes, tokens and cost",
        responses={200: JudgeStatusSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, slug: str, name: str) -> Response:
        return Response(selectors.judge_status(judge_of(request, slug, name)))


class JudgeRunApi(APIView):
    @extend_schema(
        summary="Judge every comparison not judged yet",
        request=JudgeRunSerializer,
        responses={202: JudgeDetailSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
        description="Creates the missing calls (one per comparison, or two with order_policy both) and queues "
        "the pending ones. Judged comparisons and calls in flight are never sent again.",
    )
    def post(self, request: Request, slug: str, name: str) -> Response:
        judge = judge_of(request, slug, name)
        options = JudgeRunSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        queued = services.judge_queue(judge=judge, **options.validated_data)
        response = detail(judge, status=202)
        response.data["queued"] = len(queued)
        return response


class JudgeCallListApi(ListAPIView):
    serializer_class = JudgeCallSerializer

    def get_queryset(self):
        judge = judge_of(self.request, self.kwargs["slug"], self.kwargs["name"])
        calls = JudgeCall.objects.filter(judge=judge).select_related("comparison__prompt")
        state = self.request.query_params.get("state")
        if state is not None and state not in JudgeCall.State.values:
            raise ValidationError({"state": [f"must be one of {', '.join(JudgeCall.State.values)}"]})
        return calls.filter(state=state) if state else calls

    @extend_schema(
        summary="A judge's calls (answers, verdicts, errors)",
        parameters=[OpenApiParameter("state", str, enum=JudgeCall.State.values)],
        responses={200: JudgeCallSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
