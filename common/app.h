/* common/app.h — what one worker process owns (config, connections, caches) and handler helpers. */
#ifndef TT_APP_H
#define TT_APP_H

#include "cache.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "keys.h"
#include "stats.h"

#define KEYCACHE_SIZE 64

struct keycache_entry {
	struct key_info info;
	long long       fetched_ms; /* 0 = empty slot */
};

struct app {
	const struct config  *cfg;
	struct db             db;
	struct cache          cache;
	struct keycache_entry keys[KEYCACHE_SIZE];
	unsigned long         requests;
	struct stats         *stats; /* shared by every worker; NULL outside telltale-fcgi */
	struct stats_slot    *slot;  /* this worker's */
	unsigned long         synced[5]; /* counters already added to the slot */
};

/* Adds what the connections counted since the last call to the worker's shared slot. */
void app_stats_sync(struct app *app);

void app_init(struct app *app, const struct config *cfg, const char *component);
void app_close(struct app *app);

enum auth_result { AUTH_OK, AUTH_MISSING, AUTH_INVALID, AUTH_UNAVAILABLE };
/* Resolves the Bearer key of rq into rq->tenant_id, rq->scopes...; cached per worker for
 * key_cache_ttl so a revocation takes effect within that time. */
enum auth_result app_authenticate(struct app *app, struct req *rq);

/* The answer to a failed database call: 503 + Retry-After when PostgreSQL is unreachable or
 * overloaded, else 500 (the cause goes to the log, not to the client). */
int app_db_error(struct req *rq, struct resp *rs);
int app_unavailable(struct req *rq, struct resp *rs, const char *what);

/* A paginated list of the caller's tenant: runs st with ($1 tenant, $2 limit, $3 offset), whose
 * column 0 is a row's JSON text and column 1 count(*) OVER (); answers
 * {key: [...], "total", "limit", "offset"} (400 for a bad limit/offset). */
int app_list_page(struct req *rq, struct resp *rs, struct db_stmt *st, const char *key);

/* Parses the body as strict JSON; on failure answers 400 (or 415 for another content type) and
 * returns NULL. */
struct json_object *app_json_body(struct req *rq, struct resp *rs);

#endif
