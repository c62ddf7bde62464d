/* common/lineproto.c — InfluxDB 1.x line protocol: escapes, number forms, comments, precision. */
#include "lineproto.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cur {
	const char *p, *end;
	char       *out; /* scratch write position */
};

/* Reads an element up to an unescaped stop character. esc lists the characters a backslash
 * escapes here; before any other character a backslash is literal. */
static int
read_elem(struct cur *c, const char *stops, const char *esc, const char **s, size_t *len)
{
	char *start = c->out;

	while (c->p < c->end && strchr(stops, *c->p) == NULL) {
		if (*c->p == '\\') {
			if (c->p + 1 == c->end)
				return -1; /* a trailing backslash is ambiguous */
			if (strchr(esc, c->p[1]) != NULL) {
				*c->out++ = c->p[1];
				c->p += 2;
				continue;
			}
		}
		*c->out++ = *c->p++;
	}
	*s = start;
	*len = (size_t)(c->out - start);
	return 0;
}

static int
is_float_token(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (digits == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t ed = 0;
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, ed++;
		if (ed == 0)
			return 0;
	}
	return i == n;
}

static int
is_int_digits(const char *s, size_t n, int sign_ok)
{
	size_t i = 0;

	if (sign_ok && i < n && s[i] == '-')
		i++;
	if (i == n)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
tok_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Parses an unquoted field value token. */
static int
field_value(const char *s, size_t n, struct lp_field *f, char *err, size_t errlen)
{
	char tmp[64];
	char *end;

	if (n == 0) {
		snprintf(err, errlen, "field '%.*s' has no value", (int)f->klen, f->k);
		return -1;
	}
	if (tok_is(s, n, "t") || tok_is(s, n, "T") || tok_is(s, n, "true") || tok_is(s, n, "True") ||
	    tok_is(s, n, "TRUE")) {
		f->type = LP_BOOL, f->v = 1;
		return 0;
	}
	if (tok_is(s, n, "f") || tok_is(s, n, "F") || tok_is(s, n, "false") ||
	    tok_is(s, n, "False") || tok_is(s, n, "FALSE")) {
		f->type = LP_BOOL, f->v = 0;
		return 0;
	}
	if (n >= sizeof tmp)
		goto bad;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	if (s[n - 1] == 'i' && is_int_digits(s, n - 1, 1)) {
		long long v = strtoll(tmp, &end, 10);
		if (errno != 0 || end != tmp + n - 1) {
			snprintf(err, errlen, "field '%.*s': integer out of range", (int)f->klen, f->k);
			return -1;
		}
		f->type = LP_INT, f->v = (double)v;
		return 0;
	}
	if (s[n - 1] == 'u' && is_int_digits(s, n - 1, 0)) {
		unsigned long long v = strtoull(tmp, &end, 10);
		if (errno != 0 || end != tmp + n - 1) {
			snprintf(err, errlen, "field '%.*s': unsigned integer out of range", (int)f->klen,
			         f->k);
			return -1;
		}
		f->type = LP_UINT, f->v = (double)v;
		return 0;
	}
	if (is_float_token(s, n)) {
		double v = strtod(tmp, &end);
		if (end != tmp + n || !isfinite(v)) {
			snprintf(err, errlen, "field '%.*s': float out of range", (int)f->klen, f->k);
			return -1;
		}
		f->type = LP_FLOAT, f->v = v;
		return 0;
	}
bad:
	snprintf(err, errlen, "field '%.*s': invalid value '%.*s'", (int)f->klen, f->k,
	         (int)(n > 32 ? 32 : n), s);
	return -1;
}

int
lp_parse_line(const char *line, size_t len, char *scratch, struct lp_line *out, char *err,
              size_t errlen)
{
	struct cur c = {line, line + len, scratch};

	out->ntags = out->nfields = out->has_ts = 0;
	if (len > 0 && line[len - 1] == '\r')
		c.end--;
	while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
		c.p++;
	if (c.p == c.end || *c.p == '#')
		return 0;
	if (read_elem(&c, ", ", ", ", &out->measurement, &out->mlen) < 0)
		goto trailing_backslash;
	if (out->mlen == 0) {
		snprintf(err, errlen, "missing measurement");
		return -1;
	}
	while (c.p < c.end && *c.p == ',') {
		struct label *t;
		c.p++;
		if (out->ntags >= METRIC_MAX_LABELS) {
			snprintf(err, errlen, "more than %d tags", METRIC_MAX_LABELS);
			return -1;
		}
		t = &out->tags[out->ntags];
		if (read_elem(&c, ",= ", ",= ", &t->k, &t->klen) < 0)
			goto trailing_backslash;
		if (c.p == c.end || *c.p != '=' || t->klen == 0) {
			snprintf(err, errlen, "tag %d: expected key=value", out->ntags + 1);
			return -1;
		}
		c.p++;
		if (read_elem(&c, ", ", ",= ", &t->v, &t->vlen) < 0)
			goto trailing_backslash;
		if (t->vlen == 0) {
			snprintf(err, errlen, "tag '%.*s' has an empty value", (int)t->klen, t->k);
			return -1;
		}
		out->ntags++;
	}
	if (c.p == c.end || *c.p != ' ') {
		snprintf(err, errlen, "missing fields");
		return -1;
	}
	while (c.p < c.end && *c.p == ' ')
		c.p++;
	for (;;) {
		struct lp_field *f;
		const char *vs;
		if (out->nfields >= LP_MAX_FIELDS) {
			snprintf(err, errlen, "more than %d fields", LP_MAX_FIELDS);
			return -1;
		}
		f = &out->fields[out->nfields];
		if (read_elem(&c, ",= ", ",= ", &f->k, &f->klen) < 0)
			goto trailing_backslash;
		if (f->klen == 0 || c.p == c.end || *c.p != '=') {
			snprintf(err, errlen, out->nfields == 0 && f->klen == 0 ? "missing fields"
			                                                        : "field %d: expected key=value",
			         out->nfields + 1);
			return -1;
		}
		c.p++;
		if (c.p < c.end && *c.p == '"') {
			c.p++;
			while (c.p < c.end && *c.p != '"') {
				if (*c.p == '\\' && c.p + 1 < c.end && (c.p[1] == '"' || c.p[1] == '\\'))
					c.p++;
				c.p++;
			}
			if (c.p == c.end) {
				snprintf(err, errlen, "field '%.*s': unterminated string", (int)f->klen, f->k);
				return -1;
			}
			c.p++;
			f->type = LP_STRING;
			f->v = 0;
		} else {
			vs = c.p;
			while (c.p < c.end && *c.p != ',' && *c.p != ' ')
				c.p++;
			if (field_value(vs, (size_t)(c.p - vs), f, err, errlen) < 0)
				return -1;
		}
		out->nfields++;
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		break;
	}
	if (c.p == c.end)
		return 1;
	if (*c.p != ' ') {
		snprintf(err, errlen, "unexpected '%c' after the fields", *c.p);
		return -1;
	}
	while (c.p < c.end && *c.p == ' ')
		c.p++;
	if (c.p < c.end) {
		const char *ts = c.p;
		char tmp[32], *end;
		size_t n;
		while (c.p < c.end && *c.p != ' ')
			c.p++;
		n = (size_t)(c.p - ts);
		if (n >= sizeof tmp || !is_int_digits(ts, n, 1)) {
			snprintf(err, errlen, "invalid timestamp '%.*s'", (int)(n > 32 ? 32 : n), ts);
			return -1;
		}
		memcpy(tmp, ts, n);
		tmp[n] = '\0';
		errno = 0;
		out->ts = strtoll(tmp, &end, 10);
		if (errno != 0 || *end != '\0') {
			snprintf(err, errlen, "timestamp out of range");
			return -1;
		}
		out->has_ts = 1;
		while (c.p < c.end && *c.p == ' ')
			c.p++;
		if (c.p != c.end) {
			snprintf(err, errlen, "unexpected text after the timestamp");
			return -1;
		}
	}
	return 1;
trailing_backslash:
	snprintf(err, errlen, "trailing backslash");
	return -1;
}

int
lp_precision(const char *s, int64_t *mul_us, int64_t *div_us)
{
	static const struct {
		const char *name;
		int64_t     mul, div;
	} p[] = {
		{"ns", 1, 1000}, {"n", 1, 1000},       {"us", 1, 1},          {"u", 1, 1},
		{"ms", 1000, 1}, {"s", 1000000, 1},    {"m", 60000000, 1},    {"h", 3600000000LL, 1},
	};

	if (s == NULL)
		s = "ns";
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
		if (strcmp(s, p[i].name) == 0) {
			*mul_us = p[i].mul;
			*div_us = p[i].div;
			return 0;
		}
	}
	return -1;
}

int
lp_ts_to_us(int64_t ts, int64_t mul_us, int64_t div_us, int64_t *out)
{
	if (div_us > 1) {
		int64_t q = ts / div_us, r = ts % div_us;
		*out = r < 0 ? q - 1 : q;
		return 0;
	}
	if ((ts > 0 && ts > INT64_MAX / mul_us) || (ts < 0 && ts < INT64_MIN / mul_us))
		return -1;
	*out = ts * mul_us;
	return 0;
}
