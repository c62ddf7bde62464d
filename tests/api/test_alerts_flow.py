"""Alerting end to end on real data: reports breach a rule, telltale-jobs fires it, webhooks arrive
signed, the alert resolves; acknowledge/resolve through the API; retries, DLQ, relay, tenancy."""
import os
import subprocess
import time
import uuid

from hooks import Receiver, signature_ok
from tt import (delete, expect, expect_problem, get, jobs, other_tenant, post, request, sql)

SECRET = "flow-secret-0123456789"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + "Z"


def report(service, error_rate, requests, ago=20.0, key=None):
    body = {"reports": [{"endpoint": "/pay", "timestamp": iso(time.time() - ago), "qps": 5,
                         "avg_latency_ms": 50, "p95_latency_ms": 80, "p99_latency_ms": 90,
                         "error_rate": error_rate, "total_requests": requests}]}
    kw = {"key": key} if key else {}
    return expect(post("/v1/services/%s/reports" % service, body, **kw), 201)


def setup(rx, for_="0s", key=None, max_attempts=8, **rule_extra):
    kw = {"key": key} if key else {}
    svc = "svc-" + uuid.uuid4().hex[:8]
    ch = expect(post("/v1/notifications/channels",
                     {"name": "hook-" + svc, "url": rx.url, "secret": SECRET,
                      "max_attempts": max_attempts}, **kw), 201).json
    rule = dict({"name": "errors " + svc, "source": "service", "service_name": svc,
                 "metric": "error_rate", "window": "5m", "operator": "greater_than",
                 "threshold": 0.05, "recovery_threshold": 0.03, "for": for_, "severity": "high",
                 "channels": [ch["id"]]}, **rule_extra)
    rule = expect(post("/v1/alerts/rules", rule, **kw), 201).json
    return svc, ch, rule


def alerts_of(rule, key=None):
    kw = {"key": key} if key else {}
    return expect(get("/v1/alerts?rule_id=" + rule["id"], **kw), 200).json["alerts"]


def stream(tenant_id):
    sock = os.environ["TELLTALE_REDIS_URL"].split(":", 1)[1]
    r = subprocess.run(["redis-cli", "-s", sock, "--raw", "XRANGE", "events:%s" % tenant_id,
                        "-", "+"], capture_output=True, text=True)
    lines = r.stdout.splitlines()
    # entries print as: stream-id, "id", <event id>, "type", <type>, "data", <json>
    return [(lines[i + 2], lines[i + 4]) for i in range(0, len(lines) - 6, 7)
            if lines[i + 1] == "id"]


def tenant_id(name="default"):
    return sql("SELECT id FROM tenants WHERE name = :'v1'", name)[0][0]


def test_breach_fires_after_for_then_resolves_with_signed_webhooks():
    rx = Receiver()
    try:
        svc, ch, rule = setup(rx, for_="2s")
        report(svc, 0.2, 100)
        assert jobs().returncode == 0
        a = alerts_of(rule)
        assert len(a) == 1 and a[0]["state"] == "pending", a
        assert rx.requests == []
        time.sleep(2.2)
        r = jobs()
        assert r.returncode == 0, r.stdout + r.stderr
        a = alerts_of(rule)
        assert a[0]["state"] == "firing" and abs(a[0]["current_value"] - 0.2) < 1e-9, a
        assert len(rx.requests) == 1, rx.requests
        _, headers, body = rx.requests[0]
        assert signature_ok(SECRET, headers, body), headers
        ev = rx.events()[0]
        assert ev["type"] == "alert.firing" and headers["Idempotency-Key"] == ev["id"], ev
        assert ev["alert"]["id"] == a[0]["id"] and ev["alert"]["severity"] == "high"
        assert jobs().returncode == 0 and len(rx.requests) == 1  # still firing: no new webhook
        # 0.04 is under the threshold but above the recovery threshold: keeps firing
        report(svc, 0.04, 100000, ago=10)
        assert jobs().returncode == 0 and alerts_of(rule)[0]["state"] == "firing"
        report(svc, 0.0, 900000, ago=5)  # weighted: well under 0.03 now
        assert jobs().returncode == 0
        a = alerts_of(rule)
        assert a[0]["state"] == "resolved" and a[0]["resolved_by"] == "telltale-jobs", a
        assert [e["type"] for e in rx.events()] == ["alert.firing", "alert.resolved"]
        assert signature_ok(SECRET, rx.requests[1][1], rx.requests[1][2])
        hist = expect(get("/v1/alerts/" + a[0]["id"]), 200).json["history"]
        assert [h["kind"] for h in hist] == ["pending", "fired", "resolved"], hist
    finally:
        rx.close()


