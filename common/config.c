/* common/config.c — one table of keys: type, storage, default; file first, environment last. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/telltale"
#endif

enum ctype { CT_STRING, CT_LONG, CT_DURATION, CT_SIZE, CT_OCTAL, CT_LOGLEVEL };

struct ckey {
	const char *name;
	enum ctype  type;
	size_t      off;
	const char *def;
	long        min, max; /* for CT_LONG */
	int         secret;   /* masked by config_dump */
};

#define OFF(f) offsetof(struct config, f)

/* Alphabetical; `telltalectl check` prints them in this order. */
static const struct ckey keys[] = {
	{"body_max", CT_SIZE, OFF(body_max), "8m", 1024, 1L << 30, 0},
	{"key_cache_ttl", CT_DURATION, OFF(key_cache_ttl_ms), "5s", 0, 10000, 0},
	{"listen", CT_STRING, OFF(listen), "/run/telltale/fcgi.sock", 0, 0, 0},
	{"listen_group", CT_STRING, OFF(listen_group), "", 0, 0, 0},
	{"listen_mode", CT_OCTAL, OFF(listen_mode), "0660", 0, 0777, 0},
	{"log_level", CT_LOGLEVEL, OFF(log_level), "info", 0, 0, 0},
	{"max_requests", CT_LONG, OFF(max_requests), "10000", 1, LONG_MAX, 0},
	{"pg_connect_timeout", CT_DURATION, OFF(pg_connect_timeout_ms), "3s", 1000, 600000, 0},
	{"pg_dsn", CT_STRING, OFF(pg_dsn), "dbname=telltale", 0, 0, 1},
	{"pg_statement_timeout", CT_DURATION, OFF(pg_statement_timeout_ms), "5s", 1, 3600000, 0},
	{"redis_timeout", CT_DURATION, OFF(redis_timeout_ms), "500ms", 1, 60000, 0},
	{"redis_url", CT_STRING, OFF(redis_url), "unix:/run/redis/redis-server.sock", 0, 0, 0},
	{"retention", CT_DURATION, OFF(retention_ms), "30d", 3600000, 315360000000L, 0},
	{"retry_after", CT_DURATION, OFF(retry_after_s), "5s", 1000, 3600000, 0},
	{"shutdown_timeout", CT_DURATION, OFF(shutdown_timeout_ms), "10s", 0, 600000, 0},
	{"sql_dir", CT_STRING, OFF(sql_dir), PKGDATADIR "/sql", 0, 0, 0},
	{"webhook_timeout", CT_DURATION, OFF(webhook_timeout_ms), "5s", 100, 60000, 0},
	{"workers", CT_LONG, OFF(workers), "0", 0, 256, 0},
};
#define NKEYS (sizeof keys / sizeof keys[0])

int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits "123unit" into a non-negative number and its unit suffix. */
static int
split_number(const char *s, long *num, const char **unit)
{
	char *end;
	long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0)
		return -1;
	*num = v;
	*unit = end;
	return 0;
}

int
parse_duration_ms(const char *s, long *out)
{
	static const struct { const char *u; long ms; } units[] = {
		{"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
	};
	const char *unit;
	long n;

	if (split_number(s, &n, &unit) < 0)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(unit, units[i].u) != 0)
			continue;
		if (n > LONG_MAX / units[i].ms)
			return -1;
		*out = n * units[i].ms;
		return 0;
	}
	return -1;
}

