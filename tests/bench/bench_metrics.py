"""tests/bench/bench_metrics.py — ingest and query benchmark for generic metrics (issue 5).

Deterministic data: 1,000 series (5 names x 200 hosts, label region) x 1,000 points 10 s apart.
Measured in one run, side by side on the same stack and tables:
  raw COPY (binary and text) of the rows from psql, end-to-end JSON batches and line protocol
  (10,000 samples per request, 4 concurrent connections through nginx), and query latencies
  (median of 20) next to the equivalent SQL run in psql.
Each load goes to its own tenant so the same rows can be stored three times without mixing.
"""
import http.client
import json
import os
import random
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
URL = urllib.parse.urlsplit(os.environ["TELLTALE_URL"])
DSN = os.environ["TELLTALE_PG_DSN"]
NAMES = ["cpu_usage", "memory_usage", "disk_io", "net_rx", "req_latency_ms"]
LP_SPLIT = {"cpu_usage": ("cpu", "usage"), "memory_usage": ("memory", "usage"),
            "disk_io": ("disk", "io"), "net_rx": ("net", "rx"),
            "req_latency_ms": ("req", "latency_ms")}
HOSTS = ["host-%03d" % i for i in range(200)]
REGIONS = ["eu-west", "eu-north", "us-east", "ap-south"]
POINTS = 1000
STEP = 10
BATCH = 10000
CONC = 4
RUNS = 20

CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


def log(*a):
    print(*a, flush=True)


def series_list():
    return [(n, h, REGIONS[i % len(REGIONS)]) for n in NAMES for i, h in enumerate(HOSTS)]


def generate(t0):
    """Yields (time index, series index, ts, value) in time order, deterministically."""
    rnd = random.Random(42)
    ser = series_list()
    level = [rnd.uniform(10, 90) for _ in ser]
    for p in range(POINTS):
        ts = t0 + p * STEP
        for s in range(len(ser)):
            level[s] += rnd.uniform(-1, 1)
            yield s, ts, round(level[s], 3)


def psql(sql, *extra):
    return subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", DSN, "-c", sql]
                          + list(extra),
                          check=True, capture_output=True, text=True).stdout.strip()


def ctl(*args):
    return subprocess.run([os.path.join(TOP, "telltalectl")] + list(args), check=True,
                          capture_output=True, text=True).stdout


def tenant(name):
    ctl("tenant", "create", name)
    out = ctl("key", "create", "--tenant", name, "--scopes", "read,write", "--name", "bench")
    key = [w for w in out.split() if w.startswith("tt_")][0]
    tid = int(psql("SELECT id FROM tenants WHERE name = '%s'" % name))
    return key, tid


def post_all(bodies, path, key, ctype):
    """Posts every body with CONC connections; returns seconds elapsed."""
    lock = threading.Lock()
    queue = list(range(len(bodies)))
    errors = []

    def worker():
        conn = http.client.HTTPSConnection(URL.hostname, URL.port, context=CTX, timeout=120)
        while True:
            with lock:
                if not queue or errors:
                    break
                i = queue.pop(0)
            conn.request("POST", path, body=bodies[i],
                         headers={"Authorization": "Bearer " + key, "Content-Type": ctype})
            r = conn.getresponse()
            data = r.read()
            if r.status not in (200, 204):
                with lock:
                    errors.append("%d %s" % (r.status, data[:300]))
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPSConnection(URL.hostname, URL.port, context=CTX,
                                                   timeout=120)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(CONC)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - t
    if errors:
        sys.exit("bench: %s failed: %s" % (path, errors[0]))
    return elapsed


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def json_bodies(t0):
    ser = series_list()
    bodies, cur = [], []
    for s, ts, v in generate(t0):
        n, h, r = ser[s]
        cur.append({"name": n, "value": v, "labels": {"host": h, "region": r}, "timestamp": ts})
        if len(cur) == BATCH:
            bodies.append(json.dumps({"metrics": cur}).encode())
            cur = []
    return bodies


