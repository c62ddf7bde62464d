/* common/metric.c — what a valid sample, label and matcher is; pure logic, unit-tested. */
#include "metric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "timeutil.h"
#include "utf8.h"

static int
is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
metric_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > METRIC_NAME_MAX || !(is_alpha_(s[0]) || s[0] == ':'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(is_alpha_(s[i]) || is_digit(s[i]) || s[i] == ':' || s[i] == '.'))
			return 0;
	return 1;
}

int
label_key_valid(const char *s, size_t len)
{
	if (len == 0 || len > LABEL_KEY_MAX || !is_alpha_(s[0]))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(is_alpha_(s[i]) || is_digit(s[i])))
			return 0;
	return 1;
}

int
label_value_valid(const char *s, size_t len)
{
	return len > 0 && len <= LABEL_VALUE_MAX && utf8_valid(s, len);
}

const char *
metric_ts_problem(int64_t ts_us, int64_t now_us, int64_t retention_us)
{
	if (ts_us > now_us + METRIC_FUTURE_US)
		return "timestamp is more than 10 minutes in the future";
	if (ts_us < now_us - retention_us)
		return "timestamp is older than the retention period";
	return NULL;
}

static int
label_cmp(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->k, y->k, n);

	if (c != 0)
		return c;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

int
labels_sort(struct label *labels, int n, const struct label **dup)
{
	if (n > 1)
		qsort(labels, (size_t)n, sizeof *labels, label_cmp);
	for (int i = 1; i < n; i++) {
		if (label_cmp(&labels[i - 1], &labels[i]) == 0) {
			*dup = &labels[i];
			return -1;
		}
	}
	return 0;
}

#define FAIL(f, ...)                                                                               \
	do {                                                                                       \
		*field = (f);                                                                      \
		snprintf(reason, rlen, __VA_ARGS__);                                               \
		return -1;                                                                         \
	} while (0)

int
sample_from_json(struct json_object *o, int64_t now_us, int64_t retention_us, struct sample *out,
                 const char **field, char *reason, size_t rlen)
{
	struct json_object *v;
	const char *s, *why;
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
	if (!json_object_is_type(o, json_type_object))
		FAIL(NULL, "expected an object");
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strcmp(key, "name") != 0 && strcmp(key, "value") != 0 &&
		    strcmp(key, "labels") != 0 && strcmp(key, "source") != 0 &&
		    strcmp(key, "timestamp") != 0)
			FAIL(key, "unknown field");
	}
	rc = json_get_string(o, "name", &out->name, &out->namelen);
	if (rc == 0)
		FAIL("name", "required");
	if (rc < 0)
		FAIL("name", "expected a string");
	if (!metric_name_valid(out->name, out->namelen))
		FAIL("name", "must match [a-zA-Z_:][a-zA-Z0-9_:.]* and be at most %d bytes",
		     METRIC_NAME_MAX);
	if (!json_object_object_get_ex(o, "value", &v) || v == NULL)
		FAIL("value", "required");
	if (json_number_value(v, &out->value) < 0)
		FAIL("value", "expected a finite number");
	if (json_object_object_get_ex(o, "labels", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_object))
			FAIL("labels", "expected an object of string values");
		json_object_object_foreach(v, lk, lv) {
			struct label *l;
			size_t klen = strlen(lk);
			if (out->nlabels >= METRIC_MAX_LABELS)
				FAIL("labels", "more than %d labels", METRIC_MAX_LABELS);
			if (!label_key_valid(lk, klen))
				FAIL("labels", "label name '%.64s' must match [a-zA-Z_][a-zA-Z0-9_]* and be at "
				     "most %d bytes", lk, LABEL_KEY_MAX);
			if (lv == NULL || !json_object_is_type(lv, json_type_string))
				FAIL("labels", "label '%s': expected a string value", lk);
			l = &out->labels[out->nlabels++];
			l->k = lk;
			l->klen = klen;
			l->v = json_object_get_string(lv);
			l->vlen = (size_t)json_object_get_string_len(lv);
			if (!label_value_valid(l->v, l->vlen))
				FAIL("labels", "label '%s': value must be 1 to %d bytes of UTF-8", lk,
				     LABEL_VALUE_MAX);
		}
	}
	rc = json_get_string(o, "source", &s, &len);
	if (rc < 0)
		FAIL("source", "expected a string");
	if (rc > 0) {
		struct label *l;
		if (!label_value_valid(s, len))
			FAIL("source", "must be 1 to %d bytes of UTF-8", LABEL_VALUE_MAX);
		if (out->nlabels >= METRIC_MAX_LABELS)
			FAIL("labels", "more than %d labels (source counts as one)", METRIC_MAX_LABELS);
		l = &out->labels[out->nlabels++];
		l->k = "source";
		l->klen = 6;
		l->v = s;
		l->vlen = len;
	}
	{
		const struct label *dup;
		if (labels_sort(out->labels, out->nlabels, &dup) < 0)
			FAIL("source", "source given both as a field and as a label");
	}
	out->ts_us = now_us;
	if (json_object_object_get_ex(o, "timestamp", &v) && v != NULL) {
		if (json_object_is_type(v, json_type_string)) {
			if (time_parse(json_object_get_string(v), &out->ts_us) < 0)
				FAIL("timestamp", "expected RFC 3339 or Unix seconds/milliseconds");
		} else {
			double d;
			if (json_number_value(v, &d) < 0 || time_from_number(d, &out->ts_us) < 0)
				FAIL("timestamp", "expected RFC 3339 or Unix seconds/milliseconds");
		}
		if ((why = metric_ts_problem(out->ts_us, now_us, retention_us)) != NULL)
			FAIL("timestamp", "%s", why);
	}
	return 0;
}

