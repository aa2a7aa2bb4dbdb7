"""The Python client against the running service (live server, PostgreSQL)."""

from __future__ import annotations

import pytest

from lima_client import ApiError, Client
from lima_client.progress import Bar


@pytest.fixture
def client(live_server, token):
    with Client(live_server.url, token) as c:
        yield c


def rows(n: int) -> list[dict]:
    return [
        {"prompt_id": f"p{i}", "prompt": f"Q{i}?", "system": s, "response": f"{s} says {i}"}
        for i in range(n)
        for s in ("LIMA", "GPT-4")
    ]


def test_errors_carry_the_apis_detail_and_each_rows_field_and_reason(client):
    with pytest.raises(ApiError) as refused:
        client.create_study(name="x", design="focal", baselines=["GPT-4"])
    assert refused.value.status == 400 and refused.value.errors[0].field == "focal_system"
    client.create_study(name="LIMA", slug="lima", focal_system="LIMA", baselines=["GPT-4"])
    bad = rows(2)
    bad[1]["response"] = 7
    del bad[2]["system"]
    with pytest.raises(ApiError) as invalid:
        client.upload_outputs("lima", bad)
    assert [(e.row, e.field) for e in invalid.value.errors] == [(2, "response"), (3, "system")]
    assert "nothing was stored" in invalid.value.detail and "row 2, response:" in str(invalid.value)
    with pytest.raises(ApiError) as missing:
        client.study("nope")
    assert missing.value.status == 404


def test_a_wrong_token_is_a_401_with_the_apis_detail(live_server, transactional_db):
    with Client(live_server.url, "not-a-token") as c, pytest.raises(ApiError) as denied:
        c.studies()
    assert denied.value.status == 401 and "token" in denied.value.detail.lower()


def test_an_upload_streams_the_file_and_reports_progress_in_bytes(client, tmp_path):
    client.create_study(name="LIMA", slug="lima", focal_system="LIMA", baselines=["GPT-4"])
    path = tmp_path / "outputs.jsonl"
    path.write_text("".join(__import__("json").dumps(r) + "\n" for r in rows(2000)))
    seen = []
    counts = client.upload_outputs("lima", path=path, progress=lambda done, total: seen.append((done, total)))
    assert counts["created"] == 4000 and counts["prompts_created"] == 2000
    size = path.stat().st_size
    assert len(seen) > 3 and seen[-1] == (size, size) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert client.upload_outputs("lima", rows(2))["unchanged"] == 4
    assert [s["slug"] for s in client.studies()] == ["lima"]


def test_the_progress_bar_draws_a_line_per_tenth_in_a_log(capsys):
    bar = Bar("upload", 2048, unit="bytes")
    for done in range(0, 2049, 128):
        bar.update(done)
    bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("upload [------") and lines[-1] == "upload [" + "#" * 30 + "] 100% 2.0 KB/2.0 KB"
    assert len(lines) == 11
