"""Markdown to safe HTML for rater pages: markdown-it-py with raw HTML off, then nh3 with
an allow-list. No script, style, event handler, iframe, image or non-http(s) link survives
(images are dropped so no remote request can leak that a rater is looking).

A response is shown to several raters, so the sanitized HTML is kept in Django's cache
(Redis in production, per process otherwise) under a digest of the text and of the
rendering rules (`RULES`: a change of allow-list or library version misses the old
entries). A cache that fails only costs the rendering."""

from __future__ import annotations

import hashlib
import logging
from importlib.metadata import version

import nh3
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

logger = logging.getLogger(__name__)

_md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "code": {"class"}}
URL_SCHEMES = {"http", "https", "mailto"}
RULES = hashlib.blake2b(repr((
    sorted(TAGS), sorted((k, sorted(v)) for k, v in ATTRIBUTES.items()), sorted(URL_SCHEMES),
    version("markdown-it-py"), version("nh3"),
)).encode(), digest_size=6).hexdigest()
CACHE_SECONDS = 7 * 24 * 3600


def render_text(text: str) -> str:
    """The sanitized HTML of one Markdown text (a str: mark it safe where it is shown)."""
    return _render(text)


def _render(text: str) -> str:
    html = _md.render(text or "")
    return nh3.clean(
        html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow", strip_comments=True,
    )


def _key(text: str) -> str:
    return f"raters:md:{RULES}:{hashlib.blake2b((text or '').encode(), digest_size=16).hexdigest()}"


def render_many(texts: list[str], ready: list[str | None] | None = None) -> list[SafeString]:
    """Each text rendered and sanitized: `ready[i]` when given (HTML rendered ahead under the
    current rules, raters.services.render_ahead), else from the cache (one round trip for
    all), else rendered now."""
    if ready is not None and all(html is not None for html in ready):
        return [mark_safe(html) for html in ready]  # noqa: S308 - made by _render
    if ready is not None:
        missing = [i for i, html in enumerate(ready) if html is None]
        done = render_many([texts[i] for i in missing])
        out = [mark_safe(html) if html is not None else None for html in ready]  # noqa: S308 - made by _render
        for i, html in zip(missing, done, strict=True):
            out[i] = html
        return out
    keys = [_key(t) for t in texts]
    try:
        found = cache.get_many(keys)
    except Exception:  # noqa: BLE001 - the cache is an optimisation: render without it
        logger.warning("markdown cache unavailable", exc_info=True)
        found = None
    out, new = [], {}
    for key, text in zip(keys, texts, strict=True):
        html = found.get(key) if found is not None else None
        if html is None:
            html = new.get(key) or _render(text)
            new[key] = html
        out.append(mark_safe(html))  # noqa: S308 - sanitized by nh3 in _render
    if new and found is not None:
        try:
            cache.set_many(new, timeout=CACHE_SECONDS)
        except Exception:  # noqa: BLE001
            logger.warning("markdown cache unavailable", exc_info=True)
    return out


def render_markdown(text: str) -> SafeString:
    return render_many([text])[0]
