"""The Prolific API under /api/studies/{slug}/prolific/: researchers only, owners only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from comparisons.api_errors import CONFLICT, ERRORS, NOT_FOUND
from comparisons.models import Study
from comparisons.selectors import study_owned
from prolific import services
from prolific.models import BonusBatch, ProlificLink
from prolific.serializers import BonusBatchSerializer, LinkInputSerializer, LinkSerializer, ResolveInputSerializer


def study_of(request: Request, slug: str) -> Study:
    return study_owned(request.user, slug)


def link_of(request: Request, slug: str) -> ProlificLink:
    return get_object_or_404(ProlificLink.objects.select_related("study"), study=study_of(request, slug))


class LinkApi(APIView):
    @extend_schema(
        summary="The study's Prolific link, policies and submissions",
        responses={200: LinkSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(LinkSerializer(link_of(request, slug)).data)

    @extend_schema(
        summary="Link the study to a Prolific study (checks its URL and completion code)",
        request=LinkInputSerializer,
        responses={200: LinkSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
        description="Reads the Prolific study with the server's PROLIFIC_API_TOKEN. A study URL or "
        "completion code that would break completions is fixed on Prolific (fix=true) or refused (409). "
        "See docs/prolific.md.",
    )
    def put(self, request: Request, slug: str) -> Response:
        study = study_of(request, slug)
        data = LinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        rater_url = fields.pop("rater_url", None) or request.build_absolute_uri(f"/r/{study.slug}/")
        link = services.link_set(
            study=study,
            prolific_study_id=fields.pop("study_id"),
            rater_url=rater_url,
            fix=fields.pop("fix"),
            by=request.user.get_username(),
            **fields,
        )
        return Response(LinkSerializer(link).data)


class SyncApi(APIView):
    @extend_schema(
        summary="Sync with Prolific now (in a worker)", request=None, responses={202: dict, **ERRORS, **NOT_FOUND}
    )
    def post(self, request: Request, slug: str) -> Response:
        services.prolific_sync_queue(link_id=link_of(request, slug).pk, by=f"sync ({request.user.get_username()})")
        return Response({"queued": True}, status=202)


class BonusResolveApi(APIView):
    @extend_schema(
        summary="Resolve an uncertain bonus batch after checking it on Prolific",
        request=ResolveInputSerializer,
        responses={200: BonusBatchSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
    )
    def post(self, request: Request, slug: str, batch_id: int) -> Response:
        link = link_of(request, slug)
        batch = get_object_or_404(BonusBatch, pk=batch_id, link=link)
        data = ResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.bonus_batch_resolve(
            batch=batch, paid=data.validated_data["paid"], by=request.user.get_username()
        )
        return Response(BonusBatchSerializer(batch).data)
