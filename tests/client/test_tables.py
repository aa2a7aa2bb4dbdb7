"""The results table (pure): Figure 1's rows from a results answer."""

from __future__ import annotations

from lima_client.tables import bar, results_table


def interval(estimate, low, high) -> dict:
    return {"estimate": estimate, "low": low, "high": high}


def pair(first, second, wins, ties, losses, groups=None) -> dict:
    n = wins + ties + losses
    shares = {k: (v / n if n else None) for k, v in (("win_share", wins), ("tie_share", ties), ("loss_share", losses))}
    return {
        "systems": [first, second],
        "counts": {"n": n, "wins": wins, "ties": ties, "losses": losses, **shares},
        "interval": {
            k: interval(v, max(0, v - 0.1), min(1, v + 0.1)) if v is not None else interval(None, 0, 1)
            for k, v in shares.items()
        },
        "verdict": "a verdict",
        "by_group": groups or {},
    }


def test_baselines_keep_the_studys_order_with_intervals_and_n():
    """One order everywhere (issue 12): the results' pairs come in the study's baseline order,
    and the table keeps it (it used to sort by win share, unlike the chart)."""
    data = {
        "study": "s",
        "focal_system": "LIMA",
        "n_votes": 30,
        "params": {"level": 0.9, "method": "wilson"},
        "pairs": [pair("LIMA", "GPT-4", 2, 3, 5), pair("LIMA", "Alpaca", 6, 2, 2), pair("LIMA", "Empty", 0, 0, 0)],
    }
    lines = results_table(data).splitlines()
    assert lines[0] == "s: LIMA against each baseline; 30 votes; 90% wilson intervals"
    rows = [line for line in lines if line.startswith(("GPT-4", "Alpaca", "Empty"))]
    assert [r.split()[0] for r in rows] == ["GPT-4", "Alpaca", "Empty"]
    assert "60% [50-70]" in rows[1] and "20% [10-30]" in rows[1] and rows[1].split()[-3] == "10"
    assert rows[2].split()[1:4] == ["-", "-", "-"]


def test_an_all_pairs_study_names_each_pair_and_a_mixed_table_says_judges_are_counted():
    groups = {
        "crowd": {
            "counts": {"n": 4, "wins": 2, "ties": 1, "losses": 1, "tie_share": 0.25, "loss_share": 0.25},
            "win_share": interval(0.5, 0.2, 0.8),
        },
        "judge": {
            "counts": {"n": 1, "wins": 1, "ties": 0, "losses": 0, "tie_share": 0.0, "loss_share": 0.0},
            "win_share": interval(1.0, 0.2, 1.0),
        },
    }
    data = {
        "study": "s",
        "focal_system": None,
        "n_votes": 5,
        "params": {},
        "pairs": [pair("A", "B", 3, 1, 1, groups)],
        "stale": True,
        "computed_at": "2026-01-01T00:00:00Z",
    }
    table = results_table(data, by_group=True)
    assert "every pair" in table and "A vs B" in table and "  crowd" in table and "  judge" in table
    assert "count LLM judges' votes with the humans'" in table and "a refresh is queued" in table
    only_judges = results_table({**data, "params": {"rater_group": "judge"}})
    assert "LLM judges" not in only_judges and "of rater group judge" in only_judges


def test_the_bar_splits_its_width_by_wins_ties_and_losses():
    assert len(bar({"n": 7, "wins": 3, "ties": 1, "losses": 3}, width=20)) == 20
    assert bar({"n": 0}, width=5) == "     "
    drawn = bar({"n": 4, "wins": 2, "ties": 1, "losses": 1}, width=8)
    assert (
        drawn[:4] == drawn[0] * 4 and drawn[4:6] == drawn[4] * 2 and drawn[6:] == drawn[7] * 2 and len(set(drawn)) == 3
    )


def test_both_bad_is_listed_apart_when_a_vote_said_it():
    with_bad = pair("LIMA", "GPT-4", 2, 5, 3) | {"outcomes": {"n": 10, "both_bad": 2, "both_bad_share": 0.2}}
    data = {
        "study": "s",
        "focal_system": "LIMA",
        "n_votes": 20,
        "params": {},
        "pairs": [with_bad, pair("LIMA", "Bard", 3, 3, 4)],
    }
    lines = results_table(data).splitlines()
    assert '"both are bad" (counted as a tie in the columns above):' in lines
    assert "  GPT-4: 20% (2 of 10 votes)" in lines and not any(line.startswith("  Bard:") for line in lines)
    assert "both are bad" not in results_table(data | {"pairs": [pair("LIMA", "Bard", 3, 3, 4)]})
