"""Fault tests, run last: PostgreSQL and Redis stopped and started under a running telltale."""
import os

from tt import eventually, expect, get, request, stack_service


def _fcgi_pid():
    with open(os.path.join(os.environ["STACK_DIR"], "fcgi.pid")) as f:
        return f.read().strip()


def test_redis_down_keeps_health_200():
    stack_service("stop", "redis")
    try:
        r = expect(request("GET", "/health"), 200)
        assert r.json["redis"]["status"] == "down" and r.json["status"] == "degraded", r.json
        expect(get("/v1"), 200)
    finally:
        stack_service("start", "redis")
    assert eventually(lambda: request("GET", "/health").json["redis"]["status"] == "up")


def test_postgres_down_503_then_recovers():
    pid = _fcgi_pid()
    stack_service("stop", "postgres")
    try:
        r = request("GET", "/health")
        assert r.status == 503, r
        assert r.json["postgresql"]["status"] == "down", r.json
        assert int(r.header("Retry-After")) > 0, r.headers
        # A route that needs the database answers 503 too, never 500.
        r = get("/v1/admin/keys")
        assert r.status == 503 and r.header("Retry-After"), r
        assert r.json["type"] == "/problems/unavailable", r.json
    finally:
        stack_service("start", "postgres")
    ok = eventually(lambda: all(request("GET", "/health").status == 200 for _ in range(6)),
                    timeout=20)
    assert ok, "health did not return to 200"
    assert eventually(lambda: all(get("/v1/admin/keys").status == 200 for _ in range(6)))
    assert _fcgi_pid() == pid, "telltale-fcgi was restarted"


def test_fcgi_stops_cleanly_and_restarts():
    from tt import stack_service
    import test_zy_master as m
    master, kids = m.master_pid(), m.workers()
    sock = os.path.join(os.environ["STACK_DIR"], "fcgi", "fcgi.sock")
    stack_service("stop", "fcgi")
    for pid in [master, *kids]:
        assert not os.path.exists("/proc/%d" % pid) or _zombie(pid), "pid %d still runs" % pid
    assert not os.path.exists(sock), "socket left behind"
    r = request("GET", "/health")
    assert r.status == 503 and r.header("Retry-After"), r  # nginx answers for the missing app
    stack_service("start", "fcgi")
    assert eventually(lambda: request("GET", "/health").status == 200)


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_sigterm_finishes_in_flight_requests_and_loses_nothing():
    import signal
    import threading
    import time
    import uuid
    from tt import post, sql, stack_service
    import test_zy_master as m

    run = uuid.uuid4().hex[:6]
    results, stop = [], threading.Event()

    def load(t):
        i = 0
        while not stop.is_set():
            name = "term_%s_%d_%d" % (run, t, i)
            body = {"metrics": [{"name": name, "value": float(k), "labels": {"k": str(k % 50)}}
                                for k in range(2000)]}
            try:
                r = post("/v1/metrics/ingest/batch", body)
                results.append((name, r.status))
            except OSError as e:  # the connection itself may fail while nginx has no upstream
                results.append((name, str(e)))
            i += 1

    threads = [threading.Thread(target=load, args=(t,)) for t in range(3)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    os.kill(m.master_pid(), signal.SIGTERM)
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join()
    stack_service("stop", "fcgi")  # reaps the pid file; the master has exited already
    stack_service("start", "fcgi")
    assert eventually(lambda: request("GET", "/health").status == 200)
    codes = {}
    for _, st in results:
        codes[st] = codes.get(st, 0) + 1
    assert set(codes) <= {200, 503}, codes  # never a 5xx other than "retry later", never a 400
    assert codes.get(200, 0) > 0, codes
    stored = dict((r[0], int(r[1])) for r in sql(
        "SELECT s.name, count(*) FROM series s JOIN samples x ON x.series_id = s.id"
        " WHERE s.name LIKE :'v1' GROUP BY s.name", "term_%s_%%" % run))
    for name, st in results:
        assert stored.get(name, 0) == (2000 if st == 200 else 0), (name, st, stored.get(name))
