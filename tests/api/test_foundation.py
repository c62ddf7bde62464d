"""API tests of the foundation: health, /v1, auth, keys, routing errors, limits."""
import os
import subprocess
import time

from tt import (ADMIN_KEY, delete, eventually, expect, expect_problem, get, new_key, post,
                request)


def test_health_both_up():
    r = expect(request("GET", "/health"), 200)
    doc = r.json
    assert doc["status"] == "ok", doc
    assert doc["postgresql"]["status"] == "up" and doc["postgresql"]["latency_ms"] >= 0, doc
    assert doc["redis"]["status"] == "up" and doc["redis"]["latency_ms"] >= 0, doc
    assert r.header("X-Request-Id"), r.headers
    assert doc["degraded"] is False and doc["pipeline"]["outbox_pending"] >= 0, doc


def test_v1_lists_routes():
    doc = expect(get("/v1"), 200).json
    routes = {(x["method"], x["path"]): x["scope"] for x in doc["routes"]}
    assert routes[("GET", "/health")] == "public", routes
    assert routes[("POST", "/v1/admin/keys")] == "admin", routes
    assert routes[("DELETE", "/v1/admin/keys/{id}")] == "admin", routes
    assert doc["limits"]["body_max_bytes"] > 0 and doc["version"], doc


def test_401_without_key():
    r = request("GET", "/v1")
    expect_problem(r, 401)
    assert "Bearer" in (r.header("WWW-Authenticate") or "")


