"""GET /metrics: telltale's own counters in Prometheus text, summed over every worker."""
import re

from tt import expect, get, request


def scrape():
    r = expect(request("GET", "/metrics"), 200)
    assert r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8", r.headers
    values = {}
    for line in r.body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return r.body.decode(), values


def test_metrics_count_requests_across_workers():
    key = 'telltale_http_requests_total{method="GET",route="/v1",code="2xx"}'
    _, before = scrape()
    for _ in range(12):  # spread over the workers
        expect(get("/v1"), 200)
    expect(get("/v1/no/such/route"), 404)
    text, after = scrape()
    assert after.get(key, 0) >= before.get(key, 0) + 12, (before.get(key), after.get(key))
    unmatched = 'telltale_http_requests_total{method="",route="unmatched",code="4xx"}'
    assert after[unmatched] >= before.get(unmatched, 0) + 1
    assert after["telltale_workers"] == 4
    buckets = [(m.group(1), float(m.group(2))) for m in re.finditer(
        r'telltale_http_request_duration_seconds_bucket\{le="([^"]+)"\} (\d+)', text)]
    counts = [c for _, c in buckets]
    assert counts == sorted(counts) and buckets[-1][0] == "+Inf", buckets
    assert buckets[-1][1] == after["telltale_http_request_duration_seconds_count"]
    for fam in ("telltale_http_requests_total", "telltale_cache_requests_total",
                "telltale_worker_starts_total"):
        assert text.count("# TYPE %s " % fam) == 1, fam
