/* common/log.c — JSON-lines logger; every untrusted field passes through buf_json_str. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

enum log_level log_threshold = LOG_INFO;
static const char *component = "telltale";

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
log_set_component(const char *name)
{
	component = name;
}

const char *
log_level_name(enum log_level lvl)
{
	return level_names[lvl];
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i <= LOG_ERROR; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void
log_head(struct buf *b, const char *level)
{
	struct timeval tv;
	struct tm tm;
	char ts[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"component\":\"%s\",\"pid\":%ld", ts,
	           (long)(tv.tv_usec / 1000), level, component, (long)getpid());
}

static void
log_write(struct buf *b)
{
	buf_puts(b, "}\n");
	if (!b->oom)
		(void)!write(STDERR_FILENO, b->p, b->len);
	buf_free(b);
}

void
log_emit(enum log_level lvl, const char *fmt, ...)
{
	struct buf b, msg;
	va_list ap;

	buf_init(&b);
	buf_init(&msg);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	log_head(&b, level_names[lvl]);
	buf_puts(&b, ",\"msg\":");
	buf_json_str(&b, msg.p ? msg.p : "", msg.len);
	buf_free(&msg);
	log_write(&b);
}

static void
log_field(struct buf *b, const char *key, const char *val)
{
	if (val == NULL)
		return;
	buf_printf(b, ",\"%s\":", key);
	buf_json_str(b, val, strlen(val));
}

void
log_request(const struct log_request *r)
{
	struct buf b;

	if (LOG_INFO < log_threshold)
		return;
	buf_init(&b);
	log_head(&b, "info");
	buf_puts(&b, ",\"msg\":\"request\"");
	log_field(&b, "request_id", r->request_id);
	log_field(&b, "tenant", r->tenant);
	log_field(&b, "method", r->method);
	log_field(&b, "route", r->route);
	log_field(&b, "path", r->path);
	buf_printf(&b, ",\"status\":%d,\"duration_ms\":%.3f", r->status, r->duration_ms);
	log_field(&b, "detail", r->detail);
	log_write(&b);
}
