/* jobs/evaluate.c — evaluates every enabled rule of every tenant; each transition writes the alert,
 * its event and an outbox row (with webhook deliveries) in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/alert_rule.h"
#include "../common/alert_state.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../common/outbox.h"
#include "../common/timeutil.h"
#include "jobs.h"

#define ACTOR "telltale-jobs"
#define MAX_SERIES 10000

static struct db_stmt st_rules = DB_STMT("eval_rules", 0,
	"SELECT id, tenant_id, name, source, coalesce(service_name, ''), coalesce(api_endpoint, ''),"
	"   coalesce(metric, ''), label_matchers::text, coalesce(aggregation, 'avg'), window_s,"
	"   offset_s, operator, threshold, recovery_threshold, for_s, no_data, severity,"
	"   channels::text, message"
	" FROM alert_rules WHERE enabled ORDER BY tenant_id, id");

/* Service metrics: rates and latencies weighted by requests (never a plain average of rows);
 * qps is requests per second over the window. $4 metric, $5 aggregation. */
static struct db_stmt st_service = DB_STMT("eval_service", 8,
	"SELECT CASE $5"
	"  WHEN 'min' THEN min(CASE $4 WHEN 'qps' THEN qps WHEN 'avg_latency_ms' THEN avg_latency_ms"
	"    WHEN 'p95_latency_ms' THEN p95_latency_ms WHEN 'p99_latency_ms' THEN p99_latency_ms"
	"    ELSE error_rate END)"
	"  WHEN 'max' THEN max(CASE $4 WHEN 'qps' THEN qps WHEN 'avg_latency_ms' THEN avg_latency_ms"
	"    WHEN 'p95_latency_ms' THEN p95_latency_ms WHEN 'p99_latency_ms' THEN p99_latency_ms"
	"    ELSE error_rate END)"
	"  ELSE CASE $4"
	"    WHEN 'qps' THEN CASE WHEN count(*) > 0 THEN sum(total_requests) / $6::float8 END"
	"    ELSE sum(total_requests * CASE $4 WHEN 'avg_latency_ms' THEN avg_latency_ms"
	"      WHEN 'p95_latency_ms' THEN p95_latency_ms WHEN 'p99_latency_ms' THEN p99_latency_ms"
	"      ELSE error_rate END) / nullif(sum(total_requests), 0) END"
	"  END, count(*)"
	" FROM metrics_aggregated WHERE tenant_id = $1 AND service_name = $2"
	"   AND ($3 = '' OR api_endpoint = $3)"
	"   AND ts > now() - make_interval(secs => $7::int + $6::int)"
	"   AND ts <= now() - make_interval(secs => $7::int) AND $8::bool");

/* Metric rules: one value per matching series; rate handles counter resets. */
static struct db_stmt st_metric = DB_STMT("eval_metric", 6,
	"WITH s AS (SELECT id, labels FROM series WHERE tenant_id = $1 AND name = $2"
	"     AND labels @> $3::jsonb LIMIT 10000),"
	" p AS (SELECT s.id, s.labels, x.ts, x.value,"
	"       lag(x.value) OVER (PARTITION BY s.id ORDER BY x.ts) AS prev"
	"     FROM s JOIN samples x ON x.series_id = s.id"
	"     WHERE x.ts > now() - make_interval(secs => $6::int + $5::int)"
	"       AND x.ts <= now() - make_interval(secs => $6::int))"
	" SELECT labels::text, CASE $4"
	"   WHEN 'avg' THEN avg(value) WHEN 'min' THEN min(value) WHEN 'max' THEN max(value)"
	"   WHEN 'sum' THEN sum(value) WHEN 'count' THEN count(*)"
	"   WHEN 'p95' THEN percentile_cont(0.95) WITHIN GROUP (ORDER BY value)"
	"   WHEN 'p99' THEN percentile_cont(0.99) WITHIN GROUP (ORDER BY value)"
	"   ELSE sum(CASE WHEN prev IS NULL THEN 0 WHEN value >= prev THEN value - prev ELSE value END)"
	"        / $5::float8 END"
	" FROM p GROUP BY id, labels ORDER BY id");

