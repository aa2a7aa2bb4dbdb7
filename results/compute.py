"""Everything the results API reports, from a VoteTable (pure: numpy and comparisons.stats).

For each pair (focal system against each baseline, or every pair in an all-pairs study) the
outcomes are coded from the first system's side. See docs/statistics.md for each method."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from comparisons import stats
from comparisons.stats._base import factorize
from comparisons.stats.length_control import length_controlled_win_rate
from results.agreement import agreement_and_rater_quality
from results.both_bad import four_outcomes
from results.params import MM_MAX_SYSTEMS, Params
from results.sequential import SequentialContext, sequential_pair, small_sample_bootstrap, whole_votes
from results.sequential import pair_key as comparison_pair_key
from results.table import VoteTable

NO_VOTES = "No votes yet: no verdict."

# The parts that resample or iterate (their cost grows with the prompts and the votes, not with the
# count tables): with ``carry`` they are taken from the last results that computed them.
RESAMPLED_SECTIONS = ("ranking", "agreement", "rater_quality")
RESAMPLED_PAIR_FIELDS = ("settled", "need")


def compute_results(
    votes: VoteTable,
    pairs: list[tuple[int, int]],
    params: Params,
    sequential: SequentialContext | None = None,
    carry: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The results JSON. ``sequential`` carries the study's stopping rules and design and the
    last look's sequential intervals and settlements (results.sequential); the table's rows
    must be in the order the votes arrived (vote ids).

    ``carry``: earlier results of the same study and parameters whose resampled parts (the
    prompt-clustered bootstraps, the sequential intervals with their settlements and votes still
    needed, the four outcomes' intervals, the ranking, agreement and rater quality) are taken as
    they are instead of recomputed; everything counted (counts, Wilson and Goodman intervals,
    sign and prompt tests, Holm, verdicts, groups, biases, plans) is computed from ``votes``.
    Ignored when it lacks one of ``pairs``. ``data["carried"]`` says whether it was used."""
    carried = _carried_pairs(carry, pairs, params)
    everyone = votes
    group_names, group_codes = votes.group_codes()
    keep = None  # headline votes among everyone's, when some are left out
    excluded = [i for i, g in enumerate(group_names) if g in params.headline_excludes]
    if excluded:
        keep = ~np.isin(group_codes, excluded)
        votes = votes.select(keep)
    pair_key = everyone.pair_keys()
    inputs, by_group = [], []
    for first, second in pairs:
        index, outcomes = everyone.pair_votes(pair_key, first, second)
        by_group.append(_by_group(group_names, group_codes[index], outcomes, params.level))
        if keep is not None:  # the same votes, as rows of the headline table
            kept = keep[index]
            index, outcomes = (np.cumsum(keep) - 1)[index[kept]], outcomes[kept]
        inputs.append(_pair_inputs(votes, index, outcomes, params))
    if carried is None:
        boots: list[dict[str, Any] | None] = [
            b.as_dict()
            for b in stats.clustered_bootstraps(
                [(i.prompt_ids, i.outcomes) for i in inputs], params.n_resamples, params.level, params.seed
            )
        ]
    else:
        boots = [None] * len(inputs)
    reports = [_pair(votes, pair, i, boot, params) for pair, i, boot in zip(pairs, inputs, boots, strict=True)]
    ctx = sequential or SequentialContext()
    for (first, second), report, data in zip(pairs, reports, inputs, strict=True):
        report["pair_key"] = comparison_pair_key(first, second)
        _resampled_pair(votes, report, data, params, ctx, None if carried is None else carried[report["pair_key"]])
    for report, groups in zip(reports, by_group, strict=True):
        report["by_group"] = groups
    if reports:
        _holm(reports, params.alpha)
    if carried is None:
        agreement, rater_quality = agreement_and_rater_quality(
            everyone, params.n_resamples, params.level, params.seed, groups=(group_names, group_codes)
        )
        ranking = _ranking(votes, params)
    else:
        assert carry is not None
        agreement, rater_quality, ranking = carry["agreement"], carry["rater_quality"], carry["ranking"]
    return {
        "carried": carried is not None,
        "pairs": reports,
        "ranking": ranking,
        "agreement": agreement,
        "rater_quality": rater_quality,
        "bias": _bias(votes, pairs, inputs, params),
        "multiple_comparisons": {"method": "holm", "alpha": params.alpha, "family_size": len(reports)},
        "stopping": {
            "rules": ctx.rules.as_setting() or None,
            "pairs_settled": sum(r["settled"] is not None for r in reports),
            "pairs_open": sum(r["settled"] is None for r in reports),
            "votes_needed": sum(r["need"]["votes"] for r in reports),
        },
        "headline_votes": len(votes) if votes.turn is None else int(np.count_nonzero(votes.turn == 0)),
        "systems": sorted(votes.systems.values()),
    }


