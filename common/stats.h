/* common/stats.h — telltale's own counters: one shared-memory slot per worker, summed for /metrics. */
#ifndef TT_STATS_H
#define TT_STATS_H

#include <stdint.h>

#include "buf.h"

#define STATS_SLOTS   256 /* = the master's worker slots */
#define STATS_ROUTES  96  /* route table rows, plus one for requests that matched none */
#define STATS_BUCKETS 12

/* Upper bounds of the request duration histogram, in seconds (the last is +Inf). */
extern const double stats_bucket_le[STATS_BUCKETS];

/* Written by one worker only; read by any. A slot outlives the workers that use it, so the
 * counters only grow (what Prometheus expects of a counter). */
struct stats_slot {
	uint64_t requests[STATS_ROUTES][5]; /* by route and status class 1xx..5xx */
	uint64_t duration_bucket[STATS_BUCKETS];
	uint64_t duration_sum_us;
	uint64_t cache_hits, cache_misses, cache_errors;
	uint64_t db_errors;                 /* failed statements, of which ... */
	uint64_t db_unavailable;            /* ... because PostgreSQL was unreachable */
};

struct stats {
	uint64_t          worker_starts;    /* written by the master */
	uint64_t          worker_crashes;
	uint64_t          workers_live;
	struct stats_slot slot[STATS_SLOTS];
};

/* Maps the shared region (before the first fork); NULL when that fails (no /metrics then). */
struct stats *stats_create(void);
/* Adds one request to a slot. route is the route table index, or -1 for none. */
void stats_request(struct stats_slot *s, int route, int status, double seconds);
/* Prometheus text exposition (0.0.4) of the sum of every slot. route_name(i) names row i. */
void stats_render(const struct stats *st, int nroutes, const char *(*route_name)(int),
                  const char *(*route_method)(int), struct buf *out);

#endif
