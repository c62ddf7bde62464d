/* handlers/health.c — GET /health (is PostgreSQL up, is Redis up, how fast) and GET /metrics
 * (telltale's own counters, Prometheus text). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/json.h"
#include "handlers.h"

static struct db_stmt st_ping = DB_STMT("health_ping", 0, "SELECT 1");

/* Pipeline state: never a 503 by itself, but `degraded` when the outbox is stuck or the jobs have
 * not run for a minute (the timer fires every 15 s). */
static struct db_stmt st_pipeline = DB_STMT("health_pipeline", 0,
	"SELECT json_build_object("
	"  'outbox_pending', (SELECT count(*) FROM outbox WHERE published_at IS NULL),"
	"  'outbox_oldest_pending_age_seconds', (SELECT coalesce(round(extract(epoch FROM now()"
	"     - min(created_at))::numeric, 3), 0) FROM outbox WHERE published_at IS NULL),"
	"  'last_job_runs', (SELECT coalesce(json_object_agg(job, json_build_object('finished_at',"
	"     finished_at, 'ok', ok)), '{}') FROM (SELECT DISTINCT ON (job) job, finished_at, ok"
	"     FROM job_runs ORDER BY job, id DESC) j))::text,"
	"  coalesce((SELECT min(created_at) < now() - interval '5 minutes' FROM outbox"
	"     WHERE published_at IS NULL), false)"
	"  OR coalesce((SELECT max(finished_at) < now() - interval '1 minute' FROM job_runs"
	"     WHERE job = 'evaluate'), false)");

static double
elapsed_ms(long long start_us)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)((long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - start_us) / 1000.0;
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct json_object *
component(int up, double ms, const char *err)
{
	struct json_object *o = json_object_new_object();

	json_add(o, "status", json_object_new_string(up ? "up" : "down"));
	if (up)
		json_add(o, "latency_ms", json_object_new_double(ms));
	else
		json_add(o, "error", json_object_new_string(err));
	return o;
}

int
health_get(struct req *rq, struct resp *rs)
{
	struct app *app = rq->app;
	struct json_object *o = json_object_new_object();
	redisReply *r;
	PGresult *res;
	long long t0;
	double pg_ms, redis_ms;
	int pg_up, redis_up;

	t0 = now_us();
	res = db_exec(&app->db, &st_ping, NULL, DB_RETRY);
	pg_ms = elapsed_ms(t0);
	pg_up = res != NULL;
	PQclear(res);

	t0 = now_us();
	r = cache_command(&app->cache, "PING");
	redis_ms = elapsed_ms(t0);
	redis_up = r != NULL;
	freeReplyObject(r);

	json_add(o, "status", json_object_new_string(pg_up ? (redis_up ? "ok" : "degraded")
	                                                   : "unavailable"));
	json_add(o, "version", json_object_new_string(PACKAGE_VERSION));
	json_add(o, "postgresql", component(pg_up, pg_ms, app->db.err));
	json_add(o, "redis", component(redis_up, redis_ms, app->cache.err));
	if (pg_up && (res = db_exec(&app->db, &st_pipeline, NULL, DB_RETRY)) != NULL) {
		int degraded = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
		json_add(o, "pipeline", json_tokener_parse(PQgetvalue(res, 0, 0)));
		json_add(o, "degraded", json_object_new_boolean(degraded || !redis_up));
		PQclear(res);
	} else {
		json_add(o, "degraded", json_object_new_boolean(1));
	}
	if (!pg_up) {
		resp_header(rs, "Retry-After", "%ld", app->cfg->retry_after_s);
		snprintf(rs->detail, sizeof rs->detail, "%.200s", app->db.err);
	}
	resp_header(rs, "Cache-Control", "no-store");
	return resp_json(rs, pg_up ? 200 : 503, o);
}

static const char *
route_pattern(int i)
{
	return routes[i].pattern;
}

static const char *
route_method(int i)
{
	unsigned m = routes[i].methods;

	return method_name((enum method)(m & -m)); /* each row has one method */
}

int
metrics_self(struct req *rq, struct resp *rs)
{
	struct stats *st = rq->app->stats;

	if (st == NULL)
		return app_unavailable(rq, rs, "the counters' shared memory");
	app_stats_sync(rq->app);
	buf_reset(&rs->body);
	stats_render(st, (int)nroutes, route_pattern, route_method, &rs->body);
	rs->status = 200;
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
	resp_header(rs, "Cache-Control", "no-store");
	return 200;
}