def _carried_pairs(
    carry: dict[str, Any] | None, pairs: list[tuple[int, int]], params: Params
) -> dict[str, dict[str, Any]] | None:
    """The earlier results' pairs by key, when they hold every one of ``pairs`` with its resampled
    parts and were computed with the same parameters; None otherwise (everything is computed)."""
    if not carry or any(carry.get(section, ...) is ... for section in RESAMPLED_SECTIONS):
        return None
    before = carry.get("params") or {}
    if any(before.get(name) != value for name, value in json.loads(json.dumps(asdict(params))).items()):
        return None
    by_key = {p.get("pair_key"): p for p in carry.get("pairs") or []}
    wanted = [comparison_pair_key(first, second) for first, second in pairs]
    if any(
        key not in by_key
        or any(name not in by_key[key] for name in RESAMPLED_PAIR_FIELDS)
        or "sequential" not in (by_key[key].get("intervals") or {})
        or "bootstrap" not in (by_key[key].get("intervals") or {})
        for key in wanted
    ):
        return None
    return {key: by_key[key] for key in wanted}


def _resampled_pair(
    votes: VoteTable,
    report: dict[str, Any],
    data: _PairInput,
    params: Params,
    ctx: SequentialContext,
    before: dict[str, Any] | None,
) -> None:
    """Add a pair's sequential intervals, settlement, votes still needed and four outcomes to its
    report, each resampled part computed, or taken from ``before`` (the pair in earlier results)."""
    if before is None:
        prompt_ids, vote_outcomes, order_keys = whole_votes(
            votes.turn, data.index, votes.prompt[data.index], data.vote_outcomes
        )
        part = sequential_pair(
            key=report["pair_key"],
            names=(report["systems"][0], report["systems"][1]),
            prompt_ids=prompt_ids,
            outcomes=vote_outcomes,
            order_keys=order_keys,
            level=params.level,
            seed=params.seed,
            ctx=ctx,
        )
        report["intervals"]["sequential"] = part["sequential"]
        report["settled"], report["need"] = part["settled"], part["need"]
    else:
        report["intervals"]["bootstrap"] = before["intervals"]["bootstrap"]
        report["intervals"]["sequential"] = before["intervals"]["sequential"]
        report["settled"], report["need"] = before["settled"], before["need"]
    report["interval"] = report["intervals"].get(params.method)
    report["outcomes"] = four_outcomes(
        votes.prompt[data.index],
        data.vote_outcomes,
        votes.bad()[data.index],
        params.level,
        min(params.n_resamples, 1000),
        params.seed,
        resample=before is None,
    )
    if before is not None:
        report["outcomes"]["intervals"] = (before.get("outcomes") or {}).get("intervals")
    if votes.turn is not None:  # a per-turn study: each assistant turn is an outcome
        report["outcomes"]["unit"] = "turn"


@dataclass(frozen=True)
class _PairInput:
    index: np.ndarray  # the votes on the pair (rows of the headline table)
    vote_outcomes: np.ndarray  # per vote, from the first system's side
    outcomes: np.ndarray  # per unit of analysis (vote, or comparison by majority)
    prompt_ids: np.ndarray  # per unit


