"""D-1…D-4, R-5.1: the printed documents — A4, even pages, watermark, QR and page numbers on every
page, embedded Chinese font, deterministic bytes.

Needs the Debian packages fonts-wqy-microhei, poppler-utils (pdffonts, pdftoppm, pdftotext) and
zbar-tools (zbarimg), and pypdf from PyPI. Outside CI a missing tool skips; under CI=true it fails.
"""
import copy
import io
import re
import subprocess
from functools import cache

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4

from documents import fonts
from documents.render import (DocumentMeta, content_fingerprint, render_delivery_list,
                              render_evaluation_form, render_exemption_form, render_guarantee,
                              render_publicity_notice, render_results_list, verification_code)
from tests.support.forms import SAMPLE_FORM
from tests.support.tools import tool as shared_tool

SECRET = "test-secret"


def meta_for(version: int = 1, kind: str = "evaluation_form") -> DocumentMeta:
    code = verification_code(SECRET, "app-42", version, kind)
    return DocumentMeta("GX2019-000042", code, "2019", f"https://titles.example.cn/verify/{code}",
                        "2019-10-20")


def photo_jpeg() -> bytes:
    img = Image.new("RGB", (295, 413), (60, 120, 200))
    ImageDraw.Draw(img).ellipse((80, 70, 215, 260), fill=(236, 200, 170))
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue()


GUARANTEE = {k: SAMPLE_FORM[k] for k in ("basic", "application", "qualification")}
EXEMPTION = {**GUARANTEE, "exemption": {"category": "“访惠聚”驻村工作", "post": "和田地区某村工作队",
                                        "period": "2019-02至2020-01", "proof": "工作队派驻文件"}}
APPLICANTS = [{"name": "阿依古丽·买买提", "current_title": "工程师", "specialty": "机械电子",
               "applied_title": "高级工程师"},
              {"name": "王志强", "current_title": "助理工程师", "specialty": "化工（含制药）",
               "applied_title": "工程师"}]
PUBLICITY = {"unit": "新疆天山机械制造有限公司", "issued_on": "2019年10月14日",
             "period": {"start": "2019年10月14日", "end": "2019年10月18日", "working_days": 5},
             "applicants": APPLICANTS,
             "objection": "公示期间，如对公示人员的申报材料有异议，请以书面形式并署真实姓名向本单位人事部门反映。"
                          "联系人：刘红；电话：0991-0000000；地址：人事部302室。"}
DELIVERY = {"unit": "新疆天山机械制造有限公司", "address": "乌鲁木齐市光明路140号新疆机械工程学会",
            "window": {"start": "2019年11月1日", "end": "2019年11月20日"},
            "contact": {"person": "刘红", "phone": "0991-0000000"},
            "applicants": [{"name": "阿依古丽·买买提", "applied_title": "高级工程师",
                            "items": {str(n): 1 for n in range(1, 12)} | {"1": 2}}]}
RESULTS = {"committee": "自治区工程系列机械电子专业高级评审委员会", "publisher": "新疆维吾尔自治区工业和信息化厅",
           "issued_on": "2019年12月20日", "period": {"start": "2019年12月20日", "end": "2019年12月26日"},
           "contact": {"phone": "0991-4523469"},
           "passed": [{"name": "阿依古丽·买买提", "unit": "新疆天山机械制造有限公司",
                       "specialty": "机械电子", "title": "高级工程师"}]}

DOCUMENTS = {
    "evaluation_form": lambda m: render_evaluation_form(SAMPLE_FORM, photo_jpeg=photo_jpeg(), meta=m),
    "guarantee": lambda m: render_guarantee(GUARANTEE, meta=m),
    "exemption_form": lambda m: render_exemption_form(EXEMPTION, meta=m),
    "publicity_notice": lambda m: render_publicity_notice(PUBLICITY, meta=m),
    "publicity_result": lambda m: render_publicity_notice(
        {**PUBLICITY, "result": {"objections": 0, "text": "无异议", "date": "2019年10月21日"}},
        meta=m),
    "delivery_list": lambda m: render_delivery_list(DELIVERY, meta=m),
    "results_list": lambda m: render_results_list(RESULTS, meta=m),
}


