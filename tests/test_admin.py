"""The Django admin loads for every model, with data."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import ComparisonFactory, UploadJobFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_registered_models_changelist_add_and_change_pages_load(client):
    comparison = ComparisonFactory()
    UploadJobFactory(study=comparison.study)
    user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(user)
    models = list(admin.site._registry)
    assert {m.__name__ for m in models} >= {"System", "Study", "Prompt", "Response", "Comparison", "UploadJob"}
    for model in models:
        meta = model._meta
        changelist = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert changelist.status_code == 200, meta.label
        add = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        assert add.status_code in (200, 403), meta.label
        obj = model.objects.first()
        if obj is not None:
            change = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
            assert change.status_code == 200, meta.label


def test_the_admin_refuses_non_staff(client):
    client.force_login(UserFactory())
    assert client.get("/admin/").status_code == 302
