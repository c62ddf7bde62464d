"""API tests of API-service monitoring (issue 3): reports, registry, health, reads, dashboards."""
import math
import os
import random
import subprocess
import time
import urllib.parse

from tt import (ADMIN_KEY, delete, eventually, expect, expect_problem, get, new_key, post,
                request, stack_service)

_RUN = "%06x" % random.randrange(1 << 24)


def _ctl(*args):
    return subprocess.run([os.path.join(os.path.dirname(os.environ["STACK"]), "telltalectl"),
                           *args], capture_output=True, text=True, env=os.environ)


def _tenant(name):
    """A fresh tenant and a read/write/admin key for it (its data is exactly what a test sends)."""
    name = "%s-%s" % (name, _RUN)
    r = _ctl("tenant", "create", name)
    assert r.returncode == 0, r.stderr
    r = _ctl("key", "create", "--tenant", name, "--scopes", "read,write,admin")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def put(path, body, key=ADMIN_KEY):
    return request("PUT", path, key=key, body=body)


def _iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _q(**kw):
    return "?" + urllib.parse.urlencode(kw)


def _minute(ago_min):
    return (int(time.time()) // 60 - ago_min) * 60


def _report(endpoint, ts, qps, lat, err, req, p95=None, p99=None):
    p95 = lat * 2 if p95 is None else p95
    return {"endpoint": endpoint, "timestamp": _iso(ts), "qps": qps, "avg_latency_ms": lat,
            "p95_latency_ms": p95, "p99_latency_ms": p99 if p99 is not None else p95 * 1.5,
            "error_rate": err, "total_requests": req}


def _expected(reports):
    """What the API must answer for these reports: weighted by requests, never row averages."""
    req = sum(r["total_requests"] for r in reports)
    by_ep = {}
    for r in reports:
        by_ep.setdefault(r["endpoint"], []).append(r)
    qps = 0.0
    for rows in by_ep.values():
        w = sum(r["total_requests"] for r in rows)
        qps += (sum(r["qps"] * r["total_requests"] for r in rows) / w if w
                else sum(r["qps"] for r in rows) / len(rows))

    def wavg(k):
        return sum(r[k] * r["total_requests"] for r in reports) / req if req else None
    return {"reports": len(reports), "total_requests": req,
            "error_rate": wavg("error_rate"), "avg_latency_ms": wavg("avg_latency_ms"),
            "avg_of_p95_latency_ms": wavg("p95_latency_ms"),
            "avg_of_p99_latency_ms": wavg("p99_latency_ms"), "qps": qps,
            "total_errors": sum(r["error_rate"] * r["total_requests"] for r in reports)}


def _close(a, b, what):
    if a is None or b is None:
        assert a is None and b is None, "%s: %r != %r" % (what, a, b)
        return
    assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), "%s: %r != %r" % (what, a, b)


def _check_agg(doc, exp, what):
    for k, v in exp.items():
        _close(doc[k], v, "%s.%s" % (what, k))


def _send(service, reports, key=ADMIN_KEY, status=201):
    return expect(post("/v1/services/%s/reports" % service, reports, key=key), status)


def _mixed_reports(t0):
    """Very different traffic per endpoint, so row averages and weighted averages disagree."""
    return [
        _report("/predict", t0, 2.5, 120.5, 0.02, 1500, 180.2, 250.8),
        _report("/predict", t0 + 60, 4.0, 100.0, 0.01, 2400, 150.0, 220.0),
        _report("/health", t0, 0.1, 2.0, 0.5, 6, 3.0, 4.0),
        _report("/health", t0 + 60, 0.2, 4.0, 0.0, 12, 5.0, 6.0),
        _report("/batch", t0 + 120, 0.0, 900.0, 0.25, 0, 1000.0, 1200.0),
    ]


# --- reports in, historical out ---------------------------------------------------------------

