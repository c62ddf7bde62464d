/* handlers/health.c — GET /health: is PostgreSQL up (200/503), is Redis up, and how fast. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/json.h"
#include "handlers.h"

static struct db_stmt st_ping = DB_STMT("health_ping", 0, "SELECT 1");

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
	if (!pg_up) {
		resp_header(rs, "Retry-After", "%ld", app->cfg->retry_after_s);
		snprintf(rs->detail, sizeof rs->detail, "%.200s", app->db.err);
	}
	resp_header(rs, "Cache-Control", "no-store");
	return resp_json(rs, pg_up ? 200 : 503, o);
}
