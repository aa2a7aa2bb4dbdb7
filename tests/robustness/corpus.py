"""The bad-input corpus of issue 11 as data: every case the issue lists plus OWASP-style
payloads (null-byte injection, right-to-left override spoofing, overlong UTF-8, numeric
overflow, parser bombs). Each case names the field a 400 must name."""

from __future__ import annotations

NUL = "\x00"
SURROGATE = "\\ud800"  # written as a JSON escape: a str cannot be encoded with one
RLO = "\u202e"
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5000


def row(**fields: object) -> dict:
    return {"prompt_id": "p1", "prompt": "Question?", "system": "LIMA", "response": "An answer.", **fields}


# (case id, raw JSON body of an outputs upload, the field the 400 names)
UPLOAD_BODIES: list[tuple[str, str, str]] = [
    ("nul in prompt_id", '[{"prompt_id": "p\\u0000", "prompt": "Q?", "system": "LIMA", "response": "a"}]', "prompt_id"),
    ("nul in system", '[{"prompt_id": "p", "prompt": "Q?", "system": "LI\\u0000MA", "response": "a"}]', "system"),
    ("nul in response", '[{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a\\u0000"}]', "response"),
    ("nul in prompt", '[{"prompt_id": "p", "prompt": "Q\\u0000?", "system": "LIMA", "response": "a"}]', "prompt"),
    (
        "nul in a turn",
        ('[{"prompt_id": "p", "prompt": [{"role": "user", "content": "\\u0000"}], "system": "LIMA", "response": "a"}]'),
        "prompt[0].content",
    ),
    (
        "nul in category",
        '[{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a", "category": "\\u0000"}]',
        "category",
    ),
    (
        "nul in metadata",
        ('[{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a", "metadata": {"note": "x\\u0000"}}]'),
        "metadata.note",
    ),
    (
        "null-byte file name injection",
        ('[{"prompt_id": "../../etc/passwd\\u0000.jsonl", "prompt": "Q?", "system": "LIMA", "response": "a"}]'),
        "prompt_id",
    ),
    (
        "lone surrogate in response",
        f'[{{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "{SURROGATE}"}}]',
        "response",
    ),
    (
        "lone surrogate in system",
        f'[{{"prompt_id": "p", "prompt": "Q?", "system": "A{SURROGATE}", "response": "a"}}]',
        "system",
    ),
    (
        "low surrogate alone in prompt",
        '[{"prompt_id": "p", "prompt": "\\udc00", "system": "LIMA", "response": "a"}]',
        "prompt",
    ),
    (
        "right-to-left override in system",
        ('[{"prompt_id": "p", "prompt": "Q?", "system": "GPT\\u202e4-TPG", "response": "a"}]'),
        "system",
    ),
    (
        "bidi isolate in prompt_id",
        '[{"prompt_id": "p\\u2066x\\u2069", "prompt": "Q?", "system": "LIMA", "response": "a"}]',
        "prompt_id",
    ),
    (
        "NaN in metadata",
        '[{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a", "metadata": {"t": NaN}}]',
        "body",
    ),
    (
        "Infinity in metadata",
        ('[{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a", "metadata": {"t": Infinity}}]'),
        "body",
    ),
    (
        "-Infinity in metadata",
        ('[{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a", "metadata": {"t": -Infinity}}]'),
        "body",
    ),
    (
        "float overflow in metadata",
        ('[{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a", "metadata": {"t": 1e999}}]'),
        "body",
    ),
    (
        "5,000-digit integer in metadata",
        (f'[{{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a", "metadata": {{"n": {HUGE}}}}}]'),
        "body",
    ),
    (
        "integer past int64 as prompt_id",
        ('[{"prompt_id": 9223372036854775808, "prompt": "Q?", "system": "LIMA", "response": "a"}]'),
        "body",
    ),
    (
        "100k-deep nesting in metadata",
        (f'[{{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a", "metadata": {{"d": {DEEP}}}}}]'),
        "body",
    ),
]

# (case id, raw JSON Lines body of an outputs upload, the field, the row)
UPLOAD_LINES: list[tuple[str, str, str, int]] = [
    (
        "NaN on a line",
        '{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a", "metadata": {"t": NaN}}',
        "row",
        1,
    ),
    ("deep nesting on a line", '{"prompt_id": "p", "metadata": ' + DEEP + "}", "row", 1),
    (
        "nul on the second line",
        (
            '{"prompt_id": "p", "prompt": "Q?", "system": "LIMA", "response": "a"}\n'
            '{"prompt_id": "q", "prompt": "Q?", "system": "LIMA", "response": "\\u0000"}'
        ),
        "response",
        2,
    ),
]


def vote(**fields: object) -> dict:
    return {
        "prompt_id": "p0",
        "left_system": "LIMA",
        "right_system": "GPT-4",
        "choice": "left",
        "rater": "r1",
        **fields,
    }


