"""API tests of generic metrics: JSON and line-protocol ingest, queries, definitions, tenancy."""
import gzip
import json
import os
import random
import string
import subprocess
import time

from tt import ADMIN_KEY, STACK, delete, expect, expect_problem, get, post, request

TOP = os.path.dirname(os.path.abspath(STACK))


def uniq(prefix):
    return prefix + "_" + "".join(random.choice(string.ascii_lowercase) for _ in range(8))


def iso(ts):
    """Unix seconds (float) -> the RFC 3339 form telltale answers with (UTC, µs when needed)."""
    whole = int(ts // 1)
    us = int(round((ts - whole) * 1e6))
    s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    return s + (".%06d" % us) + "Z" if us else s + "Z"


def put(path, body, key=ADMIN_KEY):
    return request("PUT", path, key=key, body=body)


def batch(metrics, key=ADMIN_KEY, headers=None):
    return post("/v1/metrics/ingest/batch", {"metrics": metrics}, key=key, headers=headers)


def write_lp(text, precision=None, key=ADMIN_KEY, headers=None):
    path = "/v1/write" + ("?precision=" + precision if precision else "")
    return request("POST", path, key=key, raw=text.encode(), headers=headers)


def read_all(name, start, end, key=ADMIN_KEY, extra=""):
    out, cursor = [], None
    while True:
        q = "/v1/metrics?name=%s&start=%d&end=%d&limit=1000%s" % (name, start, end, extra)
        if cursor:
            q += "&cursor=" + cursor
        doc = expect(get(q, key=key), 200).json
        out += doc["metrics"]
        cursor = doc["next_cursor"]
        if not cursor:
            return out


def aggregate(name, start, end, key=ADMIN_KEY, extra=""):
    return expect(get("/v1/metrics/aggregate/%s?start=%d&end=%d%s" % (name, start, end, extra),
                      key=key), 200).json


def ctl(*args):
    return subprocess.run([os.path.join(TOP, "telltalectl")] + list(args), check=True,
                          capture_output=True, text=True).stdout.strip()


def psql(sql):
    return subprocess.run(["psql", "-X", "-qAt", os.environ["TELLTALE_PG_DSN"], "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def tenant_key(name, scopes="read,write,admin"):
    ctl("tenant", "create", name)
    out = ctl("key", "create", "--tenant", name, "--scopes", scopes, "--name", "test")
    return [w for w in out.split() if w.startswith("tt_")][0]


def percentile_cont(values, q):
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def test_json_round_trip_exact():
    name = uniq("rt")
    now = int(time.time())
    sent = [
        {"name": name, "value": 0.1, "labels": {"host": "a", "region": "eu"},
         "timestamp": iso(now - 30)},
        {"name": name, "value": -1e-300, "labels": {"host": "a", "region": "eu"},
         "timestamp": (now - 20) * 1000 + 123},
        {"name": name, "value": 12345678901234.5, "labels": {"host": "b", "path": "/x y,\"z\""},
         "source": "agent", "timestamp": now - 10},
        {"name": name, "value": 7, "labels": {"host": "h\u00e9\u6f22"}, "timestamp": iso(now - 5)},
    ]
    r = expect(batch(sent), 200)
    assert r.json == {"accepted": 4}, r
    got = read_all(name, now - 60, now + 1)
    assert len(got) == 4, got
    want = []
    for s in sent:
        labels = dict(s["labels"])
        if "source" in s:
            labels["source"] = s["source"]
        ts = s["timestamp"]
        ts = ts if isinstance(ts, str) else iso(ts / 1000 if ts > 1e11 else ts)
        want.append((name, json.dumps(labels, sort_keys=True), ts, s["value"]))
    have = [(m["name"], json.dumps(m["labels"], sort_keys=True), m["timestamp"], m["value"])
            for m in got]
    assert sorted(have) == sorted(want), (have, want)


def test_single_ingest_and_latest():
    name = uniq("one")
    now = time.time()
    r = expect(post("/v1/metrics/ingest", {"name": name, "value": 1.5, "labels": {"h": "x"}}), 200)
    assert r.json == {"accepted": 1}
    expect(post("/v1/metrics/ingest", {"name": name, "value": 2.5, "labels": {"h": "x"},
                                       "timestamp": now + 1}), 200)
    doc = expect(get("/v1/metrics/latest/" + name), 200).json
    assert len(doc["series"]) == 1 and doc["series"][0]["value"] == 2.5, doc
    assert doc["series"][0]["labels"] == {"h": "x"}, doc
    names = expect(get("/v1/metrics/names?prefix=" + name[:6]), 200).json["names"]
    assert name in names, names
    doc = expect_problem(post("/v1/metrics/ingest", {"name": name, "value": "x"}), 422)
    assert doc["errors"][0]["field"] == "value", doc


def test_batch_10000_ok_10001_rejected():
    name = uniq("big")
    now = int(time.time()) - 100
    items = [{"name": name, "value": i, "labels": {"s": str(i % 50)},
              "timestamp": (now * 1000) - i} for i in range(10000)]
    expect(batch(items), 200)
    assert aggregate(name, now - 100, now + 10)["count"] == 10000
    doc = expect_problem(batch(items + [items[0]]), 413)
    assert doc["limit"] == 10000, doc
    assert aggregate(name, now - 100, now + 10)["count"] == 10000


def test_one_bad_item_stores_nothing():
    name = uniq("bad")
    items = [{"name": name, "value": i} for i in range(20)]
    items[7] = {"name": name, "value": "NaN"}
    items[12] = {"name": name + "-x", "value": 1}
    items[15] = {"name": name, "value": 1, "timestamp": time.time() + 3600}
    doc = expect_problem(batch(items), 422)
    assert [e["index"] for e in doc["errors"]] == [7, 12, 15], doc
    assert [e["field"] for e in doc["errors"]] == ["value", "name", "timestamp"], doc
    assert doc["rejected"] == 3
    now = int(time.time())
    assert aggregate(name, now - 600, now + 600)["count"] == 0


def test_malformed_and_unsupported_bodies():
    p = "/v1/metrics/ingest/batch"
    expect_problem(request("POST", p, key=ADMIN_KEY, raw=b'{"metrics":[',
                           headers={"Content-Type": "application/json"}), 400)
    # NaN is well-formed for json-c but not a finite number: 422 (DESIGN.md section 4)
    expect_problem(request("POST", p, key=ADMIN_KEY, raw=b'{"metrics":[{"name":"a","value":NaN}]}',
                           headers={"Content-Type": "application/json"}), 422)
    expect_problem(request("POST", p, key=ADMIN_KEY, raw=b'{"metrics":[]} x',
                           headers={"Content-Type": "application/json"}), 400)
    doc = expect_problem(request("POST", p, key=ADMIN_KEY,
                                 raw=b'{"metrics":[{"name":"a","value":1e400}]}',
                                 headers={"Content-Type": "application/json"}), 422)
    assert doc["errors"][0]["index"] == 0
    expect_problem(request("POST", p, key=ADMIN_KEY, raw=b'{}',
                           headers={"Content-Type": "text/csv"}), 415)
    expect_problem(request("POST", p, key=ADMIN_KEY, raw=b'{}',
                           headers={"Content-Type": "application/json",
                                    "Content-Encoding": "br"}), 415)
    expect_problem(request("POST", p, key=ADMIN_KEY, raw=b'not gzip',
                           headers={"Content-Type": "application/json",
                                    "Content-Encoding": "gzip"}), 400)
    expect_problem(post(p, {"metrics": {}}), 422)
    # a read-only key cannot ingest
    ro = post("/v1/admin/keys", {"name": "ro", "scopes": ["read"]}).json["key"]
    expect_problem(batch([{"name": "a", "value": 1}], key=ro), 403)


def test_gzip_body_and_bomb():
    name = uniq("gz")
    body = json.dumps({"metrics": [{"name": name, "value": i} for i in range(100)]}).encode()
    r = request("POST", "/v1/metrics/ingest/batch", key=ADMIN_KEY, raw=gzip.compress(body),
                headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert expect(r, 200).json == {"accepted": 100}
    bomb = gzip.compress(b" " * (9 << 20))  # 9 MiB of spaces, over the 8 MiB limit
    assert len(bomb) < 100000
    doc = expect_problem(request("POST", "/v1/metrics/ingest/batch", key=ADMIN_KEY, raw=bomb,
                                 headers={"Content-Type": "application/json",
                                          "Content-Encoding": "gzip"}), 413)
    assert doc["limit"] > 0
    lp = ("%s,host=a value=1\n" % name).encode()
    expect(request("POST", "/v1/write", key=ADMIN_KEY, raw=gzip.compress(lp),
                   headers={"Content-Encoding": "gzip"}), 204)
    assert len(read_all(name + "_value", int(time.time()) - 60, int(time.time()) + 60)) == 1


def test_idempotent_retry_stores_once():
    name = uniq("idem")
    items = [{"name": name, "value": i} for i in range(10)]
    key = {"Idempotency-Key": uniq("k")}
    a = expect(batch(items, headers=key), 200)
    b = expect(batch(items, headers=key), 200)
    assert a.json == b.json == {"accepted": 10}
    assert b.header("Idempotent-Replayed") == "true" and a.header("Idempotent-Replayed") is None
    now = int(time.time())
    assert aggregate(name, now - 60, now + 60)["count"] == 10
    # line protocol: the partial-write answer is replayed too
    h = {"Idempotency-Key": uniq("k")}
    text = "%s value=1\nbroken\n" % name
    r1 = expect_problem(write_lp(text, headers=h), 400)
    r2 = expect_problem(write_lp(text, headers=h), 400)
    assert r1["accepted"] == r2["accepted"] == 1 and r2["errors"] == r1["errors"]
    assert aggregate(name + "_value", now - 60, now + 60)["count"] == 1
    expect_problem(batch(items, headers={"Idempotency-Key": "x" * 201}), 400)


def test_line_protocol_round_trip():
    m = uniq("lp")
    now = int(time.time()) - 60
    text = "\n".join([
        "# telegraf says hello",
        "%s,host=web\\ 1,region=eu usage=0.25,count=7i,up=true,msg=\"skip, me\" %d"
        % (m, now * 1000),
        "",
        "%s,region=eu,host=web\\ 1 usage=0.5,count=8i,up=F %d" % (m, now * 1000 + 1500),
        "%s,host=h2 big=18446744073709551615u %d\r" % (m, now * 1000 + 2000),
    ]) + "\n"
    expect(write_lp(text, precision="ms"), 204)
    usage = read_all(m + "_usage", now - 10, now + 10)
    assert [(u["labels"], u["timestamp"], u["value"]) for u in usage] == [
        ({"host": "web 1", "region": "eu"}, iso(now), 0.25),
        ({"host": "web 1", "region": "eu"}, iso(now + 1.5), 0.5)], usage
    assert [u["value"] for u in read_all(m + "_count", now - 10, now + 10)] == [7, 8]
    assert [u["value"] for u in read_all(m + "_up", now - 10, now + 10)] == [1, 0]
    assert read_all(m + "_msg", now - 10, now + 10) == []
    assert [u["value"] for u in read_all(m + "_big", now - 10, now + 10)] == [2.0 ** 64]
    # default precision is ns; s works too
    expect(write_lp("%s v=3 %d\n" % (m, now * 10**9 + 999)), 204)
    expect(write_lp("%s v=4 %d\n" % (m, now + 1), precision="s"), 204)
    assert [(u["timestamp"], u["value"]) for u in read_all(m + "_v", now - 10, now + 10)] == [
        (iso(now), 3), (iso(now + 1), 4)]
    expect_problem(write_lp("%s v=1\n" % m, precision="seconds"), 400)


def test_line_protocol_partial_write():
    m = uniq("pw")
    now = int(time.time())
    text = "\n".join([
        "%s,host=a v=1 %d" % (m, now),
        "%s,host=a v=NaN %d" % (m, now),         # 2: bad value, never stored as 0
        "%s,host=a v=2 %d" % (m, now + 1),
        "%s,host=a" % m,                           # 4: no fields
        "%s,host=a v=3 %d" % (m, now - 86400 * 400),  # 5: older than retention
        "%s,bad-tag=a v=4 %d" % (m, now),          # 6: tag key
        "%s,host=a v=5 %d" % (m, now + 2),
    ])
    doc = expect_problem(write_lp(text, precision="s"), 400)
    assert doc["accepted"] == 3 and doc["rejected"] == 4, doc
    assert [e["line"] for e in doc["errors"]] == [2, 4, 5, 6], doc
    assert "partial write" in doc["error"]
    assert [u["value"] for u in read_all(m + "_v", now - 10, now + 10)] == [1, 2, 5]


def test_old_timestamp_creates_partition():
    name = uniq("old")
    ts = int(time.time()) - 20 * 86400
    expect(batch([{"name": name, "value": 42, "timestamp": ts}]), 200)
    got = read_all(name, ts - 1, ts + 1)
    assert [(g["timestamp"], g["value"]) for g in got] == [(iso(ts), 42)]


def test_aggregate_matches_computed():
    name = uniq("agg")
    now = int(time.time()) - 300
    rnd = random.Random(5)
    vals = {"a": [rnd.uniform(0, 100) for _ in range(333)],
            "b": [rnd.uniform(-50, 500) for _ in range(101)]}
    items = []
    for host, vs in vals.items():
        for i, v in enumerate(vs):
            items.append({"name": name, "value": v, "labels": {"host": host}, "timestamp": now - i})
    expect(batch(items), 200)
    allv = vals["a"] + vals["b"]
    doc = aggregate(name, now - 400, now + 1)
    assert doc["count"] == len(allv) and doc["series"] == 2, doc
    for k, want in [("sum", sum(allv)), ("avg", sum(allv) / len(allv)), ("min", min(allv)),
                    ("max", max(allv)), ("p50", percentile_cont(allv, .5)),
                    ("p95", percentile_cont(allv, .95)), ("p99", percentile_cont(allv, .99))]:
        assert abs(doc[k] - want) <= 1e-9 * max(1, abs(want)), (k, doc[k], want)
    assert "exact" in doc["percentile_method"]
    only_b = aggregate(name, now - 400, now + 1, extra="&label=host:b")
    assert only_b["count"] == 101 and abs(only_b["p95"] - percentile_cont(vals["b"], .95)) < 1e-9
    not_b = aggregate(name, now - 400, now + 1, extra="&match%5B%5D=%7Bhost!%3D%22b%22%7D")
    assert not_b["count"] == 333
    re_b = aggregate(name, now - 400, now + 1, extra="&match%5B%5D=%7Bhost%3D~%22b%7Cz%22%7D")
    assert re_b["count"] == 101
    expect_problem(get("/v1/metrics/aggregate/%s?match%%5B%%5D=%%7Bhost%%3D~%%22(%%22%%7D" % name),
                   400)
    empty = aggregate(name, now - 4000, now - 3000)
    assert empty["count"] == 0 and empty["p50"] is None and empty["avg"] is None, empty


def test_series_buckets_and_groups():
    name = uniq("ser")
    b0 = (int(time.time()) - 3600) // 300 * 300
    items = []
    for host, base in (("a", 0), ("b", 100)):
        for i in range(10):  # 10 samples a minute apart: buckets of 5 points each
            items.append({"name": name, "value": base + i, "labels": {"host": host},
                          "timestamp": b0 + 60 * i})
    expect(batch(items), 200)
    doc = expect(get("/v1/metrics/series/%s?bucket=5m&start=%d&end=%d" % (name, b0, b0 + 600)),
                 200).json
    assert doc["aggregation"] == "avg" and doc["group"] == "series"
    pts = {tuple(sorted(s["labels"].items())): s["points"] for s in doc["series"]}
    assert pts[(("host", "a"),)] == [[b0, 2], [b0 + 300, 7]], pts
    assert pts[(("host", "b"),)] == [[b0, 102], [b0 + 300, 107]], pts
    doc = expect(get("/v1/metrics/series/%s?bucket=5m&start=%d&end=%d&group=none&agg=max"
                     % (name, b0, b0 + 600)), 200).json
    assert doc["series"] == [{"labels": {}, "points": [[b0, 104], [b0 + 300, 109]]}], doc
    doc = expect(get("/v1/metrics/series/%s?bucket=5m&start=%d&end=%d&agg=last&label=host:a"
                     % (name, b0, b0 + 600)), 200).json
    assert doc["series"][0]["points"] == [[b0, 4], [b0 + 300, 9]], doc
    doc = expect(get("/v1/metrics/series/%s?bucket=5m&start=%d&end=%d&agg=sum&group=none"
                     % (name, b0, b0 + 600)), 200).json
    assert doc["series"][0]["points"] == [[b0, 10 + 510], [b0 + 300, 35 + 535]], doc
    # start is aligned down to the bucket, empty buckets are omitted
    doc = expect(get("/v1/metrics/series/%s?bucket=1m&start=%d&end=%d&agg=count&label=host:a"
                     % (name, b0 + 30, b0 + 3000)), 200).json
    assert [p[0] for p in doc["series"][0]["points"]] == [b0 + 60 * i for i in range(10)]
    expect_problem(get("/v1/metrics/series/%s?bucket=1s&start=%d&end=%d" % (name, b0, b0 + 86400)),
                   400)
    expect_problem(get("/v1/metrics/series/%s?group=host" % name), 400)
    expect_problem(get("/v1/metrics/series/%s?agg=median" % name), 400)


def test_counter_rate_across_reset():
    name = uniq("reqs_total")
    b0 = (int(time.time()) - 3600) // 60 * 60
    vals = [100, 110, 120, 5, 15, 25]  # reset after 120: increase 10+10+5+10+10 = 45
    items = [{"name": name, "value": v, "labels": {"host": "a"}, "timestamp": b0 + 10 * i}
             for i, v in enumerate(vals)]
    items += [{"name": name, "value": 1000 + 60 * i, "labels": {"host": "b"},
               "timestamp": b0 + 10 * i} for i in range(6)]  # 300 over the minute: 5/s
    expect(batch(items), 200)
    expect(post("/v1/metrics/definitions", {"name": name, "type": "counter", "unit": "1"}), 201)
    q = "/v1/metrics/series/%s?bucket=1m&start=%d&end=%d" % (name, b0, b0 + 60)
    doc = expect(get(q), 200).json
    assert doc["aggregation"] == "rate", doc
    rates = {s["labels"]["host"]: s["points"] for s in doc["series"]}
    assert rates["a"] == [[b0, 0.75]], rates
    assert rates["b"] == [[b0, 5.0]], rates
    doc = expect(get(q + "&group=none"), 200).json
    assert doc["series"][0]["points"] == [[b0, 5.75]], doc
    # the increase from the previous bucket's last sample counts in the next bucket
    expect(batch([{"name": name, "value": 35, "labels": {"host": "a"}, "timestamp": b0 + 70}]), 200)
    doc = expect(get("/v1/metrics/series/%s?bucket=1m&start=%d&end=%d&label=host:a"
                     % (name, b0 + 60, b0 + 120)), 200).json
    assert doc["series"][0]["points"] == [[b0 + 60, 10 / 60]], doc


def test_pagination_cursor():
    name = uniq("page")
    now = int(time.time()) - 100
    expect(batch([{"name": name, "value": i, "labels": {"s": str(i % 3)}, "timestamp": now - i}
                  for i in range(25)]), 200)
    seen, cursor, pages = [], None, 0
    while True:
        q = "/v1/metrics?name=%s&start=%d&end=%d&limit=10" % (name, now - 60, now + 1)
        doc = expect(get(q + ("&cursor=" + cursor if cursor else "")), 200).json
        seen += [m["value"] for m in doc["metrics"]]
        pages += 1
        cursor = doc["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and sorted(seen) == list(range(25)), (pages, seen)
    expect_problem(get("/v1/metrics?name=%s&cursor=zzz" % name), 400)
    expect_problem(get("/v1/metrics"), 400)
    expect_problem(get("/v1/metrics?name=bad-name"), 400)


def test_tenant_isolation():
    key_b = tenant_key(uniq("tb"))
    name = uniq("secret")
    now = int(time.time())
    expect(batch([{"name": name, "value": 13, "labels": {"host": "a"}}]), 200)
    assert name not in expect(get("/v1/metrics/names?prefix=" + name, key=key_b), 200).json["names"]
    assert read_all(name, now - 60, now + 60, key=key_b) == []
    assert aggregate(name, now - 60, now + 60, key=key_b)["count"] == 0
    assert expect(get("/v1/metrics/latest/" + name, key=key_b), 200).json["series"] == []
    assert expect(get("/v1/metrics/series/" + name, key=key_b), 200).json["series"] == []
    # B writing the same series does not mix with A's
    expect(batch([{"name": name, "value": 99, "labels": {"host": "a"}}], key=key_b), 200)
    assert [m["value"] for m in read_all(name, now - 60, now + 60)] == [13]
    assert [m["value"] for m in read_all(name, now - 60, now + 60, key=key_b)] == [99]
    expect(post("/v1/metrics/definitions", {"name": name}, key=key_b), 201)
    expect_problem(get("/v1/metrics/definitions/" + name), 404)


def test_series_limit_429():
    tenant = uniq("lim")
    key = tenant_key(tenant)
    psql("UPDATE tenants SET max_series = 3 WHERE name = '%s'" % tenant)
    name = uniq("card")
    expect(batch([{"name": name, "value": 1, "labels": {"i": str(i)}} for i in range(2)],
                 key=key), 200)
    doc = expect_problem(batch([{"name": name, "value": 1, "labels": {"i": str(i)}}
                                for i in range(5)], key=key), 429)
    assert doc["limit"] == 3, doc
    now = int(time.time())
    assert aggregate(name, now - 60, now + 60, key=key)["count"] == 2  # nothing of it stored
    expect(batch([{"name": name, "value": 1, "labels": {"i": str(i)}} for i in range(3)],
                 key=key), 200)


def test_definitions_crud():
    name = uniq("def")
    body = {"name": name, "display_name": "CPU Usage", "description": "CPU utilisation",
            "unit": "%", "type": "gauge", "aggregation": "avg", "retention_days": 30,
            "alert_threshold": {"warning": 70, "critical": 90}}
    r = expect(post("/v1/metrics/definitions", body), 201)
    assert r.header("Location") == "/v1/metrics/definitions/" + name
    d = r.json
    for k in ("name", "display_name", "description", "unit", "type", "aggregation",
              "retention_days", "alert_threshold"):
        assert d[k] == body[k], (k, d)
    expect_problem(post("/v1/metrics/definitions", body), 409)
    assert expect(get("/v1/metrics/definitions/" + name), 200).json["unit"] == "%"
    lst = expect(get("/v1/metrics/definitions?limit=1000"), 200).json["definitions"]
    assert name in [x["name"] for x in lst]
    upd = dict(body, unit="percent", alert_threshold={"warning": 80})
    d = expect(put("/v1/metrics/definitions/" + name, upd), 200).json
    assert d["unit"] == "percent" and d["alert_threshold"] == {"warning": 80, "critical": None}, d
    expect_problem(put("/v1/metrics/definitions/" + name + "_nope", dict(body, name=None)), 404)
    expect_problem(get("/v1/metrics/definitions/" + name + "_nope"), 404)
    for bad in ({"type": "rainbow"}, {"aggregation": "median"}, {"retention_days": 0},
                {"retention_days": "30"}, {"alert_threshold": {"warning": "high"}},
                {"unit": "x" * 33}, {"colour": "red"}, {"name": "bad name"}):
        doc = expect_problem(post("/v1/metrics/definitions", dict(body, **bad)), 422)
        assert doc["errors"][0]["field"], doc
    expect_problem(put("/v1/metrics/definitions/" + name, dict(body, name="other")), 422)
    expect(delete("/v1/metrics/definitions/" + name), 204)
    expect_problem(delete("/v1/metrics/definitions/" + name), 404)
    expect_problem(get("/v1/metrics/definitions/" + name), 404)
