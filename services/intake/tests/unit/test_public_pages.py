"""The public pages (intake.http.pages) and the staff bodies' check (intake.http.bodies),
without a network."""
import base64
import hashlib
import re

from intake.http import bodies, pages

ANSWER = {"kind": "evaluation_form", "kind_name": "专业技术职务任职资格评审表", "version": 1,
          "revision": 0, "latest_version": 1, "latest_revision": 2, "season": "2019",
          "application_no": "3F2A9C1B", "applicant_name_masked": "<b>阿</b>*", "pages": 4,
          "rendered_at": "2019-10-15T02:00:00+00:00", "verification_code": "AB3CD-EF4GH"}


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_each_state_says_what_it_is_in_chinese():
    assert "✔ 真实有效" in text_of(pages.verify_page("genuine", 200, ANSWER))
    superseded = text_of(pages.verify_page("superseded", 200, ANSWER))
    assert "⚠ 已有更新版本" in superseded and "第1版修订2" in superseded
    assert "✖ 与存档不符" in text_of(pages.verify_page("altered", 409))
    assert "✖ 查无此文件" in text_of(pages.verify_page("unknown", 404))


def test_dates_are_the_seasons_and_what_is_shown_is_escaped():
    page = text_of(pages.verify_page("genuine", 200, ANSWER))
    assert "2019年10月15日" in page and "第1版" in page
    assert "<b>阿</b>" not in page and "&lt;b&gt;阿&lt;/b&gt;*" in page


def test_no_script_and_only_its_own_style_sheet():
    response = pages.verify_page("genuine", 200, ANSWER)
    html = text_of(response)
    assert "<script" not in html and "http" not in html.split("<body>")[1]
    style = re.search(r"<style>(.*)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'") and f"'sha256-{digest}'" in csp
    assert "script-src" not in csp and 'name="viewport"' in html


def test_a_browser_gets_the_page_and_an_api_client_json():
    class Request:
        def __init__(self, accept):
            from werkzeug.datastructures import MIMEAccept
            from werkzeug.http import parse_accept_header
            self.accept_mimetypes = parse_accept_header(accept, MIMEAccept)
    assert pages.wants_html(Request("text/html,application/xhtml+xml,*/*;q=0.8"))
    assert not pages.wants_html(Request("*/*"))
    assert not pages.wants_html(Request("application/json"))


def test_staff_bodies_are_refused_field_by_field_in_chinese():
    pointer, _ = bodies._operations()["open_meeting"]
    problems = bodies.check(pointer, {"application_ids": [{"a": 1}, "not-an-id"],
                                      "attending": [], "extra": None})
    assert {(p.code, p.field) for p in problems} == {
        ("WRONG_TYPE", "application_ids.0"), ("VALUE_INVALID", "application_ids.1"),
        ("FIELD_BLANK", "attending"), ("UNKNOWN_FIELD", "extra")}
    pointer, _ = bodies._operations()["return_application"]
    assert [(p.code, p.field) for p in bodies.check(pointer, {"problems": [None]})] == [
        ("WRONG_TYPE", "problems.0")]
    assert bodies.check(pointer, {"problems": [{"message": "缺少考核表"}]}) == []
