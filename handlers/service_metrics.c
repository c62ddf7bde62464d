/* handlers/service_metrics.c — /v1/metrics/{summary,historical,real-time,services}: report reads.
 */
#include <stdio.h>
#include <string.h>

#include "../common/json.h"
#include "../common/log.h"
#include "../common/params.h"
#include "../common/services_store.h"
#include "../common/timeutil.h"
#include "handlers.h"

#define HOUR_US (3600LL * US_PER_SEC)

void
svc_add_range(struct json_object *o, int64_t start_us, int64_t end_us)
{
	char s[32], e[32];

	time_format(start_us, s);
	time_format(end_us, e);
	json_add(o, "start", json_object_new_string(s));
	json_add(o, "end", json_object_new_string(e));
}

/* start/end (default the last hour) and the optional service/endpoint filters. */
static int
query_params(struct req *rq, struct resp *rs, struct svc_query *q)
{
	int status;

	memset(q, 0, sizeof *q);
	q->tenant_id = rq->tenant_id;
	if ((status = param_range(rq, rs, HOUR_US, &q->start_us, &q->end_us)) != 0)
		return status;
	q->service = req_query(rq, "service");
	if (q->service && !svc_name_valid(q->service))
		return resp_problem(rs, 400, "bad-parameter", "service: not a valid service name");
	q->endpoint = req_query(rq, "endpoint");
	if (q->endpoint && !svc_endpoint_valid(q->endpoint, strlen(q->endpoint)))
		return resp_problem(rs, 400, "bad-parameter", "endpoint: not a valid endpoint");
	return 0;
}

int
svc_realtime_docs(struct req *rq, const char *service, struct json_object **docs,
                  const char **source)
{
	struct cache *c = &rq->app->cache;
	struct svc_query q;
	int rc = svc_cache_realtime(c, rq->tenant_id, service, docs);

	if (rc == 1) {
		*source = "redis";
		return 0;
	}
	memset(&q, 0, sizeof q);
	q.tenant_id = rq->tenant_id;
	q.end_us = time_now_us();
	q.service = service;
	if ((*docs = svc_realtime_pg(&rq->app->db, &q)) == NULL)
		return -1;
	*source = "postgresql";
	/* Read-through: Redis answered but had nothing; refill it for the next reader. */
	if (rc == 0)
		for (size_t i = 0; i < json_object_array_length(*docs); i++) {
			struct json_object *d = json_object_array_get_idx(*docs, i);
			const char *name =
			    json_object_get_string(json_object_object_get(d, "service_name"));
			if (name && svc_cache_put(c, rq->tenant_id, name, d, NULL, 0) < 0)
				break;
		}
	return 0;
}

/* Totals of real-time documents (the summary's fallback when PostgreSQL is down). */
struct json_object *
svc_realtime_totals(struct json_object *docs)
{
	struct json_object *o = json_object_new_object();
	double req = 0, err = 0, qps = 0, lw = 0;
	size_t n = json_object_array_length(docs);

	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(docs, i), *v;
		double r = 0, x;
		if (json_object_object_get_ex(d, "total_requests", &v) &&
		    json_number_value(v, &x) == 0)
			req += (r = x);
		if (json_object_object_get_ex(d, "total_errors", &v) &&
		    json_number_value(v, &x) == 0)
			err += x;
		if (json_object_object_get_ex(d, "qps", &v) && json_number_value(v, &x) == 0)
			qps += x;
		if (json_object_object_get_ex(d, "avg_response_time", &v) &&
		    json_number_value(v, &x) == 0)
			lw += x * r;
	}
	json_add(o, "total_services", json_object_new_int64((int64_t)n));
	json_add(o, "total_requests", json_object_new_int64((int64_t)req));
	json_add(o, "total_errors", json_object_new_double(err));
	json_add(o, "error_rate", req > 0 ? json_object_new_double(err / req) : NULL);
	json_add(o, "qps", json_object_new_double(qps));
	json_add(o, "avg_latency_ms", req > 0 ? json_object_new_double(lw / req) : NULL);
	return o;
}

