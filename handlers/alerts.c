/* handlers/alerts.c — /v1/alerts: list, active (Redis first), one with history, acknowledge,
 * resolve, statistics. Lifecycle changes write alert_events and the outbox in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"
#include "../common/log.h"
#include "../common/outbox.h"
#include "../common/params.h"
#include "../common/pgjson.h"
#include "../common/timeutil.h"
#include "handlers.h"

#define ACTIVE_TTL "60"

static struct db_stmt st_list = DB_STMT("alerts_list", 8,
	"SELECT telltale_alert_json(a)::text, count(*) OVER () FROM active_alerts a"
	" WHERE tenant_id = $1 AND ($2 = '' OR state = $2) AND ($3 = '' OR severity = $3)"
	"   AND ($4 = '' OR service_name = $4) AND started_at >= to_timestamp($5::float8 / 1e6)"
	"   AND ($8 = '' OR rule_id = nullif($8, '')::uuid)"
	" ORDER BY started_at DESC, id LIMIT $6 OFFSET $7");

static struct db_stmt st_active = DB_STMT("alerts_active", 1,
	"SELECT coalesce(json_agg(telltale_alert_json(a) ORDER BY a.started_at DESC), '[]')::text"
	" FROM active_alerts a WHERE tenant_id = $1 AND state IN ('pending', 'firing')");

static struct db_stmt st_get = DB_STMT("alerts_get", 2,
	"SELECT telltale_alert_json(a)::text,"
	"  (SELECT coalesce(json_agg(json_build_object('at', e.at, 'actor', e.actor, 'kind', e.kind,"
	"     'value', e.value, 'comment', e.comment) ORDER BY e.id), '[]')"
	"   FROM alert_events e WHERE e.alert_id = a.id)::text"
	" FROM active_alerts a WHERE tenant_id = $1 AND id = $2::uuid");

/* Acknowledge: first acknowledgement wins (idempotent); a comment is recorded either way. */
static struct db_stmt st_ack = DB_STMT("alerts_ack", 3,
	"WITH old AS (SELECT id, acknowledged_at FROM active_alerts"
	"   WHERE tenant_id = $1 AND id = $2::uuid FOR UPDATE)"
	" UPDATE active_alerts a SET acknowledged_at = coalesce(a.acknowledged_at, now()),"
	"   acknowledged_by = coalesce(a.acknowledged_by, $3), updated_at = now()"
	" FROM old WHERE a.id = old.id AND a.state <> 'resolved'"
	" RETURNING telltale_alert_json(a)::text, old.acknowledged_at IS NULL");

static struct db_stmt st_resolve = DB_STMT("alerts_resolve", 3,
	"UPDATE active_alerts a SET state = 'resolved', resolved_at = now(), resolved_by = $3,"
	"   updated_at = now()"
	" WHERE tenant_id = $1 AND id = $2::uuid AND state <> 'resolved'"
	" RETURNING telltale_alert_json(a)::text,"
	"   (SELECT channels::text FROM alert_rules r WHERE r.id = a.rule_id)");

static struct db_stmt st_state = DB_STMT("alerts_state", 2,
	"SELECT state, telltale_alert_json(a)::text FROM active_alerts a"
	" WHERE tenant_id = $1 AND id = $2::uuid");

static struct db_stmt st_event = DB_STMT("alerts_event", 5,
	"INSERT INTO alert_events (alert_id, tenant_id, actor, kind, comment)"
	" VALUES ($1::uuid, $2, $3, $4, nullif($5, ''))");