static struct db_stmt st_absent_metric = DB_STMT("eval_absent_metric", 5,
	"SELECT count(*) FROM series s JOIN samples x ON x.series_id = s.id"
	" WHERE s.tenant_id = $1 AND s.name = $2 AND s.labels @> $3::jsonb"
	"   AND x.ts > now() - make_interval(secs => $5::int + $4::int)"
	"   AND x.ts <= now() - make_interval(secs => $5::int)");

static struct db_stmt st_open = DB_STMT("eval_open", 1,
	"SELECT id, fingerprint, state, (extract(epoch FROM started_at) * 1e6)::bigint"
	" FROM active_alerts WHERE rule_id = $1::uuid AND state <> 'resolved'");

static struct db_stmt st_insert = DB_STMT("eval_insert", 12,
	"INSERT INTO active_alerts (tenant_id, rule_id, rule_name, fingerprint, labels, service_name,"
	"   metric, current_value, threshold, severity, state, fired_at, message)"
	" VALUES ($1, $2::uuid, $3, $4, $5::jsonb, nullif($6, ''), $7, $8::float8, $9::float8, $10, $11,"
	"   CASE WHEN $11 = 'firing' THEN now() END, $12)"
	" ON CONFLICT DO NOTHING RETURNING id, telltale_alert_json(active_alerts)::text");

static struct db_stmt st_transition = DB_STMT("eval_transition", 4,
	"UPDATE active_alerts a SET state = $2, current_value = $3::float8, updated_at = now(),"
	"   fired_at = CASE WHEN $2 = 'firing' THEN now() ELSE fired_at END,"
	"   resolved_at = CASE WHEN $2 = 'resolved' THEN now() END,"
	"   resolved_by = CASE WHEN $2 = 'resolved' THEN '" ACTOR "' END, message = $4"
	" WHERE id = $1::uuid AND state <> 'resolved' RETURNING id, telltale_alert_json(a)::text");

static struct db_stmt st_value = DB_STMT("eval_value", 2,
	"UPDATE active_alerts SET current_value = $2::float8, updated_at = now() WHERE id = $1::uuid");

static struct db_stmt st_event = DB_STMT("eval_event", 4,
	"INSERT INTO alert_events (alert_id, tenant_id, actor, kind, value)"
	" VALUES ($1::uuid, $2, '" ACTOR "', $3, $4::float8)");

static struct db_stmt st_snapshot = DB_STMT("eval_snapshot", 0,
	"SELECT t.id, coalesce(json_agg(telltale_alert_json(a) ORDER BY a.started_at DESC)"
	"   FILTER (WHERE a.id IS NOT NULL), '[]')::text"
	" FROM tenants t LEFT JOIN active_alerts a ON a.tenant_id = t.id"
	"   AND a.state IN ('pending', 'firing') GROUP BY t.id");

/* The live state of one series of one rule. */
struct series {
	char    fingerprint[600];
	char    labels[600];
	char    alert_id[40];
	int     state; /* enum alert_state */
	int64_t started_us;
	int     has_value;
	double  value;
};

struct rule_row {
	struct alert_rule r;
	char              id[40], tenant[24], channels[800];
};

struct stats {
	int rules, series, pending, fired, resolved, cleared, errors;
};

