"""The lima-eval command line, over lima_client.client (httpx and the standard library only).

    lima-eval [--url URL] [--token TOKEN] COMMAND ...      (or python -m lima_client)

The token and URL come from the flags, else LIMA_EVAL_TOKEN and LIMA_EVAL_URL. Exit status:
0 done, 1 the API refused (its detail and errors are printed), 2 usage or configuration."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence

from lima_client.client import ApiError, Client
from lima_client.tables import results_table


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=argparse.SUPPRESS, help="the service's base URL (LIMA_EVAL_URL)")
    common.add_argument("--token", default=argparse.SUPPRESS, help="a researcher API token (LIMA_EVAL_TOKEN)")
    parser = argparse.ArgumentParser(
        prog="lima-eval", description="Script lima-eval studies from a terminal.", parents=[common]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, parents=[common])
        p.add_argument("slug", help="the study's slug")
        return p

    p = command("create", "create a draft study")
    p.add_argument("--name", required=True)
    p.add_argument("--focal", help="the focal system (design focal)")
    p.add_argument("--baseline", action="append", default=[], help="a baseline (repeat)")
    p.add_argument("--systems", nargs="+", help="every system (design all_pairs, rating or dialogue)")
    p.add_argument(
        "--design",
        choices=["focal", "all_pairs", "rating", "dialogue"],
        help="default: focal with --focal, all_pairs with --systems; rating grades each response, "
        "dialogue each assistant turn of a conversation",
    )
    p.add_argument(
        "--scale", help='a rating study\'s grades, lowest first, comma-separated (default "Fail,Pass,Excellent")'
    )
    p.add_argument(
        "--both-bad", action="store_true", default=None, help='offer raters "both are bad" (pairwise designs)'
    )
    p.add_argument(
        "--per-turn",
        action="store_true",
        default=None,
        help="compare two systems' dialogue continuations turn by turn (pairwise designs)",
    )
    p.add_argument("--votes-per-comparison", type=int, help="votes wanted per comparison (per item in a rating study)")
    p.add_argument("--question")
    p = command("upload", "upload model outputs from a JSON Lines file (with a progress bar)")
    p.add_argument("file")
    p.add_argument("--replace", action="store_true", help="replace differing rows (draft studies only)")
    p.add_argument("--no-wait", action="store_true", help="do not wait for a large upload's job")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p = command("open", "open the study and wait for its comparisons")
    p.add_argument("--no-wait", action="store_true")
    command("close", "close the study")
    p = command("status", "the study, its counts and its judges")
    p.add_argument("--json", action="store_true")
    p = command("import-votes", "import votes (pairwise choices or grades) from a JSON Lines file")
    p.add_argument("file")
    p = command("results", "win / tie / loss per baseline, or grades per system, with intervals")
    p.add_argument("--level", type=float)
    p.add_argument("--method", choices=["bootstrap", "wilson", "goodman"])
    p.add_argument("--aggregate", choices=["vote", "majority"])
    p.add_argument("--rater-group", help="only this group's votes, e.g. crowd or judge")
    p.add_argument("--by-group", action="store_true", help="a row per rater group under each pair")
    p.add_argument("--fresh", action="store_true", help="wait while the results are stale")
    p.add_argument("--json", action="store_true")
    p = command("export", "download every vote")
    p.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    p.add_argument("-o", "--output", help="file to write (default SLUG-votes.FORMAT)")
    p = command("judge-add", "add an LLM judge (an OpenAI-compatible endpoint)")
    p.add_argument("name")
    p.add_argument("--base-url", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--api-key-env", help="NAME of the environment variable holding the key, in the workers")
    p.add_argument("--order-policy", choices=["both", "random_one", "none"], help='"none" for a rating study')
    p.add_argument("--max-concurrency", type=int)
    p.add_argument("--price-prompt-per-1k")
    p.add_argument("--price-completion-per-1k")
    p = command("judge-run", "judge every comparison not judged yet")
    p.add_argument("name")
    p.add_argument(
        "--retry-lost", action="store_true", help="also resend calls lost with a dead worker (may pay twice)"
    )
    p.add_argument("--wait", action="store_true", help="wait until nothing is pending or in flight")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        client = Client.from_env(getattr(args, "url", None), getattr(args, "token", None))
    except ValueError as exc:
        print(f"lima-eval: {exc}", file=sys.stderr)
        return 2
    try:
        with client:
            return COMMANDS[args.command](client, args)
    except ApiError as exc:
        print(f"lima-eval: {exc}", file=sys.stderr)
        return 1
    except (OSError, TimeoutError) as exc:
        print(f"lima-eval: {exc}", file=sys.stderr)
        return 1


def cmd_create(client: Client, args: argparse.Namespace) -> int:
    design = args.design or ("all_pairs" if args.systems else "focal")
    scale = [label.strip() for label in args.scale.split(",")] if args.scale is not None else None
    study = client.create_study(
        name=args.name,
        slug=args.slug,
        design=design,
        focal_system=args.focal,
        baselines=args.baseline or None,
        systems=args.systems,
        votes_per_comparison=args.votes_per_comparison,
        question=args.question,
        scale=scale,
        both_bad=args.both_bad,
        per_turn=args.per_turn,
    )
    graded = f"; scale {' < '.join(study['scale'])}" if study.get("scale") else ""
    extras = [flag for flag in ("per_turn", "both_bad") if study.get(flag)]
    design = ", ".join([study["design"], *extras, study["status"]])
    print(f"created {study['slug']} ({design}): {', '.join(study['systems'])}{graded}")
    return 0


def cmd_upload(client: Client, args: argparse.Namespace) -> int:
    counts = client.upload_outputs(
        args.slug, path=args.file, replace=args.replace, progress=not args.quiet, wait=not args.no_wait
    )
    if "status" in counts:  # a job, not waited for
        print(f"queued job {counts['id']} ({counts['total_rows']:,} rows): {counts['url']}")
    else:
        print(", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()))
    return 0


def cmd_open(client: Client, args: argparse.Namespace) -> int:
    study = client.open_study(args.slug, wait=not args.no_wait)
    built = study.get("queue_report") or {}
    what = "items to grade" if study.get("design") in ("rating", "dialogue") else "comparisons"
    print(f"{study['slug']} is {study['status']}; {what}: {built.get('total', study['counts']['comparisons']):,}")
    return 0


def cmd_close(client: Client, args: argparse.Namespace) -> int:
    print(f"{args.slug} is {client.close_study(args.slug)['status']}")
    return 0


def cmd_status(client: Client, args: argparse.Namespace) -> int:
    study = client.study(args.slug)
    judges = [(j["name"], client.judge_status(args.slug, j["name"])) for j in client.judges(args.slug)]
    if args.json:
        print(json.dumps({"study": study, "judges": dict(judges)}, indent=2))
        return 0
    counts = study["counts"]
    members = (
        f"focal {study['focal_system']}; baselines {', '.join(study['baselines'])}"
        if study["focal_system"]
        else f"systems {', '.join(study['systems'])}"
    )
    print(f"{study['slug']}: {study['name']} - {study['status']} ({members})")
    what = "items to grade" if study.get("design") in ("rating", "dialogue") else "comparisons"
    if study.get("scale"):
        print(f"scale: {' < '.join(study['scale'])}")
    print(
        f"prompts {counts['prompts']:,}; {what} {counts['comparisons']:,}; "
        f"missing responses {counts['missing_responses']:,}"
    )
    print("responses: " + ", ".join(f"{name} {n:,}" for name, n in counts["responses"].items()))
    for name, s in judges:
        states = ", ".join(f"{n:,} {state}" for state, n in s["by_state"].items() if n)
        print(
            f"judge {name}: {s['calls']:,} calls ({states or 'none yet'}); {s['votes']:,} votes; "
            f"{s['unparseable']:,} unparseable; cost {s['cost']}"
            + ("; grades " + ", ".join(f"{label} {n:,}" for label, n in s["grades"].items()) if s.get("grades") else "")
        )
    return 0


def cmd_import_votes(client: Client, args: argparse.Namespace) -> int:
    counts = client.import_votes(args.slug, path=args.file)
    print(", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()))
    return 0


def cmd_results(client: Client, args: argparse.Namespace) -> int:
    data = client.results(
        args.slug,
        level=args.level,
        method=args.method,
        aggregate=args.aggregate,
        rater_group=args.rater_group,
        fresh=args.fresh,
    )
    sys.stdout.write(json.dumps(data, indent=2) + "\n" if args.json else results_table(data, by_group=args.by_group))
    return 0


def cmd_export(client: Client, args: argparse.Namespace) -> int:
    path = args.output or f"{args.slug}-votes.{args.format}"
    size = client.export_votes(args.slug, path, fmt=args.format)
    print(f"wrote {path} ({size:,} bytes)")
    return 0


def cmd_judge_add(client: Client, args: argparse.Namespace) -> int:
    judge = client.create_judge(
        args.slug,
        name=args.name,
        base_url=args.base_url,
        model=args.model,
        api_key_env=args.api_key_env,
        order_policy=args.order_policy,
        max_concurrency=args.max_concurrency,
        price_prompt_per_1k=args.price_prompt_per_1k,
        price_completion_per_1k=args.price_completion_per_1k,
    )
    print(f"added judge {judge['name']} ({judge['model']} at {judge['base_url']}), voting as {judge['rater']}")
    return 0


def cmd_judge_run(client: Client, args: argparse.Namespace) -> int:
    run = client.run_judge(args.slug, args.name, retry_lost=args.retry_lost)
    print(f"queued {run['queued']:,} calls")
    status = run["status"]
    while args.wait and (status["by_state"]["pending"] or status["in_flight"] > status["lost"]):
        time.sleep(1.0)
        status = client.judge_status(args.slug, args.name)
    failed: int = status["by_state"]["failed"]
    print(f"{status['votes']:,} votes; {status['unparseable']:,} unparseable; {failed:,} failed; cost {status['cost']}")
    if not failed:
        return 0
    print(f"{failed:,} calls failed; the reasons (most frequent first):", file=sys.stderr)
    for reason in status.get("errors") or []:
        print(f"  {reason['calls']:,} x {reason['error'] or '(no message)'}", file=sys.stderr)
    return 1


COMMANDS: dict[str, Callable[[Client, argparse.Namespace], int]] = {
    "create": cmd_create,
    "upload": cmd_upload,
    "open": cmd_open,
    "close": cmd_close,
    "status": cmd_status,
    "import-votes": cmd_import_votes,
    "results": cmd_results,
    "export": cmd_export,
    "judge-add": cmd_judge_add,
    "judge-run": cmd_judge_run,
}

if __name__ == "__main__":
    sys.exit(main())
