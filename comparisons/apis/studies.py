from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from comparisons import selectors, services
from comparisons.api_errors import CONFLICT, ERRORS, NOT_FOUND
from comparisons.serializers import (
    StudyCreateSerializer,
    StudyDetailSerializer,
    StudySerializer,
    StudyUpdateSerializer,
)
from comparisons.services.stopping import study_set_stopping


def detail_response(request, study, *, status_code: int = 200) -> Response:
    study.refresh_from_db()
    study._counts = selectors.study_counts(study)
    return Response(StudyDetailSerializer(study, context={"request": request}).data, status=status_code)


class StudyListCreateApi(ListAPIView):
    serializer_class = StudySerializer

    def get_queryset(self):
        return selectors.studies_for(self.request.user)

    @extend_schema(summary="List your studies", responses={200: StudySerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a study",
        request=StudyCreateSerializer,
        responses={201: StudyDetailSerializer, **ERRORS},
        description="A `focal` study names `focal_system` and `baselines` (LIMA against GPT-4, Bard, ...); an "
        "`all_pairs` study names `systems` and compares every pair. The study starts as a draft.",
    )
    def post(self, request):
        data = StudyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        study = services.study_create(owner=request.user, **data.validated_data)
        return detail_response(request, study, status_code=status.HTTP_201_CREATED)


class StudyDetailApi(APIView):
    @extend_schema(summary="A study with its counts", responses={200: StudyDetailSerializer, **ERRORS, **NOT_FOUND})
    def get(self, request, slug: str):
        return detail_response(request, selectors.study_owned(request.user, slug))

    @extend_schema(
        summary='Change a study\'s stopping rules, or (in a draft) whether it offers "both are bad"',
        request=StudyUpdateSerializer,
        responses={200: StudyDetailSerializer, **ERRORS, **NOT_FOUND},
    )
    def patch(self, request, slug: str):
        study = selectors.study_owned(request.user, slug)
        data = StudyUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():  # both changes or neither
            if "both_bad" in data.validated_data:
                study = services.study_set_both_bad(study=study, offer=data.validated_data["both_bad"])
            if "stopping" in data.validated_data:
                study = study_set_stopping(study=study, stopping=data.validated_data["stopping"])
        return detail_response(request, study)


class StudyOpenApi(APIView):
    @extend_schema(
        summary="Open a study and queue the comparison build",
        request=None,
        responses={200: StudyDetailSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
    )
    def post(self, request, slug: str):
        study = selectors.study_owned(request.user, slug)
        return detail_response(request, services.study_open(study=study))


class StudyCloseApi(APIView):
    @extend_schema(summary="Close a study", request=None, responses={200: StudyDetailSerializer, **ERRORS, **NOT_FOUND})
    def post(self, request, slug: str):
        study = selectors.study_owned(request.user, slug)
        return detail_response(request, services.study_close(study=study))
