"""raters.rendering: sanitized Markdown, kept in Django's cache under the text's and the
rules' digest, and still rendered when the cache fails."""

from __future__ import annotations

from django.core.cache import cache

from raters import rendering

HOSTILE = "**ok** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"


def test_a_text_is_rendered_once_then_served_from_the_cache(monkeypatch):
    cache.clear()
    calls = []
    real = rendering._render
    monkeypatch.setattr(rendering, "_render", lambda text: calls.append(text) or real(text))
    first = rendering.render_many([HOSTILE, "plain", HOSTILE])
    assert calls == [HOSTILE, "plain"]  # the repeat within one page is rendered once too
    again = rendering.render_many(["plain", HOSTILE])
    assert calls == [HOSTILE, "plain"] and again == [first[1], first[0]]
    assert "<strong>ok</strong>" in first[0] and "&lt;script&gt;" in first[0]  # shown as text, inert
    assert "<script" not in first[0] and "href=" not in first[0] and "<img" not in first[0]
    assert cache.get(rendering._key(HOSTILE)) == str(first[0])


def test_the_key_names_the_rules_so_new_rules_miss_old_entries(monkeypatch):
    key = rendering._key("text")
    assert rendering.RULES in key
    monkeypatch.setattr(rendering, "RULES", "changed")
    assert rendering._key("text") != key


def test_a_failing_cache_only_costs_the_rendering(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", broken)
    monkeypatch.setattr(cache, "set_many", broken)
    assert str(rendering.render_markdown("*hi*")) == "<p><em>hi</em></p>\n"
