"""Small builders shared by the comparisons tests."""

from __future__ import annotations

import json


def rows_for(prompts: int, systems: list[str], *, start: int = 0, prefix: str = "p") -> list[dict]:
    """One row per (prompt, system), the prompt text on every row."""
    return [
        {
            "prompt_id": f"{prefix}{i}",
            "prompt": f"Question {i}?",
            "system": system,
            "response": f"{system} answers {i}.",
            "category": "knowledge" if i % 2 else "advice",
        }
        for i in range(start, start + prompts)
        for system in systems
    ]


def jsonl(rows: list[dict]) -> str:
    return "\n".join(json.dumps(row) for row in rows) + "\n"


def create_study(api, **fields) -> dict:
    body = {"name": "LIMA study", "design": "focal", "focal_system": "LIMA", "baselines": ["GPT-4", "Bard"], **fields}
    response = api.post("/api/studies/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def upload(api, slug: str, rows, *, query: str = ""):
    return api.post(f"/api/studies/{slug}/outputs/{query}", json.dumps(rows), content_type="application/json")