def test_report_to_webhook_latency():
    """Time from a breaching report to its webhook, with one jobs run right after (the timer
    adds up to 15 s in production). Printed for the notes, not asserted."""
    rx = Receiver()
    try:
        svc, ch, rule = setup(rx)
        t0 = time.monotonic()
        report(svc, 0.5, 10)
        jobs("--only", "evaluate")
        jobs("--only", "notify")
        assert len(rx.requests) == 1
        print("  report -> webhook: %.0f ms (evaluate + notify runs)" %
              ((rx.requests[0][0] - t0) * 1000), flush=True)
    finally:
        rx.close()


def test_acknowledge_and_resolve_via_api():
    rx = Receiver()
    try:
        svc, ch, rule = setup(rx)
        report(svc, 0.3, 50)
        assert jobs().returncode == 0
        alert = alerts_of(rule)[0]
        assert alert["state"] == "firing"
        active = expect(get("/v1/alerts/active"), 200).json
        assert alert["id"] in [x["id"] for x in active["alerts"]], active
        assert active["alerts"][0]["duration_minutes"] >= 0 and active["source"] in ("redis", "postgresql")
        r = expect(post("/v1/alerts/%s/acknowledge" % alert["id"], {"comment": "looking"}), 200)
        acked = r.json
        assert acked["acknowledged_at"] and acked["acknowledged_by"].startswith("key:"), acked
        again = expect(post("/v1/alerts/%s/acknowledge" % alert["id"]), 200).json
        assert again["acknowledged_at"] == acked["acknowledged_at"]  # idempotent
        events = [t for _, t in stream(tenant_id())]
        assert "alert.acknowledged" in events, events  # relayed right after COMMIT
        done = expect(post("/v1/alerts/%s/resolve" % alert["id"], {"comment": "fixed"}), 200).json
        assert done["state"] == "resolved" and done["resolved_by"].startswith("key:")
        expect(post("/v1/alerts/%s/resolve" % alert["id"]), 200)
        expect_problem(post("/v1/alerts/%s/acknowledge" % alert["id"]), 409)
        hist = expect(get("/v1/alerts/" + alert["id"]), 200).json["history"]
        kinds = [(h["kind"], h["comment"]) for h in hist]
        assert kinds == [("fired", None), ("acknowledged", "looking"), ("resolved", "fixed")], kinds
        assert "alert.resolved" in [t for _, t in stream(tenant_id())]
        assert jobs().returncode == 0
        # The data still breaches: the next evaluation opens a new alert (documented).
        assert [e["type"] for e in rx.events()] == ["alert.firing", "alert.resolved",
                                                    "alert.firing"], rx.events()
        assert [a["state"] for a in alerts_of(rule)] == ["firing", "resolved"]
        stats = expect(get("/v1/alerts/statistics?since=1h"), 200).json
        assert stats["total"] >= 1 and stats["resolved"] >= 1, stats
        assert stats["mean_time_to_resolve_minutes"] is not None and stats["alerts_per_hour"] > 0
        expect_problem(post("/v1/alerts/%s/acknowledge" % alert["id"], {"comment": 5}), 422)
        expect_problem(post("/v1/alerts/%s/resolve" % uuid.uuid4()), 404)
    finally:
        rx.close()


def test_failing_receiver_retries_then_dead_letter_then_retry():
    rx = Receiver(status=500)
    try:
        svc, ch, rule = setup(rx, max_attempts=3)
        report(svc, 0.9, 10)
        assert jobs().returncode == 0
        times = [t for t, _, _ in rx.requests]
        assert len(times) == 3, times
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert gaps[0] >= 0.09 and gaps[1] >= 0.18 and gaps[1] > gaps[0], gaps
        dlq = expect(get("/v1/admin/dlq"), 200).json["deliveries"]
        mine = [d for d in dlq if d["channel_id"] == ch["id"]]
        assert len(mine) == 1 and mine[0]["attempts"] == 3 and mine[0]["last_status"] == 500, mine
        rx.status = 200
        r = expect(post("/v1/admin/dlq/%d/retry" % mine[0]["id"]), 202)
        assert r.json["status"] == "pending"
        assert jobs("--only", "notify").returncode == 0
        assert len(rx.requests) == 4 and rx.events()[-1]["type"] == "alert.firing"
        assert mine[0]["id"] not in [d["id"] for d in get("/v1/admin/dlq").json["deliveries"]]
        expect_problem(post("/v1/admin/dlq/%d/retry" % mine[0]["id"]), 404)
    finally:
        rx.close()


