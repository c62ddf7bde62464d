/* common/cache.c — Redis connection lifecycle with bounded reconnects. */
#include "cache.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h" /* monotonic_ms */
#include "log.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000

void
cache_init(struct cache *c, const char *url, long timeout_ms)
{
	memset(c, 0, sizeof *c);
	c->url = url;
	c->timeout_ms = timeout_ms;
}

int
cache_parse_url(const char *url, char *path, size_t pathlen, char *host, size_t hostlen, int *port)
{
	const char *p, *colon;
	char *end;
	long v;

	path[0] = host[0] = '\0';
	*port = 6379;
	if (strncmp(url, "unix:", 5) == 0 || url[0] == '/') {
		p = url[0] == '/' ? url : url + 5;
		if (*p != '/' || strlen(p) >= pathlen)
			return -1;
		strcpy(path, p);
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0)
		return -1;
	p = url + 8;
	colon = strrchr(p, ':');
	if (colon == NULL) {
		if (strlen(p) == 0 || strlen(p) >= hostlen || strchr(p, '/'))
			return -1;
		strcpy(host, p);
		return 0;
	}
	if ((size_t)(colon - p) == 0 || (size_t)(colon - p) >= hostlen)
		return -1;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	v = strtol(colon + 1, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

void
cache_close(struct cache *c)
{
	if (c->rc)
		redisFree(c->rc);
	c->rc = NULL;
}

void
cache_fail(struct cache *c, const char *why)
{
	snprintf(c->err, sizeof c->err, "%s", why ? why : "unknown error");
	cache_close(c);
	c->errors++;
	c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
	c->next_try_ms = monotonic_ms() + c->backoff_ms;
	if (!c->down)
		log_warn("redis unavailable: %s", c->err);
	c->down = 1;
}

redisContext *
cache_conn(struct cache *c)
{
	struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
	char path[256], host[256];
	int port;

	if (c->rc)
		return c->rc;
	if (monotonic_ms() < c->next_try_ms) {
		snprintf(c->err, sizeof c->err, "redis unavailable (waiting before reconnecting)");
		return NULL;
	}
	if (cache_parse_url(c->url, path, sizeof path, host, sizeof host, &port) < 0) {
		cache_fail(c, "bad redis_url");
		return NULL;
	}
	c->rc = path[0] ? redisConnectUnixWithTimeout(path, tv)
	                : redisConnectWithTimeout(host, port, tv);
	if (c->rc == NULL || c->rc->err) {
		cache_fail(c, c->rc ? c->rc->errstr : "out of memory");
		return NULL;
	}
	/* hiredis 0.14 applies the connect timeout only: set the command timeout after every
	 * connect, or a stuck Redis blocks the worker forever. */
	if (redisSetTimeout(c->rc, tv) != REDIS_OK) {
		cache_fail(c, "redisSetTimeout failed");
		return NULL;
	}
	c->backoff_ms = 0;
	if (c->down)
		log_info("redis connection restored");
	c->down = 0;
	return c->rc;
}

redisReply *
cache_command(struct cache *c, const char *fmt, ...)
{
	redisContext *rc = cache_conn(c);
	redisReply *r;
	va_list ap;

	if (rc == NULL)
		return NULL;
	va_start(ap, fmt);
	r = redisvCommand(rc, fmt, ap);
	va_end(ap);
	if (r == NULL) {
		cache_fail(c, rc->errstr[0] ? rc->errstr : "connection lost");
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(c->err, sizeof c->err, "%s", r->str);
		c->errors++;
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

int
cache_pipeline_finish(struct cache *c, int n)
{
	redisReply *r;
	int rc = 0;

	for (int i = 0; i < n; i++) {
		void *reply = NULL;
		if (c->rc == NULL || redisGetReply(c->rc, &reply) != REDIS_OK) {
			cache_fail(c, c->rc && c->rc->errstr[0] ? c->rc->errstr : "connection lost");
			return -1;
		}
		r = reply;
		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(c->err, sizeof c->err, "%s", r->str);
			c->errors++;
			rc = -1;
		}
		freeReplyObject(r);
	}
	return rc;
}
