/* common/config.h — the declarative configuration table: `key = value` file plus TELLTALE_* env. */
#ifndef TT_CONFIG_H
#define TT_CONFIG_H

#include <stddef.h>

#include "buf.h"

struct config {
	long  body_max;             /* bytes */
	long  key_cache_ttl_ms;
	char *listen;               /* unix path or host:port */
	char *listen_group;         /* group of the unix socket ("" = the process's) */
	long  listen_mode;          /* octal file mode of the unix socket */
	char *log_level;
	long  max_requests;         /* a worker is recycled after this many requests */
	long  pg_connect_timeout_ms;
	char *pg_dsn;
	long  pg_statement_timeout_ms;
	long  redis_timeout_ms;
	char *redis_url;
	long  retention_ms;         /* samples older than this are refused, then dropped */
	long  retry_after_s;        /* Retry-After on 503 */
	long  shutdown_timeout_ms;
	char *sql_dir;
	long  webhook_timeout_ms;
	long  workers;              /* 0 = 2 x online CPUs */
};

#define CONFIG_ERR_MAX 512

/* Fills c with defaults, then the file at path (NULL: none), then TELLTALE_<KEY> variables.
 * Returns 0, or -1 with a message naming the file and line (or variable) in err. */
int  config_load(struct config *c, const char *path, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Parses one file's text; exposed for the unit tests. name is used in messages. */
int  config_parse_text(struct config *c, const char *name, const char *text, char *err, size_t errlen)
	__attribute__((warn_unused_result));
void config_defaults(struct config *c);
void config_free(struct config *c);
/* Writes every key and its effective value, for `telltalectl check`; secrets in pg_dsn are masked. */
void config_dump(const struct config *c, struct buf *out);
/* The effective worker count (resolves 0). */
long config_workers(const struct config *c);

/* Shared value parsers (also used for query parameters). */
int parse_long(const char *s, long min, long max, long *out);
int parse_duration_ms(const char *s, long *out);   /* "250ms", "5s", "5m", "1h", "7d"; bare = seconds */
int parse_size(const char *s, long *out);          /* "512", "64k", "8m", "1g" (binary units) */

#endif