static struct db_stmt st_stats = DB_STMT("alerts_stats", 2,
	"SELECT json_build_object("
	"  'since', to_timestamp($2::float8 / 1e6),"
	"  'total', count(*) FILTER (WHERE started_at >= to_timestamp($2::float8 / 1e6)),"
	"  'active', count(*) FILTER (WHERE state IN ('pending', 'firing')),"
	"  'firing', count(*) FILTER (WHERE state = 'firing'),"
	"  'pending', count(*) FILTER (WHERE state = 'pending'),"
	"  'resolved', count(*) FILTER (WHERE state = 'resolved'"
	"     AND resolved_at >= to_timestamp($2::float8 / 1e6)),"
	"  'acknowledged', count(*) FILTER (WHERE state <> 'resolved' AND acknowledged_at IS NOT NULL),"
	"  'active_by_severity', json_build_object("
	"     'low', count(*) FILTER (WHERE state IN ('pending', 'firing') AND severity = 'low'),"
	"     'medium', count(*) FILTER (WHERE state IN ('pending', 'firing') AND severity = 'medium'),"
	"     'high', count(*) FILTER (WHERE state IN ('pending', 'firing') AND severity = 'high'),"
	"     'critical', count(*) FILTER (WHERE state IN ('pending', 'firing') AND severity = 'critical')),"
	"  'alerts_per_hour', round((count(*) FILTER (WHERE started_at >= to_timestamp($2::float8 / 1e6))"
	"     / greatest(extract(epoch FROM now() - to_timestamp($2::float8 / 1e6)) / 3600, 1e-9))::numeric, 3),"
	"  'mean_time_to_resolve_minutes', round((avg(extract(epoch FROM resolved_at"
	"     - coalesce(fired_at, started_at))) FILTER (WHERE state = 'resolved'"
	"     AND resolved_at >= to_timestamp($2::float8 / 1e6)) / 60)::numeric, 2))::text"
	" FROM active_alerts WHERE tenant_id = $1"
	"   AND (state <> 'resolved' OR started_at >= to_timestamp($2::float8 / 1e6)"
	"        OR resolved_at >= to_timestamp($2::float8 / 1e6))");

static void
tenant_str(const struct req *rq, char out[24])
{
	snprintf(out, 24, "%lld", rq->tenant_id);
}

static int
one_of(const char *v, const char *const *allowed)
{
	if (v == NULL || *v == '\0')
		return 1;
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return 1;
	return 0;
}

