/* common/samplejson.c — strict JSON for samples, parsed in one pass into a batch (no tree). */
#include "samplejson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "metric.h"
#include "timeutil.h"
#include "utf8.h"

struct sj {
	const char *p, *start, *end;
	char       *arena; /* decoded strings; never longer in total than the text */
	size_t      used;
	int         depth;
	char       *err;
	size_t      errlen;
};

struct str {
	const char *s;
	size_t      n;
};

struct keys {
	struct str *v;
	size_t      n, cap;
};

static int
fail(struct sj *j, const char *why)
{
	snprintf(j->err, j->errlen, "malformed JSON at offset %zu: %s", (size_t)(j->p - j->start),
	         why);
	return -1;
}

static void
ws(struct sj *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
expect_char(struct sj *j, char c)
{
	ws(j);
	if (j->p >= j->end)
		return fail(j, "unexpected end of input");
	if (*j->p != c) {
		char why[32];
		snprintf(why, sizeof why, "expected '%c'", c);
		return fail(j, why);
	}
	j->p++;
	return 0;
}

/* A key seen twice in one object is malformed, as in json_parse_strict. */
static int
keys_add(struct sj *j, struct keys *k, struct str key)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].n == key.n && memcmp(k->v[i].s, key.s, key.n) == 0)
			return fail(j, "duplicate object key");
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 8;
		struct str *nv = realloc(k->v, cap * sizeof *nv);
		if (nv == NULL)
			return fail(j, "out of memory");
		k->v = nv;
		k->cap = cap;
	}
	k->v[k->n++] = key;
	return 0;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Decodes a string into the arena (NUL-terminated there). */
static int
parse_string(struct sj *j, struct str *out)
{
	char *o = j->arena + j->used, *start = o;

	if (j->p >= j->end || *j->p != '"')
		return fail(j, "expected a string");
	j->p++;
	for (;;) {
		unsigned char c;
		if (j->p >= j->end)
			return fail(j, "unterminated string");
		c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			break;
		}
		if (c < 0x20)
			return fail(j, "raw control character in a string");
		if (c == '\\') {
			unsigned cp, lo;
			if (j->end - j->p < 2)
				return fail(j, "unterminated string");
			switch (j->p[1]) {
			case '"': *o++ = '"'; break;
			case '\\': *o++ = '\\'; break;
			case '/': *o++ = '/'; break;
			case 'b': *o++ = '\b'; break;
			case 'f': *o++ = '\f'; break;
			case 'n': *o++ = '\n'; break;
			case 'r': *o++ = '\r'; break;
			case 't': *o++ = '\t'; break;
			case 'u':
				if (j->end - j->p < 6 || hex4(j->p + 2, &cp) < 0)
					return fail(j, "bad \\u escape");
				if (cp == 0)
					return fail(j, "string contains NUL");
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return fail(j, "lone low surrogate");
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (j->end - j->p < 12 || j->p[6] != '\\' || j->p[7] != 'u' ||
					    hex4(j->p + 8, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
						return fail(j, "lone high surrogate");
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					j->p += 6;
				}
				if (cp < 0x80) {
					*o++ = (char)cp;
				} else if (cp < 0x800) {
					*o++ = (char)(0xc0 | cp >> 6);
					*o++ = (char)(0x80 | (cp & 0x3f));
				} else if (cp < 0x10000) {
					*o++ = (char)(0xe0 | cp >> 12);
					*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
					*o++ = (char)(0x80 | (cp & 0x3f));
				} else {
					*o++ = (char)(0xf0 | cp >> 18);
					*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
					*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
					*o++ = (char)(0x80 | (cp & 0x3f));
				}
				j->p += 4;
				break;
			default: return fail(j, "bad escape in a string");
			}
			j->p += 2;
			continue;
		}
		if (c < 0x80) {
			*o++ = (char)c;
			j->p++;
		} else {
			size_t n = utf8_seq_len((const unsigned char *)j->p, (size_t)(j->end - j->p));
			if (n == 0)
				return fail(j, "string is not valid UTF-8");
			memcpy(o, j->p, n);
			o += n;
			j->p += n;
		}
	}
	*o = '\0';
	out->s = start;
	out->n = (size_t)(o - start);
	j->used += out->n + 1;
	return 0;
}

static int
literal(struct sj *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return fail(j, "unexpected character");
	j->p += n;
	return 0;
}

