/* handlers/metrics.c — GET /v1/metrics, /names, /latest/{name}, /aggregate/{name}, /series/{name}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"
#include "../common/metric.h"
#include "../common/params.h"
#include "../common/timeutil.h"
#include "handlers.h"

#define HOUR_US       (3600LL * US_PER_SEC)
#define MAX_BUCKETS   11000
#define PERCENTILE_METHOD                                                                          \
	"exact: percentile_cont over every raw sample in range (linear interpolation between the " \
	"two closest ranks)"

/* The series a query reads: $1 tenant, $2 name, $3 equality labels (jsonb @>, GIN-indexed),
 * $4 the other matchers [{k, op, v}] (regexes arrive anchored). A missing label matches "".
 * In id order, so the nested loop over them walks samples_series_ts in order. */
#define SELECTED_SERIES                                                                            \
	"SELECT s.id, s.labels FROM series s"                                                      \
	" WHERE s.tenant_id = $1 AND s.name = $2 AND s.labels @> $3::jsonb"                      \
	"   AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($4::jsonb) AS m(k text, op text, v text)" \
	"     WHERE NOT CASE m.op WHEN '=' THEN coalesce(s.labels->>m.k, '') = m.v"                  \
	"                         WHEN '!=' THEN coalesce(s.labels->>m.k, '') <> m.v"                \
	"                         WHEN '=~' THEN coalesce(s.labels->>m.k, '') ~ m.v"                 \
	"                         ELSE coalesce(s.labels->>m.k, '') !~ m.v END)"                   \
	" ORDER BY s.id" /* samples are then read in index order: measured 10-15% faster */

#define EPOCH_US(col) "floor(extract(epoch FROM " col ") * 1000000)::bigint"

static struct db_stmt st_samples = DB_STMT("metrics_samples", 9,
	"WITH sel AS (" SELECTED_SERIES ")"
	" SELECT sm.series_id, sel.labels::text, " EPOCH_US("sm.ts") ", sm.value"
	"   FROM sel JOIN samples sm ON sm.series_id = sel.id"
	"  WHERE sm.ts >= $5::timestamptz AND sm.ts < $6::timestamptz"
	"    AND (sm.series_id, sm.ts) > ($7::bigint, $8::timestamptz)"
	"  ORDER BY sm.series_id, sm.ts LIMIT $9");

static struct db_stmt st_names = DB_STMT("metrics_names", 4,
	"SELECT DISTINCT name FROM series WHERE tenant_id = $1 AND starts_with(name, $2)"
	" ORDER BY name LIMIT $3 OFFSET $4");

static struct db_stmt st_latest = DB_STMT("metrics_latest", 5,
	"WITH sel AS (" SELECTED_SERIES ")"
	" SELECT sel.labels::text, l.ts_us, l.value FROM sel"
	" CROSS JOIN LATERAL (SELECT " EPOCH_US("sm.ts") " AS ts_us, sm.value FROM samples sm"
	"   WHERE sm.series_id = sel.id AND sm.ts <= $5::timestamptz ORDER BY sm.ts DESC LIMIT 1) l"
	" ORDER BY sel.id");

static struct db_stmt st_aggregate = DB_STMT("metrics_aggregate", 6,
	"WITH sel AS (" SELECTED_SERIES ")"
	" SELECT (SELECT count(*) FROM sel), count(sm.value), avg(sm.value), min(sm.value),"
	"        max(sm.value), sum(sm.value),"
	"        percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY sm.value)"
	"   FROM sel JOIN samples sm ON sm.series_id = sel.id" /* not IN: that hashes the order away */
	"  WHERE sm.ts >= $5::timestamptz AND sm.ts < $6::timestamptz");

static struct db_stmt st_definition_kind = DB_STMT("metrics_definition_kind", 2,
	"SELECT type, aggregation FROM metric_definitions WHERE tenant_id = $1 AND name = $2");

