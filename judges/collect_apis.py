"""Collections under /api/studies/{slug}/collections/: a system's responses from an endpoint."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from comparisons.api_errors import CONFLICT, ERRORS, NOT_FOUND
from judges.apis import study_of
from judges.collect import collection_create, collection_queue
from judges.models import Collection, Generation


class CollectionCreateSerializer(serializers.Serializer):
    system = serializers.CharField(max_length=100, help_text="The name the responses are stored under.")
    base_url = serializers.URLField(max_length=500, help_text="OpenAI-compatible base URL, e.g. http://vllm:8000/v1")
    model = serializers.CharField(max_length=200)
    api_key_env = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    temperature = serializers.FloatField(min_value=0, max_value=2, default=0.0)
    max_tokens = serializers.IntegerField(min_value=1, max_value=131072, default=1024)
    max_concurrency = serializers.IntegerField(min_value=1, max_value=1000, default=4)
    timeout_seconds = serializers.FloatField(min_value=0.1, max_value=3600, default=120.0)
    max_attempts = serializers.IntegerField(min_value=1, max_value=20, default=4)
    price_prompt_per_1k = serializers.DecimalField(max_digits=12, decimal_places=6, min_value=0, default=Decimal(0))
    price_completion_per_1k = serializers.DecimalField(max_digits=12, decimal_places=6, min_value=0, default=Decimal(0))


class CollectionRunSerializer(serializers.Serializer):
    retry_failed = serializers.BooleanField(default=True)
    retry_lost = serializers.BooleanField(default=False, help_text="Also retry generations lost with a dead worker.")


class CollectionSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Collection
        fields = [
            "id",
            "system",
            "base_url",
            "model",
            "api_key_env",
            "temperature",
            "max_tokens",
            "max_concurrency",
            "timeout_seconds",
            "max_attempts",
            "price_prompt_per_1k",
            "price_completion_per_1k",
            "created_at",
            "status",
        ]

    def get_status(self, collection: Collection) -> dict:
        generations = Generation.objects.filter(collection=collection)
        by_state = {s: 0 for s in Generation.State.values} | dict(
            generations.values_list("state").annotate(n=Count("id")).values_list("state", "n")
        )
        totals = generations.aggregate(
            prompt=Sum("prompt_tokens"), completion=Sum("completion_tokens"), cost=Sum("cost")
        )
        errors = (
            generations.filter(state=Generation.State.FAILED).values("error").annotate(n=Count("id")).order_by("-n")[:5]
        )
        return {
            "by_state": by_state,
            "tokens": {"prompt": totals["prompt"] or 0, "completion": totals["completion"] or 0},
            "cost": str((totals["cost"] or Decimal(0)).quantize(Decimal("0.000001"))),
            "errors": [{"error": e["error"], "generations": e["n"]} for e in errors],
        }


def collection_of(request, slug: str, pk: int) -> Collection:
    return get_object_or_404(Collection.objects.filter(study=study_of(request, slug)), pk=pk)


class CollectionListCreateApi(APIView):
    @extend_schema(
        summary="A study's response collections",
        responses={200: CollectionSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(CollectionSerializer(Collection.objects.filter(study=study_of(request, slug)), many=True).data)

    @extend_schema(
        summary="Collect a system's responses to the study's prompts from an endpoint",
        request=CollectionCreateSerializer,
        responses={201: CollectionSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
        description="Queues one request per prompt without a response of the system; each answer is stored as "
        "an uploaded output (with its model, tokens and finish reason as metadata). An open study takes no new "
        "system. See docs/judges.md.",
    )
    def post(self, request: Request, slug: str) -> Response:
        study = study_of(request, slug)
        data = CollectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        collection = collection_create(study=study, **data.validated_data)
        queued = collection_queue(collection=collection)
        return Response({**CollectionSerializer(collection).data, "queued": len(queued)}, status=201)


class CollectionDetailApi(APIView):
    @extend_schema(
        summary="A collection and its progress", responses={200: CollectionSerializer, **ERRORS, **NOT_FOUND}
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return Response(CollectionSerializer(collection_of(request, slug, pk)).data)


class CollectionRunApi(APIView):
    @extend_schema(
        summary="Request what is still missing",
        request=CollectionRunSerializer,
        responses={202: CollectionSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        collection = collection_of(request, slug, pk)
        options = CollectionRunSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        queued = collection_queue(collection=collection, **options.validated_data)
        return Response({**CollectionSerializer(collection).data, "queued": len(queued)}, status=202)
