/* handlers/dashboards.c — /v1/dashboards/...: what the dashboard draws, in one request each. */
#include <stdio.h>
#include <string.h>

#include "../common/json.h"
#include "../common/params.h"
#include "../common/services_store.h"
#include "../common/timeutil.h"
#include "handlers.h"

#define HOUR_US                (3600LL * US_PER_SEC)
#define TIMESERIES_BUCKETS_MAX 5000

static struct json_object *
health_counts(void)
{
	struct json_object *o = json_object_new_object();

	for (int h = SVC_HEALTHY; h <= SVC_UNKNOWN; h++)
		json_add(o, svc_health_name((enum svc_health)h), json_object_new_int(0));
	return o;
}

static void
count_health(struct json_object *counts, const char *health)
{
	struct json_object *v;

	if (health && json_object_object_get_ex(counts, health, &v))
		json_object_int_inc(v, 1);
}

/* PostgreSQL is down: what the real-time cache knows. */
static int
overview_from_cache(struct req *rq, struct resp *rs)
{
	struct json_object *docs = NULL, *o, *counts, *list;

	if (svc_cache_realtime(&rq->app->cache, rq->tenant_id, NULL, &docs) != 1)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	counts = health_counts();
	list = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(docs); i++) {
		struct json_object *d = json_object_array_get_idx(docs, i), *s;
		const char *st = json_object_get_string(json_object_object_get(d, "status"));
		count_health(counts, st);
		s = json_object_new_object();
		json_add(s, "service_name",
		         json_object_get(json_object_object_get(d, "service_name")));
		json_add(s, "health", json_object_new_string(st ? st : "unknown"));
		json_object_array_add(list, s);
	}
	json_add(o, "source", json_object_new_string("redis"));
	json_add(o, "window_s", json_object_new_int(SVC_REALTIME_S));
	json_add(o, "services_by_health", counts);
	json_add(o, "services", list);
	json_add(o, "totals", svc_realtime_totals(docs));
	json_add(o, "active_alerts", NULL);
	json_object_put(docs);
	return resp_json(rs, 200, o);
}

int
dashboards_overview(struct req *rq, struct resp *rs)
{
	struct db *db = &rq->app->db;
	struct json_object *o = NULL, *all = NULL, *totals = NULL, *top_err = NULL, *top_lat = NULL;
	struct json_object *counts, *list;
	struct svc_query q;
	long long alerts;
	int status;

	memset(&q, 0, sizeof q);
	q.tenant_id = rq->tenant_id;
	if ((status = param_range(rq, rs, HOUR_US, &q.start_us, &q.end_us)) != 0)
		return status;
	if ((all = svc_health_all(db, rq->tenant_id, time_now_us())) == NULL ||
	    (totals = svc_summary(db, &q)) == NULL ||
	    (top_err = svc_top_endpoints(db, &q, "error_rate")) == NULL ||
	    (top_lat = svc_top_endpoints(db, &q, "latency")) == NULL) {
		json_object_put(all);
		json_object_put(totals);
		json_object_put(top_err);
		if (db_error_transient(db))
			return overview_from_cache(rq, rs);
		return app_db_error(rq, rs);
	}
	alerts = svc_active_alerts(db, rq->tenant_id);
	o = json_object_new_object();
	counts = health_counts();
	list = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *s = json_object_array_get_idx(all, i),
		                   *x = json_object_new_object();
		const char *h = json_object_get_string(json_object_object_get(s, "health"));
		count_health(counts, h);
		json_add(x, "service_name",
		         json_object_get(json_object_object_get(s, "service_name")));
		json_add(x, "display_name",
		         json_object_get(json_object_object_get(s, "display_name")));
		json_add(x, "health", json_object_new_string(h ? h : "unknown"));
		json_add(x, "reasons", json_object_get(json_object_object_get(s, "reasons")));
		json_add(x, "last_seen", json_object_get(json_object_object_get(s, "last_seen")));
		json_object_array_add(list, x);
	}
	json_object_put(all);
	json_add(o, "source", json_object_new_string("postgresql"));
	svc_add_range(o, q.start_us, q.end_us);
	json_add(o, "services_by_health", counts);
	json_add(o, "services", list);
	json_add(o, "totals", totals);
	json_add(o, "top_endpoints_by_error_rate", top_err);
	json_add(o, "top_endpoints_by_latency", top_lat);
	/* null until the alerting tables exist */
	json_add(o, "active_alerts", alerts < 0 ? NULL : json_object_new_int64(alerts));
	return resp_json(rs, 200, o);
}

int
dashboards_timeseries(struct req *rq, struct resp *rs)
{
	struct json_object *o;
	struct svc_query q;
	long interval_ms;
	int status;

	memset(&q, 0, sizeof q);
	q.tenant_id = rq->tenant_id;
	if ((status = param_range(rq, rs, HOUR_US, &q.start_us, &q.end_us)) != 0)
		return status;
	if ((status = param_duration_ms(rq, rs, "interval", 60000, 1000, 86400000L * 7,
	                                &interval_ms)) != 0)
		return status;
	if (interval_ms % 1000 != 0)
		return resp_problem(rs, 400, "bad-parameter", "interval: whole seconds only");
	if ((q.end_us - q.start_us) / (interval_ms * 1000) > TIMESERIES_BUCKETS_MAX)
		return resp_problem(rs, 400, "bad-parameter",
		                    "interval: the range would have more than %d buckets",
		                    TIMESERIES_BUCKETS_MAX);
	q.service = req_query(rq, "service");
	if (q.service && !svc_name_valid(q.service))
		return resp_problem(rs, 400, "bad-parameter", "service: not a valid service name");
	q.interval_s = interval_ms / 1000;
	if ((o = svc_timeseries(&rq->app->db, &q)) == NULL)
		return app_db_error(rq, rs);
	svc_add_range(o, q.start_us, q.end_us);
	json_add(o, "interval_s", json_object_new_int64(q.interval_s));
	json_add(o, "source", json_object_new_string("postgresql"));
	return resp_json(rs, 200, o);
}

int
dashboards_realtime(struct req *rq, struct resp *rs)
{
	struct json_object *o, *docs;
	const char *source;
	char now[32];

	if (svc_realtime_docs(rq, NULL, &docs, &source) < 0)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	json_add(o, "source", json_object_new_string(source));
	json_add(o, "window_s", json_object_new_int(SVC_REALTIME_S));
	time_format(time_now_us(), now);
	json_add(o, "generated_at", json_object_new_string(now));
	json_add(o, "totals", svc_realtime_totals(docs));
	json_add(o, "services", docs);
	resp_header(rs, "Cache-Control", "no-store");
	return resp_json(rs, 200, o);
}