def lp_bodies(t0):
    ser = series_list()
    bodies, cur = [], []
    for s, ts, v in generate(t0):
        n, h, r = ser[s]
        m, f = LP_SPLIT[n]
        cur.append("%s,host=%s,region=%s %s=%r %d" % (m, h, r, f, v, ts))
        if len(cur) == BATCH:
            bodies.append(("\n".join(cur) + "\n").encode())
            cur = []
    return bodies


def raw_copy(t0, tid, fmt, streams):
    """Creates the series of a tenant directly, then COPYs the same rows from psql, split by
    series over `streams` concurrent psql processes. Returns seconds."""
    ser = series_list()
    psql("INSERT INTO series (tenant_id, name, labels, labels_hash)"
         " SELECT %d, x->>0, jsonb_build_object('host', x->>1, 'region', x->>2),"
         "        sha256(convert_to(x::text, 'UTF8'))"
         "   FROM jsonb_array_elements('%s'::jsonb) x" % (tid, json.dumps(ser)))
    ids = dict(((r.split("|")[0], r.split("|")[1]), int(r.split("|")[2])) for r in psql(
        "SELECT name, labels->>'host', id FROM series WHERE tenant_id = %d" % tid).splitlines())
    sid = [ids[(n, h)] for n, h, _ in ser]
    pg_epoch = 946684800
    tmp = tempfile.mkdtemp(prefix="tt-bench-")
    os.chmod(tmp, 0o755)
    paths = [os.path.join(tmp, "rows%d.%s" % (i, fmt)) for i in range(streams)]
    files = [open(p, "wb") for p in paths]
    if fmt == "binary":
        for f in files:
            f.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0))
    for s, ts, v in generate(t0):
        f = files[s % streams]
        if fmt == "binary":
            f.write(struct.pack("!hiqiqid", 3, 8, sid[s], 8, (ts - pg_epoch) * 1000000, 8, v))
        else:
            f.write(("%d\t%s\t%r\n" % (sid[s], iso(ts), v)).encode())
    for f in files:
        if fmt == "binary":
            f.write(struct.pack("!h", -1))
        f.close()
    t = time.monotonic()
    procs = [subprocess.Popen(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", DSN, "-c",
                               "\\copy samples (series_id, ts, value) FROM '%s' (FORMAT %s)"
                               % (p, fmt)]) for p in paths]
    rcs = [pr.wait() for pr in procs]
    elapsed = time.monotonic() - t
    assert rcs == [0] * streams, rcs
    for p in paths:
        os.unlink(p)
    os.rmdir(tmp)
    return elapsed


def times_ms(fn, runs):
    times = []
    for _ in range(runs):
        t = time.monotonic()
        fn()
        times.append((time.monotonic() - t) * 1000)
    return times


def median_ms(fn):
    return statistics.median(times_ms(fn, RUNS))


def http_get(conn, path, key):
    conn.request("GET", path, headers={"Authorization": "Bearer " + key})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit("bench: GET %s: %d %s" % (path, r.status, data[:300]))
    return json.loads(data)


def psql_times_ms(sql, runs):
    """Round-trip times psql's \\timing reports for sql, run `runs` times in one session."""
    script = "\\timing on\n" + (sql + ";\n") * runs
    out = subprocess.run(["psql", "-X", "-qAt", DSN], input=script, check=True,
                         capture_output=True, text=True).stdout
    return [float(line.split()[1]) for line in out.splitlines() if line.startswith("Time: ")]


