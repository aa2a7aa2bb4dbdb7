"""The client reads the results through the declared shape: every field its terminal table
reads is a field of the results schema the server documents (results/schema.py, served at
/api/schema/). The client cannot import the server's code, so this test is the link."""

from __future__ import annotations

from typing import Any

import pytest

from lima_client.tables import results_table
from tests.results.test_api import import_votes, lima_votes

pytestmark = pytest.mark.django_db


class Recording(dict):
    """A dict that records the key paths read from it (and from the dicts inside it)."""

    def __init__(self, data: dict, path: tuple, seen: set) -> None:
        super().__init__(data)
        self.path, self.seen = path, seen

    def _wrap(self, key: str, value: Any) -> Any:
        path = (*self.path, key)
        self.seen.add(path)
        if isinstance(value, dict):
            return Recording(value, path, self.seen)
        if isinstance(value, list):
            return [Recording(v, (*path, "[]"), self.seen) if isinstance(v, dict) else v for v in value]
        return value

    def __getitem__(self, key: str) -> Any:
        return self._wrap(key, super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:
        return self._wrap(key, super().__getitem__(key)) if key in self else default

    def items(self):  # type: ignore[override]
        return [(k, self[k]) for k in self.keys()]


def declared(schema: dict, node: dict, path: tuple) -> bool:
    """Whether `path` is a field of `node` in the OpenAPI document (free-form objects and
    their insides count as declared)."""
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    for key in ("allOf", "oneOf", "anyOf"):
        if key in node:
            return any(declared(schema, sub, path) for sub in node[key])
    if not path:
        return True
    head, rest = path[0], path[1:]
    if head == "[]":
        return node.get("type") == "array" and declared(schema, node.get("items", {}), rest)
    properties = node.get("properties")
    if properties is None:
        return node.get("type") == "object"  # a free-form object (DictField): documented as such
    return head in properties and declared(schema, properties[head], rest)


def test_every_field_the_clients_table_reads_is_in_the_declared_results_schema(api):
    from comparisons.models import Study
    from comparisons.services.queue import comparisons_build
    from tests.comparisons.helpers import create_study, rows_for, upload

    create_study(api, slug="s")
    upload(api, "s", rows_for(12, ["LIMA", "GPT-4", "Bard"]))
    api.post("/api/studies/s/open/")
    comparisons_build(study_id=Study.objects.get(slug="s").pk)
    judge = [dict(r, rater_group="judge") for r in lima_votes(2, 1, 1, rater="j")]
    assert (
        import_votes(api, lima_votes(4, 2, 2) + lima_votes(1, 1, 2, baseline="Bard", rater="r2") + judge).status_code
        == 201
    )
    seen: set[tuple] = set()
    data = api.get("/api/studies/s/results/").json()
    results_table(Recording(data, (), seen), by_group=True)
    schema = api.get("/api/schema/?format=json").json()
    results = schema["paths"]["/api/studies/{slug}/results/"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert len(seen) > 20
    undeclared = sorted(p for p in seen if not declared(schema, results, p))
    assert undeclared == []
    assert not declared(schema, results, ("pairs", "[]", "no_such_field"))