/* $7 bucket, $8 aggregation, $9 per series; rows (key, labels, bucket start, value). */
static struct db_stmt st_buckets = DB_STMT("metrics_buckets", 9,
	"WITH sel AS (" SELECTED_SERIES "),"
	" b AS (SELECT CASE WHEN $9::boolean THEN sm.series_id ELSE 0 END AS key,"
	"              date_bin($7::interval, sm.ts, 'epoch') AS bucket,"
	"              CASE $8::text WHEN 'avg' THEN avg(sm.value) WHEN 'sum' THEN sum(sm.value)"
	"                      WHEN 'min' THEN min(sm.value) WHEN 'max' THEN max(sm.value)"
	"                      ELSE count(sm.value)::float8 END AS v"
	"         FROM samples sm JOIN sel ON sm.series_id = sel.id"
	"        WHERE sm.ts >= $5::timestamptz AND sm.ts < $6::timestamptz"
	"        GROUP BY 1, 2)"
	" SELECT b.key, (SELECT labels::text FROM sel WHERE sel.id = b.key), " EPOCH_US("b.bucket")
	",        b.v FROM b ORDER BY 1, 3");

/* agg=last: the newest sample of each bucket (a sort per group, so not folded into the above,
 * where every aggregate of the CASE would be computed). $8 is unused but keeps the signature. */
static struct db_stmt st_last = DB_STMT("metrics_buckets_last", 9,
	"WITH sel AS (" SELECTED_SERIES "),"
	" b AS (SELECT CASE WHEN $9::boolean THEN sm.series_id ELSE 0 END AS key,"
	"              date_bin($7::interval, sm.ts, 'epoch') AS bucket,"
	"              (array_agg(sm.value ORDER BY sm.ts DESC))[1] AS v"
	"         FROM samples sm JOIN sel ON sm.series_id = sel.id"
	"        WHERE sm.ts >= $5::timestamptz AND sm.ts < $6::timestamptz AND $8::text = 'last'"
	"        GROUP BY 1, 2)"
	" SELECT b.key, (SELECT labels::text FROM sel WHERE sel.id = b.key), " EPOCH_US("b.bucket")
	",        b.v FROM b ORDER BY 1, 3");

/* Counters: per-second rate per bucket. The increase counts from the previous sample (looked
 * for up to one bucket before start); a decrease is a counter reset, whose increase is the new
 * value. Merged (group=none) rates are summed across series. */
static struct db_stmt st_rates = DB_STMT("metrics_rates", 9,
	"WITH sel AS (" SELECTED_SERIES "),"
	" d AS (SELECT sm.series_id, sm.ts, sm.value,"
	"              sm.value - lag(sm.value) OVER (PARTITION BY sm.series_id ORDER BY sm.ts) AS delta"
	"         FROM samples sm JOIN sel ON sm.series_id = sel.id"
	"        WHERE sm.ts >= $5::timestamptz - $7::interval AND sm.ts < $6::timestamptz),"
	" r AS (SELECT series_id, date_bin($7::interval, ts, 'epoch') AS bucket,"
	"              sum(CASE WHEN delta IS NULL THEN 0 WHEN delta >= 0 THEN delta ELSE value END)"
	"                / extract(epoch FROM $7::interval)::float8 AS rate"
	"         FROM d WHERE ts >= $5::timestamptz AND $8::text = 'rate' GROUP BY 1, 2),"
	" b AS (SELECT CASE WHEN $9::boolean THEN series_id ELSE 0 END AS key, bucket,"
	"              sum(rate) AS v FROM r GROUP BY 1, 2)"
	" SELECT b.key, (SELECT labels::text FROM sel WHERE sel.id = b.key), " EPOCH_US("b.bucket")
	",        b.v FROM b ORDER BY 1, 3");

/* Label matchers from repeated label=key:value and match[]={k="v",...} parameters, as the two
 * JSON parameters SELECTED_SERIES takes. */
struct selection {
	char *eq;
	char *other;
};

static void
selection_free(struct selection *s)
{
	free(s->eq);
	free(s->other);
	s->eq = s->other = NULL;
}