static int
rule_from_row(PGresult *res, int i, struct rule_row *row)
{
	struct alert_rule *r = &row->r;

	memset(row, 0, sizeof *row);
	snprintf(row->id, sizeof row->id, "%s", PQgetvalue(res, i, 0));
	snprintf(row->tenant, sizeof row->tenant, "%s", PQgetvalue(res, i, 1));
	snprintf(r->name, sizeof r->name, "%s", PQgetvalue(res, i, 2));
	snprintf(r->service_name, sizeof r->service_name, "%s", PQgetvalue(res, i, 4));
	snprintf(r->api_endpoint, sizeof r->api_endpoint, "%s", PQgetvalue(res, i, 5));
	snprintf(r->metric, sizeof r->metric, "%s", PQgetvalue(res, i, 6));
	r->labels = json_tokener_parse(PQgetvalue(res, i, 7));
	r->window_s = atol(PQgetvalue(res, i, 9));
	r->offset_s = atol(PQgetvalue(res, i, 10));
	r->threshold = strtod(PQgetvalue(res, i, 12), NULL);
	r->has_recovery = !PQgetisnull(res, i, 13);
	r->recovery_threshold = r->has_recovery ? strtod(PQgetvalue(res, i, 13), NULL) : 0;
	r->for_s = atol(PQgetvalue(res, i, 14));
	snprintf(r->severity, sizeof r->severity, "%s", PQgetvalue(res, i, 16));
	snprintf(row->channels, sizeof row->channels, "%s", PQgetvalue(res, i, 17));
	snprintf(r->message, sizeof r->message, "%s", PQgetvalue(res, i, 18));
	if (rule_source_parse(PQgetvalue(res, i, 3), &r->source) < 0 ||
	    rule_agg_parse(PQgetvalue(res, i, 8), &r->aggregation) < 0 ||
	    rule_op_parse(PQgetvalue(res, i, 11), &r->op) < 0 ||
	    rule_no_data_parse(PQgetvalue(res, i, 15), &r->no_data) < 0)
		return -1;
	return 0;
}

static struct series *
find_or_add(struct series *s, int *n, const char *fingerprint, const char *labels)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(s[i].fingerprint, fingerprint) == 0)
			return &s[i];
	if (*n >= MAX_SERIES)
		return NULL;
	memset(&s[*n], 0, sizeof s[*n]);
	snprintf(s[*n].fingerprint, sizeof s[*n].fingerprint, "%s", fingerprint);
	snprintf(s[*n].labels, sizeof s[*n].labels, "%s", labels ? labels : "{}");
	return &s[(*n)++];
}

/* Current values of every series the rule watches. */
static int
load_values(struct jobctx *j, struct rule_row *row, struct series *s, int *n)
{
	const struct alert_rule *r = &row->r;
	char window[16], offset[16], fp[600];
	const char *labels = json_object_to_json_string_ext(r->labels, JSON_C_TO_STRING_PLAIN);
	PGresult *res = NULL;
	struct series *x;

	snprintf(window, sizeof window, "%ld", r->window_s);
	snprintf(offset, sizeof offset, "%ld", r->offset_s);
	if (r->service_name[0]) {
		/* service and absent-service rules: one series, the service or the endpoint */
		const char *p[8] = {row->tenant, r->service_name, r->api_endpoint,
		                    r->source == SRC_ABSENT ? "qps" : r->metric,
		                    rule_agg_name(r->aggregation), window, offset, "true"};
		if ((res = db_exec(&j->db, &st_service, p, DB_RETRY)) == NULL)
			return -1;
		snprintf(fp, sizeof fp, "%s%s%s", r->service_name, r->api_endpoint[0] ? " " : "",
		         r->api_endpoint);
		x = find_or_add(s, n, fp, "{}");
		if (r->source == SRC_ABSENT) {
			x->has_value = 1;
			x->value = strtod(PQgetvalue(res, 0, 1), NULL);
		} else if (!PQgetisnull(res, 0, 0)) {
			x->has_value = 1;
			x->value = strtod(PQgetvalue(res, 0, 0), NULL);
		}
	} else if (r->source == SRC_ABSENT) {
		const char *p[5] = {row->tenant, r->metric, labels, window, offset};
		if ((res = db_exec(&j->db, &st_absent_metric, p, DB_RETRY)) == NULL)
			return -1;
		x = find_or_add(s, n, r->metric, labels);
		x->has_value = 1;
		x->value = strtod(PQgetvalue(res, 0, 0), NULL);
	} else {
		const char *p[6] = {row->tenant, r->metric, labels, rule_agg_name(r->aggregation),
		                    window, offset};
		if ((res = db_exec(&j->db, &st_metric, p, DB_RETRY)) == NULL)
			return -1;
		for (int i = 0; i < PQntuples(res); i++) {
			if ((x = find_or_add(s, n, PQgetvalue(res, i, 0), PQgetvalue(res, i, 0))) == NULL)
				break;
			x->has_value = !PQgetisnull(res, i, 1);
			x->value = x->has_value ? strtod(PQgetvalue(res, i, 1), NULL) : 0;
		}
	}
	PQclear(res);
	return 0;
}

