"""A local HTTP stand-in for the SMS provider (Aliyun SendSms), for system tests.

Runs as its own process, like smtp_sink:
    python -m tests.support.sms_standin --port 8089 --secret S [--delay 3]

It answers `POST /` the way dysmsapi does: a form-encoded, signed SendSms request
(AccessKeyId, PhoneNumbers, SignName, TemplateCode, TemplateParam JSON, OutId, Signature,
SignatureNonce, ...). The signature is checked independently of notify's code (HMAC-SHA1 over
`POST&%2F&<encoded canonical query>`, keyed with `<secret>&`); a bad one is refused with
`SignatureDoesNotMatch`, as the real API does.

Scriptable per phone number, so tests sharing one stand-in do not disturb each other:
- `POST /_script {"phone": "138...", "outcomes": ["timeout", "ok"]}` queues what the next
  requests for that number get: `ok` (the default), `timeout` (no answer for `--delay` seconds,
  then a 503: the client has given up by then, nothing is delivered), `permanent`
  (isv.MOBILE_NUMBER_ILLEGAL), `throttled` (isv.BUSINESS_LIMIT_CONTROL), `error` (HTTP 500);
- `GET /_requests?phone=138...` lists every request received, with its outcome;
- being *down* is being stopped: `SmsStandin.stop()` / `.start()` on the same port.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlparse

import requests

ROOT = Path(__file__).resolve().parents[2]

ANSWERS = {
    "permanent": (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}),
    "throttled": (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控"}),
    "error": (500, {"Code": "InternalError", "Message": "The request processing has failed"}),
}


def _encode(value: str) -> str:
    return quote(str(value).encode("utf-8"), safe="~")


def expected_signature(secret: str, params: dict) -> str:
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items())
                         if k != "Signature")
    to_sign = f"POST&{_encode('/')}&{_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class State:
    def __init__(self, secret: str, delay: float):
        self.secret, self.delay = secret, delay
        self.lock = threading.Lock()
        self.scripts: dict[str, deque] = defaultdict(deque)
        self.requests: list[dict] = []

    def next_outcome(self, phone: str) -> str:
        with self.lock:
            queue = self.scripts[phone]
            return queue.popleft() if queue else "ok"


def make_handler(state: State):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _json(self, status: int, body) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlparse(self.path)
            if url.path != "/_requests":
                return self._json(404, {"Code": "NotFound"})
            phone = dict(parse_qsl(url.query)).get("phone")
            with state.lock:
                found = [r for r in state.requests if not phone or r["phone"] == phone]
            self._json(200, found)

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/_script":
                body = json.loads(raw or b"{}")
                with state.lock:
                    state.scripts[body["phone"]].extend(body["outcomes"])
                return self._json(200, {"ok": True})
            params = dict(parse_qsl(raw.decode("ascii"), keep_blank_values=True))
            phone = params.get("PhoneNumbers", "")
            record = {"phone": phone, "at": time.time(), "action": params.get("Action"),
                      "sign_name": params.get("SignName"),
                      "template_code": params.get("TemplateCode"),
                      "params": json.loads(params.get("TemplateParam") or "{}"),
                      "out_id": params.get("OutId"),
                      "access_key_id": params.get("AccessKeyId")}
            missing = [k for k in ("AccessKeyId", "Action", "PhoneNumbers", "SignName",
                                   "TemplateCode", "Signature", "SignatureNonce", "Timestamp")
                       if not params.get(k)]
            if missing:
                outcome, (status, answer) = "bad_request", (400, {
                    "Code": "MissingParameter", "Message": ", ".join(missing)})
            elif params["Signature"] != expected_signature(state.secret, params):
                outcome, (status, answer) = "bad_signature", (400, {
                    "Code": "SignatureDoesNotMatch", "Message": "Specified signature is not "
                                                                "matched with our calculation."})
            else:
                outcome = state.next_outcome(phone)
                if outcome == "timeout":
                    record["outcome"] = outcome
                    with state.lock:
                        state.requests.append(record)
                    time.sleep(state.delay)
                    return self._json(503, {"Code": "ServiceUnavailable"})
                status, answer = ANSWERS.get(outcome, (200, None))
                if answer is None:
                    answer = {"Code": "OK", "Message": "OK", "BizId": uuid.uuid4().hex[:20],
                              "RequestId": str(uuid.uuid4())}
            record["outcome"] = outcome
            with state.lock:
                state.requests.append(record)
            self._json(status, {"RequestId": str(uuid.uuid4()), **answer})

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--delay", type=float, default=3.0)
    a = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(State(a.secret, a.delay)))
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


class SmsStandin:
    """The stand-in as a test controls it: a subprocess on a fixed port, stoppable."""

    ACCESS_KEY_ID = "standin-key"
    SECRET = "standin-secret"
    SIGN_NAME = "职称评审"

    def __init__(self, port: int, delay: float = 3.0):
        self.port, self.delay = port, delay
        self.url = f"http://127.0.0.1:{port}/"
        self.proc = None

    def config(self) -> dict:
        """The notify settings that point at this stand-in."""
        return {"SMS_BACKEND": "aliyun", "SMS_ENDPOINT": self.url,
                "SMS_ACCESS_KEY_ID": self.ACCESS_KEY_ID, "SMS_ACCESS_KEY_SECRET": self.SECRET,
                "SMS_SIGN_NAME": self.SIGN_NAME}

    def start(self) -> None:
        from tests.support.infra import wait_port

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.sms_standin", "--port", str(self.port),
             "--secret", self.SECRET, "--delay", str(self.delay)], cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        if not wait_port("127.0.0.1", self.port):
            self.proc.kill()
            raise RuntimeError("the SMS stand-in did not start")

    def stop(self) -> None:
        """Down: connections to the provider are refused until `start()`."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def script(self, phone: str, *outcomes: str) -> None:
        r = requests.post(self.url + "_script", json={"phone": phone, "outcomes": list(outcomes)},
                          timeout=5)
        r.raise_for_status()

    def requests(self, phone: str) -> list[dict]:
        return requests.get(self.url + "_requests", params={"phone": phone}, timeout=5).json()


if __name__ == "__main__":
    main()
