"""Alerting routes that need no metric data: rules, versions, channels, jobs lock, retention."""
import json
import subprocess
import time

from hooks import Receiver, signature_ok
from tt import (ADMIN_KEY, delete, expect, expect_problem, get, jobs, new_key, other_tenant,
                post, request, sql)

RULE = {"name": "checkout errors", "source": "service", "service_name": "checkout",
        "metric": "error_rate", "window": "5m", "operator": "greater_than", "threshold": 0.05,
        "recovery_threshold": 0.03, "for": "1m", "severity": "high",
        "message": "error rate {{value}} over {{threshold}}"}


def put(path, body, key=ADMIN_KEY):
    return request("PUT", path, key=key, body=body)


def test_rule_crud_and_history():
    r = expect(post("/v1/alerts/rules", RULE), 201)
    rule = r.json
    assert r.header("Location") == "/v1/alerts/rules/" + rule["id"]
    assert rule["window"] == "300s" and rule["for"] == "60s" and rule["version"] == 1, rule
    assert rule["recovery_threshold"] == 0.03 and rule["no_data"] == "ok", rule
    got = expect(get("/v1/alerts/rules/" + rule["id"]), 200).json
    assert got == rule
    listed = expect(get("/v1/alerts/rules"), 200).json
    assert rule["id"] in [x["id"] for x in listed["rules"]] and listed["total"] >= 1
    changed = dict(RULE, threshold=0.1, recovery_threshold=0.08, severity="critical")
    upd = expect(put("/v1/alerts/rules/" + rule["id"], changed), 200).json
    assert upd["version"] == 2 and upd["threshold"] == 0.1 and upd["severity"] == "critical"
    hist = expect(get("/v1/alerts/rules/%s/history" % rule["id"]), 200).json["versions"]
    assert [v["change"] for v in hist] == ["updated", "created"], hist
    assert hist[1]["rule"]["threshold"] == 0.05 and hist[0]["rule"]["threshold"] == 0.1
    assert all(v["changed_by"].startswith("key:") and v["changed_at"] for v in hist)
    expect(delete("/v1/alerts/rules/" + rule["id"]), 204)
    expect_problem(get("/v1/alerts/rules/" + rule["id"]), 404)
    hist = expect(get("/v1/alerts/rules/%s/history" % rule["id"]), 200).json["versions"]
    assert hist[0]["change"] == "deleted", hist
    expect_problem(delete("/v1/alerts/rules/" + rule["id"]), 404)


def test_rule_validation_names_the_field():
    cases = [({"source": "service"}, "name"),
             (dict(RULE, source="logs"), "source"),
             (dict(RULE, metric="bytes"), "metric"),
             (dict(RULE, window="1s"), "window"),
             (dict(RULE, operator="above"), "operator"),
             (dict(RULE, threshold="x"), "threshold"),
             (dict(RULE, recovery_threshold=0.5), "recovery_threshold"),
             (dict(RULE, severity="urgent"), "severity"),
             (dict(RULE, no_data="later"), "no_data"),
             (dict(RULE, channels=["not-a-uuid"]), "channels"),
             (dict(RULE, channels=["00000000-0000-0000-0000-000000000000"]), None),
             ({"name": "m", "source": "metric", "metric": "cpu", "window": "1m",
               "operator": "greater_than", "threshold": 1, "severity": "low"}, "aggregation")]
    for body, field in cases:
        doc = expect_problem(post("/v1/alerts/rules", dict(body, name=body.get("name", "v"))
                                  if "name" in body else body), 422)
        if field:
            assert doc["errors"][0]["field"] == field, (body, doc)
    assert not [x for x in get("/v1/alerts/rules").json["rules"] if x["name"] == "v"]