# (case id, raw JSON body of a vote import, the field the 400 names)
VOTE_BODIES: list[tuple[str, str, str]] = [
    (
        "nul in rater",
        (
            '[{"prompt_id": "p0", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", '
            '"rater": "r\\u0000"}]'
        ),
        "rater",
    ),
    (
        "nul in prompt_id",
        (
            '[{"prompt_id": "p0\\u0000", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", '
            '"rater": "r"}]'
        ),
        "prompt_id",
    ),
    (
        "surrogate in left_system",
        (
            f'[{{"prompt_id": "p0", "left_system": "{SURROGATE}", "right_system": "GPT-4", '
            '"choice": "left", "rater": "r"}]'
        ),
        "left_system",
    ),
    (
        "bidi in rater_group",
        (
            '[{"prompt_id": "p0", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", '
            '"rater": "r", "rater_group": "\\u202ecrowd"}]'
        ),
        "rater_group",
    ),
    (
        "nul in created",
        (
            '[{"prompt_id": "p0", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", '
            '"rater": "r", "created": "2023-05-18\\u0000"}]'
        ),
        "created",
    ),
    (
        "impossible date 2023-02-30",
        (
            '[{"prompt_id": "p0", "left_system": "LIMA", "right_system": "GPT-4", '
            '"choice": "left", "rater": "r", "created": "2023-02-30T10:00:00Z"}]'
        ),
        "created",
    ),
    (
        "hour 25",
        (
            '[{"prompt_id": "p0", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", "rater": "r", '
            '"created": "2023-05-18T25:00:00Z"}]'
        ),
        "created",
    ),
    (
        "seconds NaN",
        (
            '[{"prompt_id": "p0", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", '
            '"rater": "r", "seconds": NaN}]'
        ),
        "body",
    ),
    (
        "seconds Infinity",
        (
            '[{"prompt_id": "p0", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", '
            '"rater": "r", "seconds": Infinity}]'
        ),
        "body",
    ),
    (
        "seconds 1e308",
        (
            '[{"prompt_id": "p0", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", '
            '"rater": "r", "seconds": 1e308}]'
        ),
        "seconds",
    ),
    (
        "seconds negative",
        (
            '[{"prompt_id": "p0", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", '
            '"rater": "r", "seconds": -1}]'
        ),
        "seconds",
    ),
    (
        "seconds 5,000 digits",
        (
            '[{"prompt_id": "p0", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", '
            f'"rater": "r", "seconds": {HUGE}}}]'
        ),
        "body",
    ),
]

# (case id, JSON-API request body as raw text, the field the 400 names): studies API
STUDY_BODIES: list[tuple[str, str | bytes, str]] = [
    ("nul in name", '{"name": "a\\u0000", "design": "focal", "focal_system": "LIMA", "baselines": ["GPT-4"]}', "name"),
    (
        "surrogate in name",
        f'{{"name": "{SURROGATE}", "design": "focal", "focal_system": "LIMA", "baselines": ["GPT-4"]}}',
        "name",
    ),
    (
        "rlo in a baseline",
        '{"name": "s", "design": "focal", "focal_system": "LIMA", "baselines": ["exe.\\u202etxt"]}',
        "baselines[0]",
    ),
    (
        "nul in a key",
        '{"name": "s", "design": "focal", "focal_system": "LIMA", "baselines": ["GPT-4"], "x\\u0000": 1}',
        "body",
    ),
    (
        "NaN votes_per_comparison",
        (
            '{"name": "s", "design": "focal", "focal_system": "LIMA", "baselines": ["GPT-4"], '
            '"votes_per_comparison": NaN}'
        ),
        "body",
    ),
    (
        "5,000-digit votes_per_comparison",
        (
            '{"name": "s", "design": "focal", "focal_system": "LIMA", '
            f'"baselines": ["GPT-4"], "votes_per_comparison": {HUGE}}}'
        ),
        "body",
    ),
    ("100k-deep body", DEEP, "body"),
    ("truncated JSON", '{"name": ', "body"),
    ("not JSON at all", "' OR 1=1 --", "body"),
    ("overlong UTF-8 slash", b'{"name": "\xc0\xaf"}', "body"),
]

# (case id, URL, the field the 400 names) for query parameters of the API
API_QUERIES: list[tuple[str, str, str]] = [
    ("huge limit", "/api/studies/?limit=99999999999999999999", "limit"),
    ("limit null", "/api/studies/?limit=null", "limit"),
    ("negative offset", "/api/studies/?offset=-1", "offset"),
    ("offset null", "/api/studies/?offset=null", "offset"),
    ("limit zero", "/api/studies/?limit=0", "limit"),
    ("empty rater_group", "/api/studies/s/results/?rater_group=", "rater_group"),
    ("nul in rater_group", "/api/studies/s/results/?rater_group=%00", "rater_group"),
    ("nul in exclude_raters", "/api/studies/s/results/?exclude_raters=1%00", "exclude_raters"),
    ("rlo in a parameter", "/api/studies/s/results/?method=%E2%80%AEbootstrap", "method"),
    ("judge call state AAA", "/api/studies/s/judges/j/calls/?state=AAA", "state"),
    ("nul in a parameter name", "/api/studies/?a%00=1", "parameter name"),
]

# (case id, dashboard or rater URL with a bad query value, the field the 400 names)
PAGE_QUERIES: list[tuple[str, str, str]] = [
    ("nul in the prompt search", "/dashboard/s/s/prompts/?q=%00", "q"),
    ("nul in the category filter", "/dashboard/s/s/prompts/?category=a%00", "category"),
    ("bidi in the baseline filter", "/dashboard/s/s/prompts/?baseline=%E2%80%AE", "baseline"),
    ("nul in PROLIFIC_PID", "/r/s/?PROLIFIC_PID=P%00", "PROLIFIC_PID"),
]