int
parse_size(const char *s, long *out)
{
	const char *unit;
	long n, mul;

	if (split_number(s, &n, &unit) < 0)
		return -1;
	if (*unit == '\0')
		mul = 1;
	else if (strcasecmp(unit, "k") == 0 || strcasecmp(unit, "kb") == 0)
		mul = 1L << 10;
	else if (strcasecmp(unit, "m") == 0 || strcasecmp(unit, "mb") == 0)
		mul = 1L << 20;
	else if (strcasecmp(unit, "g") == 0 || strcasecmp(unit, "gb") == 0)
		mul = 1L << 30;
	else
		return -1;
	if (n > LONG_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

static const struct ckey *
key_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Stores value into c; returns 0 or -1 with a reason in why. */
static int
key_set(struct config *c, const struct ckey *k, const char *value, const char **why)
{
	char *base = (char *)c;
	long *lp = (long *)(void *)(base + k->off);
	char **sp = (char **)(void *)(base + k->off);
	enum log_level lvl;
	char *end, *dup;
	long v;

	switch (k->type) {
	case CT_STRING:
	case CT_LOGLEVEL:
		if (k->type == CT_LOGLEVEL && log_level_parse(value, &lvl) < 0) {
			*why = "expected debug, info, warn or error";
			return -1;
		}
		if ((dup = strdup(value)) == NULL) {
			*why = "out of memory";
			return -1;
		}
		free(*sp);
		*sp = dup;
		return 0;
	case CT_LONG:
		if (parse_long(value, k->min, k->max, &v) < 0) {
			*why = "expected an integer in range";
			return -1;
		}
		break;
	case CT_DURATION:
		if (parse_duration_ms(value, &v) < 0 || v < k->min || v > k->max) {
			*why = "expected a duration in range (e.g. 500ms, 5s, 2m)";
			return -1;
		}
		if (k->off == OFF(retry_after_s))
			v /= 1000;
		break;
	case CT_SIZE:
		if (parse_size(value, &v) < 0 || v < k->min || v > k->max) {
			*why = "expected a size in range (e.g. 512k, 8m)";
			return -1;
		}
		break;
	case CT_OCTAL:
		errno = 0;
		v = strtol(value, &end, 8);
		if (*value == '\0' || *end != '\0' || errno || v < k->min || v > k->max) {
			*why = "expected an octal file mode (e.g. 0660)";
			return -1;
		}
		break;
	default:
		*why = "internal: unknown type";
		return -1;
	}
	*lp = v;
	return 0;
}

void
config_defaults(struct config *c)
{
	const char *why;

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NKEYS; i++)
		if (key_set(c, &keys[i], keys[i].def, &why) < 0)
			abort(); /* a bad default is a programming error */
}

void
config_free(struct config *c)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == CT_STRING || keys[i].type == CT_LOGLEVEL) {
			char **sp = (char **)(void *)((char *)c + keys[i].off);
			free(*sp);
			*sp = NULL;
		}
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
config_parse_text(struct config *c, const char *name, const char *text, char *err, size_t errlen)
{
	char *copy, *line, *next, *eq, *k, *v;
	const struct ckey *key;
	const char *why;
	int lineno = 0, rc = -1;

	if ((copy = strdup(text)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	for (line = copy; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		k = trim(line);
		if (*k == '\0' || *k == '#' || *k == ';')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", name, lineno);
			goto out;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (strlen(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[strlen(v) - 1] == v[0]) {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		if ((key = key_find(k)) == NULL) {
			snprintf(err, errlen, "%s:%d: unknown key '%.64s'", name, lineno, k);
			goto out;
		}
		if (key_set(c, key, v, &why) < 0) {
			snprintf(err, errlen, "%s:%d: bad value for %s: %s", name, lineno, key->name, why);
			goto out;
		}
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static int
config_read_file(struct config *c, const char *path, char *err, size_t errlen)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f;
	int rc;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	rc = ferror(f) || b.oom ? -1 : 0;
	fclose(f);
	if (rc < 0) {
		snprintf(err, errlen, "%s: read error", path);
	} else {
		rc = config_parse_text(c, path, b.p ? b.p : "", err, errlen);
	}
	buf_free(&b);
	return rc;
}

/* Only TELLTALE_<KEY> for keys in the table is read: the same environment also carries client
 * settings such as TELLTALE_URL, which are not configuration of the servers. */
static int
config_apply_env(struct config *c, char *err, size_t errlen)
{
	char var[64];
	const char *why, *v;

	for (size_t i = 0; i < NKEYS; i++) {
		size_t j = 0;
		j = (size_t)snprintf(var, sizeof var, "TELLTALE_");
		for (const char *p = keys[i].name; *p && j < sizeof var - 1; p++)
			var[j++] = (char)toupper((unsigned char)*p);
		var[j] = '\0';
		if ((v = getenv(var)) == NULL)
			continue;
		if (key_set(c, &keys[i], v, &why) < 0) {
			snprintf(err, errlen, "environment %s: bad value for %s: %s", var, keys[i].name, why);
			return -1;
		}
	}
	return 0;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	config_defaults(c);
	if (path != NULL && config_read_file(c, path, err, errlen) < 0)
		goto fail;
	if (config_apply_env(c, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	config_free(c);
	return -1;
}

long
config_workers(const struct config *c)
{
	long n;

	if (c->workers > 0)
		return c->workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? 2 * n : 2;
}

/* Masks password=... inside a conninfo string. */
static void
dump_dsn(struct buf *out, const char *dsn)
{
	const char *p = strstr(dsn, "password=");

	if (p == NULL) {
		buf_puts(out, dsn);
		return;
	}
	buf_append(out, dsn, (size_t)(p - dsn));
	buf_puts(out, "password=***");
	p += strlen("password=");
	while (*p && !isspace((unsigned char)*p))
		p++;
	buf_puts(out, p);
}

void
config_dump(const struct config *c, struct buf *out)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct ckey *k = &keys[i];
		const char *base = (const char *)c;
		long v = *(const long *)(const void *)(base + k->off);
		const char *s = *(char *const *)(const void *)(base + k->off);

		buf_printf(out, "%s = ", k->name);
		switch (k->type) {
		case CT_STRING:
		case CT_LOGLEVEL:
			if (k->secret)
				dump_dsn(out, s);
			else
				buf_puts(out, s);
			break;
		case CT_DURATION:
			if (k->off == OFF(retry_after_s))
				buf_printf(out, "%lds", v);
			else
				buf_printf(out, "%ldms", v);
			break;
		case CT_OCTAL: buf_printf(out, "%04lo", v); break;
		default: buf_printf(out, "%ld", v); break;
		}
		buf_putc(out, '\n');
	}
}