def test_rule_scopes_and_duplicates():
    reader = new_key(["read"])["key"]
    expect_problem(post("/v1/alerts/rules", dict(RULE, name="scoped"), key=reader), 403)
    expect(get("/v1/alerts/rules", key=reader), 200)
    r = expect(post("/v1/alerts/rules", dict(RULE, name="dup")), 201).json
    expect_problem(post("/v1/alerts/rules", dict(RULE, name="dup")), 409)
    expect(delete("/v1/alerts/rules/" + r["id"]), 204)


def test_channel_test_delivery_is_signed():
    rx = Receiver()
    try:
        ch = expect(post("/v1/notifications/channels",
                         {"name": "ops-hook", "url": rx.url, "secret": "s3cret-s3cret-s3cret"}),
                    201).json
        assert ch["secret"] == "s3cret-s3cret-s3cret" and ch["format"] == "json", ch
        assert "secret" not in expect(get("/v1/notifications/channels"), 200).json["channels"][0]
        res = expect(post("/v1/notifications/channels/%s/test" % ch["id"]), 200).json
        assert res["delivered"] and res["status"] == 200, res
        assert len(rx.requests) == 1
        _, headers, body = rx.requests[0]
        assert signature_ok("s3cret-s3cret-s3cret", headers, body), headers
        assert headers.get("Idempotency-Key", "").startswith("test-"), headers
        assert json.loads(body)["type"] == "test"
        expect(delete("/v1/notifications/channels/" + ch["id"]), 204)
        expect_problem(post("/v1/notifications/channels/%s/test" % ch["id"]), 404)
    finally:
        rx.close()


def test_channel_slack_format_and_failures():
    rx = Receiver(status=500)
    try:
        ch = expect(post("/v1/notifications/channels",
                         {"name": "slack-hook", "url": rx.url, "format": "slack"}), 201).json
        assert len(ch["secret"]) == 64, ch  # generated
        res = post("/v1/notifications/channels/%s/test" % ch["id"])
        assert res.status == 502 and not res.json["delivered"] and res.json["status"] == 500
        body = json.loads(rx.requests[0][2])
        assert body["attachments"][0]["color"] and body["text"].startswith("telltale"), body
        expect(delete("/v1/notifications/channels/" + ch["id"]), 204)
    finally:
        rx.close()
    for bad in [{"name": "x", "url": "ftp://host/x"}, {"name": "", "url": "http://h/x"},
                {"name": "x", "url": "http://host/x", "format": "xml"},
                {"name": "x", "url": "http://host/x", "secret": "short"},
                {"name": "x", "url": "http://host/x", "max_attempts": 0}]:
        expect_problem(post("/v1/notifications/channels", bad), 422)


def test_channels_and_rules_are_tenant_scoped():
    key_b = other_tenant("alerting-b")
    ch_b = expect(post("/v1/notifications/channels",
                       {"name": "b-hook", "url": "http://127.0.0.1:9/x"}, key=key_b), 201).json
    expect_problem(post("/v1/alerts/rules", dict(RULE, name="x-tenant", channels=[ch_b["id"]])),
                   422)
    rule_b = expect(post("/v1/alerts/rules", dict(RULE, name="b-rule"), key=key_b), 201).json
    for path in ["/v1/alerts/rules/" + rule_b["id"],
                 "/v1/alerts/rules/%s/history" % rule_b["id"]]:
        expect_problem(get(path), 404)
    expect_problem(put("/v1/alerts/rules/" + rule_b["id"], RULE), 404)
    expect_problem(delete("/v1/alerts/rules/" + rule_b["id"]), 404)
    expect_problem(delete("/v1/notifications/channels/" + ch_b["id"]), 404)
    expect_problem(post("/v1/notifications/channels/%s/test" % ch_b["id"]), 404)
    assert ch_b["id"] not in [c["id"] for c in get("/v1/notifications/channels").json["channels"]]
    assert rule_b["id"] not in [r["id"] for r in get("/v1/alerts/rules").json["rules"]]
    expect(get("/v1/alerts/rules/" + rule_b["id"], key=key_b), 200)


