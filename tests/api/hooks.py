"""tests/api/hooks.py — a webhook receiver on loopback that records what telltale sends."""
import hashlib
import hmac
import http.server
import json
import threading
import time


class Receiver:
    """Answers every POST with self.status and records (monotonic time, headers, body)."""

    def __init__(self, status=200):
        self.status = status
        self.requests = []
        self._lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with outer._lock:
                    outer.requests.append((time.monotonic(), dict(self.headers), body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.server.server_address[1]

    def events(self):
        with self._lock:
            return [json.loads(b) for _, _, b in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def signature_ok(secret, headers, body):
    want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, headers.get("X-Telltale-Signature", ""))