static int
load_open(struct jobctx *j, struct rule_row *row, struct series *s, int *n)
{
	const char *p[1] = {row->id};
	PGresult *res = db_exec(&j->db, &st_open, p, DB_RETRY);
	struct series *x;

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if ((x = find_or_add(s, n, PQgetvalue(res, i, 1), PQgetvalue(res, i, 1))) == NULL)
			break;
		snprintf(x->alert_id, sizeof x->alert_id, "%s", PQgetvalue(res, i, 0));
		x->state = strcmp(PQgetvalue(res, i, 2), "firing") == 0 ? AS_FIRING : AS_PENDING;
		x->started_us = strtoll(PQgetvalue(res, i, 3), NULL, 10);
	}
	PQclear(res);
	return 0;
}

/* "{{value}}"-style message; the default says what crossed what. */
static void
render_message(const struct alert_rule *r, const struct series *x, char *out, size_t cap)
{
	char value[48];
	struct buf b;
	const char *p;

	if (x->has_value)
		snprintf(value, sizeof value, "%.6g", x->value);
	else
		snprintf(value, sizeof value, "no data");
	if (!r->message[0]) {
		snprintf(out, cap, "%s: %s is %s (%s %.6g)", r->name, r->metric[0] ? r->metric : "data",
		         value, rule_op_name(r->op), r->threshold);
		return;
	}
	buf_init(&b);
	for (p = r->message; *p;) {
		if (strncmp(p, "{{value}}", 9) == 0) {
			buf_puts(&b, value);
			p += 9;
		} else if (strncmp(p, "{{threshold}}", 13) == 0) {
			buf_printf(&b, "%.6g", r->threshold);
			p += 13;
		} else if (strncmp(p, "{{rule}}", 8) == 0) {
			buf_puts(&b, r->name);
			p += 8;
		} else if (strncmp(p, "{{series}}", 10) == 0) {
			buf_puts(&b, x->fingerprint);
			p += 10;
		} else {
			buf_putc(&b, *p++);
		}
	}
	snprintf(out, cap, "%s", b.p ? b.p : "");
	buf_free(&b);
}

/* Applies one transition in its own transaction. */
static int
apply(struct jobctx *j, struct rule_row *row, struct series *x, enum alert_transition t)
{
	const struct alert_rule *r = &row->r;
	char value[48], threshold[48], msg[1200];
	const char *state, *kind, *topic, *channels = NULL;
	struct buf body;
	long long event_id;
	PGresult *res = NULL;
	int rc = -1;

	snprintf(value, sizeof value, "%.17g", x->value);
	snprintf(threshold, sizeof threshold, "%.17g", r->threshold);
	render_message(r, x, msg, sizeof msg);
	switch (t) {
	case AT_PENDING: state = "pending", kind = "pending", topic = "alert.pending"; break;
	case AT_FIRED: state = "firing", kind = "fired", topic = "alert.firing", channels = row->channels; break;
	case AT_RESOLVED: state = "resolved", kind = "resolved", topic = "alert.resolved", channels = row->channels; break;
	case AT_CLEARED: state = "resolved", kind = "resolved", topic = "alert.cleared"; break;
	default: return 0;
	}
	buf_init(&body);
	if (db_begin(&j->db) < 0)
		goto out;
	if (x->alert_id[0] == '\0') {
		const char *p[12] = {row->tenant, row->id, r->name, x->fingerprint, x->labels,
		                     r->service_name, r->metric, x->has_value ? value : NULL, threshold,
		                     r->severity, state, msg};
		res = db_exec(&j->db, &st_insert, p, 0);
	} else {
		const char *p[4] = {x->alert_id, state, x->has_value ? value : NULL, msg};
		res = db_exec(&j->db, &st_transition, p, 0);
	}
	if (res == NULL)
		goto fail;
	if (PQntuples(res) == 0) { /* someone else changed it first: nothing to announce */
		rc = 0;
		goto fail;
	}
	{
		const char *p[4] = {PQgetvalue(res, 0, 0), row->tenant, kind,
		                    x->has_value ? value : NULL};
		PGresult *ev = db_exec(&j->db, &st_event, p, 0);
		if (ev == NULL)
			goto fail;
		PQclear(ev);
	}
	buf_printf(&body, "{\"alert\":%s}", PQgetvalue(res, 0, 1));
	if (body.oom || outbox_emit(&j->db, strtoll(row->tenant, NULL, 10), topic, body.p, channels,
	                            &event_id) < 0)
		goto fail;
	if (db_commit(&j->db) < 0)
		goto out;
	rc = 0;
	goto out;
fail:
	db_rollback(&j->db);
out:
	PQclear(res);
	buf_free(&body);
	if (rc < 0)
		log_error("rule %s: %s transition failed: %s", row->id, topic, j->db.err);
	return rc;
}