static int
parse_selection(struct req *rq, struct resp *rs, struct selection *sel)
{
	static const char *const ops[] = {"=", "!=", "=~", "!~"};
	struct matcher m[MATCHERS_MAX];
	struct json_object *eq = json_object_new_object(), *other = json_object_new_array();
	char err[160];
	const char *v;
	int n = 0, pos = 0, status = 0;

	sel->eq = sel->other = NULL;
	while ((v = req_query_next(rq, "label", &pos)) != NULL) {
		if (n >= MATCHERS_MAX || matcher_parse_label(v, &m[n]) < 0) {
			status = resp_problem(rs, 400, "bad-parameter",
			                      "label: expected key:value (at most %d matchers)", MATCHERS_MAX);
			goto out;
		}
		n++;
	}
	pos = 0;
	while ((v = req_query_next(rq, "match[]", &pos)) != NULL) {
		if (matcher_parse_selector(v, m, &n, MATCHERS_MAX, err, sizeof err) < 0) {
			status = resp_problem(rs, 400, "bad-parameter", "match[]: %s", err);
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		if (m[i].op == MATCH_EQ && m[i].value[0] != '\0') {
			json_object_object_add(eq, m[i].key, json_object_new_string(m[i].value));
		} else {
			struct json_object *o = json_object_new_object();
			struct buf re;
			buf_init(&re);
			if (m[i].op == MATCH_RE || m[i].op == MATCH_NRE)
				buf_printf(&re, "^(?:%s)$", m[i].value);
			else
				buf_puts(&re, m[i].value);
			json_add(o, "k", json_object_new_string(m[i].key));
			json_add(o, "op", json_object_new_string(ops[m[i].op]));
			json_add(o, "v", json_object_new_string(re.p ? re.p : ""));
			buf_free(&re);
			json_object_array_add(other, o);
		}
	}
	sel->eq = strdup(json_object_to_json_string_ext(eq, JSON_C_TO_STRING_PLAIN));
	sel->other = strdup(json_object_to_json_string_ext(other, JSON_C_TO_STRING_PLAIN));
	if (sel->eq == NULL || sel->other == NULL) {
		selection_free(sel);
		status = app_unavailable(rq, rs, "memory");
	}
out:
	matchers_free(m, n);
	json_object_put(eq);
	json_object_put(other);
	return status;
}

/* The metric name from the path ({name}) or the query (name=). */
static int
metric_name(struct req *rq, struct resp *rs, const char **name)
{
	const char *n = req_param(rq, "name");

	if (n == NULL)
		n = req_query(rq, "name");
	if (n == NULL)
		return resp_problem(rs, 400, "bad-parameter", "name: required");
	if (!metric_name_valid(n, strlen(n)))
		return resp_problem(rs, 400, "bad-parameter",
		                    "name: must match [a-zA-Z_:][a-zA-Z0-9_:.]* (at most %d bytes)",
		                    METRIC_NAME_MAX);
	*name = n;
	return 0;
}

/* A database failure; an invalid regular expression in a matcher is the client's. */
static int
query_error(struct req *rq, struct resp *rs)
{
	if (strcmp(rq->app->db.sqlstate, "2201B") == 0)
		return resp_problem(rs, 400, "bad-parameter", "match[]: invalid regular expression");
	return app_db_error(rq, rs);
}

static struct json_object *
labels_json(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	return o ? o : json_object_new_object();
}

static struct json_object *
time_json(int64_t us)
{
	char t[32];

	time_format(us, t);
	return json_object_new_string(t);
}

static struct json_object *
pg_double(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return json_object_new_double(strtod(PQgetvalue(res, row, col), NULL));
}

int
metrics_list(struct req *rq, struct resp *rs)
{
	struct selection sel = {NULL, NULL};
	struct json_object *o = NULL, *items, *labels = NULL;
	char tid[24], from[32], to[32], csid[24] = "0", cts[32] = "-infinity", lim[24];
	const char *params[9] = {tid, NULL, NULL, NULL, from, to, csid, cts, lim};
	const char *name, *cursor;
	PGresult *res = NULL;
	int64_t start, end, last_sid = -1;
	long limit, offset;
	int status, n;

	if ((status = metric_name(rq, rs, &name)) != 0 ||
	    (status = param_range(rq, rs, HOUR_US, &start, &end)) != 0 ||
	    (status = param_page(rq, rs, &limit, &offset)) != 0 ||
	    (status = parse_selection(rq, rs, &sel)) != 0)
		goto out;
	if ((cursor = req_query(rq, "cursor")) != NULL) {
		long long sid, ts;
		char tail;
		if (sscanf(cursor, "%lld.%lld%c", &sid, &ts, &tail) != 2 || sid < 0) {
			status = resp_problem(rs, 400, "bad-parameter", "cursor: not a cursor this API gave");
			goto out;
		}
		snprintf(csid, sizeof csid, "%lld", sid);
		time_format(ts, cts);
	}
	snprintf(tid, sizeof tid, "%lld", rq->tenant_id);
	snprintf(lim, sizeof lim, "%ld", limit + 1);
	time_format(start, from);
	time_format(end, to);
	params[1] = name, params[2] = sel.eq, params[3] = sel.other;
	if ((res = db_exec(&rq->app->db, &st_samples, params, DB_RETRY)) == NULL) {
		status = query_error(rq, rs);
		goto out;
	}
	n = PQntuples(res);
	o = json_object_new_object();
	items = json_object_new_array_ext(n < limit ? n : (int)limit);
	json_add(o, "name", json_object_new_string(name));
	json_add(o, "start", time_json(start));
	json_add(o, "end", time_json(end));
	for (int i = 0; i < n && i < limit; i++) {
		struct json_object *it = json_object_new_object();
		int64_t sid = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		if (sid != last_sid) {
			json_object_put(labels);
			labels = labels_json(PQgetvalue(res, i, 1));
			last_sid = sid;
		}
		json_add(it, "name", json_object_new_string(name));
		json_add(it, "labels", json_object_get(labels));
		json_add(it, "timestamp", time_json(strtoll(PQgetvalue(res, i, 2), NULL, 10)));
		json_add(it, "value", pg_double(res, i, 3));
		json_object_array_add(items, it);
	}
	json_add(o, "metrics", items);
	if (n > limit) {
		char next[64];
		snprintf(next, sizeof next, "%s.%s", PQgetvalue(res, (int)limit - 1, 0),
		         PQgetvalue(res, (int)limit - 1, 2));
		json_add(o, "next_cursor", json_object_new_string(next));
	} else {
		json_add(o, "next_cursor", NULL);
	}
	status = resp_json(rs, 200, o);
	o = NULL;
out:
	json_object_put(labels);
	json_object_put(o);
	PQclear(res);
	selection_free(&sel);
	return status;
}

int
metrics_names(struct req *rq, struct resp *rs)
{
	char tid[24], lim[24], off[24];
	const char *prefix = req_query(rq, "prefix");
	const char *params[4] = {tid, prefix ? prefix : "", lim, off};
	struct json_object *o, *names;
	PGresult *res;
	long limit, offset;
	int status;

	if ((status = param_page(rq, rs, &limit, &offset)) != 0)
		return status;
	if (prefix && strlen(prefix) > METRIC_NAME_MAX)
		return resp_problem(rs, 400, "bad-parameter", "prefix: at most %d bytes",
		                    METRIC_NAME_MAX);
	snprintf(tid, sizeof tid, "%lld", rq->tenant_id);
	snprintf(lim, sizeof lim, "%ld", limit);
	snprintf(off, sizeof off, "%ld", offset);
	if ((res = db_exec(&rq->app->db, &st_names, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	names = json_object_new_array_ext(PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(names, json_object_new_string(PQgetvalue(res, i, 0)));
	json_add(o, "names", names);
	PQclear(res);
	return resp_json(rs, 200, o);
}

int
metrics_latest(struct req *rq, struct resp *rs)
{
	struct selection sel = {NULL, NULL};
	char tid[24], to[32];
	const char *params[5] = {tid, NULL, NULL, NULL, to};
	struct json_object *o, *arr;
	const char *name;
	PGresult *res = NULL;
	int64_t end;
	int status;

	if ((status = metric_name(rq, rs, &name)) != 0 ||
	    (status = param_time(rq, rs, "end", time_now_us() + METRIC_FUTURE_US, &end)) != 0 ||
	    (status = parse_selection(rq, rs, &sel)) != 0)
		goto out;
	snprintf(tid, sizeof tid, "%lld", rq->tenant_id);
	time_format(end, to);
	params[1] = name, params[2] = sel.eq, params[3] = sel.other;
	if ((res = db_exec(&rq->app->db, &st_latest, params, DB_RETRY)) == NULL) {
		status = query_error(rq, rs);
		goto out;
	}
	o = json_object_new_object();
	arr = json_object_new_array_ext(PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *it = json_object_new_object();
		json_add(it, "labels", labels_json(PQgetvalue(res, i, 0)));
		json_add(it, "timestamp", time_json(strtoll(PQgetvalue(res, i, 1), NULL, 10)));
		json_add(it, "value", pg_double(res, i, 2));
		json_object_array_add(arr, it);
	}
	json_add(o, "name", json_object_new_string(name));
	json_add(o, "series", arr);
	status = resp_json(rs, 200, o);
out:
	PQclear(res);
	selection_free(&sel);
	return status;
}

int
metrics_aggregate(struct req *rq, struct resp *rs)
{
	struct selection sel = {NULL, NULL};
	char tid[24], from[32], to[32];
	const char *params[6] = {tid, NULL, NULL, NULL, from, to};
	static const char *const pnames[] = {"p50", "p95", "p99"};
	struct json_object *o;
	const char *name, *pct;
	PGresult *res = NULL;
	int64_t start, end;
	int status;

	if ((status = metric_name(rq, rs, &name)) != 0 ||
	    (status = param_range(rq, rs, HOUR_US, &start, &end)) != 0 ||
	    (status = parse_selection(rq, rs, &sel)) != 0)
		goto out;
	snprintf(tid, sizeof tid, "%lld", rq->tenant_id);
	time_format(start, from);
	time_format(end, to);
	params[1] = name, params[2] = sel.eq, params[3] = sel.other;
	if ((res = db_exec(&rq->app->db, &st_aggregate, params, DB_RETRY)) == NULL) {
		status = query_error(rq, rs);
		goto out;
	}
	o = json_object_new_object();
	json_add(o, "name", json_object_new_string(name));
	json_add(o, "start", time_json(start));
	json_add(o, "end", time_json(end));
	json_add(o, "series", json_object_new_int64(strtoll(PQgetvalue(res, 0, 0), NULL, 10)));
	json_add(o, "count", json_object_new_int64(strtoll(PQgetvalue(res, 0, 1), NULL, 10)));
	json_add(o, "avg", pg_double(res, 0, 2));
	json_add(o, "min", pg_double(res, 0, 3));
	json_add(o, "max", pg_double(res, 0, 4));
	json_add(o, "sum", pg_double(res, 0, 5));
	/* percentile_cont(array) comes back as "{p50,p95,p99}", or NULL over no rows. */
	pct = PQgetisnull(res, 0, 6) ? NULL : PQgetvalue(res, 0, 6);
	for (int i = 0; i < 3; i++) {
		char *endp;
		double v;
		if (pct == NULL || (*pct != '{' && *pct != ',')) {
			json_add(o, pnames[i], NULL);
			continue;
		}
		v = strtod(pct + 1, &endp);
		json_add(o, pnames[i], json_object_new_double(v));
		pct = endp;
	}
	json_add(o, "percentile_method", json_object_new_string(PERCENTILE_METHOD));
	status = resp_json(rs, 200, o);
out:
	PQclear(res);
	selection_free(&sel);
	return status;
}

static int
agg_valid(const char *a)
{
	static const char *const aggs[] = {"avg", "sum", "min", "max", "count", "last", "rate"};

	for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++)
		if (strcmp(a, aggs[i]) == 0)
			return 1;
	return 0;
}

int
metrics_series(struct req *rq, struct resp *rs)
{
	struct selection sel = {NULL, NULL};
	char tid[24], from[32], to[32], bucket_s[32], agg[16] = "avg";
	const char *params[9] = {tid, NULL, NULL, NULL, from, to, bucket_s, agg, NULL};
	const char *name, *group, *q;
	struct json_object *o = NULL, *arr, *cur = NULL, *points = NULL;
	PGresult *res = NULL;
	int64_t start, end, width;
	long bucket_ms;
	int status;

	if ((status = metric_name(rq, rs, &name)) != 0 ||
	    (status = param_range(rq, rs, HOUR_US, &start, &end)) != 0 ||
	    (status = param_duration_ms(rq, rs, "bucket", 60000, 1000, 86400000L * 31,
	                                &bucket_ms)) != 0 ||
	    (status = parse_selection(rq, rs, &sel)) != 0)
		goto out;
	group = req_query(rq, "group");
	if (group == NULL)
		group = "series";
	if (strcmp(group, "series") != 0 && strcmp(group, "none") != 0) {
		status = resp_problem(rs, 400, "bad-parameter", "group: expected series or none");
		goto out;
	}
	width = (int64_t)bucket_ms * 1000;
	start = bucket_floor(start, width);
	end = bucket_ceil(end, width);
	if (bucket_count(start, end, width) > MAX_BUCKETS) {
		status = resp_problem(rs, 400, "bad-parameter",
		                      "bucket: the range would have more than %d buckets", MAX_BUCKETS);
		goto out;
	}
	snprintf(tid, sizeof tid, "%lld", rq->tenant_id);
	if ((q = req_query(rq, "agg")) != NULL) {
		if (!agg_valid(q)) {
			status = resp_problem(rs, 400, "bad-parameter",
			                      "agg: expected avg, sum, min, max, count, last or rate");
			goto out;
		}
		snprintf(agg, sizeof agg, "%s", q);
	} else {
		const char *dparams[2] = {tid, name};
		if ((res = db_exec(&rq->app->db, &st_definition_kind, dparams, DB_RETRY)) == NULL) {
			status = app_db_error(rq, rs);
			goto out;
		}
		if (PQntuples(res) > 0) {
			int counter = strcmp(PQgetvalue(res, 0, 0), "counter") == 0;
			const char *da = PQgetvalue(res, 0, 1);
			/* A counter's default "avg" is meaningless: counters become rates. */
			snprintf(agg, sizeof agg, "%s", counter && strcmp(da, "avg") == 0 ? "rate" : da);
		}
		PQclear(res);
		res = NULL;
	}
	time_format(start, from);
	time_format(end, to);
	snprintf(bucket_s, sizeof bucket_s, "%ld milliseconds", bucket_ms);
	params[1] = name, params[2] = sel.eq, params[3] = sel.other;
	params[8] = strcmp(group, "series") == 0 ? "true" : "false";
	res = db_exec(&rq->app->db,
	              strcmp(agg, "rate") == 0   ? &st_rates
	              : strcmp(agg, "last") == 0 ? &st_last
	                                         : &st_buckets,
	              params, DB_RETRY);
	if (res == NULL) {
		status = query_error(rq, rs);
		goto out;
	}
	o = json_object_new_object();
	arr = json_object_new_array();
	json_add(o, "name", json_object_new_string(name));
	json_add(o, "start", time_json(start));
	json_add(o, "end", time_json(end));
	json_add(o, "bucket_seconds", json_object_new_double((double)bucket_ms / 1000));
	json_add(o, "aggregation", json_object_new_string(agg));
	json_add(o, "group", json_object_new_string(group));
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *pt;
		if (i == 0 || strcmp(PQgetvalue(res, i, 0), PQgetvalue(res, i - 1, 0)) != 0) {
			cur = json_object_new_object();
			points = json_object_new_array();
			json_add(cur, "labels", PQgetisnull(res, i, 1) ? json_object_new_object()
			                                                : labels_json(PQgetvalue(res, i, 1)));
			json_add(cur, "points", points);
			json_object_array_add(arr, cur);
		}
		pt = json_object_new_array_ext(2);
		json_object_array_add(pt, json_object_new_int64(strtoll(PQgetvalue(res, i, 2), NULL,
		                                                        10) / US_PER_SEC));
		json_object_array_add(pt, pg_double(res, i, 3));
		json_object_array_add(points, pt);
	}
	json_add(o, "series", arr);
	status = resp_json(rs, 200, o);
	o = NULL;
out:
	json_object_put(o);
	PQclear(res);
	selection_free(&sel);
	return status;
}
