"""Markdown to safe HTML for rater pages: markdown-it-py with raw HTML off, then nh3 with
an allow-list. No script, style, event handler, iframe, image or non-http(s) link survives
(images are dropped so no remote request can leak that a rater is looking).

Prompts and responses of open studies are rendered ahead of the pages and stored with
`RULES`, a digest of the allow-list and the two libraries' versions
(raters.services.render_ahead); a page uses stored HTML only when its rules are current and
renders the text itself otherwise. The rater path stays PostgreSQL-only (no cache server)."""

from __future__ import annotations

import hashlib
from importlib.metadata import version

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "code": {"class"}}
URL_SCHEMES = {"http", "https", "mailto"}
RULES = hashlib.blake2b(
    repr(
        (
            sorted(TAGS),
            sorted((k, sorted(v)) for k, v in ATTRIBUTES.items()),
            sorted(URL_SCHEMES),
            version("markdown-it-py"),
            version("nh3"),
        )
    ).encode(),
    digest_size=6,
).hexdigest()


def render_text(text: str) -> str:
    """The sanitized HTML of one Markdown text (a str: mark it safe where it is shown)."""
    return _render(text)


def _render(text: str) -> str:
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_many(texts: list[str], ready: list[str | None] | None = None) -> list[SafeString]:
    """Each text as sanitized HTML: `ready[i]` when given (rendered ahead under the current
    rules by raters.services.render_ahead, so made by `_render`), else rendered now."""
    ready = ready or [None] * len(texts)
    return [
        mark_safe(html if html is not None else _render(text))  # noqa: S308 - made by _render (nh3)
        for text, html in zip(texts, ready, strict=True)
    ]


def render_markdown(text: str) -> SafeString:
    return render_many([text])[0]
