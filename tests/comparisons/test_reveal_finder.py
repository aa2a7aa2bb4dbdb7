"""`reveal.Finder` (the upload's search for responses that name their author) finds and masks
exactly what `find` with the whole pattern does, text by text."""

from __future__ import annotations

import random
import re

from comparisons import reveal
from comparisons.reveal import PATTERNS, Finder, compile_patterns, find

WORDS = [
    "as", "an", "a", "AI", "ai", "artificial", "intelligence", "language", "model", "large", "I'm", "I", "am",
    "just", "chatbot", "assistant", "developed", "made", "by", "OpenAI", "Anthropic", "Google", "DeepMind",
    "Meta", "Mistral", "LMSYS", "xAI", "ChatGPT", "GPT-4", "GPT-3.5-turbo", "gpt4o", "Claude", "Claude-2",
    "Bard", "LLaMA-2", "llama", "PaLM 2", "Bing", "Chat", "Qwen", "tulu", "Tulu", "LIMA", "lima", "Lima",
    "beans", "x", "_", "-", ",", ".", "'", "\n", "\t", "  ", "é", "ſ", "K", "İ", "\u00a0", "🙂", "4", "2",
]  # fmt: skip
NAMES = ["Tulu", "LIMA", "GPT-4", "A", "C++"]


def _texts(seed: int, n: int, words: list[str]) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(words) + rng.choice([" ", "", " ", "\n"]) for _ in range(rng.randint(0, 14)))
        for _ in range(n)
    ]


def _same(texts: list[str], names: list[str], extra: list[str]) -> None:
    finder, pattern = Finder(texts, names=names, extra=extra), compile_patterns(names=names, extra=extra)
    for text in texts:
        assert finder.find(text) == find(text, pattern), text


def test_the_finder_finds_what_the_whole_pattern_finds_in_random_texts():
    _same(_texts(1, 20_000, WORDS), NAMES, [])


def test_the_finder_finds_what_the_whole_pattern_finds_in_ascii_texts():
    ascii_words = [w for w in WORDS if w.isascii()]
    _same(_texts(2, 20_000, ascii_words), NAMES, [])
    _same(_texts(3, 5_000, ascii_words), [], [])


def test_texts_that_trip_no_built_in_pattern_are_searched_for_names_alone():
    texts = [f"{name} says: a fairly ordinary answer {i}." for i, name in enumerate(["Tulu", "LIMA", "xTulu"] * 50)]
    finder = Finder(texts, names=NAMES, extra=[])
    assert finder.checks == []  # no built-in pattern can match these texts
    _same(texts, NAMES, [])
    assert [f.masked if f else None for f in map(finder.find, texts[:3])] == [
        "[name removed] says: a fairly ordinary answer 0.",
        "[name removed] says: a fairly ordinary answer 1.",
        None,
    ]


def test_a_text_holding_one_name_is_masked_as_the_whole_pattern_masks_it():
    """reveal._name_alone: a text in which one system name occurs is searched for that name's
    pattern alone, with the matches and the masked text of the whole pattern (a name inside a
    word, next to a symbol, repeated, with the characters of a regular expression)."""
    names = ["Tulu", "LIMA", "LIMA-2", "C++", "a.b", "Orca-2"]
    texts = [
        f"{before}{name}{after} says: a fairly ordinary answer, {name}{after}."
        for name in ["Tulu", "LIMA", "C++", "a.b", "Orca-2", "LIMA-2"]
        for before in ["", "x", "_", "-", " ", "2", "(", "\n"]
        for after in ["", "x", "_", "-", " ", "2", ")", "+", "s"]
    ]
    texts += ["TuluTulu", "Tulu", "xTulu Tulu", "C++C++", "a.b.a.b", "axb", "Orca-2o and Orca-2", "LIMA LIMA-2"]
    finder = Finder(texts, names=names, extra=[])
    assert finder.checks == []  # (the names alone are searched)
    _same(texts, names, [])
    assert sum(1 for t in texts if finder.find(t)) > len(texts) // 3


