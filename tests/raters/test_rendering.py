"""raters.rendering: sanitized Markdown, and HTML rendered ahead used as given."""

from __future__ import annotations

from raters import rendering

HOSTILE = "**ok** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"


def test_markdown_is_rendered_and_raw_html_is_inert():
    html = str(rendering.render_markdown(HOSTILE))
    assert "<strong>ok</strong>" in html and "&lt;script&gt;" in html  # shown as text, inert
    assert "<script" not in html and "href=" not in html and "<img" not in html


def test_html_rendered_ahead_is_used_and_the_rest_is_rendered_now(monkeypatch):
    calls = []
    real = rendering._render
    monkeypatch.setattr(rendering, "_render", lambda text: calls.append(text) or real(text))
    out = rendering.render_many(["*a*", "*b*", "*c*"], ["<p>A</p>", None, "<p>C</p>"])
    assert [str(x) for x in out] == ["<p>A</p>", "<p><em>b</em></p>\n", "<p>C</p>"] and calls == ["*b*"]


def test_the_rules_digest_names_the_allow_list_and_the_library_versions():
    assert len(rendering.RULES) == 12 and rendering.RULES.lower() == rendering.RULES
    assert rendering.render_text("*hi*") == "<p><em>hi</em></p>\n"
