"""Tests for the synthetic demo study generator (pure Python, no database)."""

from __future__ import annotations

import json
import random
import re
import statistics
from collections import Counter, defaultdict

from demo.data import (
    BASELINES,
    DEMO_SYSTEMS,
    FOCAL_SYSTEM,
    SYSTEM_INFO,
    demo_rows,
    write_jsonl,
)

CATEGORIES = {"advice", "writing", "coding", "knowledge", "planning"}
ROW_KEYS = {"prompt_id", "prompt", "system", "response", "category", "metadata"}


def _by_prompt(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["prompt_id"]].append(row)
    return grouped


def test_systems_and_info() -> None:
    assert FOCAL_SYSTEM == "LIMA 65B"
    assert [FOCAL_SYSTEM, *BASELINES] == DEMO_SYSTEMS
    assert len(set(DEMO_SYSTEMS)) == 6
    assert set(SYSTEM_INFO) == set(DEMO_SYSTEMS)
    for info in SYSTEM_INFO.values():
        assert "synthetic" in info["description"].lower()


def test_deterministic_for_seed_and_varies_across_seeds() -> None:
    assert demo_rows(seed=7) == demo_rows(seed=7)
    assert demo_rows(seed=7) != demo_rows(seed=8)
    assert [r["response"] for r in demo_rows(seed=1)] != [r["response"] for r in demo_rows(seed=2)]


def test_does_not_touch_global_random() -> None:
    random.seed(123)
    state = random.getstate()
    demo_rows(seed=5)
    assert random.getstate() == state


def test_row_count_and_each_prompt_system_pair_once() -> None:
    for n in (60, 13, 75):
        rows = demo_rows(seed=3, n_prompts=n)
        assert len(rows) == 6 * n
        pairs = Counter((r["prompt_id"], r["system"]) for r in rows)
        assert all(c == 1 for c in pairs.values())
        assert len({r["prompt_id"] for r in rows}) == n
        assert {r["system"] for r in rows} == set(DEMO_SYSTEMS)


def test_row_shape_and_metadata() -> None:
    for row in demo_rows(seed=0):
        assert set(row) == ROW_KEYS
        assert re.fullmatch(r"demo-\d{3}", row["prompt_id"])
        assert isinstance(row["prompt"], (str, list))
        assert isinstance(row["response"], str) and row["response"].strip()
        assert row["category"] in CATEGORIES
        meta = row["metadata"]
        assert meta["synthetic"] is True
        assert meta["temperature"] == 0.7 and meta["max_tokens"] == 1024
        assert meta["tokens"] == len(row["response"].split())


def test_default_prompt_count_and_category_coverage() -> None:
    rows = demo_rows()
    grouped = _by_prompt(rows)
    assert len(grouped) >= 60
    per_category = Counter(group[0]["category"] for group in grouped.values())
    assert set(per_category) == CATEGORIES
    assert all(per_category[c] >= 10 for c in CATEGORIES), per_category
    # The prompts themselves are distinct by default (no template repeated).
    first_turns = {
        g[0]["prompt"] if isinstance(g[0]["prompt"], str) else g[0]["prompt"][0]["content"] for g in grouped.values()
    }
    assert len(first_turns) == len(grouped)


def test_same_prompt_id_same_prompt_and_category() -> None:
    for seed in range(3):
        for group in _by_prompt(demo_rows(seed=seed)).values():
            assert all(r["prompt"] == group[0]["prompt"] for r in group)
            assert all(r["category"] == group[0]["category"] for r in group)


def test_multi_turn_prompts_are_well_formed() -> None:
    rows = demo_rows(seed=0)
    multi = {r["prompt_id"]: r["prompt"] for r in rows if isinstance(r["prompt"], list)}
    assert len(multi) >= 2
    for turns in multi.values():
        assert len(turns) >= 3 and len(turns) % 2 == 1
        for i, turn in enumerate(turns):
            assert set(turn) == {"role", "content"}
            assert turn["role"] == ("user" if i % 2 == 0 else "assistant")
            assert isinstance(turn["content"], str) and turn["content"].strip()
        assert turns[-1]["role"] == "user"


def test_responses_never_name_a_system() -> None:
    names = [s.lower() for s in DEMO_SYSTEMS]
    for seed in range(5):
        for row in demo_rows(seed=seed):
            texts = [row["response"]]
            if isinstance(row["prompt"], list):
                texts += [t["content"] for t in row["prompt"]]
            for text in texts:
                low = text.lower()
                assert not any(name in low for name in names), (row["prompt_id"], row["system"])


def test_responses_differ_across_systems_for_same_prompt() -> None:
    for seed in range(3):
        for pid, group in _by_prompt(demo_rows(seed=seed)).items():
            assert len({r["response"] for r in group}) == len(DEMO_SYSTEMS), pid


def test_response_lengths_vary_by_system() -> None:
    words: dict[str, list[int]] = defaultdict(list)
    for row in demo_rows(seed=0):
        words[row["system"]].append(len(row["response"].split()))
    medians = {s: statistics.median(v) for s, v in words.items()}
    assert max(medians.values()) >= 2 * min(medians.values()), medians
    all_lengths = [n for v in words.values() for n in v]
    assert min(all_lengths) <= 25 and max(all_lengths) >= 120


def test_markdown_variety() -> None:
    text = "\n".join(r["response"] for r in demo_rows(seed=0))
    assert re.search(r"^#{2,3} ", text, re.M), "headings"
    assert re.search(r"^- ", text, re.M), "bullet list"
    assert re.search(r"^\d+\. ", text, re.M), "numbered list"
    assert "**" in text, "bold"
    assert re.search(r"^\|---\|", text, re.M), "table"


def test_coding_responses_contain_fenced_code_block() -> None:
    for seed in range(3):
        coding = [r for r in demo_rows(seed=seed) if r["category"] == "coding"]
        assert coding
        for row in coding:
            assert re.search(r"```python\n.+?\n```", row["response"], re.S), row["prompt_id"]


def test_write_jsonl_round_trips(tmp_path) -> None:
    rows = demo_rows(seed=4, n_prompts=12)
    path = tmp_path / "demo.jsonl"
    write_jsonl(rows, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(rows)
    assert [json.loads(line) for line in lines] == rows
