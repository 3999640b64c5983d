"""A TCP proxy a test can cut and restore: the broker 'goes away' for one service only.

It runs as its own process with plain threads (the test process runs eventlet, where closing a
socket that another greenthread waits on corrupts the hub). SIGUSR1 cuts every connection and
refuses new ones; SIGUSR2 lets connections through again.
"""
from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import threading
import time


class _Proxy:
    def __init__(self, target, port):
        self.target, self.up, self.links, self.lock = target, True, [], threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", port))

    def serve(self):
        while True:
            client, _ = self.listener.accept()
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self, *_):
        self.up = False
        with self.lock:
            for s in self.links:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.links = []

    def restore(self, *_):
        self.up = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", required=True)
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    host, port = a.target.rsplit(":", 1)
    proxy = _Proxy((host, int(port)), a.port)
    signal.signal(signal.SIGUSR1, proxy.cut)
    signal.signal(signal.SIGUSR2, proxy.restore)
    print("ready", flush=True)
    proxy.serve()


class Proxy:
    """Handle used by tests."""

    def __init__(self, target_host: str, target_port: int):
        from tests.support.infra import ROOT, free_port, wait_port

        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.proxy", "--target",
             f"{target_host}:{target_port}", "--port", str(self.port)], cwd=ROOT)
        if not wait_port("127.0.0.1", self.port):
            raise RuntimeError("proxy did not start")

    def cut(self):
        self.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.2)

    def restore(self):
        self.proc.send_signal(signal.SIGUSR2)
        time.sleep(0.2)

    def close(self):
        self.proc.kill()
        self.proc.wait()


if __name__ == "__main__":
    main()