def main():
    n = len(NAMES) * len(HOSTS) * POINTS
    t0 = (int(time.time()) - POINTS * STEP - 120) // STEP * STEP
    start, end = t0, t0 + POINTS * STEP
    log("bench: %d series x %d points = %d samples, %d per request, %d connections" %
        (len(NAMES) * len(HOSTS), POINTS, n, BATCH, CONC))
    suffix = str(os.getpid())
    key_json, tid_json = tenant("bench-json-" + suffix)
    key_lp, _ = tenant("bench-lp-" + suffix)
    copy = {}
    for fmt, streams in (("binary", 1), ("text", 1), ("binary", CONC)):
        _, tid_copy = tenant("bench-copy-%s%d-%s" % (fmt, streams, suffix))
        copy[(fmt, streams)] = raw_copy(t0, tid_copy, fmt, streams)
    jb = json_bodies(t0)
    log("bench: JSON bodies %.1f MB" % (sum(map(len, jb)) / 1e6))
    t_json = post_all(jb, "/v1/metrics/ingest/batch", key_json, "application/json")
    del jb
    lb = lp_bodies(t0)
    log("bench: line protocol bodies %.1f MB" % (sum(map(len, lb)) / 1e6))
    t_lp = post_all(lb, "/v1/write?precision=s", key_lp, "text/plain")
    del lb

    got = int(psql("SELECT count(*) FROM samples WHERE series_id IN"
                   " (SELECT id FROM series WHERE tenant_id = %d)" % tid_json))
    assert got == n, "stored %d of %d JSON samples" % (got, n)

    rate = {k: n / v for k, v in copy.items()}
    best = max(rate.values())
    log("")
    log("ingest (samples/s)")
    log("  raw COPY binary, 1 psql            %10.0f" % rate[("binary", 1)])
    log("  raw COPY text, 1 psql              %10.0f   (binary/text = %.2f)" %
        (rate[("text", 1)], rate[("binary", 1)] / rate[("text", 1)]))
    log("  raw COPY binary, %d psql in parallel %8.0f" % (CONC, rate[("binary", CONC)]))
    log("  JSON batch end-to-end              %10.0f   ratio to the best raw COPY %.2f "
        "(target >= 0.6)" % (n / t_json, n / t_json / best))
    log("  line protocol end-to-end           %10.0f   ratio to the best raw COPY %.2f "
        "(target >= 0.7)" % (n / t_lp, n / t_lp / best))

    psql("ANALYZE series")
    psql("ANALYZE samples")
    conn = http.client.HTTPSConnection(URL.hostname, URL.port, context=CTX, timeout=120)
    rng = "start=%d&end=%d" % (start, end)
    agg_path = "/v1/metrics/aggregate/cpu_usage?" + rng
    doc = http_get(conn, agg_path, key_json)
    assert doc["count"] == len(HOSTS) * POINTS, doc
    sql = ("SELECT count(*), avg(value), min(value), max(value), sum(value),"
           " percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY value)"
           " FROM samples WHERE series_id IN (SELECT id FROM series WHERE tenant_id = %d"
           " AND name = 'cpu_usage') AND ts >= '%s' AND ts < '%s'"
           % (tid_json, iso(start), iso(end)))
    # Alternated one by one, so load from elsewhere on the machine hits both alike; psql's
    # \\timing is the round trip of the statement (connection set-up not counted).
    t_agg, t_sql = [], []
    http_get(conn, agg_path, key_json)
    psql_times_ms(sql, 1)
    for _ in range(RUNS):
        t_agg += times_ms(lambda: http_get(conn, agg_path, key_json), 1)
        t_sql.append(psql_times_ms(sql, 2)[1])  # the second run: a warm session, like the route's
    m_agg, m_sql = statistics.median(t_agg), statistics.median(t_sql)
    ser_path = "/v1/metrics/series/cpu_usage?bucket=5m&label=host:host-007&" + rng
    m_ser = median_ms(lambda: http_get(conn, ser_path, key_json))
    lat_path = "/v1/metrics/latest/cpu_usage"
    assert len(http_get(conn, lat_path, key_json)["series"]) == len(HOSTS)
    m_lat = median_ms(lambda: http_get(conn, lat_path, key_json))
    conn.close()
    log("")
    log("queries (median of %d, ms)" % RUNS)
    log("  aggregate cpu_usage, %d samples, exact p50/p95/p99   %8.1f" % (doc["count"], m_agg))
    log("  same percentile_cont SQL in psql                      %8.1f   route/SQL = %.2f "
        "(target <= 1.2)" % (m_sql, m_agg / m_sql))
    log("  series cpu_usage, one host, 5m buckets                %8.1f" % m_ser)
    log("  latest cpu_usage, %d series                          %8.1f" % (len(HOSTS), m_lat))


if __name__ == "__main__":
    main()