def test_reports_round_trip_through_historical():
    svc = "rt-" + _RUN
    t0 = _minute(20)
    sent = [_report(ep, t0 + 60 * i, 1.5 + i, 50 + i, 0.01 * i, 100 * (i + 1))
            for i in range(4) for ep in ("/a", "/b", "/c")]
    doc = _send(svc, {"reports": sent}).json
    assert doc["accepted"] == 12 and doc["service_name"] == svc, doc
    r = expect(get("/v1/metrics/historical" + _q(service=svc, start=t0 - 1, end=t0 + 600)), 200)
    items = r.json["items"]
    assert len(items) == 12 and r.json["next_offset"] is None, r.json
    got = {(x["endpoint"], x["timestamp"]): x for x in items}
    for s in sent:
        x = got[(s["endpoint"], s["timestamp"])]
        for k in ("qps", "avg_latency_ms", "p95_latency_ms", "p99_latency_ms", "error_rate",
                  "total_requests"):
            assert x[k] == s[k], (k, x, s)
        assert x["service_name"] == svc
    # newest first, paginated, filtered by endpoint
    assert items[0]["timestamp"] >= items[-1]["timestamp"]
    page = expect(get("/v1/metrics/historical" + _q(service=svc, start=t0 - 1, limit=5)), 200).json
    assert len(page["items"]) == 5 and page["next_offset"] == 5, page
    page2 = expect(get("/v1/metrics/historical" + _q(service=svc, start=t0 - 1, limit=5,
                                                      offset=10)), 200).json
    assert len(page2["items"]) == 2 and page2["next_offset"] is None, page2
    only_b = expect(get("/v1/metrics/historical" + _q(service=svc, endpoint="/b",
                                                       start=t0 - 1)), 200).json["items"]
    assert len(only_b) == 4 and all(x["endpoint"] == "/b" for x in only_b), only_b
    # the report registered the service, with the union of its endpoints
    s = expect(get("/v1/services/" + svc), 200).json
    assert s["endpoints"] == ["/a", "/b", "/c"], s
    _send(svc, [_report("/d", t0, 1, 1, 0, 1)])
    assert expect(get("/v1/services/" + svc), 200).json["endpoints"] == ["/a", "/b", "/c", "/d"]


def test_reports_on_old_days_get_their_partitions():
    svc = "old-" + _RUN
    days = [20, 29]  # the migration only made today-1 .. today+7
    sent = [_report("/o", _minute(d * 1440), 1, 1, 0, 10 + d) for d in days]
    _send(svc, sent)
    items = expect(get("/v1/metrics/historical" + _q(service=svc, start=_minute(30 * 1440))),
                   200).json["items"]
    assert sorted(x["total_requests"] for x in items) == [30, 39], items


def test_odd_endpoint_names_round_trip():
    svc = "odd-" + _RUN
    names = ['/q"u\\o,te {x}', "/ünï cødé", "NULL", "/a b"]
    _send(svc, [_report(n, _minute(2), 1, 1, 0, 1) for n in names])
    items = expect(get("/v1/metrics/historical" + _q(service=svc)), 200).json["items"]
    assert sorted(x["endpoint"] for x in items) == sorted(names), items
    assert expect(get("/v1/services/" + svc), 200).json["endpoints"] == sorted(names)
    one = expect(get("/v1/metrics/historical" + _q(service=svc, endpoint=names[0])), 200).json
    assert [x["endpoint"] for x in one["items"]] == [names[0]], one


def test_report_resent_replaces_not_doubles():
    svc = "resend-" + _RUN
    t0 = _minute(5)
    _send(svc, [_report("/x", t0, 1, 10, 0.1, 100)])
    _send(svc, [_report("/x", t0, 2, 20, 0.2, 200)])
    items = expect(get("/v1/metrics/historical" + _q(service=svc)), 200).json["items"]
    assert len(items) == 1 and items[0]["total_requests"] == 200, items


