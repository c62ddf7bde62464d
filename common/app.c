/* common/app.c — the worker context: connections, key cache, and the shared error answers. */
#include "app.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "json.h"
#include "log.h"
#include "params.h"
#include "pgjson.h"

void
app_init(struct app *app, const struct config *cfg, const char *component)
{
	memset(app, 0, sizeof *app);
	app->cfg = cfg;
	db_init(&app->db, cfg->pg_dsn, cfg->pg_connect_timeout_ms, cfg->pg_statement_timeout_ms,
	        component);
	cache_init(&app->cache, cfg->redis_url, cfg->redis_timeout_ms);
}

void
app_close(struct app *app)
{
	db_close(&app->db);
	cache_close(&app->cache);
}

static struct keycache_entry *
keycache_find(struct app *app, const unsigned char hash[APIKEY_HASH_LEN], long long now)
{
	struct keycache_entry *hit = NULL;

	/* Every slot is compared, in constant time, so the scan leaks nothing about the keys. */
	for (int i = 0; i < KEYCACHE_SIZE; i++) {
		struct keycache_entry *e = &app->keys[i];
		int fresh = e->fetched_ms && now - e->fetched_ms < app->cfg->key_cache_ttl_ms;
		if (apikey_hash_equal(e->info.hash, hash) && fresh && hit == NULL)
			hit = e;
	}
	return hit;
}

static void
keycache_put(struct app *app, const struct key_info *info, long long now)
{
	struct keycache_entry *slot = &app->keys[0];

	for (int i = 0; i < KEYCACHE_SIZE; i++) {
		struct keycache_entry *e = &app->keys[i];
		if (e->fetched_ms == 0 || apikey_hash_equal(e->info.hash, info->hash)) {
			slot = e;
			break;
		}
		if (e->fetched_ms < slot->fetched_ms)
			slot = e;
	}
	slot->info = *info;
	slot->fetched_ms = now;
}

static void
req_set_identity(struct req *rq, const struct key_info *k)
{
	rq->tenant_id = k->tenant_id;
	rq->scopes = k->scopes;
	snprintf(rq->tenant_name, sizeof rq->tenant_name, "%s", k->tenant_name);
	snprintf(rq->key_id, sizeof rq->key_id, "%s", k->id);
}

enum auth_result
app_authenticate(struct app *app, struct req *rq)
{
	const char *token = auth_bearer(req_header(rq, "Authorization"));
	unsigned char hash[APIKEY_HASH_LEN];
	struct keycache_entry *e;
	struct key_info info;
	long long now = monotonic_ms();
	int rc;

	if (token == NULL)
		return AUTH_MISSING;
	if (!apikey_well_formed(token, strlen(token)) || apikey_hash(token, strlen(token), hash) < 0)
		return AUTH_INVALID;
	e = keycache_find(app, hash, now);
	if (e && (e->info.expires_at == 0 || e->info.expires_at > (double)time(NULL))) {
		req_set_identity(rq, &e->info);
		return AUTH_OK;
	}
	memset(&info, 0, sizeof info);
	rc = keys_lookup(&app->db, hash, &info);
	if (rc < 0)
		return AUTH_UNAVAILABLE;
	if (rc == 0)
		return AUTH_INVALID;
	keycache_put(app, &info, now);
	req_set_identity(rq, &info);
	return AUTH_OK;
}

int
app_unavailable(struct req *rq, struct resp *rs, const char *what)
{
	resp_header(rs, "Retry-After", "%ld", rq->app->cfg->retry_after_s);
	return resp_problem(rs, 503, "unavailable", "%s is unavailable; retry later", what);
}

int
app_db_error(struct req *rq, struct resp *rs)
{
	struct db *db = &rq->app->db;
	int status;

	if (db_error_transient(db)) {
		status = app_unavailable(rq, rs, "the database");
	} else {
		log_error("database error [%s]: %s", db->sqlstate, db->err);
		status = resp_problem(rs, 500, "internal", "internal error (request %s)", rq->request_id);
	}
	snprintf(rs->detail, sizeof rs->detail, "%.200s", db->err);
	return status;
}

struct json_object *
app_json_body(struct req *rq, struct resp *rs)
{
	const char *ct = req_header(rq, "Content-Type");
	struct json_object *o;
	char err[256];

	if (ct && *ct && strncasecmp(ct, "application/json", 16) != 0) {
		resp_problem(rs, 415, "unsupported-media-type",
		             "expected Content-Type application/json, got '%.64s'", ct);
		return NULL;
	}
	o = json_parse_strict(rq->body ? rq->body : "", rq->body_len, err, sizeof err);
	if (o == NULL)
		resp_problem(rs, 400, "malformed-json", "%s", err);
	return o;
}

int
app_list_page(struct req *rq, struct resp *rs, struct db_stmt *st, const char *key)
{
	char tenant[24], limit_s[24], offset_s[24];
	const char *params[3] = {tenant, limit_s, offset_s};
	struct json_object *o;
	long limit, offset;
	PGresult *res;
	int status;

	if ((status = param_page(rq, rs, &limit, &offset)) != 0)
		return status;
	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	snprintf(limit_s, sizeof limit_s, "%ld", limit);
	snprintf(offset_s, sizeof offset_s, "%ld", offset);
	if ((res = db_exec(&rq->app->db, st, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	json_object_object_add(o, key, pg_json_column(res, 0));
	json_add(o, "total", json_object_new_int64(pg_window_total(res, 1)));
	json_add(o, "limit", json_object_new_int64(limit));
	json_add(o, "offset", json_object_new_int64(offset));
	PQclear(res);
	return resp_json(rs, 200, o);
}

void
app_stats_sync(struct app *app)
{
	unsigned long now[5] = {app->cache.hits, app->cache.misses, app->cache.errors,
	                        app->db.errors, app->db.unavailable_errors};
	uint64_t *dst[5];

	if (app->slot == NULL)
		return;
	dst[0] = &app->slot->cache_hits;
	dst[1] = &app->slot->cache_misses;
	dst[2] = &app->slot->cache_errors;
	dst[3] = &app->slot->db_errors;
	dst[4] = &app->slot->db_unavailable;
	for (int i = 0; i < 5; i++) {
		if (now[i] != app->synced[i])
			__atomic_fetch_add(dst[i], (uint64_t)(now[i] - app->synced[i]), __ATOMIC_RELAXED);
		app->synced[i] = now[i];
	}
}
