/* common/services_store.c — SQL of service_info and metrics_aggregated, and their Redis keys. */
#include "services_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "log.h"
#include "pgjson.h"
#include "timeutil.h"

/* --- the weighted aggregate, shared by every read ------------------------------------------
 * Inner: one row per (group, endpoint) with request-weighted sums. Outer: per group.
 *   error_rate = Σ(error_rate × requests) / Σ requests
 *   latencies  = Σ(latency × requests) / Σ requests  (percentiles so averaged say avg_of_pNN)
 *   qps        = Σ over endpoints of each endpoint's request-weighted mean qps; an endpoint
 *                whose reports all carry zero requests counts with its plain mean (no weights). */
#define AGG_INNER \
	"count(*) AS n, sum(total_requests)::float8 AS req," \
	" sum(error_rate * total_requests) AS err," \
	" sum(qps * total_requests) AS qw, avg(qps) AS qa," \
	" sum(avg_latency_ms * total_requests) AS lw," \
	" sum(p95_latency_ms * total_requests) AS p95w," \
	" sum(p99_latency_ms * total_requests) AS p99w, max(ts) AS last"
#define AGG_OUTER \
	"coalesce(sum(n), 0)::bigint AS reports, coalesce(sum(req), 0)::bigint AS total_requests," \
	" round(coalesce(sum(err), 0)::numeric, 3)::float8 AS total_errors," \
	" sum(err) / nullif(sum(req), 0) AS error_rate," \
	" coalesce(sum(coalesce(qw / nullif(req, 0), qa)), 0)::float8 AS qps," \
	" sum(lw) / nullif(sum(req), 0) AS avg_latency_ms," \
	" sum(p95w) / nullif(sum(req), 0) AS avg_of_p95_latency_ms," \
	" sum(p99w) / nullif(sum(req), 0) AS avg_of_p99_latency_ms, max(last) AS last_report"
#define RANGE_WHERE \
	" WHERE tenant_id = $1 AND ts >= $2::timestamptz AND ts <= $3::timestamptz" \
	" AND ($4::text IS NULL OR service_name = $4)"

/* --- ingest -------------------------------------------------------------------------------- */

static struct db_stmt st_partitions = DB_STMT("svc_partitions", 2,
	"SELECT telltale_create_daily_partitions('metrics_aggregated'::regclass,"
	"   $1::date, $2::date)");

/* The last copy of a duplicated (endpoint, timestamp) in one batch wins, as a resent report
 * replaces the stored one. */
static struct db_stmt st_insert = DB_STMT("svc_insert", 10,
	"INSERT INTO metrics_aggregated (tenant_id, ts, service_name, api_endpoint, qps,"
	"   avg_latency_ms, p95_latency_ms, p99_latency_ms, error_rate, total_requests)"
	" SELECT DISTINCT ON (u.e, u.t) $1::bigint,"
	"   'epoch'::timestamptz + u.t * interval '1 microsecond',"
	"   $2, u.e, u.q, u.a, u.p95, u.p99, u.er, u.tr"
	" FROM unnest($3::text[], $4::bigint[], $5::float8[], $6::float8[], $7::float8[],"
	"   $8::float8[], $9::float8[], $10::bigint[])"
	"   WITH ORDINALITY AS u(e, t, q, a, p95, p99, er, tr, o)"
	" ORDER BY u.e, u.t, u.o DESC"
	" ON CONFLICT (tenant_id, service_name, api_endpoint, ts) DO UPDATE SET"
	"   qps = EXCLUDED.qps, avg_latency_ms = EXCLUDED.avg_latency_ms,"
	"   p95_latency_ms = EXCLUDED.p95_latency_ms, p99_latency_ms = EXCLUDED.p99_latency_ms,"
	"   error_rate = EXCLUDED.error_rate, total_requests = EXCLUDED.total_requests,"
	"   created_at = now()");

static struct db_stmt st_register = DB_STMT("svc_register", 4,
	"INSERT INTO service_info AS s (tenant_id, service_name, endpoints, last_seen)"
	" VALUES ($1, $2, ARRAY(SELECT DISTINCT x FROM unnest($3::text[]) x ORDER BY x LIMIT 1000),"
	"   $4::timestamptz)"
	" ON CONFLICT (tenant_id, service_name) DO UPDATE SET"
	"   endpoints = CASE WHEN cardinality(s.endpoints) >= 1000 THEN s.endpoints"
	"     ELSE ARRAY(SELECT DISTINCT x FROM unnest(s.endpoints || EXCLUDED.endpoints) x"
	"       ORDER BY x LIMIT 1000) END,"
	"   last_seen = greatest(s.last_seen, EXCLUDED.last_seen), updated_at = now()");

static struct db_stmt st_set_status = DB_STMT("svc_set_status", 3,
	"UPDATE service_info SET status = $3 WHERE tenant_id = $1 AND service_name = $2");