def test_two_concurrent_runs_fire_and_deliver_once():
    rx = Receiver()
    try:
        svc, ch, rule = setup(rx)
        report(svc, 0.7, 10)
        exe = os.path.join(os.environ["TELLTALE_BIN"], "telltale-jobs")
        procs = [subprocess.Popen([exe, "run"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        for _ in range(2):
            jobs()
        assert len(alerts_of(rule)) == 1
        assert [e["type"] for e in rx.events()] == ["alert.firing"], rx.events()
    finally:
        rx.close()


def test_relay_publishes_each_event_once():
    rx = Receiver()
    try:
        svc, ch, rule = setup(rx)
        report(svc, 0.7, 10)
        assert jobs().returncode == 0
        ids = [r[0] for r in sql("SELECT id FROM outbox WHERE payload->'alert'->>'rule_id' = :'v1'",
                                 rule["id"])]
        assert ids, "no outbox rows"
        # As if a relay had added them to the stream but died before its COMMIT:
        sql("UPDATE outbox SET published_at = NULL WHERE id = ANY(string_to_array(:'v1', ',')::bigint[])",
            ",".join(ids))
        assert jobs("--only", "relay").returncode == 0
        assert jobs("--only", "relay").returncode == 0
        seen = [eid for eid, _ in stream(tenant_id()) if eid in ids]
        assert sorted(seen) == sorted(ids), (seen, ids)
        pending = sql("SELECT count(*) FROM outbox WHERE id = ANY(string_to_array(:'v1', ',')::bigint[])"
                      " AND published_at IS NULL", ",".join(ids))[0][0]
        assert pending == "0"
    finally:
        rx.close()


def test_alert_routes_are_tenant_scoped():
    rx = Receiver()
    key_b = other_tenant("alerts-flow-b")
    try:
        svc, ch, rule = setup(rx, key=key_b)
        report(svc, 0.9, 10, key=key_b)
        assert jobs().returncode == 0
        alert_b = alerts_of(rule, key=key_b)[0]
        assert alerts_of(rule) == []
        for path in ["/v1/alerts/" + alert_b["id"]]:
            expect_problem(get(path), 404)
        expect_problem(post("/v1/alerts/%s/acknowledge" % alert_b["id"]), 404)
        expect_problem(post("/v1/alerts/%s/resolve" % alert_b["id"]), 404)
        assert alert_b["id"] not in [a["id"] for a in get("/v1/alerts/active").json["alerts"]]
        assert alert_b["id"] not in [a["id"] for a in get("/v1/alerts?limit=1000").json["alerts"]]
        assert alert_b["id"] in [a["id"] for a in get("/v1/alerts/active", key=key_b).json["alerts"]]
        sql("UPDATE deliveries SET status = 'dead', dead_at = now() WHERE channel_id = :'v1'",
            ch["id"])
        dead_b = get("/v1/admin/dlq", key=key_b).json["deliveries"]
        assert dead_b and all(d["channel_id"] == ch["id"] for d in dead_b)
        assert ch["id"] not in [d["channel_id"] for d in get("/v1/admin/dlq").json["deliveries"]]
        expect_problem(post("/v1/admin/dlq/%d/retry" % dead_b[0]["id"]), 404)
        expect(post("/v1/admin/dlq/%d/retry" % dead_b[0]["id"], key=key_b), 202)
    finally:
        rx.close()


def test_definition_threshold_fires_on_ingest():
    name = "temp_" + uuid.uuid4().hex[:8]
    expect(post("/v1/metrics/definitions",
                {"name": name, "alert_threshold": {"warning": 80, "critical": 95}}), 201)
    tid = tenant_id()
    before = len(stream(tid))

    def ingest(value, host="a"):
        expect(post("/v1/metrics/ingest/batch", {"metrics": [
            {"name": name, "value": 10, "labels": {"host": host}, "timestamp": time.time() - 2},
            {"name": name, "value": value, "labels": {"host": host}}]}), 200)

    def open_alerts():
        return [a for a in get("/v1/alerts?state=firing&limit=1000").json["alerts"]
                if a["metric"] == name]

    t0 = time.monotonic()
    ingest(97)  # the newest point of the series decides: critical
    a = open_alerts()
    elapsed = time.monotonic() - t0
    assert len(a) == 1 and a[0]["severity"] == "critical" and a[0]["labels"] == {"host": "a"}, a
    assert a[0]["rule_id"] is None and a[0]["threshold"] == 95, a
    assert elapsed < 5, elapsed  # generous bound on a shared machine; the issue asks for 1 s
    assert "alert.firing" in [t for _, t in stream(tid)[before:]]  # published right away
    ingest(96)
    assert len(open_alerts()) == 1  # still one open alert for the series
    ingest(85, host="b")
    b = [x for x in open_alerts() if x["labels"] == {"host": "b"}]
    assert len(b) == 1 and b[0]["severity"] == "medium", b
    ingest(20)
    ingest(20, host="b")
    assert open_alerts() == []
    hist = expect(get("/v1/alerts/" + a[0]["id"]), 200).json["history"]
    assert [h["kind"] for h in hist] == ["fired", "resolved"], hist
    # a metric without thresholds never creates alerts
    expect(post("/v1/metrics/ingest", {"name": name + "_plain", "value": 1e9}), 200)
    assert not [x for x in get("/v1/alerts?limit=1000").json["alerts"]
                if x["metric"] == name + "_plain"]


def test_channel_rate_limit_defers_without_dropping():
    rx = Receiver()
    try:
        ch = expect(post("/v1/notifications/channels",
                         {"name": "limited-" + uuid.uuid4().hex[:6], "url": rx.url,
                          "secret": SECRET, "rate_limit_per_minute": 2}), 201).json
        for i in range(3):
            svc = "rl-%d-%s" % (i, uuid.uuid4().hex[:6])
            expect(post("/v1/alerts/rules", {"name": "rl " + svc, "source": "service",
                                             "service_name": svc, "metric": "error_rate",
                                             "window": "5m", "operator": "greater_than",
                                             "threshold": 0.05, "severity": "low",
                                             "channels": [ch["id"]]}), 201)
            report(svc, 0.5, 10)
        r = jobs()
        assert r.returncode == 0 and '"rate_limited":1' in r.stdout, r.stdout
        assert len(rx.requests) == 2
        waiting = sql("SELECT status, next_attempt_at > now() + interval '30 seconds'"
                      " FROM deliveries WHERE channel_id = :'v1' AND status = 'pending'", ch["id"])
        assert waiting == [["pending", "t"]], waiting  # kept, due in the next minute
    finally:
        rx.close()


def test_metric_rule_alerts_per_series_and_absence():
    name = "cpu_" + uuid.uuid4().hex[:8]

    def ingest(host, value):
        expect(post("/v1/metrics/ingest", {"name": name, "value": value,
                                           "labels": {"host": host, "dc": "x"},
                                           "timestamp": time.time() - 5}), 200)

    ingest("a", 95)
    ingest("b", 10)
    rule = expect(post("/v1/alerts/rules", {
        "name": "hot " + name, "source": "metric", "metric": name, "labels": {"dc": "x"},
        "aggregation": "max", "window": "2m", "operator": "greater_than", "threshold": 90,
        "severity": "medium"}), 201).json
    gone = expect(post("/v1/alerts/rules", {
        "name": "gone " + name, "source": "absent", "metric": name + "_heartbeat",
        "window": "1m", "severity": "critical"}), 201).json
    assert jobs().returncode == 0
    hot = alerts_of(rule)
    assert [(a["labels"]["host"], a["state"]) for a in hot] == [("a", "firing")], hot
    ingest("b", 99)
    assert jobs().returncode == 0
    hosts = sorted(a["labels"]["host"] for a in alerts_of(rule) if a["state"] == "firing")
    assert hosts == ["a", "b"], alerts_of(rule)
    missing = alerts_of(gone)
    assert len(missing) == 1 and missing[0]["state"] == "firing", missing
    expect(post("/v1/metrics/ingest", {"name": name + "_heartbeat", "value": 1}), 200)
    assert jobs().returncode == 0
    assert alerts_of(gone)[0]["state"] == "resolved", alerts_of(gone)