def _pair_inputs(votes: VoteTable, index: np.ndarray, vote_outcomes: np.ndarray, params: Params) -> _PairInput:
    comparisons, prompts = votes.comparison[index], votes.prompt[index]
    _units, outcomes = stats.aggregate_votes(comparisons, vote_outcomes, params.aggregate)
    if params.aggregate == "vote":
        prompt_ids = prompts
    else:  # units are the sorted distinct comparisons; one prompt each
        _, first_vote = np.unique(comparisons, return_index=True)
        prompt_ids = prompts[first_vote]
    return _PairInput(index, vote_outcomes, outcomes, np.asarray(prompt_ids, dtype=np.int64))


def _pair(
    votes: VoteTable, pair: tuple[int, int], data: _PairInput, boot: dict[str, Any] | None, params: Params
) -> dict[str, Any]:
    """One pair's report; ``boot``: its prompt-clustered bootstrap (None: taken from earlier
    results by the caller)."""
    names = votes.systems
    first, second = pair
    outcomes, prompt_ids = data.outcomes, data.prompt_ids
    counts = stats.count_outcomes(outcomes)
    intervals = {
        "wilson": stats.share_intervals(counts.wins, counts.ties, counts.losses, params.level, "wilson").as_dict(),
        "goodman": stats.share_intervals(counts.wins, counts.ties, counts.losses, params.level, "goodman").as_dict(),
        "bootstrap": None
        if boot is None
        else small_sample_bootstrap(boot, prompt_ids, outcomes, params.level, params.seed),
    }
    plan = stats.plan_votes(counts.wins, counts.n, params.half_width, params.level)
    return {
        "systems": [names[first], names[second]],
        "unit": _unit(votes, params),
        "counts": counts.as_dict(),
        "prompts": _distinct(prompt_ids),
        "alpaca_eval": stats.alpaca_win_rate(outcomes).as_dict(),
        "intervals": intervals,
        "interval_method": params.method,
        "interval": intervals.get(params.method),
        "sign_test": stats.sign_test(counts.wins, counts.losses).as_dict(),
        "prompt_test": stats.prompt_wilcoxon(prompt_ids, outcomes).as_dict(),
        "plan": plan.as_dict(),
    }


def _distinct(ids: np.ndarray) -> int:
    """How many distinct values ``ids`` holds: marked in a table over their span when it is
    short (a study's prompt ids are mostly consecutive), else sorted."""
    if not ids.size:
        return 0
    low, high = int(ids.min()), int(ids.max())
    if high - low < 8 * ids.size + 1024:
        seen = np.zeros(high - low + 1, dtype=bool)
        seen[ids - low] = True
        return int(np.count_nonzero(seen))
    return int(np.unique(ids).size)


def _unit(votes: VoteTable, params: Params) -> str:
    if votes.turn is not None:  # a per-turn study: each assistant turn is an outcome
        return "turn" if params.aggregate == "vote" else "turn of a comparison (majority; split = tie)"
    return "vote" if params.aggregate == "vote" else "comparison (majority; split = tie)"


def _holm(reports: list[dict[str, Any]], alpha: float) -> None:
    """Each pair's Holm-adjusted sign-test p-value, significance and verdict (the family is
    the study's pairs)."""
    adjusted = stats.holm([r["sign_test"]["p_value"] for r in reports], alpha)
    for i, report in enumerate(reports):
        p = adjusted.adjusted[i]
        report["p_value_holm"] = p
        report["significant"] = bool(adjusted.reject[i])
        report["verdict"] = (
            stats.verdict(report["systems"][0], report["systems"][1], report["sign_test"]["effect"], p, alpha)
            if report["counts"]["n"]
            else NO_VOTES
        )