int
alerts_list(struct req *rq, struct resp *rs)
{
	static const char *const states[] = {"pending", "firing", "resolved", NULL};
	static const char *const sevs[] = {"low", "medium", "high", "critical", NULL};
	const char *state = req_query(rq, "state"), *sev = req_query(rq, "severity");
	const char *service = req_query(rq, "service"), *rule = req_query(rq, "rule_id");
	char tenant[24], since_s[24], limit_s[16], offset_s[24];
	struct json_object *o;
	long limit, offset, since_ms;
	PGresult *res;
	int status;

	if (!one_of(state, states) || !one_of(sev, sevs) || (rule && *rule && !valid_uuid(rule)))
		return resp_problem(rs, 400, "bad-parameter",
		                    "state is pending|firing|resolved, severity low|medium|high|critical, "
		                    "rule_id a UUID");
	if ((status = param_page(rq, rs, &limit, &offset)) != 0 ||
	    (status = param_duration_ms(rq, rs, "since", 7L * 86400000, 1000, 400L * 86400000,
	                                &since_ms)) != 0)
		return status;
	tenant_str(rq, tenant);
	snprintf(since_s, sizeof since_s, "%lld", (long long)(time_now_us() - since_ms * 1000LL));
	snprintf(limit_s, sizeof limit_s, "%ld", limit);
	snprintf(offset_s, sizeof offset_s, "%ld", offset);
	{
		const char *params[8] = {tenant,  state ? state : "",     sev ? sev : "",
		                         service ? service : "", since_s, limit_s, offset_s,
		                         rule ? rule : ""};
		res = db_exec(&rq->app->db, &st_list, params, DB_RETRY);
	}
	if (res == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	json_add(o, "alerts", pg_json_column(res, 0));
	json_add(o, "total", json_object_new_int64(pg_window_total(res, 1)));
	json_add(o, "limit", json_object_new_int64(limit));
	json_add(o, "offset", json_object_new_int64(offset));
	PQclear(res);
	return resp_json(rs, 200, o);
}

/* The active-alert snapshot of a tenant lives in one Redis key (written by telltale-jobs after
 * every evaluation, dropped on acknowledge/resolve): the route needs the whole list, and one key
 * avoids KEYS/SCAN. */
int
alerts_active(struct req *rq, struct resp *rs)
{
	struct cache *cache = &rq->app->cache;
	struct json_object *o, *list = NULL;
	char tenant[24], key[48];
	const char *params[1] = {tenant};
	const char *source = "redis";
	redisReply *r;
	PGresult *res;

	tenant_str(rq, tenant);
	snprintf(key, sizeof key, "alert:active:%s", tenant);
	r = cache_command(cache, "GET %s", key);
	if (r && r->type == REDIS_REPLY_STRING)
		list = json_tokener_parse(r->str);
	freeReplyObject(r);
	if (list == NULL) {
		cache->misses++;
		source = "postgresql";
		if ((res = db_exec(&rq->app->db, &st_active, params, DB_RETRY)) == NULL)
			return app_db_error(rq, rs);
		list = json_tokener_parse(PQgetvalue(res, 0, 0));
		r = cache_command(cache, "SET %s %s EX " ACTIVE_TTL, key, PQgetvalue(res, 0, 0));
		freeReplyObject(r);
		PQclear(res);
	} else {
		cache->hits++;
	}
	o = json_object_new_object();
	json_add(o, "source", json_object_new_string(source));
	json_add(o, "count", json_object_new_int((int)json_object_array_length(list)));
	json_add(o, "alerts", list);
	return resp_json(rs, 200, o);
}

int
alerts_get(struct req *rq, struct resp *rs)
{
	const char *id = req_param(rq, "id");
	char tenant[24];
	const char *params[2] = {tenant, id};
	struct json_object *o;
	PGresult *res;

	if (!valid_uuid(id))
		return resp_problem(rs, 404, "not-found", "no such alert");
	tenant_str(rq, tenant);
	if ((res = db_exec(&rq->app->db, &st_get, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return resp_problem(rs, 404, "not-found", "no such alert");
	}
	o = json_tokener_parse(PQgetvalue(res, 0, 0));
	json_add(o, "history", json_tokener_parse(PQgetvalue(res, 0, 1)));
	PQclear(res);
	return resp_json(rs, 200, o);
}

/* Optional {"comment": "..."} body; NULL on a 4xx already written. "" when absent. */
static const char *
read_comment(struct req *rq, struct resp *rs, struct json_object **body)
{
	const char *comment = "";
	size_t len;
	int rc;

	*body = NULL;
	if (rq->body_len == 0)
		return comment;
	if ((*body = app_json_body(rq, rs)) == NULL)
		return NULL;
	if (!json_object_is_type(*body, json_type_object)) {
		resp_problem(rs, 422, "invalid-field", "the body must be a JSON object");
		return NULL;
	}
	rc = json_get_string(*body, "comment", &comment, &len);
	if (rc < 0 || len > 2000) {
		resp_problem(rs, 422, "invalid-field", "comment: a string of at most 2000 bytes");
		return NULL;
	}
	return rc > 0 ? comment : "";
}

/* After COMMIT: publish this tenant's new events now (the job relays anything left), and drop the
 * active-alert snapshot so the next read sees the change. */
static void
after_commit(struct req *rq)
{
	char key[48];
	redisReply *r;

	if (outbox_relay(&rq->app->db, &rq->app->cache, rq->tenant_id, 100) < 0)
		log_warn("relay after commit failed; telltale-jobs will publish the event");
	snprintf(key, sizeof key, "alert:active:%lld", rq->tenant_id);
	r = cache_command(&rq->app->cache, "DEL %s", key);
	freeReplyObject(r);
}

/* Writes the event row (and the outbox row when topic is set) inside the open transaction. */
static int
record(struct req *rq, const char *id, const char *actor, const char *kind, const char *comment,
       const char *topic, const char *alert_json, const char *channels)
{
	char tenant[24];
	const char *params[5] = {id, tenant, actor, kind, comment};
	struct buf body;
	long long event_id;
	PGresult *res;
	int rc = 0;

	tenant_str(rq, tenant);
	if ((res = db_exec(&rq->app->db, &st_event, params, 0)) == NULL)
		return -1;
	PQclear(res);
	if (topic == NULL)
		return 0;
	buf_init(&body);
	buf_puts(&body, "{\"alert\":");
	buf_puts(&body, alert_json);
	if (comment && *comment) {
		buf_puts(&body, ",\"comment\":");
		buf_json_str(&body, comment, strlen(comment));
	}
	buf_printf(&body, ",\"actor\":");
	buf_json_str(&body, actor, strlen(actor));
	buf_putc(&body, '}');
	if (body.oom || outbox_emit(&rq->app->db, rq->tenant_id, topic, body.p, channels, &event_id) < 0)
		rc = -1;
	buf_free(&body);
	return rc;
}

/* 404 or 409 for an alert the statement did not change. */
static int
unchanged(struct req *rq, struct resp *rs, const char *id, const char *what)
{
	char tenant[24];
	const char *params[2] = {tenant, id};
	PGresult *res;
	int status;

	tenant_str(rq, tenant);
	if ((res = db_exec(&rq->app->db, &st_state, params, 0)) == NULL)
		return app_db_error(rq, rs);
	if (PQntuples(res) == 0)
		status = resp_problem(rs, 404, "not-found", "no such alert");
	else if (strcmp(what, "resolve") == 0) /* resolving a resolved alert changes nothing */
		status = resp_json(rs, 200, json_tokener_parse(PQgetvalue(res, 0, 1)));
	else
		status = resp_problem(rs, 409, "conflict", "the alert is resolved; it cannot be "
		                                           "acknowledged");
	PQclear(res);
	return status;
}

static int
lifecycle(struct req *rq, struct resp *rs, int resolve)
{
	const char *id = req_param(rq, "id"), *comment;
	struct db *db = &rq->app->db;
	struct json_object *body = NULL;
	char tenant[24], actor[64];
	const char *params[3] = {tenant, id, actor};
	PGresult *res = NULL;
	int status, changed;

	if (!valid_uuid(id))
		return resp_problem(rs, 404, "not-found", "no such alert");
	if ((comment = read_comment(rq, rs, &body)) == NULL) {
		json_object_put(body); /* set on the 422 paths */
		return rs->status;
	}
	tenant_str(rq, tenant);
	snprintf(actor, sizeof actor, "key:%s", rq->key_id);
	if (db_begin(db) < 0) {
		status = app_db_error(rq, rs);
		goto out;
	}
	if ((res = db_exec(db, resolve ? &st_resolve : &st_ack, params, 0)) == NULL)
		goto fail;
	if (PQntuples(res) == 0) {
		db_rollback(db);
		status = unchanged(rq, rs, id, resolve ? "resolve" : "acknowledge");
		goto out;
	}
	changed = resolve || strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	if (changed && record(rq, id, actor, resolve ? "resolved" : "acknowledged", comment,
	                      resolve ? "alert.resolved" : "alert.acknowledged", PQgetvalue(res, 0, 0),
	                      resolve && !PQgetisnull(res, 0, 1) ? PQgetvalue(res, 0, 1) : NULL) < 0)
		goto fail;
	if (!changed && *comment && record(rq, id, actor, "commented", comment, NULL, NULL, NULL) < 0)
		goto fail;
	if (db_commit(db) < 0) {
		status = app_db_error(rq, rs);
		goto out;
	}
	after_commit(rq);
	status = resp_json(rs, 200, json_tokener_parse(PQgetvalue(res, 0, 0)));
	goto out;
fail:
	status = app_db_error(rq, rs);
	db_rollback(db);
out:
	PQclear(res);
	json_object_put(body);
	return status;
}

int
alerts_acknowledge(struct req *rq, struct resp *rs)
{
	return lifecycle(rq, rs, 0);
}

int
alerts_resolve(struct req *rq, struct resp *rs)
{
	return lifecycle(rq, rs, 1);
}

int
alerts_statistics(struct req *rq, struct resp *rs)
{
	char tenant[24], since_s[24];
	const char *params[2] = {tenant, since_s};
	PGresult *res;
	long since_ms;
	int status;

	if ((status = param_duration_ms(rq, rs, "since", 86400000, 60000, 400L * 86400000,
	                                &since_ms)) != 0)
		return status;
	tenant_str(rq, tenant);
	snprintf(since_s, sizeof since_s, "%lld", (long long)(time_now_us() - since_ms * 1000LL));
	if ((res = db_exec(&rq->app->db, &st_stats, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	status = resp_json(rs, 200, json_tokener_parse(PQgetvalue(res, 0, 0)));
	PQclear(res);
	return status;
}