void
matchers_free(struct matcher *m, int n)
{
	for (int i = 0; i < n; i++) {
		free(m[i].value);
		m[i].value = NULL;
	}
}

int
matcher_parse_label(const char *s, struct matcher *out)
{
	const char *colon = strchr(s, ':');
	size_t klen;

	memset(out, 0, sizeof *out);
	if (colon == NULL)
		return -1;
	klen = (size_t)(colon - s);
	if (!label_key_valid(s, klen) || !label_value_valid(colon + 1, strlen(colon + 1)))
		return -1;
	memcpy(out->key, s, klen);
	out->key[klen] = '\0';
	out->op = MATCH_EQ;
	out->value = strdup(colon + 1);
	return out->value ? 0 : -1;
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int
matcher_parse_selector(const char *s, struct matcher *out, int *n, int max, char *err,
                       size_t errlen)
{
	const char *p = skip_ws(s);
	int braces = 0;

	if (*p == '{') {
		braces = 1;
		p = skip_ws(p + 1);
	}
	while (*p && *p != '}') {
		struct matcher *m;
		const char *k = p;
		char *v;
		size_t klen, vl = 0;

		while (is_alpha_(*p) || is_digit(*p))
			p++;
		klen = (size_t)(p - k);
		if (!label_key_valid(k, klen)) {
			snprintf(err, errlen, "expected a label name at offset %zu", (size_t)(k - s));
			return -1;
		}
		if (*n >= max) {
			snprintf(err, errlen, "more than %d label matchers", max);
			return -1;
		}
		m = &out[*n];
		memset(m, 0, sizeof *m);
		memcpy(m->key, k, klen);
		p = skip_ws(p);
		if (p[0] == '=' && p[1] == '~')
			m->op = MATCH_RE, p += 2;
		else if (p[0] == '!' && p[1] == '~')
			m->op = MATCH_NRE, p += 2;
		else if (p[0] == '!' && p[1] == '=')
			m->op = MATCH_NE, p += 2;
		else if (p[0] == '=')
			m->op = MATCH_EQ, p += 1;
		else {
			snprintf(err, errlen, "expected =, !=, =~ or !~ after '%s'", m->key);
			return -1;
		}
		p = skip_ws(p);
		if (*p != '"') {
			snprintf(err, errlen, "the value of '%s' must be double-quoted", m->key);
			return -1;
		}
		p++;
		if ((v = malloc(strlen(p) + 1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		while (*p && *p != '"') {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			v[vl++] = *p++;
		}
		v[vl] = '\0';
		if (*p != '"') {
			free(v);
			snprintf(err, errlen, "unterminated value of '%s'", m->key);
			return -1;
		}
		if (vl > LABEL_VALUE_MAX || (vl > 0 && !utf8_valid(v, vl))) {
			free(v);
			snprintf(err, errlen, "the value of '%s' is too long or not UTF-8", m->key);
			return -1;
		}
		m->value = v;
		(*n)++;
		p = skip_ws(p + 1);
		if (*p == ',')
			p = skip_ws(p + 1);
		else if (*p && *p != '}') {
			snprintf(err, errlen, "expected ',' or '}' at offset %zu", (size_t)(p - s));
			return -1;
		}
	}
	if (braces != (*p == '}') || (*p == '}' && *skip_ws(p + 1) != '\0')) {
		snprintf(err, errlen, "unbalanced braces or trailing characters");
		return -1;
	}
	return 0;
}

int64_t
bucket_floor(int64_t ts, int64_t width)
{
	int64_t r = ts % width;

	return r < 0 ? ts - r - width : ts - r;
}

int64_t
bucket_ceil(int64_t ts, int64_t width)
{
	int64_t f = bucket_floor(ts, width);

	return f == ts ? ts : f + width;
}

int64_t
bucket_count(int64_t start, int64_t end, int64_t width)
{
	return (bucket_ceil(end, width) - bucket_floor(start, width)) / width;
}
