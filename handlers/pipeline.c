/* handlers/pipeline.c — /v1/admin: the event pipeline's state (outbox, jobs) and its DLQ. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"
#include "../common/params.h"
#include "../common/pgjson.h"
#include "handlers.h"

static struct db_stmt st_dlq = DB_STMT("pipeline_dlq", 3,
	"SELECT json_build_object('id', d.id, 'event_id', d.event_id::text, 'channel_id', d.channel_id,"
	"   'channel', c.name, 'topic', d.topic, 'attempts', d.attempts, 'last_error', d.last_error,"
	"   'last_status', d.last_status, 'created_at', d.created_at, 'dead_at', d.dead_at,"
	"   'payload', d.payload)::text, count(*) OVER ()"
	" FROM deliveries d JOIN notification_channels c ON c.id = d.channel_id"
	" WHERE d.tenant_id = $1 AND d.status = 'dead' ORDER BY d.dead_at DESC, d.id DESC"
	" LIMIT $2 OFFSET $3");

static struct db_stmt st_retry = DB_STMT("pipeline_dlq_retry", 2,
	"UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(),"
	"   dead_at = NULL WHERE tenant_id = $1 AND id = $2::bigint AND status = 'dead' RETURNING id");

static struct db_stmt st_jobs = DB_STMT("pipeline_jobs", 1,
	"SELECT coalesce(json_agg(json_build_object('id', id, 'job', job, 'started_at', started_at,"
	"   'finished_at', finished_at, 'duration_ms',"
	"   round((extract(epoch FROM finished_at - started_at) * 1000)::numeric, 1),"
	"   'ok', ok, 'detail', detail) ORDER BY id DESC), '[]')::text"
	" FROM (SELECT * FROM job_runs ORDER BY id DESC LIMIT $1) j");

static struct db_stmt st_outbox = DB_STMT("pipeline_outbox", 1,
	"SELECT json_build_object('pending', count(*) FILTER (WHERE published_at IS NULL),"
	"   'oldest_pending_age_seconds', coalesce(round(extract(epoch FROM now() -"
	"      min(created_at) FILTER (WHERE published_at IS NULL))::numeric, 3), 0),"
	"   'published_last_hour', count(*) FILTER (WHERE published_at > now() - interval '1 hour'),"
	"   'deliveries_pending', (SELECT count(*) FROM deliveries WHERE tenant_id = $1"
	"      AND status = 'pending'),"
	"   'deliveries_dead', (SELECT count(*) FROM deliveries WHERE tenant_id = $1"
	"      AND status = 'dead'))::text"
	" FROM outbox WHERE tenant_id = $1");

int
admin_dlq_list(struct req *rq, struct resp *rs)
{
	return app_list_page(rq, rs, &st_dlq, "deliveries");
}

int
admin_dlq_retry(struct req *rq, struct resp *rs)
{
	const char *id = req_param(rq, "id");
	char tenant[24];
	const char *params[2] = {tenant, id};
	struct json_object *o;
	PGresult *res;
	long v;
	int n;

	if (parse_long(id, 1, 9000000000000000000L, &v) < 0)
		return resp_problem(rs, 404, "not-found", "no such dead delivery");
	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	if ((res = db_exec(&rq->app->db, &st_retry, params, 0)) == NULL)
		return app_db_error(rq, rs);
	n = PQntuples(res);
	PQclear(res);
	if (n == 0)
		return resp_problem(rs, 404, "not-found", "no such dead delivery");
	/* The next telltale-jobs run (every 15 s) delivers it, with a fresh set of attempts. */
	o = json_object_new_object();
	json_add(o, "id", json_object_new_int64(v));
	json_add(o, "status", json_object_new_string("pending"));
	return resp_json(rs, 202, o);
}

int
admin_jobs(struct req *rq, struct resp *rs)
{
	const char *params[1] = {"50"};
	struct json_object *o;
	PGresult *res;

	if ((res = db_exec(&rq->app->db, &st_jobs, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	json_add(o, "runs", json_tokener_parse(PQgetvalue(res, 0, 0)));
	PQclear(res);
	return resp_json(rs, 200, o);
}

int
admin_outbox(struct req *rq, struct resp *rs)
{
	char tenant[24];
	const char *params[1] = {tenant};
	PGresult *res;
	int status;

	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	if ((res = db_exec(&rq->app->db, &st_outbox, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	status = resp_json(rs, 200, json_tokener_parse(PQgetvalue(res, 0, 0)));
	PQclear(res);
	return status;
}