@cache
def rendered(name: str):
    return DOCUMENTS[name](meta_for(kind=name))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def tool(name: str) -> str:
    return shared_tool(name, "poppler-utils / zbar-tools")


def run(args: list[str], pdf: bytes, tmp_path, *after: str) -> str:
    src = tmp_path / "doc.pdf"
    src.write_bytes(pdf)
    return subprocess.run([*args, str(src), *after], check=True, capture_output=True, text=True,
                          cwd=tmp_path).stdout


@pytest.mark.parametrize("name", DOCUMENTS)
def test_d1_every_page_is_a4_and_the_page_count_even(name):
    doc = rendered(name)
    pages = PdfReader(io.BytesIO(doc.pdf)).pages
    assert len(pages) == doc.pages and doc.pages % 2 == 0
    for page in pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_r5_1_every_page_carries_watermark_and_page_number(name):
    doc, meta = rendered(name), meta_for(kind=name)
    for n, text in enumerate(page_texts(doc.pdf), 1):
        watermark = f"{meta.application_no}  {meta.verification_code}  2019年度"
        assert text.count(watermark) >= 10  # tiled, not one corner that can be cut off
        assert f"第 {n} 页 / 共 {doc.pages} 页" in text


@pytest.mark.parametrize("name", DOCUMENTS)
def test_r5_1_every_page_has_a_qr_code_of_the_verify_url(name, tmp_path):
    doc, meta = rendered(name), meta_for(kind=name)
    tool("pdftoppm"), tool("zbarimg")
    run(["pdftoppm", "-png", "-r", "150"], doc.pdf, tmp_path, str(tmp_path / "page"))
    for n in range(1, doc.pages + 1):
        png = tmp_path / f"page-{n:0{len(str(doc.pages))}d}.png"
        decoded = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True,
                                 text=True).stdout.strip()
        assert decoded == f"{meta.verify_url}?fp={doc.fingerprint[:16]}", f"page {n}"


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_font_is_embedded(name, tmp_path):
    tool("pdffonts")
    lines = run(["pdffonts"], rendered(name).pdf, tmp_path).splitlines()[2:]
    assert lines, "no fonts listed"
    for line in lines:
        assert re.search(r"\byes\s+yes\s+yes\b", line), line  # emb, sub, uni


def test_chinese_title_and_name_come_back_from_text_extraction(tmp_path):
    tool("pdftotext")
    run(["pdftotext", "-layout"], rendered("evaluation_form").pdf, tmp_path)  # → doc.txt
    text = (tmp_path / "doc.txt").read_text()
    assert "专业技术职务任职资格评审表" in text
    assert "阿依古丽·买买提" in text and "新疆天山机械制造有限公司" in text


def test_evaluation_form_has_the_national_template_sections_in_order():
    text = "".join(page_texts(rendered("evaluation_form").pdf)).replace("\n", "")
    sections = ["一、基本情况", "二、学习培训经历", "三、工作经历", "四、专业技术工作业绩（任现职前）",
                "六、著作、论文及重要技术报告", "七、考试成绩及答辩情况；年度及任职期满考核结果",
                "八、任现职以来个人业务工作总结", "十、单位推荐意见", "基层单位意见", "呈报单位意见",
                "十一、评审审批意见", "专家组意见", "评审组织意见", "人事部门审批意见"]
    position = 0
    for section in sections:
        position = text.index(section, position)  # ValueError: missing or out of order


def test_photo_is_placed_in_the_photo_box():
    pages = PdfReader(io.BytesIO(rendered("evaluation_form").pdf)).pages
    assert len(pages[1].images) == 1  # 基本情况 is the page after the cover


def test_r4_1_recorded_unit_opinion_is_printed_with_its_reviewer():
    form = copy.deepcopy(SAMPLE_FORM)
    form["opinions"] = [{"level": "unit", "org": "新疆天山机械制造有限公司", "reviewer": "刘红",
                         "date": "2019-10-21", "text": "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"}]
    doc = render_evaluation_form(form, photo_jpeg=None, meta=meta_for())
    text = "".join(page_texts(doc.pdf)).replace("\n", "")
    assert "刘红" in text and "真实准确，同意推荐" in text