static int
evaluate_rule(struct jobctx *j, struct rule_row *row, struct series *s, struct stats *st)
{
	int64_t now = time_now_us();
	int n = 0;

	if (load_values(j, row, s, &n) < 0 || load_open(j, row, s, &n) < 0)
		return -1;
	/* A label-matched rule with no series at all still has a no-data verdict to give. */
	if (n == 0 && row->r.no_data == ND_ALERTING)
		find_or_add(s, &n, "*", "{}");
	for (int i = 0; i < n; i++) {
		struct series *x = &s[i];
		struct alert_input in = {(enum alert_state)x->state, x->started_us, x->has_value,
		                         x->value};
		enum alert_transition t = alert_step(&row->r, &in, now);

		st->series++;
		if (t == AT_NONE) {
			if (x->alert_id[0] && x->has_value) {
				char value[48];
				snprintf(value, sizeof value, "%.17g", x->value);
				const char *p[2] = {x->alert_id, value};
				PQclear(db_exec(&j->db, &st_value, p, 0));
			}
			continue;
		}
		if (apply(j, row, x, t) < 0)
			return -1;
		st->pending += t == AT_PENDING;
		st->fired += t == AT_FIRED;
		st->resolved += t == AT_RESOLVED;
		st->cleared += t == AT_CLEARED;
	}
	return 0;
}

/* alert:active:{tenant}: the whole active list, read by GET /v1/alerts/active. */
static void
write_snapshots(struct jobctx *j)
{
	PGresult *res = db_exec(&j->db, &st_snapshot, NULL, DB_RETRY);
	redisContext *rc;
	int n;

	if (res == NULL || (rc = cache_conn(&j->cache)) == NULL) {
		PQclear(res);
		return;
	}
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
		redisAppendCommand(rc, "SET alert:active:%s %s EX 60", PQgetvalue(res, i, 0),
		                   PQgetvalue(res, i, 1));
	(void)cache_pipeline_finish(&j->cache, n);
	PQclear(res);
}

int
job_evaluate(struct jobctx *j, struct json_object *detail)
{
	struct stats st = {0, 0, 0, 0, 0, 0, 0};
	struct series *s = calloc(MAX_SERIES, sizeof *s);
	struct rule_row row;
	PGresult *rules;

	if (s == NULL)
		return -1;
	if ((rules = db_exec(&j->db, &st_rules, NULL, DB_RETRY)) == NULL) {
		json_add(detail, "error", json_object_new_string(j->db.err));
		free(s);
		return -1;
	}
	for (int i = 0; i < PQntuples(rules); i++) {
		st.rules++;
		if (rule_from_row(rules, i, &row) < 0 || evaluate_rule(j, &row, s, &st) < 0) {
			st.errors++;
			log_error("rule %s could not be evaluated: %s", row.id, j->db.err);
			if (j->db.in_tx)
				db_rollback(&j->db);
		}
		alert_rule_free(&row.r);
	}
	PQclear(rules);
	free(s);
	write_snapshots(j);
	json_add(detail, "rules", json_object_new_int(st.rules));
	json_add(detail, "series", json_object_new_int(st.series));
	json_add(detail, "pending", json_object_new_int(st.pending));
	json_add(detail, "fired", json_object_new_int(st.fired));
	json_add(detail, "resolved", json_object_new_int(st.resolved));
	json_add(detail, "cleared", json_object_new_int(st.cleared));
	json_add(detail, "errors", json_object_new_int(st.errors));
	return st.errors ? -1 : 0;
}
