/* ctl/check.c — `telltalectl check`: config, PostgreSQL, Redis and schema, before a deploy. */
#include <stdio.h>

#include "../common/buf.h"
#include "../common/cache.h"
#include "ctl.h"

int
ctl_check(const struct config *cfg, struct db *db, int verbose)
{
	struct cache cache;
	redisReply *r;
	int pending, changed, rc = CTL_OK;

	printf("ok    config\n");
	if (verbose) {
		struct buf b;
		buf_init(&b);
		config_dump(cfg, &b);
		printf("%s", b.p ? b.p : "");
		buf_free(&b);
	}
	if (db_ensure(db) < 0) {
		printf("FAIL  postgresql: %s\n", db->err);
		rc = CTL_PG;
	} else {
		printf("ok    postgresql (server %d)\n", PQserverVersion(db->conn));
	}
	cache_init(&cache, cfg->redis_url, cfg->redis_timeout_ms);
	r = cache_command(&cache, "PING");
	if (r == NULL) {
		printf("FAIL  redis %s: %s\n", cfg->redis_url, cache.err);
		if (rc == CTL_OK)
			rc = CTL_REDIS;
	} else {
		printf("ok    redis\n");
	}
	freeReplyObject(r);
	cache_close(&cache);
	if (rc == CTL_PG)
		return rc;
	if (ctl_migrate_pending(cfg, db, &pending, &changed) < 0) {
		printf("FAIL  schema: %s\n", db->err);
		return rc == CTL_OK ? CTL_SCHEMA : rc;
	}
	if (pending || changed) {
		printf("FAIL  schema: %d pending, %d changed since applied (run telltalectl migrate)\n",
		       pending, changed);
		return rc == CTL_OK ? CTL_SCHEMA : rc;
	}
	printf("ok    schema up to date\n");
	return rc;
}
