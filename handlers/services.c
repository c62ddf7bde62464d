/* handlers/services.c — /v1/services: the registry, reports in, health, trend and comparison. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/buf.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../common/params.h"
#include "../common/services_store.h"
#include "../common/timeutil.h"
#include "handlers.h"

#define HOUR_US                (3600LL * US_PER_SEC)
#define REGISTRY_ENDPOINTS_MAX 1000
#define COMPARISON_MAX         20
#define TREND_BUCKETS_MAX      10000

/* The {name} of the path; NULL after answering 404 when it cannot be a service name. */
static const char *
service_param(struct req *rq, struct resp *rs)
{
	const char *name = req_param(rq, "name");

	if (!svc_name_valid(name)) {
		resp_problem(rs, 404, "not-found", "no such service");
		return NULL;
	}
	return name;
}

static int
invalid(struct resp *rs, const char *field, const char *reason)
{
	struct json_object *extra = json_object_new_object(), *errs = json_object_new_array();
	struct json_object *e = json_object_new_object();

	json_add(e, "field", json_object_new_string(field));
	json_add(e, "reason", json_object_new_string(reason));
	json_object_array_add(errs, e);
	json_add(extra, "errors", errs);
	return resp_problem_ext(rs, 422, "invalid-field", extra, "%s: %s", field, reason);
}

/* Reads the registry fields of a POST/PUT body into f (endpoints as a text[] literal in *eps). */
static int
parse_fields(struct json_object *body, struct resp *rs, struct svc_fields *f, struct buf *eps)
{
	struct json_object *v, *th;
	const char *s;
	size_t len;
	double d;
	int rc, b;

	f->display_name = NULL;
	f->endpoints_pg = NULL;
	f->monitoring_enabled = -1;
	f->freshness_s = -1;
	f->max_error_rate = -1;
	f->max_latency_ms = -1;
	if (!json_object_is_type(body, json_type_object))
		return invalid(rs, "", "the body must be a JSON object");
	rc = json_get_string(body, "display_name", &s, &len);
	if (rc < 0 || (rc > 0 && len > SVC_DISPLAY_MAX))
		return invalid(rs, "display_name", "expected a string of at most 200 bytes");
	if (rc > 0)
		f->display_name = s;
	if (json_object_object_get_ex(body, "endpoints", &v) && v != NULL) {
		size_t n;
		const char **items;
		if (!json_object_is_type(v, json_type_array) ||
		    (n = json_object_array_length(v)) > REGISTRY_ENDPOINTS_MAX)
			return invalid(rs, "endpoints",
			               "expected an array of at most 1000 endpoints");
		if ((items = calloc(n ? n : 1, sizeof *items)) == NULL)
			return resp_problem(rs, 503, "unavailable", "out of memory");
		for (size_t i = 0; i < n; i++) {
			struct json_object *x = json_object_array_get_idx(v, i);
			if (!json_object_is_type(x, json_type_string) ||
			    !svc_endpoint_valid(json_object_get_string(x),
			                        (size_t)json_object_get_string_len(x))) {
				free(items);
				return invalid(rs, "endpoints",
				               "expected strings of 1 to 200 bytes without control "
				               "characters");
			}
			items[i] = json_object_get_string(x);
		}
		svc_pg_text_array(eps, items, n);
		free(items);
		f->endpoints_pg = eps->p;
	}
	rc = json_get_bool(body, "monitoring_enabled", &b);
	if (rc < 0)
		return invalid(rs, "monitoring_enabled", "expected true or false");
	if (rc > 0)
		f->monitoring_enabled = b;
	if (json_object_object_get_ex(body, "health_thresholds", &th) && th != NULL) {
		if (!json_object_is_type(th, json_type_object))
			return invalid(rs, "health_thresholds", "expected an object");
		rc = json_get_double(th, "freshness_s", &d);
		if (rc < 0 || (rc > 0 && (d != floor(d) || d < 10 || d > 86400)))
			return invalid(rs, "health_thresholds.freshness_s",
			               "expected whole seconds from 10 to 86400");
		if (rc > 0)
			f->freshness_s = (long)d;
		rc = json_get_double(th, "max_error_rate", &d);
		if (rc < 0 || (rc > 0 && (d < 0 || d > 1)))
			return invalid(rs, "health_thresholds.max_error_rate",
			               "expected a fraction from 0 to 1");
		if (rc > 0)
			f->max_error_rate = d;
		rc = json_get_double(th, "max_latency_ms", &d);
		if (rc < 0 || (rc > 0 && (d <= 0 || d > 1e9)))
			return invalid(rs, "health_thresholds.max_latency_ms",
			               "expected milliseconds above 0, at most 1e9");
		if (rc > 0)
			f->max_latency_ms = d;
	}
	return 0;
}

