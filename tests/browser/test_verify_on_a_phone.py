"""The QR code of a real 评审表, scanned and opened on a phone (issue #12): the four services
render the form; its first page is rasterised (pdftoppm) and its QR code decoded (zbarimg); the
URL opens in Debian's Chromium, driven by Playwright, in a phone-sized viewport. The page says in
Chinese that the form is genuine; once a decision re-rendered the form, the same printout says a
newer revision exists; a forged code is unknown and an edited one altered. No script runs, and
nothing is loaded from anywhere but the API. `UPDATE_SCREENSHOTS=1` writes the two pages to
docs/ (docs/verify-genuine.png, docs/verify-superseded.png)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from plumbing.config import ROOT
from tests.support.applications import for_token
from tests.support.review_api import MACHINERY, local, submitted, through_unit, unit_token

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("season_clock")]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TOOLS = ("pdftoppm", "zbarimg")


def needed():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not Path(CHROMIUM).exists():
        missing.append(CHROMIUM)
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"missing under CI: {missing} (.ci/run installs them)")
        pytest.skip(f"missing: {missing}")


def qr_of(pdf: bytes, folder: Path) -> str:
    """The URL in the QR code of the PDF's first page, as a phone's camera reads it."""
    (folder / "form.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png",
                    str(folder / "form.pdf"), str(folder / "page")], check=True)
    page = next(folder.glob("page*.png"))
    out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                          str(page)], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[0]


def on_phone(url: str, shot: Path | None = None) -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("phone.py")), url]
                         + ([str(shot)] if shot else []), capture_output=True, text=True,
                         timeout=120, env={**os.environ, "CHROMIUM": CHROMIUM})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def only_from(seen: dict, url: str) -> None:
    origin = urlparse(url).netloc
    assert seen["scripts"] == 0
    assert {urlparse(u).netloc for u in seen["requests"]} == {origin}, seen["requests"]
    assert seen["width"] <= 390  # no sideways scrolling on the phone


def screenshot(tmp_path: Path, name: str) -> Path:
    return (ROOT / "docs" / name) if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path / name


def test_a_scanned_form_is_genuine_then_superseded_and_a_forgery_is_not(loaded, tmp_path):
    needed()
    api = loaded.api
    me = api.token("phone-applicant", org=MACHINERY, name="阿依古丽·买买提")
    app_id, me = submitted(loaded, MACHINERY, "phone-applicant", for_token(me))
    view = api.wait_for(f"/applications/{app_id}", me, lambda b: any(
        d["kind"] == "evaluation_form" for d in b["documents"]), timeout=90)
    first = next(d for d in view["documents"] if d["kind"] == "evaluation_form")
    pdf = api.call("GET", first["href"], me)
    assert pdf.status_code == 200
    url = qr_of(pdf.content, tmp_path)
    assert url.startswith(f"{api.base}/verify/{first['verification_code']}?fp=")

    genuine = on_phone(url, screenshot(tmp_path, "verify-genuine.png"))
    assert genuine["status"] == 200 and "✔ 真实有效" in genuine["text"]
    for shown in ("专业技术职务任职资格评审表", "阿*", "2019", "第1版", first["verification_code"],
                  app_id[:8].upper(), "2019年10月15日"):
        assert shown in genuine["text"], shown
    assert "买买提" not in genuine["text"]  # the name masked
    assert "✔ 真实有效" in genuine["js_disabled_text"]  # works without JavaScript
    only_from(genuine, url)

    through_unit(loaded, app_id, MACHINERY, local(2019, 10, 15, 10))  # an opinion: revision 1
    api.wait_for(f"/applications/{app_id}", unit_token(api, MACHINERY), lambda b: any(
        d["kind"] == "evaluation_form" and d["revision"] == 1 for d in b["documents"]),
        timeout=90)
    superseded = on_phone(url, screenshot(tmp_path, "verify-superseded.png"))
    assert superseded["status"] == 200 and "⚠ 已有更新版本" in superseded["text"]
    assert "第1版修订1" in superseded["text"] and "真实有效" not in superseded["text"]
    only_from(superseded, url)

    code = first["verification_code"]
    forged = url.replace(code, "ABCDE-FGHJK")
    unknown = on_phone(forged)
    assert unknown["status"] == 404 and "✖ 查无此文件" in unknown["text"]
    altered = on_phone(url.split("?fp=")[0] + "?fp=0123456789abcdef")
    assert altered["status"] == 409 and "✖ 与存档不符" in altered["text"]
    only_from(unknown, forged)
