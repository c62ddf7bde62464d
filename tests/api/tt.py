"""tests/api/tt.py — a small HTTPS client and assertions for the API tests (stdlib only)."""
import http.client
import json
import os
import ssl
import subprocess
import time
import urllib.parse

URL = os.environ["TELLTALE_URL"]
ADMIN_KEY = os.environ["TELLTALE_ADMIN_KEY"]
STACK = os.environ.get("STACK", "./stack")
_u = urllib.parse.urlsplit(URL)
_ctx = ssl.create_default_context()
_ctx.check_hostname = False
_ctx.verify_mode = ssl.CERT_NONE


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


def request(method, path, key=None, body=None, headers=None, raw=None):
    """Sends one request. body is JSON-encoded unless raw (bytes) is given."""
    conn = http.client.HTTPSConnection(_u.hostname, _u.port, context=_ctx, timeout=30)
    h = dict(headers or {})
    if key:
        h["Authorization"] = "Bearer " + key
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    resp = Response(r.status, r.getheaders(), r.read())
    conn.close()
    return resp


def get(path, key=ADMIN_KEY, **kw):
    return request("GET", path, key=key, **kw)


def post(path, body=None, key=ADMIN_KEY, **kw):
    return request("POST", path, key=key, body=body, **kw)


def delete(path, key=ADMIN_KEY, **kw):
    return request("DELETE", path, key=key, **kw)


def expect(resp, status):
    assert resp.status == status, "expected %d, got %r" % (status, resp)
    return resp


def expect_problem(resp, status):
    expect(resp, status)
    ct = resp.header("Content-Type") or ""
    assert ct.startswith("application/problem+json"), "content type %r for %r" % (ct, resp)
    doc = resp.json
    assert doc["status"] == status and doc["type"].startswith("/problems/") and doc["detail"], doc
    return doc


def new_key(scopes, key=ADMIN_KEY, **extra):
    body = {"name": "test-" + "-".join(scopes), "scopes": scopes}
    body.update(extra)
    r = expect(post("/v1/admin/keys", body, key=key), 201)
    return r.json


def stack_service(action, name):
    subprocess.run([STACK, "service", action, name], check=True,
                   stdout=subprocess.DEVNULL)


def eventually(fn, timeout=15.0, interval=0.2):
    """Calls fn until it returns a truthy value or the timeout passes; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def sql(query, *args):
    """Runs SQL against the stack's database (psql, as the application role); returns rows as
    lists of strings. Arguments are passed as psql variables :'v1', :'v2', ... (quoted)."""
    cmd = ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
           os.environ["TELLTALE_PG_DSN"]]
    for i, a in enumerate(args, 1):
        cmd += ["-v", "v%d=%s" % (i, a)]
    r = subprocess.run(cmd, input=query, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return [line.split("\t") for line in r.stdout.splitlines() if line]


def jobs(*args):
    """Runs telltale-jobs once with the stack's configuration; returns the CompletedProcess."""
    exe = os.path.join(os.environ["TELLTALE_BIN"], "telltale-jobs")
    return subprocess.run([exe, "run", *args], capture_output=True, text=True, env=os.environ,
                          timeout=120)


def ctl(*args):
    exe = os.path.join(os.environ["TELLTALE_BIN"], "telltalectl")
    return subprocess.run([exe, *args], capture_output=True, text=True, env=os.environ)


def other_tenant(name):
    """Creates (or reuses) a tenant and returns a fresh admin key of it."""
    r = ctl("tenant", "create", name)
    assert r.returncode == 0, r.stderr
    r = ctl("key", "create", "--tenant", name, "--scopes", "read,write,admin")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()