def test_jobs_second_run_exits_while_locked():
    holder = subprocess.Popen(["psql", "-X", "-q", __import__("os").environ["TELLTALE_PG_DSN"]],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        holder.stdin.write("SELECT pg_advisory_lock(7465747462);\n\\echo locked\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() in ("pg_advisory_lock", "locked", "")
        time.sleep(0.3)
        r = jobs()
        assert r.returncode == 0 and "holds the lock" in r.stdout, r.stdout + r.stderr
    finally:
        holder.stdin.close()
        holder.wait(10)
    r = jobs()
    assert r.returncode == 0 and "evaluate ok" in r.stdout.replace("evaluate ", "evaluate "), r
    assert "relay" in r.stdout and "notify" in r.stdout, r.stdout


def test_maintain_creates_partitions_and_applies_retention():
    tid = sql("SELECT id FROM tenants WHERE name = 'default'")[0][0]
    sql("""CREATE TABLE IF NOT EXISTS retention_probe (ts timestamptz NOT NULL)
             PARTITION BY RANGE (ts);
           SELECT telltale_create_daily_partitions('retention_probe', current_date - 40,
                                                   current_date - 40);
           INSERT INTO active_alerts (tenant_id, rule_name, fingerprint, threshold, severity,
                                      state, started_at, resolved_at)
           VALUES (:'v1', 'old', 'probe-old', 1, 'low', 'resolved', now() - interval '9 days',
                   now() - interval '8 days'),
                  (:'v1', 'recent', 'probe-recent', 1, 'low', 'resolved',
                   now() - interval '2 days', now() - interval '1 day');""", tid)
    # a definition keeping 2 days: its 3-day-old sample goes, its recent one stays
    expect(post("/v1/metrics/definitions", {"name": "short_lived", "retention_days": 2}), 201)
    expect(post("/v1/metrics/ingest/batch", {"metrics": [
        {"name": "short_lived", "value": 1, "timestamp": time.time() - 3 * 86400},
        {"name": "short_lived", "value": 2}]}), 200)
    r = jobs("--only", "maintain")
    assert r.returncode == 0, r.stdout + r.stderr
    parts = [x[0] for x in sql("""SELECT c.relname FROM pg_inherits i JOIN pg_class c
                                  ON c.oid = i.inhrelid
                                  WHERE i.inhparent = 'retention_probe'::regclass""")]
    today = time.strftime("%Y%m%d", time.gmtime())
    assert "retention_probe_p" + today in parts, parts  # created ahead
    old = time.strftime("%Y%m%d", time.gmtime(time.time() - 40 * 86400))
    assert "retention_probe_p" + old not in parts, parts  # dropped past retention
    left = [x[0] for x in sql("SELECT fingerprint FROM active_alerts WHERE fingerprint LIKE 'probe-%'")]
    assert [x[0] for x in sql("SELECT count(*) FROM samples x JOIN series s ON s.id = x.series_id"
                              " WHERE s.name = 'short_lived'")] == ["1"]
    assert left == ["probe-recent"], left
    runs = expect(get("/v1/admin/jobs"), 200).json["runs"]
    assert any(x["job"] == "maintain" and x["ok"] for x in runs), runs[:3]
    sql("DROP TABLE retention_probe; DELETE FROM active_alerts WHERE fingerprint LIKE 'probe-%'")


def test_admin_outbox_and_dlq_shapes():
    o = expect(get("/v1/admin/outbox"), 200).json
    for k in ("pending", "oldest_pending_age_seconds", "deliveries_pending", "deliveries_dead"):
        assert k in o, o
    d = expect(get("/v1/admin/dlq"), 200).json
    assert isinstance(d["deliveries"], list)
    expect_problem(post("/v1/admin/dlq/999999999/retry"), 404)
    expect_problem(post("/v1/admin/dlq/abc/retry"), 404)
    reader = new_key(["read"])["key"]
    expect_problem(get("/v1/admin/dlq", key=reader), 403)