/* Services with their live health window (the last freshness_s seconds before $2). */
static struct db_stmt st_health = DB_STMT("svc_health", 5,
	"SELECT s.service_name, s.display_name, array_to_json(s.endpoints) AS endpoints,"
	"   s.monitoring_enabled, s.status AS last_status, s.last_seen,"
	"   json_build_object('freshness_s', s.freshness_s, 'max_error_rate', s.max_error_rate,"
	"     'max_latency_ms', s.max_latency_ms) AS health_thresholds,"
	"   s.created_at, s.updated_at,"
	"   s.freshness_s AS _freshness_s, s.max_error_rate AS _max_error_rate,"
	"   s.max_latency_ms AS _max_latency_ms,"
	"   (extract(epoch FROM s.last_seen) * 1000000)::bigint AS _last_seen_us,"
	"   row_to_json(w) AS _window"
	" FROM service_info s LEFT JOIN LATERAL ("
	"   SELECT " AGG_OUTER " FROM (SELECT api_endpoint, " AGG_INNER
	"     FROM metrics_aggregated m WHERE m.tenant_id = s.tenant_id"
	"       AND m.service_name = s.service_name"
	"       AND m.ts >= $2::timestamptz - make_interval(secs => s.freshness_s)"
	"     GROUP BY api_endpoint) e) w ON true"
	" WHERE s.tenant_id = $1 AND ($3::text IS NULL OR s.service_name = $3)"
	" ORDER BY s.service_name LIMIT $4 OFFSET $5");

/* Real-time metrics in the cache layout (seed 000's metrics:{service}, with the averaged
 * percentiles named for what they are). */
static struct db_stmt st_realtime = DB_STMT("svc_realtime", 3,
	"WITH e AS (SELECT service_name, api_endpoint, " AGG_INNER
	"   FROM metrics_aggregated WHERE tenant_id = $1"
	"     AND ts > $2::timestamptz - interval '" "300" " seconds'"
	"     AND ($3::text IS NULL OR service_name = $3)"
	"   GROUP BY service_name, api_endpoint)"
	" SELECT e.service_name,"
	"   coalesce(sum(coalesce(qw / nullif(req, 0), qa)), 0)::float8 AS qps,"
	"   sum(err) / nullif(sum(req), 0) AS error_rate,"
	"   sum(lw) / nullif(sum(req), 0) AS avg_response_time,"
	"   sum(p95w) / nullif(sum(req), 0) AS avg_of_p95_response_time,"
	"   sum(p99w) / nullif(sum(req), 0) AS avg_of_p99_response_time,"
	"   coalesce(sum(req), 0)::bigint AS total_requests,"
	"   round(coalesce(sum(err), 0)::numeric, 3)::float8 AS total_errors,"
	"   max(last) AS last_updated, coalesce(s.status, 'unknown') AS status,"
	"   count(*)::int AS endpoints, 300 AS window_s"
	" FROM e LEFT JOIN service_info s ON s.tenant_id = $1 AND s.service_name = e.service_name"
	" GROUP BY e.service_name, s.status ORDER BY e.service_name");

/* Days (since the epoch) whose partition this process knows exists, with when it checked. */
#define KNOWN_DAYS 64
static struct {
	int64_t   day;
	long long checked_ms;
} known_days[KNOWN_DAYS];
#define KNOWN_DAYS_TTL_MS (10 * 60 * 1000)

static int64_t
day_of(int64_t us)
{
	const int64_t day = 86400 * US_PER_SEC;

	return us >= 0 ? us / day : -((-us + day - 1) / day);
}

static int
day_known(int64_t day, long long now)
{
	for (int i = 0; i < KNOWN_DAYS; i++)
		if (known_days[i].checked_ms && known_days[i].day == day &&
		    now - known_days[i].checked_ms < KNOWN_DAYS_TTL_MS)
			return 1;
	return 0;
}

static void
day_remember(int64_t day, long long now)
{
	int slot = 0;

	for (int i = 0; i < KNOWN_DAYS; i++) {
		if (known_days[i].day == day || known_days[i].checked_ms == 0) {
			slot = i;
			break;
		}
		if (known_days[i].checked_ms < known_days[slot].checked_ms)
			slot = i;
	}
	known_days[slot].day = day;
	known_days[slot].checked_ms = now;
}

/* Makes sure the partitions of the days the batch touches exist (outside the transaction, so a
 * rolled-back batch does not take a new partition with it). */
static int
partitions_ensure(struct db *db, const struct svc_report *r, size_t n)
{
	long long now = monotonic_ms();
	char d1[32], d2[32];
	const char *params[2] = {d1, d2};

	for (size_t i = 0; i < n; i++) {
		int64_t day = day_of(r[i].ts_us);
		PGresult *res;
		if (day_known(day, now))
			continue;
		time_format(day * 86400 * US_PER_SEC, d1);
		d1[10] = '\0';
		memcpy(d2, d1, 11);
		res = db_exec(db, &st_partitions, params, DB_RETRY);
		if (res == NULL)
			return -1;
		PQclear(res);
		day_remember(day, now);
	}
	return 0;
}

