/* common/cache.h — one Redis connection (hiredis 0.14): timeouts on every connect, dead after any error. */
#ifndef TT_CACHE_H
#define TT_CACHE_H

#include <hiredis/hiredis.h>

struct cache {
	redisContext *rc;
	const char   *url;        /* borrowed: "unix:/path", "/path" or "redis://host:port" */
	long          timeout_ms;
	long long     next_try_ms;
	long          backoff_ms;
	int           down;
	char          err[256];
	/* per-process counters, exported later on /metrics */
	unsigned long hits, misses, errors;
};

void cache_init(struct cache *c, const char *url, long timeout_ms);
/* The live context, connecting if needed; NULL while Redis is down or backing off. */
redisContext *cache_conn(struct cache *c);
/* Runs one command. Returns a reply the caller frees (never a REDIS_REPLY_ERROR: that is turned
 * into NULL with c->err set), or NULL. A transport error drops the connection. */
redisReply *cache_command(struct cache *c, const char *fmt, ...);
/* Collects n replies of commands queued with redisAppendCommand on cache_conn(c); frees them. 
 * Returns 0 when all succeeded. */
int  cache_pipeline_finish(struct cache *c, int n);
/* Drops the connection after a transport error (the context is unusable). */
void cache_fail(struct cache *c, const char *why);
void cache_close(struct cache *c);
/* Parses the URL; exposed for tests. Returns 0 and sets either *path or *host and *port. */
int  cache_parse_url(const char *url, char *path, size_t pathlen, char *host, size_t hostlen,
                     int *port);

#endif