/* RFC 8259 number (NaN, Infinity and -Infinity are read as non-finite, like json-c does). */
static int
parse_number(struct sj *j, double *out)
{
	const char *s = j->p;
	char *endp;

	if (j->p < j->end && *j->p == 'N')
		return literal(j, "NaN") < 0 ? -1 : (*out = NAN, 0);
	if (j->end - j->p >= 9 && memcmp(j->p, "-Infinity", 9) == 0)
		return j->p += 9, *out = -INFINITY, 0;
	if (j->p < j->end && *j->p == 'I')
		return literal(j, "Infinity") < 0 ? -1 : (*out = INFINITY, 0);
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0') {
		j->p++;
	} else if (j->p < j->end && *j->p >= '1' && *j->p <= '9') {
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	} else {
		return fail(j, "invalid number");
	}
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return fail(j, "invalid number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return fail(j, "invalid number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	/* The text is NUL-terminated and the grammar is checked: strtod stops where we did. */
	*out = strtod(s, &endp);
	if (endp != j->p)
		return fail(j, "invalid number");
	return 0;
}

static int skip_value(struct sj *j);

static int
enter(struct sj *j)
{
	if (++j->depth > JSON_MAX_DEPTH)
		return fail(j, "nested too deeply");
	j->p++;
	return 0;
}

/* Walks an object; for each member calls fn with the key and the parser at its value. */
typedef int (*member_fn)(struct sj *j, struct str key, void *arg);

static int
parse_object(struct sj *j, member_fn fn, void *arg)
{
	struct keys k = {NULL, 0, 0};
	int rc = -1;

	if (enter(j) < 0)
		return -1;
	ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		rc = 0;
		goto out;
	}
	for (;;) {
		struct str key;
		ws(j);
		if (parse_string(j, &key) < 0 || keys_add(j, &k, key) < 0 || expect_char(j, ':') < 0)
			goto out;
		ws(j);
		if (j->p >= j->end) {
			fail(j, "unexpected end of input");
			goto out;
		}
		if (fn(j, key, arg) < 0)
			goto out;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (expect_char(j, '}') < 0)
			goto out;
		break;
	}
	rc = 0;
out:
	j->depth--;
	free(k.v);
	return rc;
}

static int
skip_member(struct sj *j, struct str key, void *arg)
{
	(void)key;
	(void)arg;
	return skip_value(j);
}

static int
skip_value(struct sj *j)
{
	struct str s;
	double d;

	ws(j);
	if (j->p >= j->end)
		return fail(j, "unexpected end of input");
	switch (*j->p) {
	case '{': return parse_object(j, skip_member, NULL);
	case '[':
		if (enter(j) < 0)
			return -1;
		ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			j->depth--;
			return 0;
		}
		for (;;) {
			if (skip_value(j) < 0)
				return -1;
			ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (expect_char(j, ']') < 0)
				return -1;
			break;
		}
		j->depth--;
		return 0;
	case '"': return parse_string(j, &s);
	case 't': return literal(j, "true");
	case 'f': return literal(j, "false");
	case 'n': return literal(j, "null");
	default: return parse_number(j, &d);
	}
}

/* ---- one sample ---- */

struct item {
	struct sample s;
	int           has_name, has_value, has_ts, has_source;
	struct str    source;
	double        ts_num;
	struct str    ts_str;
	int           ts_is_num;
	int           bad;   /* the first error is recorded */
	char          field[72];
	char          reason[192];
};

static void
item_error(struct item *it, const char *field, const char *fmt, const char *arg)
{
	if (it->bad)
		return;
	it->bad = 1;
	snprintf(it->field, sizeof it->field, "%s", field);
	snprintf(it->reason, sizeof it->reason, fmt, arg);
}

static int
is_null(struct sj *j)
{
	if (j->p < j->end && *j->p == 'n') {
		return literal(j, "null") < 0 ? -1 : 1;
	}
	return 0;
}

