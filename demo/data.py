"""Synthetic demo study for lima-eval (standard library only, no Django).

Generates a small, clearly fake pairwise-preference study in the upload format:
one row per (prompt, system). Texts are assembled from templates by a seeded
``random.Random``; nothing here is a real model output. Response text never
names the system that "wrote" it, so raters stay blind.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FOCAL_SYSTEM = "LIMA 65B"
BASELINES = ["GPT-4", "Bard", "DaVinci003", "Claude", "Alpaca 65B"]
DEMO_SYSTEMS = [FOCAL_SYSTEM, *BASELINES]
CATEGORIES = ["advice", "writing", "coding", "knowledge", "planning"]

_NOTE = "Synthetic stand-in generated from templates, not real model output"
SYSTEM_INFO: dict[str, dict] = {
    "LIMA 65B": {"description": f"{_NOTE}; focal system, medium length, lightly structured."},
    "GPT-4": {"description": f"{_NOTE}; baseline, long and heavily structured."},
    "Bard": {"description": f"{_NOTE}; baseline, medium length with bullet points."},
    "DaVinci003": {"description": f"{_NOTE}; baseline, medium length, mostly plain prose."},
    "Claude": {"description": f"{_NOTE}; baseline, fairly long, prose plus lists."},
    "Alpaca 65B": {"description": f"{_NOTE}; baseline, short and terse."},
}

# Style knobs: number of points, extra paragraphs, and probabilities of Markdown features.
_STYLES: dict[str, dict[str, Any]] = {
    "LIMA 65B": dict(points=(3, 5), paras=(0, 1), heading=0.3, lists=0.6, numbered=0.5, bold=0.5, table=0.1, outro=0.6),
    "GPT-4": dict(points=(5, 7), paras=(1, 3), heading=0.9, lists=0.9, numbered=0.7, bold=0.8, table=0.35, outro=0.9),
    "Bard": dict(points=(3, 5), paras=(0, 1), heading=0.5, lists=0.8, numbered=0.2, bold=0.7, table=0.2, outro=0.5),
    "DaVinci003": dict(
        points=(2, 4), paras=(0, 1), heading=0.0, lists=0.2, numbered=0.5, bold=0.1, table=0.0, outro=0.4
    ),
    "Claude": dict(points=(4, 6), paras=(1, 2), heading=0.3, lists=0.6, numbered=0.4, bold=0.4, table=0.15, outro=0.8),
    "Alpaca 65B": dict(
        points=(1, 2), paras=(0, 0), heading=0.0, lists=0.0, numbered=0.0, bold=0.0, table=0.0, outro=0.0
    ),
}

# (template, slots) per category; every combination reads as a natural request.
_TEMPLATES: dict[str, list[tuple[str, list[str]]]] = {
    "advice": [
        (
            "How should I prepare for {}?",
            [
                "a job interview at a small startup",
                "my first half marathon",
                "a difficult conversation with my landlord",
                "a move to a new country",
            ],
        ),
        (
            "What's a good way to get better at {}?",
            ["public speaking", "cooking on weeknights", "chess", "managing my time"],
        ),
        (
            "Do you have any tips for {}?",
            ["saving money on groceries", "keeping houseplants alive", "sleeping better", "working from home"],
        ),
    ],
    "writing": [
        (
            "Write a short poem about {}.",
            ["autumn rain", "a lighthouse at night", "the first cup of coffee", "an old bicycle"],
        ),
        (
            "Write the opening of a short story about {}.",
            [
                "a robot who learns to paint",
                "a town where it never stops snowing",
                "a lost letter",
                "two strangers on a night train",
            ],
        ),
        (
            "Write a few lines of verse about {}.",
            ["the ocean", "a city at dawn", "a sleeping cat", "the first day of spring"],
        ),
    ],
    "coding": [
        ("Write a Python function that {}.", []),
        ("How do I write a Python function that {}?", []),
        ("Can you show me a Python function that {}?", []),
    ],
    "knowledge": [
        (
            "Explain why {}.",
            ["the sky is blue", "leaves change color in autumn", "ice floats on water", "we have leap years"],
        ),
        ("How does {} work?", ["a refrigerator", "GPS", "a vaccine", "compound interest"]),
        (
            "What is the difference between {}?",
            ["weather and climate", "a virus and a bacterium", "RAM and storage", "a comet and an asteroid"],
        ),
    ],
    "planning": [
        ("Plan a three-day trip to {} on a budget.", ["Lisbon", "Kyoto", "Mexico City", "Edinburgh"]),
        (
            "Help me plan {}.",
            [
                "a week of healthy dinners",
                "a surprise birthday party for my sister",
                "a study schedule for final exams",
                "a small vegetable garden",
            ],
        ),
        (
            "Make a schedule for {}.",
            [
                "training for a 10K in eight weeks",
                "decluttering my apartment over a month",
                "learning to play guitar",
                "a productive weekend",
            ],
        ),
    ],
}

_CODE: dict[str, str] = {
    "checks whether a string is a palindrome": (
        "def is_palindrome(s: str) -> bool:\n"
        "    chars = [c.lower() for c in s if c.isalnum()]\n"
        "    return chars == chars[::-1]"
    ),
    "returns the n-th Fibonacci number": (
        "def fibonacci(n: int) -> int:\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a"
    ),
    "removes duplicates from a list while keeping the order": (
        "def dedupe(items: list) -> list:\n"
        "    seen = set()\n"
        "    return [x for x in items if not (x in seen or seen.add(x))]"
    ),
    "counts the vowels in a string": (
        'def count_vowels(text: str) -> int:\n    return sum(1 for c in text.lower() if c in "aeiou")'
    ),
    "flattens a nested list": (
        "def flatten(items: list) -> list:\n"
        "    out = []\n"
        "    for x in items:\n"
        "        out.extend(flatten(x) if isinstance(x, list) else [x])\n"
        "    return out"
    ),
    "checks whether a number is prime": (
        "def is_prime(n: int) -> bool:\n"
        "    if n < 2:\n"
        "        return False\n"
        "    return all(n % d for d in range(2, int(n ** 0.5) + 1))"
    ),
    "splits a list into chunks of size n": (
        "def chunks(items: list, n: int) -> list[list]:\n    return [items[i:i + n] for i in range(0, len(items), n)]"
    ),
    "counts how often each word appears in a text": (
        "from collections import Counter\n"
        "\n"
        "def word_counts(text: str) -> Counter:\n"
        "    return Counter(text.lower().split())"
    ),
    "converts a temperature from Celsius to Fahrenheit": (
        "def c_to_f(celsius: float) -> float:\n    return celsius * 9 / 5 + 32"
    ),
    "reverses the order of words in a sentence": (
        'def reverse_words(sentence: str) -> str:\n    return " ".join(reversed(sentence.split()))'
    ),
    "finds the second largest number in a list": (
        "def second_largest(nums: list[int]) -> int:\n    return sorted(set(nums))[-2]"
    ),
    "merges two sorted lists into one sorted list": (
        "import heapq\n\ndef merge_sorted(a: list, b: list) -> list:\n    return list(heapq.merge(a, b))"
    ),
}

_OPENERS: dict[str, list[str]] = {
    "advice": [
        "Good question: {t} gets much easier with a little structure.",
        "Here is how I would approach {t}.",
        "Most people find {t} daunting at first, and that is normal.",
    ],
    "coding": [
        "Here is a simple function that {t}.",
        "A compact way to do this:",
        "Sure, this version {t} in plain Python.",
    ],
    "knowledge": [
        "In short, it comes down to a few basic principles.",
        "The explanation is simpler than it looks.",
        "Scientists explain this with a couple of well-understood ideas.",
    ],
    "planning": [
        "Here is a realistic plan for {t}.",
        "A plan for {t} works best when it stays flexible.",
        "Below is a simple outline you can adapt.",
    ],
}
_POINTS: dict[str, list[tuple[str, str]]] = {
    "advice": [
        ("Set a clear goal", "Decide what success with {t} looks like for you."),
        ("Start small", "Pick one tiny habit you can repeat daily rather than a big overhaul."),
        ("Do your research", "Spend an hour reading about {t} from people who have done it."),
        ("Practice out loud", "Rehearsing with a friend reveals gaps you would not notice alone."),
        ("Track progress", "A short weekly note helps you see what is working."),
        ("Ask for feedback", "Honest input from someone you trust is worth more than any checklist."),
        ("Be kind to yourself", "Setbacks are part of the process, not a sign of failure."),
        ("Plan for obstacles", "List the two most likely problems and decide now how you will respond."),
    ],
    "knowledge": [
        ("The core idea", "The main mechanism is surprisingly simple once you see it."),
        ("Energy matters", "Most of the effect comes from how energy is absorbed or released."),
        ("Scale", "What happens at a tiny scale adds up to what we see every day."),
        ("A common misconception", "Many people assume the opposite, but measurements say otherwise."),
        ("History", "This was first explained in the nineteenth century and refined later."),
        ("An everyday example", "You can observe the same principle at home with simple objects."),
        ("Why it matters", "Understanding this helps in engineering, medicine and daily life."),
    ],
    "planning": [
        ("Day one", "Start with the essentials and keep the first day light."),
        ("Budget", "Set a rough budget up front and leave about ten percent spare."),
        ("Prioritize", "Choose the three things that matter most for {t}."),
        ("Build in rest", "Leave gaps in the schedule; plans always take longer than expected."),
        ("Prepare ahead", "Book or buy anything time-sensitive at least a week in advance."),
        ("Review midway", "Halfway through, check what is working and adjust."),
        ("Finish strong", "Save something enjoyable for the end to keep motivation up."),
    ],
    "coding": [
        ("Readability", "The function name says exactly what it does."),
        ("Edge cases", "Empty input is handled without raising an error."),
        ("Complexity", "It runs in linear or near-linear time for typical inputs."),
        ("Type hints", "Annotations make the expected inputs obvious."),
        ("Testing", "A few quick asserts are enough to check the behaviour."),
    ],
}
_FILLER = [
    "It also helps to revisit this after a week or two.",
    "None of this needs to be perfect on the first try.",
    "Different sources phrase it differently, but the idea is the same.",
    "Small, steady steps usually beat one big push.",
    "If something does not fit your situation, adapt it freely.",
    "The details vary, so treat this as a starting point.",
]
_HEADINGS = {
    "advice": "A practical approach",
    "knowledge": "The short answer",
    "planning": "Suggested plan",
    "coding": "Solution",
}
_OUTROS = [
    "Hope this helps!",
    "Let me know if you want more detail on any step.",
    "Good luck!",
    "Feel free to ask a follow-up question.",
]
_VERSE = [
    ("Soft as {t}, the evening settles in,", "and every quiet hour begins again."),
    ("I keep the memory of {t} close,", "a small light held against the dark."),
    ("The world slows down to listen,", "and nothing needs to hurry here."),
    ("Somewhere between the old and new,", "{t} waits patiently for me."),
    ("The windows hum a patient tune,", "and morning answers, right on time."),
    ("Nobody else would notice it,", "but {t} has a quiet kind of grace."),
    ("So let the hours wander where they will;", "I know the way back home from here."),
]
_FOLLOWUPS: dict[str, list[tuple[str, str]]] = {
    "coding": [("Thanks! Could you add a docstring?", "Sure, here it is with a docstring.")],
    "writing": [("Nice. Can you make it a little more hopeful?", "Of course, here is a brighter take.")],
    "default": [
        ("Thanks! Can you make that more concrete?", "Sure, here is a more concrete version."),
        ("Could you boil that down to the essentials?", "Here are the essentials."),
    ],
}


def _prompt_pool(category: str) -> list[tuple[str, str]]:
    """All (prompt text, topic) combinations for a category."""
    if category == "coding":
        tasks = list(_CODE)
        return [(_TEMPLATES["coding"][i % 3][0].format(t), t) for i, t in enumerate(tasks)]
    return [(tpl.format(s), s) for tpl, slots in _TEMPLATES[category] for s in slots]


def _verse(rng: random.Random, topic: str, style: dict, n: int) -> str:
    couplets = rng.sample(_VERSE, min(n, len(_VERSE)))
    lines = [line.format(t=topic) for pair in couplets for line in pair]
    lines = [line[0].upper() + line[1:] for line in lines]
    stanzas = ["\n".join(lines[i : i + 4]) for i in range(0, len(lines), 4)]
    text = "\n\n".join(stanzas)
    if rng.random() < style["heading"]:
        text = f"### {topic[0].upper()}{topic[1:]}\n\n{text}"
    if rng.random() < style["bold"] / 3:
        text += "\n\n*A short note:* the imagery leans on light and stillness; tell me if you want a different mood."
    return text


def _code_block(topic: str, *, docstring: bool) -> str:
    code = _CODE[topic]
    if docstring:
        head, _, body = code.partition("\n    ")
        code = f'{head}\n    """Function that {topic}."""\n    {body}'
    return f"```python\n{code}\n```"


def _points_text(rng: random.Random, style: dict[str, Any], points: list[tuple[str, str]], *, bold: bool) -> str:
    """The points as a list (numbered or not, leads in bold or not) or as one paragraph."""
    if rng.random() < style["lists"]:
        numbered = rng.random() < style["numbered"]
        return "\n".join(
            f"{f'{i}.' if numbered else '-'} {f'**{lead}:** ' if bold else f'{lead}: '}{text}"
            for i, (lead, text) in enumerate(points, 1)
        )
    return " ".join(text for _, text in points)


def _response(rng: random.Random, category: str, topic: str, system: str, opener: str | None = None) -> str:
    style = _STYLES[system]
    k = rng.randint(*style["points"])
    if category == "writing":
        return _verse(rng, topic, style, k)
    parts: list[str] = []
    if rng.random() < style["heading"]:
        parts.append(f"## {_HEADINGS[category]}")
    follow_up = opener is not None
    if opener is None and (k > 1 or rng.random() < 0.5):
        opener = rng.choice(_OPENERS[category]).format(t=topic)
    if category == "coding":
        if opener:
            parts.append(opener)
        parts.append(_code_block(topic, docstring=follow_up))  # the follow-up asks for a docstring
        k = max(1, k - 2)  # code carries most of the content
    elif opener:
        parts.append(opener)
    pool = _POINTS[category]
    points = [(lead, text.format(t=topic)) for lead, text in rng.sample(pool, min(k, len(pool)))]
    bold = rng.random() < style["bold"]
    if points:
        parts.append(_points_text(rng, style, points, bold=bold))
    if len(points) >= 3 and rng.random() < style["table"]:
        rows = "\n".join(f"| {i} | {lead} |" for i, (lead, _) in enumerate(points, 1))
        parts.append(f"| Step | Focus |\n|---|---|\n{rows}")
    filler = rng.sample(_FILLER, 2 * rng.randint(*style["paras"]))
    parts.extend(" ".join(filler[j : j + 2]) for j in range(0, len(filler), 2))
    if rng.random() < style["outro"]:
        parts.append(rng.choice(_OUTROS))
    return "\n\n".join(parts)


def demo_rows(seed: int = 0, n_prompts: int = 60) -> list[dict]:
    """Return n_prompts * len(DEMO_SYSTEMS) synthetic upload rows, deterministic for ``seed``."""
    rng = random.Random(seed)
    pools = {c: _prompt_pool(c) for c in CATEGORIES}
    for pool in pools.values():
        rng.shuffle(pool)
    cats = [CATEGORIES[i % len(CATEGORIES)] for i in range(n_prompts)]
    rng.shuffle(cats)
    used = {c: 0 for c in CATEGORIES}
    rows: list[dict] = []
    for i, category in enumerate(cats):
        text, topic = pools[category][used[category] % len(pools[category])]
        used[category] += 1
        prompt: str | list[dict[str, str]] = text
        follow_opener: str | None = None
        if i % 20 == 5:  # every 20th prompt becomes a two-turn conversation
            follow, follow_opener = rng.choice(_FOLLOWUPS.get(category, _FOLLOWUPS["default"]))
            first = _response(rng, category, topic, "Alpaca 65B")
            prompt = [
                {"role": "user", "content": text},
                {"role": "assistant", "content": first},
                {"role": "user", "content": follow},
            ]
        seen: set[str] = set()
        for system in DEMO_SYSTEMS:
            response = _response(rng, category, topic, system, follow_opener)
            for _ in range(20):  # keep the systems' answers to one prompt distinct
                if response not in seen:
                    break
                response = _response(rng, category, topic, system, follow_opener)
            seen.add(response)
            rows.append(
                {
                    "prompt_id": f"demo-{i + 1:03d}",
                    "prompt": prompt if isinstance(prompt, str) else [dict(t) for t in prompt],
                    "system": system,
                    "response": response,
                    "category": category,
                    "metadata": {
                        "synthetic": True,
                        "temperature": 0.7,
                        "max_tokens": 1024,
                        "tokens": len(response.split()),
                    },
                }
            )
    return rows


def write_jsonl(rows: Iterable[dict], path: str | Path) -> None:
    """Write rows as JSON Lines (one object per line, UTF-8)."""
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