def test_same_input_gives_the_same_fingerprint():
    a = render_evaluation_form(SAMPLE_FORM, photo_jpeg=photo_jpeg(), meta=meta_for(1))
    b = render_evaluation_form(copy.deepcopy(SAMPLE_FORM), photo_jpeg=photo_jpeg(), meta=meta_for(1))
    assert a.pdf == b.pdf and a.fingerprint == b.fingerprint


def test_fingerprint_is_known_before_drawing_and_printed_on_every_page():
    """The QR code carries the fingerprint's prefix, so it cannot be a hash of the PDF bytes
    (they contain the QR code): it is the hash of what the document says."""
    doc = rendered("evaluation_form")
    assert doc.fingerprint == content_fingerprint("evaluation_form", SAMPLE_FORM, meta_for(),
                                                  photo_jpeg())
    for text in page_texts(doc.pdf):
        assert f"指纹 {doc.fingerprint[:16]}" in text


def test_edited_content_or_another_photo_changes_the_fingerprint():
    form = copy.deepcopy(SAMPLE_FORM)
    form["basic"]["name"] = "王五"
    base = content_fingerprint("evaluation_form", SAMPLE_FORM, meta_for(), photo_jpeg())
    assert content_fingerprint("evaluation_form", form, meta_for(), photo_jpeg()) != base
    assert content_fingerprint("evaluation_form", SAMPLE_FORM, meta_for(), None) != base


def test_another_version_gets_another_code_and_fingerprint():
    a = render_evaluation_form(SAMPLE_FORM, photo_jpeg=None, meta=meta_for(1))
    b = render_evaluation_form(SAMPLE_FORM, photo_jpeg=None, meta=meta_for(2))
    assert meta_for(1).verification_code != meta_for(2).verification_code
    assert a.fingerprint != b.fingerprint


def test_r3_3_a_3000_character_summary_flows_over_pages():
    form = copy.deepcopy(SAMPLE_FORM)
    sentence = "本人主持完成了风电齿轮箱箱体铸造工艺优化项目，组织试制与验证，废品率显著下降。"
    form["summary"] = "\n".join([sentence * 5] * 8)[:2990] + "总结到此结束"
    assert len(form["summary"]) <= 3000
    long_doc = render_evaluation_form(form, photo_jpeg=None, meta=meta_for())
    short_doc = render_evaluation_form(SAMPLE_FORM, photo_jpeg=None, meta=meta_for())
    texts = [t.replace("\n", "") for t in page_texts(long_doc.pdf)]
    start = next(i for i, t in enumerate(texts) if "个人业务工作总结" in t)
    end = next(i for i, t in enumerate(texts) if "总结到此结束" in t)
    assert end > start and long_doc.pages > short_doc.pages


def test_d1_odd_content_gets_a_blank_back_page():
    doc = rendered("results_list")  # one page of content
    texts = page_texts(doc.pdf)
    assert doc.pages == 2 and "此页无正文" in texts[1] and "阿依古丽" not in texts[1]


def test_r4_2_publicity_result_reports_the_outcome_and_notice_does_not():
    notice = "".join(page_texts(rendered("publicity_notice").pdf))
    result = "".join(page_texts(rendered("publicity_result").pdf))
    assert "公示期：2019年10月14日至2019年10月18日（5个工作日）" in notice.replace("\n", "")
    assert "公示结果" not in notice and "无异议" in result


def test_verification_code_is_short_unambiguous_and_keyed():
    code = verification_code(SECRET, "app-42", 1, "evaluation_form")
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", code)
    assert code == verification_code(SECRET, "app-42", 1, "evaluation_form")
    assert code != verification_code("other-secret", "app-42", 1, "evaluation_form")
    assert code != verification_code(SECRET, "app-42", 1, "guarantee")


