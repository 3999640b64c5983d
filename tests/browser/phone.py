"""Open a URL as a phone does, in Debian's Chromium driven by Playwright, and say what the page
shows: `python phone.py URL [SCREENSHOT.png]` prints JSON {status, text, title, scripts,
requests (every URL the page asked for), js_disabled_text}. Run as its own process: Playwright's
sync API and the test suite's eventlet monkey-patching do not share a process."""
from __future__ import annotations

import json
import os
import sys

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN",
         "user_agent": "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like "
                       "Gecko) Chrome/120.0 Mobile Safari/537.36"}


def visit(browser, url: str, screenshot: str | None, javascript: bool) -> dict:
    context = browser.new_context(**PHONE, java_script_enabled=javascript)
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(url, wait_until="load")
    out = {"status": response.status, "title": page.title(), "text": page.inner_text("body"),
           "scripts": page.locator("script").count(), "requests": requests,
           "width": page.evaluate("document.documentElement.scrollWidth") if javascript else None}
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    context.close()
    return out


def main() -> None:
    url, shot = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        seen = visit(browser, url, shot, javascript=True)
        seen["js_disabled_text"] = visit(browser, url, None, javascript=False)["text"]
        browser.close()
    print(json.dumps(seen, ensure_ascii=False))


if __name__ == "__main__":
    main()
