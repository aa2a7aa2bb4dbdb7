"""GET /api/studies/{slug}/revealing/: the responses flagged at upload as revealing their
author (comparisons/reveal.py), for the study's researcher."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from comparisons import selectors
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


@extend_schema(
    summary="Responses that reveal their author",
    description="Flagged at upload; raters see `masked_text` (or none of these pairs, when the study's "
    "rater settings say `reveal_policy: hold`).",
)
class StudyRevealingApi(ListAPIView):
    serializer_class = RevealingResponseSerializer

    def get_queryset(self) -> QuerySet[Response]:
        study = get_object_or_404(selectors.studies_for(self.request.user), slug=self.kwargs["slug"])
        return selectors.revealing_responses(study)
