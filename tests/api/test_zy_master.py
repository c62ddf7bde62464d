"""The prefork master: respawn, recycling after max_requests, SIGHUP rolling reload, shutdown."""
import os
import signal
import threading

from tt import eventually, expect, get, request

STACK_DIR = os.environ["STACK_DIR"]


def master_pid():
    with open(os.path.join(STACK_DIR, "fcgi.pid")) as f:
        return int(f.read().strip())


def workers():
    """PIDs of the master's live children, from /proc."""
    m, out = master_pid(), set()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == m and fields[0] != "Z":
            out.add(int(d))
    return out


def config_value(key):
    with open(os.path.join(STACK_DIR, "telltale.conf")) as f:
        for line in f:
            if line.split("=")[0].strip() == key:
                return line.split("=", 1)[1].strip()
    return None


def test_worker_killed_is_respawned():
    before = eventually(lambda: workers() if len(workers()) == 4 else None)
    assert before, workers()
    victim = sorted(before)[0]
    os.kill(victim, signal.SIGKILL)
    after = eventually(lambda: workers() if len(workers()) == 4 and victim not in workers()
                       else None)
    assert after and victim not in after, (before, workers())
    for _ in range(8):
        expect(request("GET", "/health"), 200)


def test_workers_recycle_after_max_requests_without_errors():
    limit = int(config_value("max_requests"))
    before = workers()
    n = len(before) * limit + 50  # more than the current workers can serve before recycling
    statuses = [request("GET", "/health").status for _ in range(n)]
    assert statuses.count(200) == n, {s: statuses.count(s) for s in set(statuses)}
    after = workers()
    assert len(after) == len(before) and after != before, (before, after)


def test_sighup_replaces_every_worker_while_serving():
    before = workers()
    errors, stop = [], threading.Event()

    def hammer():
        while not stop.is_set():
            r = get("/v1/admin/keys")
            if r.status != 200:
                errors.append(r)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        os.kill(master_pid(), signal.SIGHUP)
        replaced = eventually(lambda: len(workers()) == len(before) and not (workers() & before),
                              timeout=20)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert replaced, (before, workers())
    assert not errors, errors[:3]
