"""The public pages, in Chinese, for a phone: what a person sees after scanning a printed
document's QR code (`GET /verify/{code}` asked by a browser), and the committee's results during
their publicity (notice 六(三)).

Plain HTML with one inline style sheet: no script at all, nothing loaded from another origin (the
Content-Security-Policy allows only that style sheet, by its hash), readable without JavaScript
and on a 360-pixel-wide screen. Everything shown is escaped. Pure functions: data in, `Response`
out.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone
from html import escape
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Response

STYLE = """
body{margin:0;font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","PingFang SC",sans-serif;
background:#f4f5f7;color:#1f2328;font-size:17px;line-height:1.6}
main{max-width:34rem;margin:0 auto;padding:1rem}
h1{font-size:1.15rem;margin:.2rem 0 1rem;color:#444}
.verdict{border-radius:.6rem;padding:1rem 1.1rem;margin-bottom:1rem;color:#fff}
.verdict strong{display:block;font-size:1.5rem;line-height:1.3}
.verdict p{margin:.4rem 0 0}
.genuine{background:#1a7f37}.superseded{background:#b35900}.altered,.unknown{background:#c62828}
.invalid{background:#57606a}
dl{background:#fff;border-radius:.6rem;padding:.6rem 1.1rem;margin:0 0 1rem}
dt{color:#57606a;font-size:.9rem;margin-top:.5rem}dd{margin:0;font-size:1.05rem;word-break:break-all}
table{width:100%;border-collapse:collapse;background:#fff;border-radius:.6rem;overflow:hidden}
th,td{text-align:left;padding:.55rem .6rem;border-bottom:1px solid #e5e7eb;font-size:.95rem}
th{background:#eef1f4;font-weight:600}
h2{font-size:1.05rem;margin:1.2rem 0 .5rem}
.note{color:#57606a;font-size:.9rem}
""".strip()
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
HEADERS = {
    "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; "
                               "img-src 'none'; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store", "Vary": "Accept"}

VERDICTS = {
    "genuine": ("✔ 真实有效", "本文件由职称评审系统出具，与系统存档一致，是目前的最新版本。"),
    "superseded": ("⚠ 已有更新版本", "本文件由职称评审系统出具，但已有更新的版本（{newer}），请以最新版本为准。"),
    "altered": ("✖ 与存档不符", "二维码与系统存档的文件不符，该纸质文件可能被改动，不能作为有效文件。"),
    "unknown": ("✖ 查无此文件", "系统中没有此验证码对应的文件，该文件不是本系统出具的有效文件。"),
    "invalid": ("验证码无法识别", "{message}"),
}


def wants_html(request) -> bool:
    """Content negotiation: a browser (text/html preferred) gets a page, an API client JSON."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def local_date(moment, zone: str = "Asia/Shanghai") -> str:
    """An instant as the date people there read it (2019年10月15日)."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment[:10]
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    day = moment.astimezone(ZoneInfo(zone)).date()
    return f"{day.year}年{day.month}月{day.day}日"


def _page(title: str, body: str, status: int) -> Response:
    html = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>"
            f"{body}</main></body></html>")
    return Response(html, status=status, mimetype="text/html", headers=HEADERS)


def _details(rows: list[tuple[str, object]]) -> str:
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>"
                            for k, v in rows if v not in (None, "")) + "</dl>"


def _version(version) -> str:
    return "草稿（提交前打印）" if version == 0 else f"第{version}版"


def verify_page(state: str, status: int, answer: dict | None = None, message: str = "",
                zone: str = "Asia/Shanghai") -> Response:
    """The verification answer as a page: genuine, superseded, altered, unknown or invalid."""
    answer = answer or {}
    newer = ""
    if state == "superseded":
        if (answer.get("latest_version") or 0) > (answer.get("version") or 0):
            newer = f"{_version(answer['latest_version'])}"
        else:
            newer = f"{_version(answer.get('version'))}修订{answer.get('latest_revision')}"
    headline, text = VERDICTS[state]
    body = (f"<h1>职称评审系统 · 纸质文件验证</h1><section class=\"verdict {state}\">"
            f"<strong>{escape(headline)}</strong>"
            f"<p>{escape(text.format(newer=newer, message=message))}</p></section>")
    if answer.get("kind"):
        rows = [("文件", answer.get("kind_name")),
                ("申报人", answer.get("applicant_name_masked")),
                ("出具单位", answer.get("org_id") if "version" not in answer else None),
                ("评审年度", answer.get("season")),
                ("申报编号", answer.get("application_no")),
                ("版本", _version(answer["version"]) if "version" in answer else None),
                ("修订", answer.get("revision") if answer.get("revision") else None),
                ("页数", answer.get("pages")),
                ("出具日期", local_date(answer.get("rendered_at"), zone)),
                ("验证码", answer.get("verification_code"))]
        body += _details(rows)
        body += ("<p class=\"note\">请核对纸质文件上的姓名、申报编号、版本和页数是否与上方一致；"
                 "不一致的，该纸质文件不能作为有效文件。</p>")
    return _page("文件验证", body, status)


def results_page(season: dict, committees: list[dict], today: str) -> Response:
    """六(三): who passed, during the results' publicity, per committee. Only names, what they
    passed and the application number: no other personal data."""
    body = (f"<h1>{escape(season['title_zh'])}<br>评审通过人员公示</h1>"
            f"<p class=\"note\">公示期间接受社会监督。如有异议，请向评审委员会办公室反映。"
            f"（{escape(today)}）</p>")
    if not committees:
        body += "<p>目前没有处于公示期的评审结果。</p>"
    for c in committees:
        body += (f"<h2>{escape(c['name'])}</h2><p class=\"note\">公示截止：{escape(c['until'])}</p>"
                 "<table><thead><tr><th>姓名</th><th>专业</th><th>评审通过资格</th>"
                 "<th>申报编号</th></tr></thead><tbody>")
        body += "".join(f"<tr><td>{escape(p['name'])}</td><td>{escape(p['specialty'])}</td>"
                        f"<td>{escape(p['title'])}</td><td>{escape(p['application_no'])}</td></tr>"
                        for p in c["passed"])
        body += "</tbody></table>"
    return _page("评审通过人员公示", body, 200)