def test_an_operator_pattern_is_honoured_by_the_finder():
    texts = _texts(4, 3_000, [w for w in WORDS if w.isascii()]) + ["made by Acme Labs", "acme"]
    _same(texts, NAMES, [r"Acme\s+Labs", r"(?i:\bACME\b)"])
    assert Finder(texts, names=NAMES, extra=[r"Acme\s+Labs"]).find("made by Acme Labs") is not None


def test_the_built_in_patterns_hold_no_upper_case_escape_that_lower_case_would_change():
    assert not re.search(r"\\[A-Z]", "".join(PATTERNS))


def test_a_text_that_is_not_ascii_takes_the_whole_pattern():
    texts = ["aſ an AI", "I\u00a0am an AI", "Tulu says: a plain answer"]  # (a long s matches "s" ignoring case)
    finder = Finder(texts, names=NAMES, extra=[])
    assert [f.matches if f else None for f in map(finder.find, texts)] == [["aſ an AI"], ["I\u00a0am an AI"], ["Tulu"]]


def test_each_built_in_pattern_needs_the_words_the_finder_looks_for_first():
    """reveal._NEEDS: wherever a built-in pattern matches a text's lower case, one of its words
    is in it (so a text without any of them cannot match it)."""
    words = [w for w in WORDS if w.isascii()] + ["By", "BY", "gpt", "GPT4", "Vicuna", "Mixtral", "Gemini", "Copilot"]
    near = ["developed", "made", "built", "by", "OpenAI", "Google", "DeepMind", "Meta", "AI", "as", "a", "large"]
    near += ["language", "model", "I'm", "I", "am", "an", "\t", "x"]
    texts = [t.lower() for t in _texts(6, 40_000, words) + _texts(8, 20_000, near)] + [
        "developed\tby openai", "as a large\nlanguage model", "as  a\tlanguage model",
        "bing  chat", "palm2", "i am just an ai",
    ]  # fmt: skip
    matched = [0] * len(PATTERNS)
    for text in texts:
        for i, (check, needs) in enumerate(zip(reveal._LOWER_CHECKS, reveal._NEEDS, strict=True)):
            if needs is not None and check.search(text):
                matched[i] += 1
                assert any(word in text for word in needs), (i, text)
    assert all(matched[i] > 0 for i, needs in enumerate(reveal._NEEDS) if needs is not None), matched


def test_the_finder_finds_what_the_whole_pattern_finds_text_by_text():
    """A Finder of one text each, so that the words it looks for first rule out some patterns
    and not others from one text to the next."""
    for text in _texts(7, 4_000, [w for w in WORDS if w.isascii()][:40] + ["fairly", "says", "by", "model"]):
        _same([text], NAMES, [])
    for text in ["LIMA says: a fairly ordinary answer.", "made by OpenAI", "as a language model, LIMA"]:
        _same([text], NAMES, [])


def test_a_text_that_holds_one_name_alone_is_masked_as_by_the_whole_pattern():
    """Finder: a text holding only one of the names (as a substring) is masked with subn alone;
    names inside other names or words, repeated, or next to each other take findall."""
    texts = ["Tulu", "xTulu", "Tulu Tulu", "Tulu_", "a Tulu-2 b", "LIMA and Tulu", "LIMATulu", "Tulu-2-3", "TULU"]
    _same(texts * 3, ["Tulu", "Tulu-2", "LIMA", " LIMA "], [])
    finder = Finder(texts, names=["Tulu", "LIMA"], extra=[])
    assert [f.matches if f else None for f in map(finder.find, texts)] == [
        ["Tulu"],
        None,
        ["Tulu"],
        None,
        ["Tulu"],
        ["LIMA", "Tulu"],
        None,
        ["Tulu"],
        None,
    ]
