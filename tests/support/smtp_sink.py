"""A local SMTP server for tests: every message received is written to `<dir>/<n>.eml`.

Runs as its own process (aiosmtpd is asyncio; the test process runs eventlet).
    python -m tests.support.smtp_sink --port 2525 --dir /tmp/mail [--fail-first N --code 451]
"""
import argparse
import asyncio
import itertools
from pathlib import Path

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder: Path, fail_first: int, code: int):
        self.folder, self.fail_left, self.code = folder, fail_first, code
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Recipients at RFC 2606's reserved `.invalid` domains stand for a relay's refusals:
        `@refused.invalid` for good (550), `@deferred.invalid` for now (451). Everyone else is
        accepted, so tests sharing this sink do not disturb each other."""
        domain = address.rpartition("@")[2].lower()
        if domain == "refused.invalid":
            return "550 5.1.1 mailbox unavailable"
        if domain == "deferred.invalid":
            return "451 4.3.0 mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_left > 0:
            self.fail_left -= 1
            return f"{self.code} try again later" if self.code < 500 else f"{self.code} rejected"
        n = next(self.counter)
        (self.folder / f"{n:05d}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--code", type=int, default=451)
    a = p.parse_args()
    folder = Path(a.dir)
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(folder, a.fail_first, a.code), hostname="127.0.0.1", port=a.port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
