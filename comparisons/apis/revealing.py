"""GET /api/studies/{slug}/revealing/: the responses flagged at upload as revealing their
author (comparisons/reveal.py), for the study's researcher."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response as DRFResponse

from comparisons import selectors
from comparisons.api_errors import ERRORS, NOT_FOUND
from comparisons.models import Response


class RevealingResponseSerializer(serializers.ModelSerializer):
    prompt_id = serializers.CharField(source="prompt.external_id")
    system = serializers.CharField(source="system.name")
    matches = serializers.ListField(
        source="reveals",
        child=serializers.CharField(),
        help_text="What in the text names a model, its maker or its nature.",
    )

    class Meta:
        model = Response
        fields = ["prompt_id", "system", "matches", "masked_text"]


class StudyRevealingApi(ListAPIView):
    serializer_class = RevealingResponseSerializer

    def get_queryset(self) -> QuerySet[Response]:
        study = selectors.study_owned(self.request.user, self.kwargs["slug"])
        return selectors.revealing_responses(study)

    @extend_schema(
        summary="Responses that reveal their author",
        description="Flagged at upload; raters see `masked_text` (or none of these pairs, when the study's "
        "rater settings say `reveal_policy: hold`).",
        responses={200: RevealingResponseSerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> DRFResponse:
        return super().get(request, *args, **kwargs)