static int
label_member(struct sj *j, struct str key, void *arg)
{
	struct item *it = arg;
	struct label *l;
	struct str v;

	if (*j->p != '"') {
		item_error(it, "labels", "label '%.64s': expected a string value", key.s);
		return skip_value(j);
	}
	if (parse_string(j, &v) < 0)
		return -1;
	if (it->s.nlabels >= METRIC_MAX_LABELS) {
		char n[16];
		snprintf(n, sizeof n, "%d", METRIC_MAX_LABELS);
		item_error(it, "labels", "more than %s labels", n);
		return 0;
	}
	if (!label_key_valid(key.s, key.n)) {
		item_error(it, "labels", "label name '%.64s' must match [a-zA-Z_][a-zA-Z0-9_]* and be at "
		           "most 64 bytes", key.s);
		return 0;
	}
	if (!label_value_valid(v.s, v.n)) {
		item_error(it, "labels", "label '%s': value must be 1 to 256 bytes of UTF-8", key.s);
		return 0;
	}
	l = &it->s.labels[it->s.nlabels++];
	l->k = key.s, l->klen = key.n, l->v = v.s, l->vlen = v.n;
	return 0;
}

static int
sample_member(struct sj *j, struct str key, void *arg)
{
	struct item *it = arg;
	int null;

	if ((null = is_null(j)) < 0)
		return -1;
	if (strcmp(key.s, "name") == 0) {
		struct str s;
		if (null)
			return 0;
		if (*j->p != '"') {
			item_error(it, "name", "expected a string%s", "");
			return skip_value(j);
		}
		if (parse_string(j, &s) < 0)
			return -1;
		it->has_name = 1;
		it->s.name = s.s;
		it->s.namelen = s.n;
	} else if (strcmp(key.s, "value") == 0) {
		if (null)
			return 0;
		if (*j->p != '-' && *j->p != 'N' && *j->p != 'I' && (*j->p < '0' || *j->p > '9')) {
			item_error(it, "value", "expected a finite number%s", "");
			return skip_value(j);
		}
		if (parse_number(j, &it->s.value) < 0)
			return -1;
		it->has_value = 1;
	} else if (strcmp(key.s, "labels") == 0) {
		if (null)
			return 0;
		if (*j->p != '{') {
			item_error(it, "labels", "expected an object of string values%s", "");
			return skip_value(j);
		}
		return parse_object(j, label_member, it);
	} else if (strcmp(key.s, "source") == 0) {
		if (null)
			return 0;
		if (*j->p != '"') {
			item_error(it, "source", "expected a string%s", "");
			return skip_value(j);
		}
		if (parse_string(j, &it->source) < 0)
			return -1;
		it->has_source = 1;
	} else if (strcmp(key.s, "timestamp") == 0) {
		if (null)
			return 0;
		it->has_ts = 1;
		if (*j->p == '"') {
			it->ts_is_num = 0;
			return parse_string(j, &it->ts_str);
		}
		if (*j->p == '-' || *j->p == 'N' || *j->p == 'I' || (*j->p >= '0' && *j->p <= '9')) {
			it->ts_is_num = 1;
			return parse_number(j, &it->ts_num);
		}
		item_error(it, "timestamp", "expected RFC 3339 or Unix seconds/milliseconds%s", "");
		return skip_value(j);
	} else {
		item_error(it, key.s, "unknown field%s", "");
		return null ? 0 : skip_value(j);
	}
	return 0;
}

/* The checks sample_from_json makes, in its order, once the item is read. */
#define FINISH(...)                                                                                \
	do {                                                                                       \
		item_error(__VA_ARGS__);                                                           \
		return;                                                                            \
	} while (0)

static void
item_finish(struct item *it, int64_t now, int64_t retention)
{
	const struct label *dup;
	const char *why;

	if (it->bad)
		return;
	if (!it->has_name)
		FINISH(it, "name", "required%s", "");
	if (!metric_name_valid(it->s.name, it->s.namelen))
		FINISH(it, "name", "must match [a-zA-Z_:][a-zA-Z0-9_:.]* and be at most 200 "
		                  "bytes%s", "");
	if (!it->has_value)
		FINISH(it, "value", "required%s", "");
	if (!isfinite(it->s.value))
		FINISH(it, "value", "expected a finite number%s", "");
	if (it->has_source) {
		struct label *l;
		if (!label_value_valid(it->source.s, it->source.n))
			FINISH(it, "source", "must be 1 to 256 bytes of UTF-8%s", "");
		if (it->s.nlabels >= METRIC_MAX_LABELS)
			FINISH(it, "labels", "more than 32 labels (source counts as one)%s", "");
		l = &it->s.labels[it->s.nlabels++];
		l->k = "source", l->klen = 6, l->v = it->source.s, l->vlen = it->source.n;
	}
	if (labels_sort(it->s.labels, it->s.nlabels, &dup) < 0)
		FINISH(it, "source", "source given both as a field and as a label%s", "");
	it->s.ts_us = now;
	if (it->has_ts) {
		int bad = it->ts_is_num ? !isfinite(it->ts_num) || time_from_number(it->ts_num, &it->s.ts_us) < 0
		                        : time_parse(it->ts_str.s, &it->s.ts_us) < 0;
		if (bad)
			FINISH(it, "timestamp",
			                  "expected RFC 3339 or Unix seconds/milliseconds%s", "");
		if ((why = metric_ts_problem(it->s.ts_us, now, retention)) != NULL)
			FINISH(it, "timestamp", "%s", why);
	}
}