def test_layout_is_read_from_the_override_directory(tmp_path, monkeypatch):
    from documents.render import load_layout
    layout = load_layout("results_list")
    layout["blocks"][0]["text"] = "评审通过人员名单（管理员修改）"
    import yaml
    (tmp_path / "results_list.yaml").write_text(yaml.safe_dump(layout, allow_unicode=True),
                                                encoding="utf-8")
    monkeypatch.setenv("TITLES_LAYOUTS_DIR", str(tmp_path))
    doc = render_results_list(RESULTS, meta=meta_for())
    assert "评审通过人员名单（管理员修改）" in page_texts(doc.pdf)[0]


def test_missing_font_is_a_clear_error(tmp_path):
    with pytest.raises(fonts.CjkFontUnavailable, match="TITLES_CJK_FONT"):
        fonts.cjk_font_path({"TITLES_CJK_FONT": str(tmp_path / "absent.ttc")})


def test_r4_2_each_box_prints_only_its_own_levels_opinion():
    form = copy.deepcopy(SAMPLE_FORM)
    form["opinions"] = [
        {"level": "unit", "reviewer": "刘红", "date": "2019-10-28",
         "text": "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"},
        {"level": "department", "reviewer": "马军", "date": "2019-10-29", "text": "同意，逐级上报"},
        {"level": "committee", "reviewer": "王芳", "date": "2019-11-02",
         "text": "形式审查：形式审查合格，予以受理"}]
    text = "".join(page_texts(render_evaluation_form(form, photo_jpeg=None,
                                                     meta=meta_for()).pdf)).replace("\n", "")
    unit = text.index("十、单位推荐意见")
    committee = text.index("十一、评审审批意见")
    assert unit < text.index("已在系统记录（刘红 2019-10-28）：本单位已对提供的申报材料逐一审核，"
                             "真实准确，同意推荐") \
        < text.index("已在系统记录（马军 2019-10-29）：同意，逐级上报") < committee \
        < text.index("已在系统记录（王芳 2019-11-02）：形式审查：形式审查合格")


def test_a_revision_gets_its_own_code_and_revision_0_keeps_the_old_one():
    base = verification_code(SECRET, "app-42", 1, "evaluation_form")
    assert verification_code(SECRET, "app-42", 1, "evaluation_form", 0) == base
    revised = {verification_code(SECRET, "app-42", 1, "evaluation_form", r) for r in (1, 2, 3)}
    assert len(revised) == 3 and base not in revised


def test_an_added_opinion_changes_the_fingerprint_and_the_same_opinions_do_not():
    form = copy.deepcopy(SAMPLE_FORM)
    form["opinions"] = [{"level": "unit", "reviewer": "刘红", "date": "2019-10-28", "text": "同意"}]
    a = render_evaluation_form(form, photo_jpeg=None, meta=meta_for())
    b = render_evaluation_form(copy.deepcopy(form), photo_jpeg=None, meta=meta_for())
    plain = render_evaluation_form(SAMPLE_FORM, photo_jpeg=None, meta=meta_for())
    assert a.fingerprint == b.fingerprint and a.pdf == b.pdf
    assert a.fingerprint != plain.fingerprint


def test_d2_d3_the_annexes_are_pre_filled_from_the_form():
    guarantee = render_guarantee({k: SAMPLE_FORM[k] for k in ("basic", "application",
                                                              "qualification")},
                                 meta=meta_for(kind="guarantee"))
    text = "".join(page_texts(guarantee.pdf)).replace("\n", "")
    assert "真实性保证书" in text and "阿依古丽·买买提" in text and "高级工程师" in text
    exemption = render_exemption_form(
        {k: SAMPLE_FORM[k] for k in ("basic", "application", "qualification")}
        | {"exemption": {"category": "驻村管寺", "period": "2019年度", "post": "无", "proof": "见附件"}},
        meta=meta_for(kind="exemption_form"))
    text = "".join(page_texts(exemption.pdf)).replace("\n", "")
    assert "继续教育免试审批表" in text and "驻村管寺" in text and "2019年度" in text
