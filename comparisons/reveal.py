"""Responses that reveal their author: a model's name, its maker or its nature ("As an AI
language model developed by OpenAI", "I'm Claude", "Bard here").

A rater who reads which model wrote a response is no longer blind; Chatbot Arena drops the
votes on such answers (Chiang et al. 2024, "Chatbot Arena", section 3: votes on
conversations where the model's identity is revealed are not counted). Here they are flagged
at upload (`Response.reveals`, shown to the researcher) and, by the study's rater settings,
shown to raters with each match replaced by MASK (`Response.masked_text`) or held out of the
queue. Pure: no database.

Matched on word boundaries: PATTERNS below and the operator's LIMA_REVEAL_PATTERNS
case-insensitively, the study's own system names of three characters or more as written (so
the system "LIMA" is found, "Lima beans" are not, and a system "A" never masks the article)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MASK = "[name removed]"

MAKERS = (
    r"OpenAI|Anthropic|Google(?:\s+DeepMind)?|DeepMind|Meta(?:\s+AI)?|Microsoft|Mistral\s+AI|Cohere|LMSYS|"
    r"Alibaba|Baidu|xAI"
)
MODELS = (
    r"ChatGPT|GPT-?[345](?:\.\d)?(?:-?(?:turbo|o|mini))*|Claude(?:[- ]\d(?:\.\d)?)?|Bard|LLaMA(?:[- ]?\d)?|"
    r"Vicuna|PaLM(?:\s?2)?|Mixtral|Qwen|Gemini|Copilot|Bing\s+Chat"
)
PATTERNS = [
    rf"(?:developed|created|trained|built|made|designed)\s+by\s+(?:{MAKERS})",
    r"\b(?:OpenAI|Anthropic|DeepMind|LMSYS)\b",
    rf"\b(?:{MODELS})\b",
    r"\bas\s+an?\s+(?:AI|artificial\s+intelligence)(?:\s+(?:language\s+model|assistant|model|chatbot))?\b",
    r"\bas\s+a\s+(?:large\s+)?language\s+model\b",
    r"\bI(?:'m|\s+am)\s+(?:just\s+)?an?\s+(?:AI|artificial\s+intelligence|(?:large\s+)?language\s+model|chatbot)\b",
]


@dataclass(frozen=True)
class Reveal:
    matches: list[str]
    masked: str


def _name_pattern(name: str) -> str | None:
    name = name.strip()
    if len(name) < 3:  # "A", "B", "Me": ordinary words more often than names
        return None
    escaped = re.escape(name)
    return rf"(?-i:(?<!\w){escaped}(?!\w))"


def _names_alone(names: Iterable[str]) -> re.Pattern[str] | None:
    """The names' part of `compile_patterns` alone, as a pattern that starts with the names'
    letters (so the regular expression engine skips to their first characters): each name as
    written, not preceded or followed by a word character."""
    kept = [re.escape(n.strip()) for n in names if _name_pattern(n)]
    return re.compile("|".join(_alone(e) for e in kept)) if kept else None


def _alone(escaped: str) -> str:
    return rf"{escaped}(?<!\w{escaped})(?!\w)"


@functools.lru_cache(maxsize=256)
def _name_alone(name: str) -> re.Pattern[str]:
    """`_names_alone` of the one name `name` (stripped): its branch of the names' pattern, which
    starts with the name's letters, so the engine looks for them as a string (a fast search),
    where the alternation stops at every first letter of any name (`subn` alone: 0.33 -> 0.12 s
    for an upload's 100,000 responses, each holding one name; `_find_names` in all, as
    docs/benchmarks.md's "Fifth round" timed it: 0.54-0.56 -> 0.24-0.26 s)."""
    return re.compile(_alone(re.escape(name)))


# Each built-in pattern in lower case without its leading word boundary: on an ASCII text's
# lower case it matches wherever the pattern matches the text (and perhaps elsewhere), so a
# text none of them matches can reveal only by a system's name. Starting with letters, each
# lets the engine skip to them; a case-insensitive alternation tries every branch at every
# character. (PATTERNS hold no upper-case escapes such as \S, which lower() would change.)
_LOWER_CHECKS = [re.compile(p.lower().removeprefix(r"\b")) for p in PATTERNS]
# Words without which each of PATTERNS (in that order) cannot match a text's lower case, tested
# first with `in` (a C substring search, far faster than the engine's stops at every letter that
# may start a match); None: the pattern is searched for anyway.
_NEEDS: list[tuple[str, ...] | None] = [
    ("by",),  # "... by <maker>"
    ("openai", "anthropic", "deepmind", "lmsys"),
    ("gpt", "claude", "bard", "llama", "vicuna", "palm", "mixtral", "qwen", "gemini", "copilot", "bing"),
    None,  # "as an AI": "as" and "ai" are in too many words to rule anything out
    ("language",),  # "as a (large) language model"
    None,  # "I'm an AI", "I am a chatbot": as common
]
assert len(_NEEDS) == len(PATTERNS)


def compile_patterns(*, names: Iterable[str] = (), extra: Iterable[str] = ()) -> re.Pattern[str]:
    """One case-insensitive alternation of the built-in patterns, `extra` and the system `names`."""
    parts = [*PATTERNS, *(p for p in extra if _valid(p)), *filter(None, (_name_pattern(n) for n in names))]
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


def _valid(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return bool(pattern.strip())


def find(text: str, pattern: re.Pattern[str]) -> Reveal | None:
    """The matches (in order, each once) and the masked text, or None when nothing matches."""
    matches: list[str] = []

    def mask(m: re.Match[str]) -> str:
        if m.group(0) not in matches:
            matches.append(m.group(0))
        return MASK

    masked = pattern.sub(mask, text or "")  # one pass finds and masks
    if not matches:
        return None
    return Reveal(matches=matches[:20], masked=masked)


class Finder:
    """`find` with `compile_patterns(names=names, extra=extra)` on each of `texts`, with the
    same result, in less time: the built-in patterns that match none of the (ASCII) texts in
    lower case are ruled out once for all of them; a text that none of the others matches is
    searched for the system names alone. A text that is not ASCII, or any operator pattern
    (LIMA_REVEAL_PATTERNS), takes the whole pattern. `find` only texts given to the Finder."""

    def __init__(self, texts: Sequence[str], *, names: Iterable[str], extra: Iterable[str]) -> None:
        names, extra = list(names), list(extra)
        self.pattern = compile_patterns(names=names, extra=extra)
        self.names = _names_alone(names)
        self.kept = [n.strip() for n in names if _name_pattern(n)]  # (the names of self.names)
        self.checks: list[re.Pattern[str]] | None = None
        if not any(_valid(p) for p in extra):
            ascii_texts = "\x00".join(t for t in texts if t.isascii()).lower()
            self.checks = [
                check
                for check, needs in zip(_LOWER_CHECKS, _NEEDS, strict=True)
                if (needs is None or any(word in ascii_texts for word in needs)) and check.search(ascii_texts)
            ]

    def find(self, text: str) -> Reveal | None:
        if self.checks is None or not text.isascii():
            return find(text, self.pattern)
        if self.checks:
            lower = text.lower()
            if any(check.search(lower) for check in self.checks):
                return find(text, self.pattern)
        return _find_names(text, self.names, self.kept) if self.names is not None else None


def _find_names(text: str, names: re.Pattern[str], kept: Sequence[str] = ()) -> Reveal | None:
    """`find` with a pattern of no groups (`_names_alone`): findall and sub find the same
    matches, both in C, with no Python call per match. `kept`: the names the pattern is made
    of; when only one of them is in the text at all, every match is that name, and `subn`
    with that name's pattern alone (`_name_alone`: no other branch can match) says whether
    there was one."""
    inside = [name for name in kept if name in text]
    if kept and len(inside) <= 1:
        if not inside:
            return None
        masked, count = _name_alone(inside[0]).subn(MASK, text)
        return Reveal(matches=inside, masked=masked) if count else None
    found = names.findall(text)
    if not found:
        return None
    return Reveal(matches=list(dict.fromkeys(found))[:20], masked=names.sub(MASK, text))