struct ctx {
	int64_t              now, retention;
	struct batch        *b;
	struct sample_error *errs;
	int                  maxerrs;
	long                 nerr;
	size_t               nitems, max_items;
	int                  saw_metrics, too_many, nomem;
};

static int
parse_item(struct sj *j, struct ctx *c)
{
	struct item it;
	size_t mark = j->used;
	long index = (long)c->nitems++;

	memset(&it, 0, sizeof it);
	ws(j);
	if (j->p >= j->end)
		return fail(j, "unexpected end of input");
	if (*j->p != '{') {
		item_error(&it, "", "expected an object%s", "");
		if (skip_value(j) < 0)
			return -1;
	} else if (parse_object(j, sample_member, &it) < 0) {
		return -1;
	}
	item_finish(&it, c->now, c->retention);
	if (it.bad) {
		if (c->nerr < c->maxerrs) {
			struct sample_error *e = &c->errs[c->nerr];
			e->index = index;
			snprintf(e->field, sizeof e->field, "%s", it.field);
			snprintf(e->reason, sizeof e->reason, "%s", it.reason);
		}
		c->nerr++;
	} else if (c->nerr == 0 && batch_add(c->b, it.s.name, it.s.namelen, it.s.labels,
	                                     it.s.nlabels, it.s.ts_us, it.s.value) < 0) {
		c->nomem = 1;
		return fail(j, "out of memory");
	}
	j->used = mark; /* the item's strings are copied into the batch: reuse the arena */
	return 0;
}

static int
batch_member(struct sj *j, struct str key, void *arg)
{
	struct ctx *c = arg;

	if (strcmp(key.s, "metrics") != 0 || *j->p != '[')
		return skip_value(j);
	c->saw_metrics = 1;
	if (enter(j) < 0)
		return -1;
	ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		if (c->nitems >= c->max_items) {
			c->too_many = 1;
			return -1;
		}
		if (parse_item(j, c) < 0)
			return -1;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (expect_char(j, ']') < 0)
			return -1;
		break;
	}
	j->depth--;
	return 0;
}

int
samples_json(const char *text, size_t len, int batch, size_t max_items, int64_t now_us,
             int64_t retention_us, struct batch *b, struct sample_error *errs, int maxerrs,
             long *nerr, size_t *nitems, char *err, size_t errlen)
{
	struct sj j = {text, text, text + len, NULL, 0, 0, err, errlen};
	struct ctx c = {now_us, retention_us, b, errs, maxerrs, 0, 0, max_items, 0, 0, 0};
	int rc = SJ_MALFORMED;

	*nerr = 0;
	*nitems = 0;
	if (len == 0) {
		snprintf(err, errlen, "empty body");
		return SJ_MALFORMED;
	}
	if ((j.arena = malloc(len + 1)) == NULL)
		return SJ_NOMEM;
	ws(&j);
	if (!batch) {
		if (parse_item(&j, &c) < 0)
			goto out;
	} else {
		if (j.p < j.end && *j.p == '{') {
			if (parse_object(&j, batch_member, &c) < 0)
				goto out;
		} else if (skip_value(&j) < 0) {
			goto out;
		}
	}
	ws(&j);
	if (j.p != j.end) {
		fail(&j, "trailing bytes after the JSON value");
		goto out;
	}
	rc = batch && !c.saw_metrics ? SJ_NOT_BATCH : SJ_OK;
out:
	if (c.too_many)
		rc = SJ_TOO_MANY;
	else if (c.nomem)
		rc = SJ_NOMEM;
	*nerr = c.nerr;
	*nitems = c.nitems;
	free(j.arena);
	return rc;
}
