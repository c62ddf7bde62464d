/* common/services_store.h — service_info and metrics_aggregated (SQL) and their Redis keys. */
#ifndef TT_SERVICES_STORE_H
#define TT_SERVICES_STORE_H

#include <json-c/json.h>
#include <stdint.h>

#include "cache.h"
#include "db.h"
#include "services.h"

/* Seconds the real-time view covers (Redis TTL and the PostgreSQL fallback's window). */
#define SVC_REALTIME_S 300

/* Query filters shared by the aggregate reads; NULL strings mean "any". */
struct svc_query {
	long long tenant_id;
	int64_t start_us, end_us;
	const char *service;
	const char *endpoint;
	long limit, offset;
	long interval_s; /* trend / timeseries buckets */
};

/* Stores the reports of one service, all or nothing, and registers the service (endpoints union,
 * last_seen, status) in the same transaction. On success returns 0 and, when the arguments are
 * not NULL, the documents for the cache: the real-time metrics (seed 000 layout) and the status.
 * -1 on a database error (db->err). */
int svc_store_reports(struct db *db, long long tenant_id, const char *service,
                      const struct svc_report *r, size_t n, struct json_object **metrics_doc,
                      struct json_object **status_doc) __attribute__((warn_unused_result));

/* Registry. Each returns the service as JSON (with live health), NULL + *found = 0 when there
 * is no such service, NULL + *found = -1 on a database error. */
struct json_object *svc_registry_get(struct db *db, long long tenant_id, const char *name,
                                     int64_t now_us, int *found);
struct json_object *svc_registry_list(struct db *db, long long tenant_id, int64_t now_us,
                                      long limit, long offset);
/* Fields of a create/update: NULL/negative = not given. */
struct svc_fields {
	const char *display_name;
	const char *endpoints_pg; /* text[] literal */
	int monitoring_enabled;   /* -1 not given */
	long freshness_s;         /* -1 */
	double max_error_rate;    /* < 0 */
	double max_latency_ms;    /* < 0 */
};
/* 1 created, 0 already exists, -1 error. */
int svc_registry_create(struct db *db, long long tenant_id, const char *name,
                        const struct svc_fields *f) __attribute__((warn_unused_result));
/* 1 updated, 0 no such service, -1 error. */
int svc_registry_update(struct db *db, long long tenant_id, const char *name,
                        const struct svc_fields *f) __attribute__((warn_unused_result));
/* Deletes the service and its reports: 1, 0 no such service, -1 error. */
int svc_registry_delete(struct db *db, long long tenant_id, const char *name)
    __attribute__((warn_unused_result));

/* Health of one service now; NULL + *found as above. The document carries "health", "reasons",
 * the window's figures and the thresholds. */
struct json_object *svc_health(struct db *db, long long tenant_id, const char *name, int64_t now_us,
                               int *found);
/* Every service with its live health (overview): array, NULL on error. */
struct json_object *svc_health_all(struct db *db, long long tenant_id, int64_t now_us);

/* Aggregate reads over [start, end]; NULL on a database error. */
struct json_object *svc_summary(struct db *db, const struct svc_query *q);
struct json_object *svc_historical(struct db *db, const struct svc_query *q, int *has_more);
struct json_object *svc_per_service(struct db *db, const struct svc_query *q);
struct json_object *svc_per_endpoint(struct db *db, const struct svc_query *q);
struct json_object *svc_comparison(struct db *db, const struct svc_query *q, const char *names_pg);
struct json_object *svc_trend(struct db *db, const struct svc_query *q);
struct json_object *svc_timeseries(struct db *db, const struct svc_query *q);
struct json_object *svc_top_endpoints(struct db *db, const struct svc_query *q, const char *by);
/* Real-time metrics of every service (or q->service) over the last SVC_REALTIME_S seconds before
 * q->end_us, in the cache layout. */
struct json_object *svc_realtime_pg(struct db *db, const struct svc_query *q);
/* Pending and firing alerts of the tenant; -1 on a database error (the overview then says null). */
long long svc_active_alerts(struct db *db, long long tenant_id);

/* Redis: metrics:{tenant}:{service}, service:status:{tenant}:{service}, the per-tenant set
 * services:{tenant}, and a PUBLISH on metrics_update:{tenant}; one pipeline. 0 or -1. */
int svc_cache_put(struct cache *c, long long tenant_id, const char *service,
                  struct json_object *metrics_doc, struct json_object *status_doc, int publish);
/* Real-time documents from Redis: 1 hit (*out = array), 0 miss (nothing cached), -1 Redis down.
 * Counts c->hits / c->misses. */
int svc_cache_realtime(struct cache *c, long long tenant_id, const char *service,
                       struct json_object **out);
/* The cached status document of one service: 1 hit, 0 miss, -1 down. */
int svc_cache_status(struct cache *c, long long tenant_id, const char *service,
                     struct json_object **out);
/* Forgets a deleted service. */
void svc_cache_forget(struct cache *c, long long tenant_id, const char *service);

/* text[] literal of strings for a bound parameter: {"a","b"} with quotes and backslashes escaped.
 */
struct buf;
void svc_pg_text_array(struct buf *b, const char *const *items, size_t n);

#endif