def _by_group(names: list[str], codes: np.ndarray, outcomes: np.ndarray, level: float) -> dict[str, dict[str, Any]]:
    """Per rater group (crowd, expert, judge, ...), per vote: counts and a Wilson interval
    of the win share, so human and judge win rates sit side by side. ``codes`` index
    ``names`` (sorted)."""
    tally = np.bincount(codes * 3 + outcomes + 1, minlength=3 * len(names)).reshape(-1, 3)
    out: dict[str, dict[str, Any]] = {}
    for group, (losses, ties, wins) in zip(names, tally.tolist(), strict=True):
        if losses + ties + wins:
            counts = stats.counts_from_totals(wins, ties, losses)
            out[group] = {
                "counts": counts.as_dict(),
                "win_share": stats.wilson_interval(counts.wins, counts.n, level).as_dict(),
            }
    return out


def _ranking(votes: VoteTable, params: Params) -> dict[str, Any] | None:
    ids, index = factorize(np.concatenate([votes.left, votes.right]))
    if ids.size < 2:
        return None
    names = [votes.systems[s] for s in ids.tolist()]
    first, second = index[: len(votes)], index[len(votes) :]
    outcomes = np.where(votes.winner == votes.left, 1, np.where(votes.winner == votes.right, -1, 0))
    boot = stats.bootstrap_bradley_terry(
        first,
        second,
        outcomes,
        names,
        cluster_ids=votes.prompt,
        n_resamples=min(params.n_resamples, 1000),
        level=params.level,
        seed=params.seed,
        method="mm" if ids.size <= MM_MAX_SYSTEMS else "newton",
    )
    wins, ties = stats.pair_matrices(first, second, outcomes, ids.size)
    fit = stats.bradley_terry_mle(wins, ties, names)
    note = fit.note + "; the bootstrap's resamples add 0.01 pseudo-wins (a resample may lack a link)"
    bradley_terry = {
        **boot.as_dict(),
        "elo": fit.ranking.elo,
        "probabilities": fit.ranking.probabilities,
        "prior": fit.ranking.prior,
        "mle_exists": fit.mle_exists,
        "note": note,
    }
    rank_intervals = stats.simultaneous_rank_intervals(fit.theta, fit.covariance, names, params.level)
    return {
        "bradley_terry": bradley_terry,
        "robustness": {
            "drop_k": [d.as_dict() for d in stats.drop_k_adjacent(wins, ties, names)],
            "rank_intervals": {
                "level": params.level,
                "method": "simultaneous (Bonferroni over pairs of systems; Klein, Wright & Wieczorek 2020)",
                "systems": [r.as_dict() for r in rank_intervals],
            },
        },
        "davidson": stats.davidson(wins, ties, names).as_dict(),
        "win_share_matrix": {"systems": names, "matrix": stats.win_share_matrix(wins, ties)},
    }


def _bias(votes: VoteTable, pairs: list[tuple[int, int]], inputs: list[_PairInput], params: Params) -> dict[str, Any]:
    decided = votes.winner != 0
    left = int(np.count_nonzero(decided & (votes.winner == votes.left)))
    by_pair = []
    left_longer = votes.left_length - votes.right_length
    for (first, second), data in zip(pairs, inputs, strict=True):
        index = data.index
        lengths = left_longer[index]  # the first system's length minus the second's
        lengths = np.where(votes.left[index] == first, lengths, -lengths)
        values, inverse = factorize(lengths)  # the distinct differences, found once for both statistics
        diff, grouped = lengths.astype(float), (values.astype(float), inverse)
        by_pair.append(
            {
                "systems": [votes.systems[first], votes.systems[second]],
                "length_bins": stats.length_bias(
                    diff, data.vote_outcomes, level=params.level, grouped=grouped
                ).as_dict(),
                "length_controlled": length_controlled_win_rate(diff, data.vote_outcomes, grouped).as_dict(),
            }
        )
    position = stats.position_bias(left, int(np.count_nonzero(decided)) - left, params.level)
    return {"position": position.as_dict(), "length": by_pair}
