"""The platform frontend over the deployment's published HTTPS port, as a browser reaches it:
TLS verified against the deployment's certificate for its public host name, which the test
cannot put in DNS, so the connection goes to 127.0.0.1 while TLS checks the name."""
from __future__ import annotations

import ssl
import time

import jwt
import requests
from requests.adapters import HTTPAdapter


class PinnedHost(HTTPAdapter):
    """Verify the server's certificate for `hostname` whatever address was dialled.

    The TLS context is made here, from the `ssl` module as eventlet patched it: one urllib3 makes
    from the class it imported before the patch (a pytest plugin loaded ahead of conftest.py
    imports ssl) recurses forever in `minimum_version`."""

    def __init__(self, hostname: str, ca_file: str, **kw):
        self.hostname, self.ca_file = hostname, ca_file
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["ssl_context"] = ssl.create_default_context(cafile=self.ca_file)
        kw["assert_hostname"] = self.hostname
        kw["server_hostname"] = self.hostname
        super().init_poolmanager(*args, **kw)


def session(hostname: str, ca_file: str) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # REQUESTS_CA_BUNDLE would replace `verify`; no proxy to 127.0.0.1
    s.verify = ca_file
    s.mount("https://", PinnedHost(hostname, ca_file))
    return s


class Api:
    """What tests/support/applications.py drives (`call`, `wait_for`, `token`)."""

    def __init__(self, base: str, hostname: str, ca_file: str, jwt_key: str):
        self.base = base
        self.hostname = hostname
        self.http = session(hostname, ca_file)
        self.jwt_key = jwt_key

    def token(self, sub, role="applicant", org=None, **claims):
        now = int(time.time())
        body = {"sub": sub, "role": role, "aud": "titles", "iat": now, "exp": now + 3600,
                **claims}
        if org:
            body["org"] = org
        return jwt.encode(body, self.jwt_key, algorithm="HS256")

    def call(self, method, path, token=None, **kw):
        headers = {"Host": self._host_header(), **kw.pop("headers", {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.base + path, headers=headers, timeout=60, **kw)

    def _host_header(self) -> str:
        port = self.base.rsplit(":", 1)[1]
        return f"{self.hostname}:{port}"

    def wait_for(self, path, token, predicate, timeout=90.0):
        deadline = time.time() + timeout
        body = None
        while time.time() < deadline:
            r = self.call("GET", path, token)
            body = r.json()
            if r.status_code == 200 and predicate(body):
                return body
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting on {path}; last: {body}")