void
svc_pg_text_array(struct buf *b, const char *const *items, size_t n)
{
	buf_putc(b, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		buf_putc(b, '"');
		for (const char *p = items[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(b, '\\');
			buf_putc(b, *p);
		}
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

static void
put_double(struct buf *b, double v)
{
	buf_printf(b, "%.17g", v);
}

/* A number member of the window object; 1 when present. */
static int
window_number(struct json_object *w, const char *key, double *out)
{
	struct json_object *x;

	return json_object_object_get_ex(w, key, &x) && json_number_value(x, out) == 0;
}

/* Classifies row `row` of an st_health result and fills the verdict. */
static void
classify_row(PGresult *res, int row, int64_t now_us, struct svc_verdict *v,
             struct json_object **window)
{
	struct svc_thresholds t = {300, 0.05, 2000};
	struct svc_window w = {0};
	const char *wtext = pgr_text(res, row, "_window");
	struct json_object *wj = wtext ? json_tokener_parse(wtext) : NULL;
	double d;

	t.freshness_s = (long)pgr_int64(res, row, "_freshness_s");
	t.max_error_rate = pgr_double(res, row, "_max_error_rate");
	t.max_latency_ms = pgr_double(res, row, "_max_latency_ms");
	w.last_seen_us = pgr_int64(res, row, "_last_seen_us");
	if (wj) {
		if (window_number(wj, "reports", &d))
			w.reports = (long)d;
		window_number(wj, "total_requests", &w.total_requests);
		window_number(wj, "error_rate", &w.error_rate);
		window_number(wj, "avg_latency_ms", &w.avg_latency_ms);
	}
	svc_classify(&w, &t, now_us, v);
	if (window) {
		/* last_report comes out of row_to_json in PostgreSQL's own format: normalize it. */
		struct json_object *lr;
		int64_t us;
		if (wj && json_object_object_get_ex(wj, "last_report", &lr) &&
		    json_object_is_type(lr, json_type_string)) {
			char ts[32], tmp[64];
			snprintf(tmp, sizeof tmp, "%s", json_object_get_string(lr));
			if (time_parse(tmp, &us) == 0) {
				time_format(us, ts);
				json_object_object_add(wj, "last_report",
				                       json_object_new_string(ts));
			}
		}
		*window = wj;
	} else {
		json_object_put(wj);
	}
}

/* A service document: the registry row plus its live health. */
static struct json_object *
health_doc(PGresult *res, int row, int64_t now_us, struct svc_verdict *verdict)
{
	struct json_object *o = pg_row_json(res, row), *window = NULL, *reasons;
	struct svc_verdict v;
	char ts[32];

	classify_row(res, row, now_us, &v, &window);
	reasons = json_object_new_array();
	for (int i = 0; i < v.nreasons; i++)
		json_object_array_add(reasons, json_object_new_string(v.reasons[i]));
	json_add(o, "health", json_object_new_string(svc_health_name(v.health)));
	json_add(o, "reasons", reasons);
	time_format(now_us, ts);
	json_add(o, "checked_at", json_object_new_string(ts));
	json_add(o, "window", window);
	if (verdict)
		*verdict = v;
	return o;
}

static struct json_object *
status_doc_from(struct json_object *svc)
{
	struct json_object *o = json_object_new_object(), *v;
	static const char *const keep[] = {"service_name", "health", "reasons", "checked_at",
	                                   "last_seen", "monitoring_enabled"};

	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if (json_object_object_get_ex(svc, keep[i], &v))
			json_add(o, keep[i], json_object_get(v));
	/* seed 000's service:status layout */
	if (json_object_object_get_ex(svc, "health", &v))
		json_add(o, "status", json_object_get(v));
	if (json_object_object_get_ex(svc, "checked_at", &v))
		json_add(o, "last_health_check", json_object_get(v));
	if (json_object_object_get_ex(svc, "endpoints", &v))
		json_add(o, "endpoints_count",
		         json_object_new_int((int)json_object_array_length(v)));
	return o;
}

int
svc_store_reports(struct db *db, long long tenant_id, const char *service,
                  const struct svc_report *r, size_t n, struct json_object **metrics_doc,
                  struct json_object **status_doc)
{
	struct buf a[8];
	char tid[24], maxts[32], nowts[32], lim[8] = "1", off[8] = "0";
	const char *params[10];
	const char **eps = NULL;
	PGresult *res = NULL;
	struct json_object *svc = NULL;
	struct svc_verdict v;
	int64_t max_us = INT64_MIN, now_us = time_now_us();
	int rc = -1;

	if (metrics_doc)
		*metrics_doc = NULL;
	if (status_doc)
		*status_doc = NULL;
	for (int k = 0; k < 8; k++) {
		buf_init(&a[k]);
		buf_putc(&a[k], '{');
	}
	if ((eps = calloc(n ? n : 1, sizeof *eps)) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		eps[i] = r[i].endpoint;
		if (i)
			for (int k = 1; k < 8; k++)
				buf_putc(&a[k], ',');
		buf_printf(&a[1], "%lld", (long long)r[i].ts_us);
		put_double(&a[2], r[i].qps);
		put_double(&a[3], r[i].avg_latency_ms);
		put_double(&a[4], r[i].p95_latency_ms);
		put_double(&a[5], r[i].p99_latency_ms);
		put_double(&a[6], r[i].error_rate);
		buf_printf(&a[7], "%lld", (long long)r[i].total_requests);
		if (r[i].ts_us > max_us)
			max_us = r[i].ts_us;
	}
	buf_reset(&a[0]);
	svc_pg_text_array(&a[0], eps, n);
	for (int k = 1; k < 8; k++)
		buf_putc(&a[k], '}');
	for (int k = 0; k < 8; k++)
		if (a[k].oom) {
			snprintf(db->err, sizeof db->err, "out of memory building the batch");
			db->sqlstate[0] = '\0';
			db->unavailable = 0;
			goto out;
		}
	if (partitions_ensure(db, r, n) < 0)
		goto out;

	snprintf(tid, sizeof tid, "%lld", tenant_id);
	time_format(max_us, maxts);
	time_format(now_us, nowts);
	if (db_begin(db) < 0)
		goto out;
	params[0] = tid;
	params[1] = service;
	for (int k = 0; k < 8; k++)
		params[2 + k] = a[k].p;
	if ((res = db_exec(db, &st_insert, params, 0)) == NULL)
		goto rollback;
	PQclear(res);
	params[2] = a[0].p;
	params[3] = maxts;
	if ((res = db_exec(db, &st_register, params, 0)) == NULL)
		goto rollback;
	PQclear(res);

	/* The service's health with this batch counted, kept as its status. */
	params[1] = nowts;
	params[2] = service;
	params[3] = lim;
	params[4] = off;
	if ((res = db_exec(db, &st_health, params, 0)) == NULL)
		goto rollback;
	if (PQntuples(res) == 1)
		svc = health_doc(res, 0, now_us, &v);
	PQclear(res);
	res = NULL;
	if (svc) {
		params[1] = service;
		params[2] = svc_health_name(v.health);
		if ((res = db_exec(db, &st_set_status, params, 0)) == NULL)
			goto rollback;
		PQclear(res);
		res = NULL;
	}
	if (metrics_doc) {
		params[1] = nowts;
		params[2] = service;
		if ((res = db_exec(db, &st_realtime, params, 0)) == NULL)
			goto rollback;
		if (PQntuples(res) == 1)
			*metrics_doc = pg_row_json(res, 0);
		PQclear(res);
		res = NULL;
	}
	if (db_commit(db) < 0)
		goto out;
	if (status_doc && svc)
		*status_doc = status_doc_from(svc);
	rc = 0;
	goto out;
rollback:
	db_rollback(db);
out:
	if (rc < 0 && metrics_doc) {
		json_object_put(*metrics_doc);
		*metrics_doc = NULL;
	}
	json_object_put(svc);
	free(eps);
	for (int k = 0; k < 8; k++)
		buf_free(&a[k]);
	return rc;
}

/* --- registry ------------------------------------------------------------------------------ */

static struct db_stmt st_create = DB_STMT("svc_create", 8,
	"INSERT INTO service_info (tenant_id, service_name, display_name, endpoints,"
	"   monitoring_enabled, freshness_s, max_error_rate, max_latency_ms)"
	" VALUES ($1, $2, coalesce($3, ''),"
	"   coalesce(ARRAY(SELECT DISTINCT x FROM unnest($4::text[]) x ORDER BY x), '{}'),"
	"   coalesce($5::boolean, true), coalesce($6::integer, 300), coalesce($7::float8, 0.05),"
	"   coalesce($8::float8, 2000))"
	" ON CONFLICT (tenant_id, service_name) DO NOTHING RETURNING 1");

static struct db_stmt st_update = DB_STMT("svc_update", 8,
	"UPDATE service_info SET display_name = coalesce($3, display_name),"
	"   endpoints = CASE WHEN $4::text[] IS NULL THEN endpoints"
	"     ELSE ARRAY(SELECT DISTINCT x FROM unnest($4::text[]) x ORDER BY x) END,"
	"   monitoring_enabled = coalesce($5::boolean, monitoring_enabled),"
	"   freshness_s = coalesce($6::integer, freshness_s),"
	"   max_error_rate = coalesce($7::float8, max_error_rate),"
	"   max_latency_ms = coalesce($8::float8, max_latency_ms), updated_at = now()"
	" WHERE tenant_id = $1 AND service_name = $2 RETURNING 1");

/* The registry entry and every report of the service, in one statement. */
static struct db_stmt st_delete = DB_STMT("svc_delete", 2,
	"WITH gone AS (DELETE FROM metrics_aggregated WHERE tenant_id = $1 AND service_name = $2)"
	" DELETE FROM service_info WHERE tenant_id = $1 AND service_name = $2 RETURNING 1");

static int
fields_exec(struct db *db, struct db_stmt *st, long long tenant_id, const char *name,
            const struct svc_fields *f)
{
	char tid[24], fresh[24], err[32], lat[32];
	const char *params[8];
	PGresult *res;
	int n;

	snprintf(tid, sizeof tid, "%lld", tenant_id);
	snprintf(fresh, sizeof fresh, "%ld", f->freshness_s);
	snprintf(err, sizeof err, "%.17g", f->max_error_rate);
	snprintf(lat, sizeof lat, "%.17g", f->max_latency_ms);
	params[0] = tid;
	params[1] = name;
	params[2] = f->display_name;
	params[3] = f->endpoints_pg;
	params[4] = f->monitoring_enabled < 0 ? NULL : f->monitoring_enabled ? "true" : "false";
	params[5] = f->freshness_s < 0 ? NULL : fresh;
	params[6] = f->max_error_rate < 0 ? NULL : err;
	params[7] = f->max_latency_ms < 0 ? NULL : lat;
	if ((res = db_exec(db, st, params, 0)) == NULL)
		return -1;
	n = PQntuples(res);
	PQclear(res);
	return n > 0;
}

int
svc_registry_create(struct db *db, long long tenant_id, const char *name,
                    const struct svc_fields *f)
{
	return fields_exec(db, &st_create, tenant_id, name, f);
}

int
svc_registry_update(struct db *db, long long tenant_id, const char *name,
                    const struct svc_fields *f)
{
	return fields_exec(db, &st_update, tenant_id, name, f);
}

int
svc_registry_delete(struct db *db, long long tenant_id, const char *name)
{
	char tid[24];
	const char *params[2] = {tid, name};
	PGresult *res;
	int n;

	snprintf(tid, sizeof tid, "%lld", tenant_id);
	if ((res = db_exec(db, &st_delete, params, 0)) == NULL)
		return -1;
	n = PQntuples(res);
	PQclear(res);
	return n > 0;
}

/* Runs st_health; name NULL = every service. */
static PGresult *
health_query(struct db *db, long long tenant_id, const char *name, int64_t now_us, long limit,
             long offset)
{
	char tid[24], now[32], lim[24], off[24];
	const char *params[5] = {tid, now, name, lim, off};

	snprintf(tid, sizeof tid, "%lld", tenant_id);
	time_format(now_us, now);
	snprintf(lim, sizeof lim, "%ld", limit);
	snprintf(off, sizeof off, "%ld", offset);
	return db_exec(db, &st_health, params, DB_RETRY);
}

struct json_object *
svc_registry_get(struct db *db, long long tenant_id, const char *name, int64_t now_us, int *found)
{
	PGresult *res = health_query(db, tenant_id, name, now_us, 1, 0);
	struct json_object *o = NULL;

	if (res == NULL) {
		*found = -1;
		return NULL;
	}
	*found = PQntuples(res) > 0;
	if (*found)
		o = health_doc(res, 0, now_us, NULL);
	PQclear(res);
	return o;
}

struct json_object *
svc_registry_list(struct db *db, long long tenant_id, int64_t now_us, long limit, long offset)
{
	PGresult *res = health_query(db, tenant_id, NULL, now_us, limit, offset);
	struct json_object *a;

	if (res == NULL)
		return NULL;
	a = json_object_new_array_ext(PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(a, health_doc(res, i, now_us, NULL));
	PQclear(res);
	return a;
}

struct json_object *
svc_health(struct db *db, long long tenant_id, const char *name, int64_t now_us, int *found)
{
	return svc_registry_get(db, tenant_id, name, now_us, found);
}

struct json_object *
svc_health_all(struct db *db, long long tenant_id, int64_t now_us)
{
	return svc_registry_list(db, tenant_id, now_us, 10000, 0);
}

/* --- aggregate reads ----------------------------------------------------------------------- */

static struct db_stmt st_summary = DB_STMT("svc_summary", 4,
	"WITH e AS (SELECT service_name, api_endpoint, " AGG_INNER
	"   FROM metrics_aggregated" RANGE_WHERE " GROUP BY service_name, api_endpoint)"
	" SELECT count(DISTINCT service_name)::bigint AS total_services,"
	"   count(*)::bigint AS total_endpoints, " AGG_OUTER " FROM e");

static struct db_stmt st_historical = DB_STMT("svc_historical", 7,
	"SELECT ts AS timestamp, service_name, api_endpoint AS endpoint, qps, avg_latency_ms,"
	"   p95_latency_ms, p99_latency_ms, error_rate, total_requests,"
	"   round((error_rate * total_requests)::numeric, 3)::float8 AS total_errors"
	" FROM metrics_aggregated" RANGE_WHERE " AND ($5::text IS NULL OR api_endpoint = $5)"
	" ORDER BY ts DESC, service_name, api_endpoint LIMIT $6 OFFSET $7");

static struct db_stmt st_per_service = DB_STMT("svc_per_service", 4,
	"WITH e AS (SELECT service_name, api_endpoint, " AGG_INNER
	"   FROM metrics_aggregated" RANGE_WHERE " GROUP BY service_name, api_endpoint)"
	" SELECT e.service_name, s.display_name, s.status AS last_status,"
	"   count(*)::int AS endpoints, " AGG_OUTER
	" FROM e LEFT JOIN service_info s ON s.tenant_id = $1 AND s.service_name = e.service_name"
	" GROUP BY e.service_name, s.display_name, s.status ORDER BY e.service_name");

static struct db_stmt st_per_endpoint = DB_STMT("svc_per_endpoint", 4,
	"WITH e AS (SELECT api_endpoint, " AGG_INNER
	"   FROM metrics_aggregated" RANGE_WHERE " GROUP BY api_endpoint)"
	" SELECT api_endpoint AS endpoint, " AGG_OUTER " FROM e GROUP BY api_endpoint"
	" ORDER BY api_endpoint");

static struct db_stmt st_comparison = DB_STMT("svc_comparison", 4,
	"WITH e AS (SELECT service_name, api_endpoint, " AGG_INNER
	"   FROM metrics_aggregated WHERE tenant_id = $1 AND ts >= $2::timestamptz"
	"     AND ts <= $3::timestamptz AND service_name = ANY ($4::text[])"
	"   GROUP BY service_name, api_endpoint)"
	" SELECT n.name AS service_name, (s.service_name IS NOT NULL) AS registered,"
	"   count(e.api_endpoint)::int AS endpoints, " AGG_OUTER
	" FROM unnest($4::text[]) WITH ORDINALITY AS n(name, ord)"
	" LEFT JOIN e ON e.service_name = n.name"
	" LEFT JOIN service_info s ON s.tenant_id = $1 AND s.service_name = n.name"
	" GROUP BY n.name, n.ord, s.service_name ORDER BY n.ord");

static struct db_stmt st_trend = DB_STMT("svc_trend", 6,
	"WITH e AS (SELECT date_bin(make_interval(secs => $5::float8), ts,"
	"     TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket, api_endpoint, " AGG_INNER
	"   FROM metrics_aggregated" RANGE_WHERE " AND ($6::text IS NULL OR api_endpoint = $6)"
	"   GROUP BY 1, 2)"
	" SELECT bucket, " AGG_OUTER " FROM e GROUP BY bucket ORDER BY bucket");

static struct db_stmt st_timeseries = DB_STMT("svc_timeseries", 5,
	"WITH e AS (SELECT date_bin(make_interval(secs => $5::float8), ts,"
	"     TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket, service_name, api_endpoint, "
	AGG_INNER " FROM metrics_aggregated" RANGE_WHERE " GROUP BY 1, 2, 3)"
	" SELECT service_name AS _service, bucket AS _bucket, " AGG_OUTER
	" FROM e GROUP BY service_name, bucket ORDER BY service_name, bucket");

static struct db_stmt st_top_errors = DB_STMT("svc_top_errors", 4,
	"WITH e AS (SELECT service_name, api_endpoint, " AGG_INNER
	"   FROM metrics_aggregated" RANGE_WHERE " GROUP BY service_name, api_endpoint)"
	" SELECT service_name, api_endpoint AS endpoint, " AGG_OUTER " FROM e"
	" GROUP BY service_name, api_endpoint HAVING sum(req) > 0"
	" ORDER BY error_rate DESC, service_name, endpoint LIMIT 5");

static struct db_stmt st_top_latency = DB_STMT("svc_top_latency", 4,
	"WITH e AS (SELECT service_name, api_endpoint, " AGG_INNER
	"   FROM metrics_aggregated" RANGE_WHERE " GROUP BY service_name, api_endpoint)"
	" SELECT service_name, api_endpoint AS endpoint, " AGG_OUTER " FROM e"
	" GROUP BY service_name, api_endpoint HAVING sum(req) > 0"
	" ORDER BY avg_latency_ms DESC, service_name, endpoint LIMIT 5");

struct qparams {
	char        tid[24], start[32], end[32], lim[24], off[24], interval[24];
	const char *v[8];
};

static void
qparams_fill(struct qparams *p, const struct svc_query *q)
{
	snprintf(p->tid, sizeof p->tid, "%lld", q->tenant_id);
	time_format(q->start_us, p->start);
	time_format(q->end_us, p->end);
	snprintf(p->lim, sizeof p->lim, "%ld", q->limit);
	snprintf(p->off, sizeof p->off, "%ld", q->offset);
	snprintf(p->interval, sizeof p->interval, "%ld", q->interval_s);
	p->v[0] = p->tid;
	p->v[1] = p->start;
	p->v[2] = p->end;
	p->v[3] = q->service;
}

struct json_object *
svc_summary(struct db *db, const struct svc_query *q)
{
	struct qparams p;
	PGresult *res;
	struct json_object *o;

	qparams_fill(&p, q);
	if ((res = db_exec(db, &st_summary, p.v, DB_RETRY)) == NULL)
		return NULL;
	o = PQntuples(res) ? pg_row_json(res, 0) : json_object_new_object();
	PQclear(res);
	return o;
}

static struct json_object *
rows(struct db *db, struct db_stmt *st, const char *const *params)
{
	PGresult *res = db_exec(db, st, params, DB_RETRY);
	struct json_object *a;

	if (res == NULL)
		return NULL;
	a = pg_rows_json(res);
	PQclear(res);
	return a;
}

struct json_object *
svc_historical(struct db *db, const struct svc_query *q, int *has_more)
{
	struct qparams p;
	struct json_object *a;
	struct svc_query q1 = *q;

	q1.limit = q->limit + 1; /* one more row says whether there is a next page */
	qparams_fill(&p, &q1);
	p.v[4] = q->endpoint;
	p.v[5] = p.lim;
	p.v[6] = p.off;
	if ((a = rows(db, &st_historical, p.v)) == NULL)
		return NULL;
	*has_more = (long)json_object_array_length(a) > q->limit;
	if (*has_more)
		json_object_array_del_idx(a, (size_t)q->limit, 1);
	return a;
}

struct json_object *
svc_per_service(struct db *db, const struct svc_query *q)
{
	struct qparams p;

	qparams_fill(&p, q);
	return rows(db, &st_per_service, p.v);
}

struct json_object *
svc_per_endpoint(struct db *db, const struct svc_query *q)
{
	struct qparams p;

	qparams_fill(&p, q);
	return rows(db, &st_per_endpoint, p.v);
}

struct json_object *
svc_comparison(struct db *db, const struct svc_query *q, const char *names_pg)
{
	struct qparams p;

	qparams_fill(&p, q);
	p.v[3] = names_pg;
	return rows(db, &st_comparison, p.v);
}

struct json_object *
svc_trend(struct db *db, const struct svc_query *q)
{
	struct qparams p;

	qparams_fill(&p, q);
	p.v[4] = p.interval;
	p.v[5] = q->endpoint;
	return rows(db, &st_trend, p.v);
}

struct json_object *
svc_top_endpoints(struct db *db, const struct svc_query *q, const char *by)
{
	struct qparams p;

	qparams_fill(&p, q);
	return rows(db, strcmp(by, "latency") == 0 ? &st_top_latency : &st_top_errors, p.v);
}

/* Columnar series for charts (uPlot's shape): one shared time axis of the buckets that have data,
 * and per service one array per figure, null where the service has no data in a bucket. */
struct json_object *
svc_timeseries(struct db *db, const struct svc_query *q)
{
	static const char *const figs[] = {"qps", "error_rate", "avg_latency_ms",
	                                   "avg_of_p95_latency_ms", "avg_of_p99_latency_ms",
	                                   "total_requests"};
	enum { NFIGS = sizeof figs / sizeof figs[0] };
	struct qparams p;
	PGresult *res;
	struct json_object *o = NULL, *times, *series, *cur = NULL, *arrs[NFIGS] = {0};
	int64_t *buckets = NULL;
	size_t nb = 0;
	int nrows;

	qparams_fill(&p, q);
	p.v[4] = p.interval;
	if ((res = db_exec(db, &st_timeseries, p.v, DB_RETRY)) == NULL)
		return NULL;
	nrows = PQntuples(res);
	if ((buckets = malloc(sizeof *buckets * (size_t)(nrows ? nrows : 1))) == NULL)
		goto out;
	/* The distinct buckets, sorted: rows are ordered by service then bucket. */
	for (int r = 0; r < nrows; r++) {
		int64_t us;
		size_t lo = 0, hi = nb;
		if (pg_timestamp_us(PQgetvalue(res, r, 1), &us) < 0)
			continue;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (buckets[mid] < us)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nb && buckets[lo] == us)
			continue;
		memmove(&buckets[lo + 1], &buckets[lo], (nb - lo) * sizeof *buckets);
		buckets[lo] = us;
		nb++;
	}
	o = json_object_new_object();
	times = json_object_new_array_ext((int)nb);
	for (size_t i = 0; i < nb; i++) {
		char ts[32];
		time_format(buckets[i], ts);
		json_object_array_add(times, json_object_new_string(ts));
	}
	json_add(o, "timestamps", times);
	series = json_object_new_array();
	json_add(o, "series", series);
	for (int r = 0; r < nrows; r++) {
		const char *svc = PQgetvalue(res, r, 0);
		struct json_object *row;
		int64_t us;
		size_t lo = 0, hi = nb;
		struct json_object *cn = cur ? json_object_object_get(cur, "service_name") : NULL;
		const char *cur_name = cn ? json_object_get_string(cn) : NULL;
		if (cur_name == NULL || strcmp(cur_name, svc) != 0) {
			cur = json_object_new_object();
			json_add(cur, "service_name", json_object_new_string(svc));
			for (int f = 0; f < NFIGS; f++) {
				arrs[f] = json_object_new_array_ext((int)nb);
				for (size_t i = 0; i < nb; i++)
					json_object_array_add(arrs[f], NULL);
				json_add(cur, figs[f], arrs[f]);
			}
			json_object_array_add(series, cur);
		}
		if (pg_timestamp_us(PQgetvalue(res, r, 1), &us) < 0)
			continue;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (buckets[mid] < us)
				lo = mid + 1;
			else
				hi = mid;
		}
		row = pg_row_json(res, r);
		for (int f = 0; f < NFIGS; f++) {
			struct json_object *v = json_object_object_get(row, figs[f]);
			json_object_array_put_idx(arrs[f], lo, json_object_get(v));
		}
		json_object_put(row);
	}
out:
	free(buckets);
	PQclear(res);
	return o;
}

struct json_object *
svc_realtime_pg(struct db *db, const struct svc_query *q)
{
	char tid[24], now[32];
	const char *params[3] = {tid, now, q->service};

	snprintf(tid, sizeof tid, "%lld", q->tenant_id);
	time_format(q->end_us, now);
	return rows(db, &st_realtime, params);
}

static struct db_stmt st_active_alerts = DB_STMT("svc_active_alerts", 1,
	"SELECT count(*) FROM active_alerts WHERE tenant_id = $1 AND state IN ('pending', 'firing')");

long long
svc_active_alerts(struct db *db, long long tenant_id)
{
	char tid[24];
	const char *params[1] = {tid};
	PGresult *res;
	long long n = -1;

	snprintf(tid, sizeof tid, "%lld", tenant_id);
	/* Active as GET /v1/alerts/active counts them: pending or firing. */
	if ((res = db_exec(db, &st_active_alerts, params, DB_RETRY)) != NULL)
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}

/* --- Redis --------------------------------------------------------------------------------- */

#define SERVICES_SET_TTL_S 86400

int
svc_cache_put(struct cache *c, long long tenant_id, const char *service,
              struct json_object *metrics_doc, struct json_object *status_doc, int publish)
{
	redisContext *rc = cache_conn(c);
	int n = 0;

	if (rc == NULL)
		return -1;
	if (metrics_doc) {
		const char *m = json_object_to_json_string_ext(metrics_doc, JSON_C_TO_STRING_PLAIN);
		redisAppendCommand(rc, "SET metrics:%lld:%s %s EX %d", tenant_id, service, m,
		                   SVC_REALTIME_S);
		n++;
		if (publish) {
			struct json_object *msg = json_object_new_object();
			json_add(msg, "service_name", json_object_new_string(service));
			json_add(msg, "data", json_object_get(metrics_doc));
			const char *payload;
			payload = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
			redisAppendCommand(rc, "PUBLISH metrics_update:%lld %s", tenant_id,
			                   payload);
			json_object_put(msg);
			n++;
		}
	}
	if (status_doc) {
		const char *st = json_object_to_json_string_ext(status_doc, JSON_C_TO_STRING_PLAIN);
		redisAppendCommand(rc, "SET service:status:%lld:%s %s EX %d", tenant_id, service,
		                   st, SVC_REALTIME_S);
		n++;
	}
	redisAppendCommand(rc, "SADD services:%lld %s", tenant_id, service);
	redisAppendCommand(rc, "EXPIRE services:%lld %d", tenant_id, SERVICES_SET_TTL_S);
	n += 2;
	return cache_pipeline_finish(c, n);
}

void
svc_cache_forget(struct cache *c, long long tenant_id, const char *service)
{
	redisContext *rc = cache_conn(c);

	if (rc == NULL)
		return;
	redisAppendCommand(rc, "SREM services:%lld %s", tenant_id, service);
	redisAppendCommand(rc, "DEL metrics:%lld:%s service:status:%lld:%s", tenant_id, service,
	                   tenant_id, service);
	(void)cache_pipeline_finish(c, 2);
}

/* Parses the string replies of an MGET/GET into docs; returns how many were found. */
static int
collect_docs(redisReply *r, struct json_object *out)
{
	int found = 0;

	if (r->type == REDIS_REPLY_STRING) {
		struct json_object *o = json_tokener_parse(r->str);
		if (o) {
			json_object_array_add(out, o);
			found++;
		}
		return found;
	}
	if (r->type != REDIS_REPLY_ARRAY)
		return 0;
	for (size_t i = 0; i < r->elements; i++)
		found += collect_docs(r->element[i], out);
	return found;
}

/* Sorts documents by service_name so Redis and PostgreSQL answer in the same order. */
static int
by_service_name(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a;
	struct json_object *y = *(struct json_object *const *)b;
	const char *sx = json_object_get_string(json_object_object_get(x, "service_name"));
	const char *sy = json_object_get_string(json_object_object_get(y, "service_name"));

	return strcmp(sx ? sx : "", sy ? sy : "");
}

static int
cache_fetch(struct cache *c, long long tenant_id, const char *service, const char *prefix,
            struct json_object **out)
{
	redisReply *members = NULL, *vals = NULL;
	struct json_object *docs = NULL;
	const char **argv = NULL;
	char **keys = NULL;
	size_t nkeys = 0;
	int rc = -1;

	*out = NULL;
	if (cache_conn(c) == NULL)
		return -1;
	if (service) {
		vals = cache_command(c, "GET %s:%lld:%s", prefix, tenant_id, service);
	} else {
		/* The per-tenant set names the services: no KEYS, no SCAN of the keyspace. */
		if ((members = cache_command(c, "SMEMBERS services:%lld", tenant_id)) == NULL)
			goto out;
		if (members->type != REDIS_REPLY_ARRAY || members->elements == 0) {
			rc = 0;
			goto out;
		}
		nkeys = members->elements;
		argv = calloc(nkeys + 1, sizeof *argv);
		keys = calloc(nkeys, sizeof *keys);
		if (argv == NULL || keys == NULL)
			goto out;
		argv[0] = "MGET";
		for (size_t i = 0; i < nkeys; i++) {
			const char *name = members->element[i]->str ? members->element[i]->str : "";
			if (asprintf(&keys[i], "%s:%lld:%s", prefix, tenant_id, name) < 0) {
				keys[i] = NULL;
				goto out;
			}
			argv[i + 1] = keys[i];
		}
		if (c->rc == NULL)
			goto out;
		vals = redisCommandArgv(c->rc, (int)nkeys + 1, argv, NULL);
		if (vals == NULL) {
			cache_fail(c, c->rc->errstr[0] ? c->rc->errstr : "connection lost");
			goto out;
		}
	}
	if (vals == NULL)
		goto out;
	docs = json_object_new_array();
	if (collect_docs(vals, docs) == 0) {
		rc = 0;
		goto out;
	}
	json_object_array_sort(docs, by_service_name);
	*out = docs;
	docs = NULL;
	rc = 1;
out:
	if (keys)
		for (size_t i = 0; i < nkeys; i++)
			free(keys[i]);
	free(keys);
	free(argv);
	json_object_put(docs);
	freeReplyObject(members);
	freeReplyObject(vals);
	if (rc == 1)
		c->hits++;
	else if (rc == 0)
		c->misses++;
	return rc;
}

int
svc_cache_realtime(struct cache *c, long long tenant_id, const char *service,
                   struct json_object **out)
{
	return cache_fetch(c, tenant_id, service, "metrics", out);
}

int
svc_cache_status(struct cache *c, long long tenant_id, const char *service,
                 struct json_object **out)
{
	struct json_object *arr = NULL;
	int rc = cache_fetch(c, tenant_id, service, "service:status", &arr);

	*out = NULL;
	if (rc == 1) {
		*out = json_object_get(json_object_array_get_idx(arr, 0));
		json_object_put(arr);
	}
	return rc;
}