def test_reports_invalid_is_all_or_nothing_with_indexes():
    svc = "bad-" + _RUN
    t0 = _minute(3)
    body = [_report("/ok", t0, 1, 1, 0, 1), _report("/ok", t0 + 1, 1, 1, 1.5, 1),
            {"endpoint": "/x"}, _report("/ok", time.time() + 3600, 1, 1, 0, 1),
            _report("/ok", time.time() - 31 * 86400, 1, 1, 0, 1)]
    doc = expect_problem(_send(svc, body, status=422), 422)
    errs = doc["errors"]
    assert doc["invalid_items"] == 4, doc
    assert {"index": 1, "field": "error_rate"}.items() <= errs[0].items(), errs
    assert {e["index"] for e in errs} == {1, 2, 3, 4}, errs
    assert any(e["index"] == 2 and e["field"] == "qps" for e in errs), errs
    assert any(e["index"] == 3 and e["field"] == "timestamp" and "future" in e["reason"]
               for e in errs), errs
    assert any(e["index"] == 4 and e["field"] == "timestamp" for e in errs), errs
    # nothing stored, the service not registered
    expect_problem(get("/v1/services/" + svc), 404)
    assert expect(get("/v1/metrics/historical" + _q(service=svc)), 200).json["items"] == []
    # malformed and wrongly typed bodies, wrong content type, bad names
    expect_problem(post("/v1/services/%s/reports" % svc, raw=b"[{", headers={
        "Content-Type": "application/json"}), 400)
    expect_problem(post("/v1/services/%s/reports" % svc, raw=b"[]", headers={
        "Content-Type": "text/plain"}), 415)
    expect_problem(_send(svc, [], status=422), 422)
    expect_problem(_send(svc, {"nope": 1}, status=422), 422)
    expect_problem(_send("bad%20name", [_report("/x", t0, 1, 1, 0, 1)], status=422), 422)
    # at most 10,000 reports
    many = [_report("/m", t0, 1, 1, 0, 1)] * 10001
    expect_problem(_send(svc, many, status=413), 413)
    # write scope needed
    rk = new_key(["read"])["key"]
    expect_problem(post("/v1/services/%s/reports" % svc, [], key=rk), 403)


def test_reports_first_100_errors_listed():
    body = [{"endpoint": "/e"} for _ in range(150)]
    doc = expect_problem(_send("many-" + _RUN, body, status=422), 422)
    assert doc["invalid_items"] == 150 and len(doc["errors"]) == 100, doc


# --- summary, services, endpoints, trend: the numbers -----------------------------------------

def test_summary_and_aggregates_weighted_by_requests():
    key = _tenant("sum")
    t0 = _minute(30)
    a = _mixed_reports(t0)
    b = [_report("/q", t0 + 30, 10.0, 30.0, 0.001, 9000), _report("/q", t0 + 90, 1.0, 300.0,
                                                                    0.4, 10)]
    _send("alpha", a, key=key)
    _send("beta", b, key=key)
    rng = _q(start=t0 - 60, end=t0 + 600)
    s = expect(get("/v1/metrics/summary" + rng, key=key), 200).json
    _check_agg(s, _expected(a + b), "summary")
    assert s["total_services"] == 2 and s["total_endpoints"] == 4, s
    # the plain row average would be far off: make sure the test itself can tell them apart
    rows = a + b
    assert abs(sum(r["error_rate"] for r in rows) / len(rows) - s["error_rate"]) > 0.05
    s1 = expect(get("/v1/metrics/summary" + rng + "&service=alpha", key=key), 200).json
    _check_agg(s1, _expected(a), "summary(alpha)")
    per = expect(get("/v1/metrics/services" + rng, key=key), 200).json["services"]
    assert [x["service_name"] for x in per] == ["alpha", "beta"], per
    _check_agg(per[0], _expected(a), "services.alpha")
    _check_agg(per[1], _expected(b), "services.beta")
    eps = expect(get("/v1/metrics/services/alpha/endpoints" + rng, key=key), 200).json
    got = {x["endpoint"]: x for x in eps["endpoints"]}
    assert sorted(got) == ["/batch", "/health", "/predict"], got
    for ep in got:
        _check_agg(got[ep], _expected([r for r in a if r["endpoint"] == ep]), "endpoint " + ep)
    # a range that excludes the reports (filtering on the reports' own time)
    s0 = expect(get("/v1/metrics/summary" + _q(start=t0 - 3600, end=t0 - 60), key=key), 200).json
    assert s0["reports"] == 0 and s0["total_requests"] == 0 and s0["error_rate"] is None, s0
    expect_problem(get("/v1/metrics/summary" + _q(start=t0, end=t0 - 5), key=key), 400)
    expect_problem(get("/v1/metrics/summary?start=yesterday", key=key), 400)


