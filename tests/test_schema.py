"""The OpenAPI schema documents every endpoint, and the Swagger UI is served locally."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT

ENDPOINTS = [
    "/api/studies/",
    "/api/studies/{slug}/",
    "/api/studies/{slug}/outputs/",
    "/api/studies/{slug}/open/",
    "/api/studies/{slug}/close/",
    "/api/jobs/{id}/",
]


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    out = tmp_path / "schema.yml"
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "lima_eval.settings"},
    )
    assert result.returncode == 0, result.stderr
    schema = yaml.safe_load(out.read_text())
    assert set(ENDPOINTS) <= set(schema["paths"])
    upload = schema["paths"]["/api/studies/{slug}/outputs/"]["post"]
    assert {"application/json", "application/x-ndjson", "multipart/form-data"} <= set(upload["requestBody"]["content"])
    assert {"200", "201", "202", "400", "409"} <= set(upload["responses"])
    assert "replace" in {p["name"] for p in upload["parameters"]}
    assert (
        "TokenAuth" in yaml.safe_dump(schema["components"]["securitySchemes"])
        or "tokenAuth" in schema["components"]["securitySchemes"]
    )


@pytest.mark.django_db
def test_the_swagger_ui_is_served_from_our_own_static_files(client, researcher):
    client.force_login(researcher)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "https://" not in html
    assert client.get("/api/schema/").status_code == 200