static int
answer_service(struct req *rq, struct resp *rs, const char *name, int status)
{
	int found;
	struct json_object *o =
	    svc_registry_get(&rq->app->db, rq->tenant_id, name, time_now_us(), &found);

	if (found < 0)
		return app_db_error(rq, rs);
	if (found == 0)
		return resp_problem(rs, 404, "not-found", "no such service");
	return resp_json(rs, status, o);
}

int
services_list(struct req *rq, struct resp *rs)
{
	struct json_object *o, *list;
	long limit, offset;
	int status;

	if ((status = param_page(rq, rs, &limit, &offset)) != 0)
		return status;
	list = svc_registry_list(&rq->app->db, rq->tenant_id, time_now_us(), limit, offset);
	if (list == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	json_add(o, "services", list);
	json_add(o, "limit", json_object_new_int64(limit));
	json_add(o, "offset", json_object_new_int64(offset));
	return resp_json(rs, 200, o);
}

int
services_create(struct req *rq, struct resp *rs)
{
	struct json_object *body = app_json_body(rq, rs);
	struct svc_fields f;
	struct buf eps;
	const char *name = NULL;
	int status, rc;

	buf_init(&eps);
	if (body == NULL)
		return rs->status;
	if ((status = parse_fields(body, rs, &f, &eps)) != 0)
		goto out;
	rc = json_get_string(body, "service_name", &name, NULL);
	if (rc == 0)
		rc = json_get_string(body, "name", &name, NULL);
	if (rc <= 0 || !svc_name_valid(name) || strcmp(name, "comparison") == 0) {
		status =
		    invalid(rs, "service_name",
		            "required: 1 to 100 of A-Z a-z 0-9 . _ : -, starting with a letter or "
		            "digit (\"comparison\" is reserved)");
		goto out;
	}
	rc = svc_registry_create(&rq->app->db, rq->tenant_id, name, &f);
	if (rc < 0) {
		status = app_db_error(rq, rs);
		goto out;
	}
	if (rc == 0) {
		status = resp_problem(rs, 409, "conflict", "service %s already exists", name);
		goto out;
	}
	resp_header(rs, "Location", "/v1/services/%s", name);
	status = answer_service(rq, rs, name, 201);
out:
	buf_free(&eps);
	json_object_put(body);
	return status;
}

int
services_get(struct req *rq, struct resp *rs)
{
	const char *name = service_param(rq, rs);

	if (name == NULL)
		return rs->status;
	return answer_service(rq, rs, name, 200);
}

int
services_put(struct req *rq, struct resp *rs)
{
	const char *name = service_param(rq, rs);
	struct json_object *body;
	struct svc_fields f;
	struct buf eps;
	int status, rc;

	if (name == NULL)
		return rs->status;
	if ((body = app_json_body(rq, rs)) == NULL)
		return rs->status;
	buf_init(&eps);
	if ((status = parse_fields(body, rs, &f, &eps)) != 0)
		goto out;
	rc = svc_registry_update(&rq->app->db, rq->tenant_id, name, &f);
	if (rc < 0)
		status = app_db_error(rq, rs);
	else if (rc == 0)
		status = resp_problem(rs, 404, "not-found", "no such service");
	else
		status = answer_service(rq, rs, name, 200);
out:
	buf_free(&eps);
	json_object_put(body);
	return status;
}

int
services_delete(struct req *rq, struct resp *rs)
{
	const char *name = service_param(rq, rs);
	int rc;

	if (name == NULL)
		return rs->status;
	rc = svc_registry_delete(&rq->app->db, rq->tenant_id, name);
	if (rc < 0)
		return app_db_error(rq, rs);
	if (rc == 0)
		return resp_problem(rs, 404, "not-found", "no such service");
	svc_cache_forget(&rq->app->cache, rq->tenant_id, name);
	return resp_empty(rs, 204);
}

int
services_reports(struct req *rq, struct resp *rs)
{
	const char *name = req_param(rq, "name");
	struct json_object *body = NULL, *errors = NULL, *mdoc = NULL, *sdoc = NULL, *o;
	struct svc_report *reports = NULL;
	size_t n = 0;
	int status, rc;

	if (!svc_name_valid(name) || strcmp(name, "comparison") == 0)
		return invalid(rs, "name",
		               "a service name is 1 to 100 of A-Z a-z 0-9 . _ : -, starting "
		               "with a letter or digit");
	if ((body = app_json_body(rq, rs)) == NULL)
		return rs->status;
	rc = svc_reports_parse(body, time_now_us(), &reports, &n, &errors);
	if (rc == -2) {
		status = resp_problem(rs, 413, "too-many-items", "at most %d reports per request",
		                      SVC_REPORTS_MAX);
		goto out;
	}
	if (rc == -3) {
		status = resp_problem(rs, 503, "unavailable", "out of memory");
		goto out;
	}
	if (rc != 0) {
		struct json_object *extra = json_object_new_object();
		json_add(extra, "errors", errors);
		errors = NULL;
		if (rc > 0)
			json_add(extra, "invalid_items", json_object_new_int(rc));
		if (rc > 0)
			status =
			    resp_problem_ext(rs, 422, "invalid-reports", extra,
			                     "%d of the reports are invalid; none were stored", rc);
		else
			status = resp_problem_ext(rs, 422, "invalid-reports", extra,
			                          "the body must be a non-empty array of reports");
		goto out;
	}
	if (svc_store_reports(&rq->app->db, rq->tenant_id, name, reports, n, &mdoc, &sdoc) < 0) {
		status = app_db_error(rq, rs);
		goto out;
	}
	/* Committed: from here on the request succeeds whatever Redis does. */
	if (svc_cache_put(&rq->app->cache, rq->tenant_id, name, mdoc, sdoc, 1) < 0 &&
	    !rq->app->cache.down) /* an outage is logged once, by the cache itself */
		log_warn("reports of %s stored; cache refresh failed: %s", name,
		         rq->app->cache.err);
	o = json_object_new_object();
	json_add(o, "service_name", json_object_new_string(name));
	json_add(o, "accepted", json_object_new_int64((int64_t)n));
	json_add(o, "status",
	         sdoc ? json_object_get(json_object_object_get(sdoc, "status"))
	              : json_object_new_string("unknown"));
	status = resp_json(rs, 201, o);
out:
	free(reports);
	json_object_put(errors);
	json_object_put(mdoc);
	json_object_put(sdoc);
	json_object_put(body);
	return status;
}

int
services_health(struct req *rq, struct resp *rs)
{
	const char *name = service_param(rq, rs);
	struct json_object *o, *cached = NULL;
	int found;

	if (name == NULL)
		return rs->status;
	o = svc_health(&rq->app->db, rq->tenant_id, name, time_now_us(), &found);
	if (found > 0) {
		json_add(o, "source", json_object_new_string("postgresql"));
		return resp_json(rs, 200, o);
	}
	if (found == 0)
		return resp_problem(rs, 404, "not-found", "no such service");
	/* PostgreSQL is down: the status cached at the last report (seed 000's fallback). */
	if (db_error_transient(&rq->app->db) &&
	    svc_cache_status(&rq->app->cache, rq->tenant_id, name, &cached) == 1) {
		json_add(cached, "source", json_object_new_string("redis"));
		return resp_json(rs, 200, cached);
	}
	return app_db_error(rq, rs);
}

/* start/end (default: the last hour) into q. */
static int
range(struct req *rq, struct resp *rs, struct svc_query *q)
{
	memset(q, 0, sizeof *q);
	q->tenant_id = rq->tenant_id;
	return param_range(rq, rs, HOUR_US, &q->start_us, &q->end_us);
}

int
services_trend(struct req *rq, struct resp *rs)
{
	const char *name = service_param(rq, rs), *ep;
	struct json_object *o, *buckets;
	struct svc_query q;
	long interval_ms;
	int status;

	if (name == NULL)
		return rs->status;
	if ((status = range(rq, rs, &q)) != 0)
		return status;
	if ((status = param_duration_ms(rq, rs, "interval", 300000, 1000, 86400000L * 7,
	                                &interval_ms)) != 0)
		return status;
	if (interval_ms % 1000 != 0)
		return resp_problem(rs, 400, "bad-parameter", "interval: whole seconds only");
	if ((q.end_us - q.start_us) / (interval_ms * 1000) > TREND_BUCKETS_MAX)
		return resp_problem(rs, 400, "bad-parameter",
		                    "interval: the range would have more than %d buckets",
		                    TREND_BUCKETS_MAX);
	ep = req_query(rq, "endpoint");
	q.service = name;
	q.endpoint = ep;
	q.interval_s = interval_ms / 1000;
	if ((buckets = svc_trend(&rq->app->db, &q)) == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	json_add(o, "service_name", json_object_new_string(name));
	json_add(o, "endpoint", json_str_or_null(ep));
	json_add(o, "interval_s", json_object_new_int64(q.interval_s));
	{
		char s[32], e[32];
		time_format(q.start_us, s);
		time_format(q.end_us, e);
		json_add(o, "start", json_object_new_string(s));
		json_add(o, "end", json_object_new_string(e));
	}
	json_add(o, "buckets", buckets);
	return resp_json(rs, 200, o);
}

int
services_comparison(struct req *rq, struct resp *rs)
{
	const char *list = req_query(rq, "services");
	const char *names[COMPARISON_MAX];
	struct json_object *o, *rows;
	struct svc_query q;
	struct buf arr;
	char *copy = NULL, *save = NULL, *tok;
	int n = 0, status;

	if ((status = range(rq, rs, &q)) != 0)
		return status;
	if (list == NULL || *list == '\0')
		return resp_problem(
		    rs, 400, "bad-parameter",
		    "services: expected a comma-separated list, e.g. services=a,b,c");
	if ((copy = strdup(list)) == NULL)
		return resp_problem(rs, 503, "unavailable", "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int dup = 0;
		if (!svc_name_valid(tok) || n >= COMPARISON_MAX) {
			free(copy);
			return resp_problem(
			    rs, 400, "bad-parameter",
			    "services: 1 to %d valid service names, comma-separated",
			    COMPARISON_MAX);
		}
		for (int i = 0; i < n; i++)
			dup |= strcmp(names[i], tok) == 0;
		if (!dup)
			names[n++] = tok;
	}
	if (n == 0) {
		free(copy);
		return resp_problem(rs, 400, "bad-parameter", "services: no service named");
	}
	buf_init(&arr);
	svc_pg_text_array(&arr, names, (size_t)n);
	rows = svc_comparison(&rq->app->db, &q, arr.p);
	buf_free(&arr);
	free(copy);
	if (rows == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	{
		char s[32], e[32];
		time_format(q.start_us, s);
		time_format(q.end_us, e);
		json_add(o, "start", json_object_new_string(s));
		json_add(o, "end", json_object_new_string(e));
	}
	json_add(o, "services", rows);
	return resp_json(rs, 200, o);
}