int
metrics_summary(struct req *rq, struct resp *rs)
{
	struct json_object *o, *docs = NULL;
	struct svc_query q;
	int status;

	if ((status = query_params(rq, rs, &q)) != 0)
		return status;
	o = svc_summary(&rq->app->db, &q);
	if (o == NULL) {
		/* seed 000: the summary falls back to the real-time cache (last 5 minutes). */
		if (!db_error_transient(&rq->app->db) ||
		    svc_cache_realtime(&rq->app->cache, rq->tenant_id, q.service, &docs) != 1)
			return app_db_error(rq, rs);
		o = svc_realtime_totals(docs);
		json_object_put(docs);
		json_add(o, "source", json_object_new_string("redis"));
		json_add(o, "window_s", json_object_new_int(SVC_REALTIME_S));
		return resp_json(rs, 200, o);
	}
	svc_add_range(o, q.start_us, q.end_us);
	json_add(o, "service_name", json_str_or_null(q.service));
	json_add(o, "source", json_object_new_string("postgresql"));
	return resp_json(rs, 200, o);
}

int
metrics_historical(struct req *rq, struct resp *rs)
{
	struct json_object *o, *items;
	struct svc_query q;
	int status, more = 0;

	if ((status = query_params(rq, rs, &q)) != 0)
		return status;
	if ((status = param_page(rq, rs, &q.limit, &q.offset)) != 0)
		return status;
	if ((items = svc_historical(&rq->app->db, &q, &more)) == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	svc_add_range(o, q.start_us, q.end_us);
	json_add(o, "items", items);
	json_add(o, "limit", json_object_new_int64(q.limit));
	json_add(o, "offset", json_object_new_int64(q.offset));
	json_add(o, "next_offset", more ? json_object_new_int64(q.offset + q.limit) : NULL);
	return resp_json(rs, 200, o);
}

int
metrics_realtime(struct req *rq, struct resp *rs)
{
	const char *service = req_query(rq, "service"), *source;
	struct json_object *o, *docs;
	char now[32];

	if (service && !svc_name_valid(service))
		return resp_problem(rs, 400, "bad-parameter", "service: not a valid service name");
	if (svc_realtime_docs(rq, service, &docs, &source) < 0)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	json_add(o, "source", json_object_new_string(source));
	json_add(o, "window_s", json_object_new_int(SVC_REALTIME_S));
	time_format(time_now_us(), now);
	json_add(o, "generated_at", json_object_new_string(now));
	json_add(o, "services", docs);
	resp_header(rs, "Cache-Control", "no-store");
	return resp_json(rs, 200, o);
}

int
metrics_services(struct req *rq, struct resp *rs)
{
	struct json_object *o, *list;
	struct svc_query q;
	int status;

	if ((status = query_params(rq, rs, &q)) != 0)
		return status;
	if ((list = svc_per_service(&rq->app->db, &q)) == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	svc_add_range(o, q.start_us, q.end_us);
	json_add(o, "services", list);
	return resp_json(rs, 200, o);
}

int
metrics_service_endpoints(struct req *rq, struct resp *rs)
{
	const char *name = req_param(rq, "name");
	struct json_object *o, *list;
	struct svc_query q;
	int status;

	if (!svc_name_valid(name))
		return resp_problem(rs, 404, "not-found", "no such service");
	if ((status = query_params(rq, rs, &q)) != 0)
		return status;
	q.service = name;
	if ((list = svc_per_endpoint(&rq->app->db, &q)) == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	json_add(o, "service_name", json_object_new_string(name));
	svc_add_range(o, q.start_us, q.end_us);
	json_add(o, "endpoints", list);
	return resp_json(rs, 200, o);
}
