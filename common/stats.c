/* common/stats.c — counters in shared memory and their Prometheus text exposition. */
#include "stats.h"

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

const double stats_bucket_le[STATS_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,   0.25,   0.5,   1.0,  2.5,   0};

#define ADD(p, n) __atomic_fetch_add((p), (n), __ATOMIC_RELAXED)
#define GET(p)    __atomic_load_n((p), __ATOMIC_RELAXED)

struct stats *
stats_create(void)
{
	void *p = mmap(NULL, sizeof(struct stats), PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, sizeof(struct stats));
	return p;
}

void
stats_request(struct stats_slot *s, int route, int status, double seconds)
{
	int r = route < 0 || route >= STATS_ROUTES - 1 ? STATS_ROUTES - 1 : route;
	int cls = status / 100 - 1;
	int b = 0;

	if (cls < 0 || cls > 4)
		cls = 4;
	ADD(&s->requests[r][cls], 1);
	while (b < STATS_BUCKETS - 1 && seconds > stats_bucket_le[b])
		b++;
	ADD(&s->duration_bucket[b], 1);
	ADD(&s->duration_sum_us, (uint64_t)(seconds * 1e6));
}

static uint64_t
sum(const struct stats *st, size_t off)
{
	uint64_t total = 0;

	for (int i = 0; i < STATS_SLOTS; i++)
		total += GET((const uint64_t *)(const void *)((const char *)&st->slot[i] + off));
	return total;
}

#define SUM(st, field) sum((st), offsetof(struct stats_slot, field))

static void
family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values escape backslash, double quote and newline. */
static void
label_value(struct buf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_putc(out, '\\');
		if (*v == '\n') {
			buf_puts(out, "\\n");
			continue;
		}
		buf_putc(out, *v);
	}
}

void
stats_render(const struct stats *st, int nroutes, const char *(*route_name)(int),
             const char *(*route_method)(int), struct buf *out)
{
	static const char *const cls[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
	uint64_t cum = 0, count = 0;

	family(out, "telltale_http_requests_total", "counter",
	       "HTTP requests by route pattern and status class.");
	for (int r = 0; r < STATS_ROUTES; r++) {
		int unmatched = r == STATS_ROUTES - 1;
		if (!unmatched && r >= nroutes)
			continue;
		for (int c = 0; c < 5; c++) {
			uint64_t n = SUM(st, requests[r][c]);
			if (n == 0)
				continue;
			buf_puts(out, "telltale_http_requests_total{method=\"");
			label_value(out, unmatched ? "" : route_method(r));
			buf_puts(out, "\",route=\"");
			label_value(out, unmatched ? "unmatched" : route_name(r));
			buf_printf(out, "\",code=\"%s\"} %llu\n", cls[c], (unsigned long long)n);
		}
	}
	family(out, "telltale_http_request_duration_seconds", "histogram",
	       "Time from the request reaching a worker to its response being written.");
	for (int b = 0; b < STATS_BUCKETS; b++) {
		cum += SUM(st, duration_bucket[b]);
		if (b < STATS_BUCKETS - 1)
			buf_printf(out, "telltale_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			           stats_bucket_le[b], (unsigned long long)cum);
		else
			buf_printf(out, "telltale_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
			           (unsigned long long)cum);
	}
	count = cum;
	buf_printf(out, "telltale_http_request_duration_seconds_sum %.6f\n",
	           (double)SUM(st, duration_sum_us) / 1e6);
	buf_printf(out, "telltale_http_request_duration_seconds_count %llu\n",
	           (unsigned long long)count);
	family(out, "telltale_cache_requests_total", "counter",
	       "Redis cache lookups by result (hit, miss) and Redis command errors.");
	buf_printf(out, "telltale_cache_requests_total{result=\"hit\"} %llu\n",
	           (unsigned long long)SUM(st, cache_hits));
	buf_printf(out, "telltale_cache_requests_total{result=\"miss\"} %llu\n",
	           (unsigned long long)SUM(st, cache_misses));
	buf_printf(out, "telltale_cache_requests_total{result=\"error\"} %llu\n",
	           (unsigned long long)SUM(st, cache_errors));
	family(out, "telltale_db_errors_total", "counter",
	       "Failed PostgreSQL statements, by whether PostgreSQL was unreachable.");
	buf_printf(out, "telltale_db_errors_total{unavailable=\"false\"} %llu\n",
	           (unsigned long long)(SUM(st, db_errors) - SUM(st, db_unavailable)));
	buf_printf(out, "telltale_db_errors_total{unavailable=\"true\"} %llu\n",
	           (unsigned long long)SUM(st, db_unavailable));
	family(out, "telltale_workers", "gauge", "Live worker processes.");
	buf_printf(out, "telltale_workers %llu\n", (unsigned long long)GET(&st->workers_live));
	family(out, "telltale_worker_starts_total", "counter", "Workers forked by the master.");
	buf_printf(out, "telltale_worker_starts_total %llu\n",
	           (unsigned long long)GET(&st->worker_starts));
	family(out, "telltale_worker_crashes_total", "counter",
	       "Workers that died from a signal or a non-zero exit.");
	buf_printf(out, "telltale_worker_crashes_total %llu\n",
	           (unsigned long long)GET(&st->worker_crashes));
}