def test_401_with_malformed_and_unknown_keys():
    expect_problem(get("/v1", key="nonsense"), 401)
    expect_problem(get("/v1", key="tt_" + "A" * 32), 401)
    expect_problem(request("GET", "/v1", headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401)


def test_403_read_key_on_admin_route():
    k = new_key(["read"])
    expect(get("/v1", key=k["key"]), 200)
    doc = expect_problem(get("/v1/admin/keys", key=k["key"]), 403)
    assert "admin" in doc["detail"], doc
    expect_problem(post("/v1/admin/keys", {"scopes": ["read"]}, key=k["key"]), 403)


def test_write_key_cannot_read():
    k = new_key(["write"])
    expect_problem(get("/v1", key=k["key"]), 403)


def test_key_create_shows_key_once_and_lists_without_it():
    k = new_key(["read", "write"], name="ci-agent")
    assert k["key"].startswith("tt_") and len(k["key"]) == 35, k
    assert k["scopes"] == ["read", "write"] and k["name"] == "ci-agent", k
    assert k["prefix"] == k["key"][:7], k
    keys = expect(get("/v1/admin/keys"), 200).json["keys"]
    mine = [x for x in keys if x["id"] == k["id"]]
    assert len(mine) == 1 and "key" not in mine[0] and mine[0]["revoked_at"] is None, mine
    for x in keys:
        assert "key_hash" not in x and "key" not in x, x


def test_revoked_key_gets_401():
    k = new_key(["read"])
    expect(get("/v1", key=k["key"]), 200)  # now cached by one worker
    expect(delete("/v1/admin/keys/" + k["id"]), 204)
    # Every worker must refuse it within 10 s (key_cache_ttl is 5 s); ask repeatedly so the
    # request reaches the worker that cached it.
    t0 = time.monotonic()
    ok = eventually(lambda: all(get("/v1", key=k["key"]).status == 401 for _ in range(8)),
                    timeout=12)
    assert ok, "revoked key still accepted after %.1fs" % (time.monotonic() - t0)
    assert time.monotonic() - t0 <= 11
    expect_problem(delete("/v1/admin/keys/" + k["id"]), 404)  # already revoked


def test_expired_key_gets_401():
    k = new_key(["read"], expires_in="1s")
    assert k["expires_at"], k
    time.sleep(1.5)
    expect_problem(get("/v1", key=k["key"]), 401)


def test_key_validation_422():
    expect_problem(post("/v1/admin/keys", {"scopes": ["root"]}), 422)
    expect_problem(post("/v1/admin/keys", {"scopes": []}), 422)
    expect_problem(post("/v1/admin/keys", {"scopes": "read"}), 422)
    expect_problem(post("/v1/admin/keys", {"scopes": ["read"], "name": 5}), 422)
    expect_problem(post("/v1/admin/keys", {"scopes": ["read"], "expires_in": "soon"}), 422)
    expect_problem(post("/v1/admin/keys", [1, 2]), 422)


def test_revoke_unknown_or_bad_id_404():
    expect_problem(delete("/v1/admin/keys/00000000-0000-0000-0000-000000000000"), 404)
    expect_problem(delete("/v1/admin/keys/not-a-uuid"), 404)


def test_404_unknown_route():
    expect_problem(get("/v1/nothing/here"), 404)


def test_405_with_allow():
    r = request("PUT", "/v1/admin/keys", key=ADMIN_KEY)
    expect_problem(r, 405)
    allow = [m.strip() for m in (r.header("Allow") or "").split(",")]
    assert "GET" in allow and "POST" in allow and "PUT" not in allow, allow
    r = request("POST", "/health")
    expect_problem(r, 405)
    assert "GET" in r.header("Allow"), r.headers


def test_413_body_over_limit():
    limit = expect(get("/v1"), 200).json["limits"]["body_max_bytes"]
    r = request("POST", "/v1/admin/keys", key=ADMIN_KEY, raw=b"x" * (limit + 1),
                headers={"Content-Type": "application/json"})
    expect_problem(r, 413)


def test_400_malformed_json():
    for raw in [b"{", b'{"scopes": ["read"]} trailing', b"{'scopes': ['read']}",
                b'{"scopes": ["read"], "scopes": ["admin"]}', b'{"name": "\xc0\xaf"}', b""]:
        r = request("POST", "/v1/admin/keys", key=ADMIN_KEY, raw=raw,
                    headers={"Content-Type": "application/json"})
        doc = expect_problem(r, 400)
        assert doc["type"] == "/problems/malformed-json", (raw, doc)


def test_415_wrong_content_type():
    r = request("POST", "/v1/admin/keys", key=ADMIN_KEY, raw=b"scopes=read",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    expect_problem(r, 415)


def test_400_bad_query_escape():
    expect_problem(get("/v1?x=%zz"), 400)


def _ctl(*args):
    return subprocess.run([os.path.join(os.path.dirname(os.environ["STACK"]), "telltalectl"),
                           *args], capture_output=True, text=True, env=os.environ)


def test_tenant_isolation_of_keys():
    r = _ctl("tenant", "create", "iso-tenant")
    assert r.returncode == 0, r.stderr
    r = _ctl("key", "create", "--tenant", "iso-tenant", "--scopes", "admin")
    assert r.returncode == 0, r.stderr
    other = r.stdout.strip()
    mine = new_key(["read"])
    theirs = expect(get("/v1/admin/keys", key=other), 200).json["keys"]
    assert all(k["tenant"] == "iso-tenant" for k in theirs), theirs
    assert mine["id"] not in [k["id"] for k in theirs]
    expect_problem(delete("/v1/admin/keys/" + mine["id"], key=other), 404)
    expect(get("/v1", key=mine["key"]), 200)  # untouched
    doc = expect(get("/v1", key=other), 200).json
    assert doc["tenant"] == "iso-tenant", doc


def test_ctl_key_revoke_and_list():
    k = new_key(["read"])
    r = _ctl("key", "list", "--tenant", "default")
    assert r.returncode == 0 and k["id"] in r.stdout, r
    assert k["key"] not in r.stdout
    r = _ctl("key", "revoke", k["id"])
    assert r.returncode == 0, r.stderr
    assert _ctl("key", "revoke", k["id"]).returncode != 0


def test_ctl_check_and_migrate_status():
    r = _ctl("check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "schema up to date" in r.stdout, r.stdout
    r = _ctl("migrate", "--status")
    assert r.returncode == 0 and "applied" in r.stdout and "pending" not in r.stdout, r.stdout


def test_ctl_tenant_list_and_series_limit():
    from tt import other_tenant
    key = other_tenant("limited-tenant")
    r = _ctl("tenant", "set", "limited-tenant", "--max-series", "2")
    assert r.returncode == 0 and "at most 2 series" in r.stdout, r.stdout + r.stderr
    assert _ctl("tenant", "set", "no-such-tenant", "--max-series", "2").returncode == 1
    assert _ctl("tenant", "set", "limited-tenant", "--max-series", "-3").returncode == 2
    ok = post("/v1/metrics/ingest/batch", {"metrics": [
        {"name": "lim", "value": 1, "labels": {"h": "a"}},
        {"name": "lim", "value": 1, "labels": {"h": "b"}}]}, key=key)
    expect(ok, 200)
    doc = expect_problem(post("/v1/metrics/ingest", {"name": "lim", "value": 1,
                                                     "labels": {"h": "c"}}, key=key), 429)
    assert doc["limit"] == 2, doc
    r = _ctl("tenant", "list")
    row = [line.split() for line in r.stdout.splitlines() if " limited-tenant " in line]
    assert r.returncode == 0 and row and row[0][2:4] == ["2", "2"], r.stdout