def test_trend_buckets_weighted():
    key = _tenant("trend")
    base = (int(time.time()) // 300 - 6) * 300  # a 5-minute boundary, half an hour ago
    rows = [_report("/a", base + 10, 5, 100, 0.1, 1000), _report("/b", base + 70, 1, 500, 0.5, 10),
            _report("/a", base + 299, 2, 50, 0.0, 100),
            _report("/a", base + 300, 3, 70, 0.2, 300), _report("/b", base + 600, 9, 10, 0.0, 90)]
    _send("tr", rows, key=key)
    doc = expect(get("/v1/services/tr/metrics/trend" + _q(interval="5m", start=base - 1,
                                                          end=base + 900), key=key), 200).json
    assert doc["interval_s"] == 300, doc
    buckets = doc["buckets"]
    assert [b["bucket"] for b in buckets] == [_iso(base), _iso(base + 300), _iso(base + 600)], doc
    for b, sel in zip(buckets, ([0, 1, 2], [3], [4])):
        _check_agg(b, _expected([rows[i] for i in sel]), "bucket " + b["bucket"])
        assert "avg_of_p95_latency_ms" in b and "p95_latency_ms" not in b
    one = expect(get("/v1/services/tr/metrics/trend" + _q(interval="1h", endpoint="/b",
                                                          start=base - 1, end=base + 900),
                     key=key), 200).json["buckets"]
    assert sum(b["total_requests"] for b in one) == 100, one
    expect_problem(get("/v1/services/tr/metrics/trend?interval=0s", key=key), 400)
    expect_problem(get("/v1/services/tr/metrics/trend?interval=1s&start=0", key=key), 400)


def test_comparison_of_three_services():
    key = _tenant("cmp")
    t0 = _minute(10)
    data = {"s1": [_report("/x", t0, 1, 10, 0.01, 100)],
            "s2": [_report("/x", t0, 2, 20, 0.02, 200), _report("/y", t0, 4, 40, 0.5, 2)],
            "s3": [_report("/z", t0 + 60, 3, 2500, 0.0, 50)]}
    for s, rows in data.items():
        _send(s, rows, key=key)
    doc = expect(get("/v1/services/comparison" + _q(services="s3,s1,s2,ghost"), key=key), 200).json
    got = doc["services"]
    assert [x["service_name"] for x in got] == ["s3", "s1", "s2", "ghost"], got
    for x in got[:3]:
        _check_agg(x, _expected(data[x["service_name"]]), "comparison " + x["service_name"])
        assert x["registered"] is True
    assert got[3]["registered"] is False and got[3]["reports"] == 0, got[3]
    expect_problem(get("/v1/services/comparison", key=key), 400)
    expect_problem(get("/v1/services/comparison?services=a,b%20c", key=key), 400)


# --- registry and health ----------------------------------------------------------------------

def test_registry_crud():
    key = _tenant("reg")
    body = {"service_name": "billing", "display_name": "Billing", "endpoints": ["/pay", "/refund"],
            "health_thresholds": {"max_latency_ms": 500}}
    r = expect(post("/v1/services", body, key=key), 201)
    assert r.header("Location") == "/v1/services/billing", r.headers
    s = r.json
    assert s["display_name"] == "Billing" and s["endpoints"] == ["/pay", "/refund"], s
    assert s["health_thresholds"] == {"freshness_s": 300, "max_error_rate": 0.05,
                                      "max_latency_ms": 500}, s
    assert s["health"] == "unknown" and s["monitoring_enabled"] is True, s
    expect_problem(post("/v1/services", body, key=key), 409)
    for bad in ({"display_name": "x"}, {"service_name": "a b"}, {"service_name": "comparison"},
                {"service_name": "ok", "endpoints": "x"},
                {"service_name": "ok", "health_thresholds": {"max_error_rate": 2}},
                {"service_name": "ok", "health_thresholds": {"freshness_s": 1.5}},
                {"service_name": "ok", "monitoring_enabled": "yes"}):
        doc = expect_problem(post("/v1/services", bad, key=key), 422)
        assert doc["errors"][0]["field"], doc
    s = expect(put("/v1/services/billing", {"display_name": "Billing v2",
                                            "monitoring_enabled": False,
                                            "health_thresholds": {"freshness_s": 60}}, key=key),
               200).json
    assert s["display_name"] == "Billing v2" and s["monitoring_enabled"] is False, s
    assert s["health_thresholds"]["freshness_s"] == 60, s
    assert s["health_thresholds"]["max_latency_ms"] == 500, s
    assert s["endpoints"] == ["/pay", "/refund"], s
    lst = expect(get("/v1/services", key=key), 200).json["services"]
    assert [x["service_name"] for x in lst] == ["billing"], lst
    expect_problem(put("/v1/services/nobody", {"display_name": "x"}, key=key), 404)
    _send("billing", [_report("/pay", _minute(1), 1, 1, 0, 1)], key=key)
    expect(delete("/v1/services/billing", key=key), 204)
    expect_problem(get("/v1/services/billing", key=key), 404)
    expect_problem(delete("/v1/services/billing", key=key), 404)
    # its reports went with it
    assert expect(get("/v1/metrics/historical?service=billing", key=key), 200).json["items"] == []
    rk = new_key(["read"])["key"]
    expect_problem(post("/v1/services", body, key=rk), 403)


def test_health_turns_degraded_unhealthy_unknown():
    key = _tenant("health")
    now = int(time.time())

    def health(name):
        return expect(get("/v1/services/%s/health" % name, key=key), 200).json

    expect(post("/v1/services", {"service_name": "h"}, key=key), 201)
    h = health("h")
    assert h["health"] == "unknown" and h["reasons"], h          # registered, never reported
    _send("h", [_report("/a", now - 30, 10, 100, 0.01, 1000)], key=key)
    h = health("h")
    assert h["health"] == "healthy" and h["reasons"] == [], h
    assert h["window"]["reports"] == 1, h
    # errors: (0.01*1000 + 0.5*1000) / 2000 = 0.255 > 0.10 (2x threshold): unhealthy
    _send("h", [_report("/a", now - 20, 10, 100, 0.5, 1000)], key=key)
    h = health("h")
    assert h["health"] == "unhealthy" and "error rate" in h["reasons"][0], h
    # raise the threshold: 0.255 is over 0.2 but not 2x over it: degraded
    expect(put("/v1/services/h", {"health_thresholds": {"max_error_rate": 0.2}}, key=key), 200)
    h = health("h")
    assert h["health"] == "degraded" and len(h["reasons"]) == 1, h
    # weighted: a large healthy batch brings the rate down (never the plain row average)
    _send("h", [_report("/b", now - 10, 10, 100, 0.0, 100000)], key=key)
    assert health("h")["health"] == "healthy"
    # latency: weighted avg 2050 ms, over the 2000 ms threshold (but under 4000): degraded
    _send("h2", [_report("/a", now - 10, 1, 2600, 0, 10), _report("/b", now - 10, 1, 1500, 0, 10)],
          key=key)
    h = health("h2")
    assert h["health"] == "degraded" and "latency" in h["reasons"][0], h
    # stale: the only reports are older than the 5-minute freshness window
    _send("h3", [_report("/a", now - 600, 1, 1, 0, 1)], key=key)
    h = health("h3")
    assert h["health"] == "unknown" and "300" in h["reasons"][0], h
    expect_problem(get("/v1/services/ghost/health", key=key), 404)
    # the list and the overview agree
    by = expect(get("/v1/dashboards/overview", key=key), 200).json["services_by_health"]
    assert by == {"healthy": 1, "degraded": 1, "unhealthy": 0, "unknown": 1}, by


# --- real time and dashboards -----------------------------------------------------------------

def test_realtime_and_dashboards():
    key = _tenant("rt")
    now = int(time.time())
    rows = [_report("/a", now - 60, 10, 100, 0.01, 600), _report("/b", now - 60, 5, 50, 0.1, 300)]
    _send("live", rows, key=key)
    _send("old", [_report("/a", now - 3000, 1, 1, 0, 1)], key=key)
    rt = expect(get("/v1/metrics/real-time", key=key), 200).json
    assert rt["source"] == "redis" and rt["window_s"] == 300, rt
    assert [s["service_name"] for s in rt["services"]] == ["live"], rt
    live = rt["services"][0]
    exp = _expected(rows)
    _close(live["qps"], exp["qps"], "qps")
    _close(live["error_rate"], exp["error_rate"], "error_rate")
    _close(live["avg_response_time"], exp["avg_latency_ms"], "avg_response_time")
    assert live["total_requests"] == 900 and live["status"] == "healthy", live
    one = expect(get("/v1/metrics/real-time?service=live", key=key), 200).json
    assert [s["service_name"] for s in one["services"]] == ["live"], one
    d = expect(get("/v1/dashboards/realtime", key=key), 200).json
    assert d["source"] in ("redis", "postgresql") and d["totals"]["total_requests"] == 900, d
    ov = expect(get("/v1/dashboards/overview" + _q(start=now - 7200), key=key), 200).json
    assert ov["source"] == "postgresql" and ov["totals"]["total_requests"] == 901, ov
    assert ov["top_endpoints_by_error_rate"][0]["endpoint"] == "/b", ov
    assert ov["top_endpoints_by_latency"][0]["endpoint"] == "/a", ov
    assert "active_alerts" in ov
    ts = expect(get("/v1/dashboards/metrics/timeseries" + _q(start=now - 7200, interval="1m"),
                    key=key), 200).json
    names = [s["service_name"] for s in ts["series"]]
    assert names == ["live", "old"], ts
    assert len(ts["timestamps"]) == 2, ts
    for s in ts["series"]:
        assert len(s["qps"]) == len(ts["timestamps"]) and None in s["qps"], s
    expect_problem(get("/v1/dashboards/metrics/timeseries?interval=1s&start=0", key=key), 400)


def test_demo_data_seeded():
    doc = expect(get("/v1/services"), 200).json
    names = {s["service_name"] for s in doc["services"]}
    assert {"checkout-api", "search-api", "model-api-v1", "auth-service"} <= names, names
    s = expect(get("/v1/metrics/summary?service=search-api&start=%d" % (time.time() - 86400)),
               200).json
    assert s["reports"] >= 2 * 1400, s
    # deterministic: seeding again changes nothing already there
    before = expect(get("/v1/metrics/historical?service=checkout-api&limit=5&start=%d&end=%d" % (
        _minute(30), _minute(10))), 200).json["items"]
    key = _tenant("demo")
    tenant = "demo-" + _RUN
    r = _ctl("demo", "seed", "--tenant", tenant, "--hours", "1")
    assert r.returncode == 0, r.stderr
    mine = expect(get("/v1/metrics/historical?service=checkout-api&limit=5&start=%d&end=%d" % (
        _minute(30), _minute(10)), key=key), 200).json["items"]
    assert mine == before, (mine, before)


# --- tenants never see each other ---------------------------------------------------------------

def test_cross_tenant_isolation_on_every_route():
    a = _tenant("iso-a")
    b = _tenant("iso-b")
    now = int(time.time())
    _send("secret", [_report("/x", now - 60, 1, 1, 0.5, 100)], key=a)
    expect(post("/v1/services", {"service_name": "reg-only"}, key=a), 201)
    rng = _q(start=now - 3600)
    assert expect(get("/v1/services", key=b), 200).json["services"] == []
    for path in ("/v1/services/secret", "/v1/services/secret/health", "/v1/services/reg-only"):
        expect_problem(get(path, key=b), 404)
    expect_problem(put("/v1/services/secret", {"display_name": "mine"}, key=b), 404)
    expect_problem(delete("/v1/services/secret", key=b), 404)
    s = expect(get("/v1/metrics/summary" + rng, key=b), 200).json
    assert s["reports"] == 0 and s["total_services"] == 0, s
    assert expect(get("/v1/metrics/historical" + rng, key=b), 200).json["items"] == []
    assert expect(get("/v1/metrics/services" + rng, key=b), 200).json["services"] == []
    assert expect(get("/v1/metrics/services/secret/endpoints" + rng, key=b),
                  200).json["endpoints"] == []
    assert expect(get("/v1/metrics/real-time", key=b), 200).json["services"] == []
    assert expect(get("/v1/metrics/real-time?service=secret", key=b), 200).json["services"] == []
    assert expect(get("/v1/services/secret/metrics/trend" + rng, key=b),
                  200).json["buckets"] == []
    c = expect(get("/v1/services/comparison?services=secret", key=b), 200).json["services"][0]
    assert c["registered"] is False and c["reports"] == 0, c
    ov = expect(get("/v1/dashboards/overview", key=b), 200).json
    assert ov["services"] == [] and ov["totals"]["reports"] == 0, ov
    assert ov["top_endpoints_by_error_rate"] == [], ov
    assert expect(get("/v1/dashboards/metrics/timeseries" + rng, key=b), 200).json["series"] == []
    d = expect(get("/v1/dashboards/realtime", key=b), 200).json
    assert d["services"] == [] and d["totals"]["total_requests"] == 0, d
    # the same name in b is b's own service
    _send("secret", [_report("/y", now - 60, 1, 1, 0, 7)], key=b)
    assert expect(get("/v1/services/secret", key=b), 200).json["endpoints"] == ["/y"]
    assert expect(get("/v1/services/secret", key=a), 200).json["endpoints"] == ["/x"]
    s = expect(get("/v1/metrics/summary" + rng, key=a), 200).json
    assert s["total_requests"] == 100, s


# --- Redis down: PostgreSQL answers; Redis back: the cache refills ------------------------------

READ_ROUTES = [
    "/v1/metrics/summary", "/v1/metrics/historical", "/v1/metrics/real-time",
    "/v1/metrics/services", "/v1/metrics/services/down-svc/endpoints", "/v1/services",
    "/v1/services/down-svc", "/v1/services/down-svc/health",
    "/v1/services/down-svc/metrics/trend?interval=5m", "/v1/services/comparison?services=down-svc",
    "/v1/dashboards/overview", "/v1/dashboards/metrics/timeseries", "/v1/dashboards/realtime",
]


def test_redis_down_reads_from_postgresql_then_cache_refills():
    key = _tenant("down")
    now = int(time.time())
    _send("down-svc", [_report("/a", now - 60, 3, 30, 0.01, 180)], key=key)
    assert expect(get("/v1/metrics/real-time", key=key), 200).json["source"] == "redis"
    stack_service("stop", "redis")
    try:
        for path in READ_ROUTES:
            r = get(path, key=key)
            assert r.status == 200, (path, r)
        for path in ("/v1/metrics/real-time", "/v1/dashboards/realtime"):
            doc = get(path, key=key).json
            assert doc["source"] == "postgresql", (path, doc)
            assert [s["service_name"] for s in doc["services"]] == ["down-svc"], doc
        # ingest still succeeds: PostgreSQL is the record, Redis only a cache
        doc = _send("down-svc", [_report("/b", now - 30, 1, 10, 0, 60)], key=key).json
        assert doc["accepted"] == 1, doc
        rt = get("/v1/metrics/real-time", key=key).json
        assert rt["services"][0]["total_requests"] == 240, rt
    finally:
        stack_service("start", "redis")
    # Redis came back empty: the first reads refill it, then it answers again
    ok = eventually(lambda: all(get("/v1/metrics/real-time", key=key).json["source"] == "redis"
                                for _ in range(6)), timeout=20)
    assert ok, "the cache did not refill"
    rt = get("/v1/dashboards/realtime", key=key).json
    assert rt["source"] == "redis" and rt["totals"]["total_requests"] == 240, rt
    _send("down-svc", [_report("/c", now - 10, 1, 10, 0, 60)], key=key)
    rt = get("/v1/metrics/real-time", key=key).json
    assert rt["source"] == "redis" and rt["services"][0]["total_requests"] == 300, rt


# --- PostgreSQL down: the routes seed 000 gives a Redis fallback answer from Redis ----------------

def test_postgres_down_health_and_summary_from_redis():
    key = _tenant("pgdown")
    now = int(time.time())
    _send("pg-svc", [_report("/a", now - 30, 2, 20, 0.2, 100)], key=key)
    routes = {"/v1/services/pg-svc/health": "health", "/v1/metrics/summary": "total_requests",
              "/v1/dashboards/realtime": "totals", "/v1/dashboards/overview": "totals"}
    # Keys are cached per worker for a few seconds: warm every worker's cache first, so some
    # requests still authenticate while PostgreSQL is down (the others get 503, never 500).
    for _ in range(16):
        expect(get("/v1/metrics/real-time", key=key), 200)
    stack_service("stop", "postgres")
    try:
        answered = set()
        for _ in range(4):
            for path, field in routes.items():
                r = get(path, key=key)
                assert r.status in (200, 503), (path, r)
                if r.status == 200:
                    assert r.json["source"] == "redis" and field in r.json, (path, r.json)
                    answered.add(path)
                else:
                    assert r.header("Retry-After"), r.headers
        assert answered, "no fallback answer from Redis while PostgreSQL was down"
        r = get("/v1/metrics/historical", key=key)  # no fallback: 503, not 500
        assert r.status == 503 and r.header("Retry-After"), r
        r = post("/v1/services/pg-svc/reports", [_report("/a", now, 1, 1, 0, 1)], key=key)
        assert r.status == 503, r
    finally:
        stack_service("start", "postgres")
    # Workers reconnect after a backoff; until then they keep answering from Redis.
    ok = eventually(lambda: all(get("/v1/services/pg-svc/health", key=key).json.get("source")
                                == "postgresql" for _ in range(8)), timeout=20)
    assert ok, "health did not come back"
    h = get("/v1/services/pg-svc/health", key=key).json
    assert h["source"] == "postgresql" and h["health"] == "unhealthy", h
