/* common/json.c — the strict parsing wrapper DESIGN.md section 4 asks for. */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* Counts object keys in raw text, in document order of the '{' that opens each object, by counting
 * ':' at that object's own level. json-c keeps the last of duplicate keys silently; comparing these
 * counts with the parsed objects' sizes (walked in the same pre-order) finds duplicates. */
struct keycount {
	int   *counts;
	size_t n;
};

static int
count_keys(const char *t, size_t len, struct keycount *kc, const char **why)
{
	int stack[JSON_MAX_DEPTH + 2]; /* index into counts, or -1 for an array */
	int depth = 0, in_str = 0;

	kc->n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			else if ((unsigned char)c < 0x20) {
				*why = "raw control character in a string";
				return -1;
			}
			continue;
		}
		switch (c) {
		case '\'':
			*why = "single-quoted string";
			return -1;
		case '"': in_str = 1; break;
		case '{':
		case '[':
			if (depth >= JSON_MAX_DEPTH + 1) {
				*why = "nested too deeply";
				return -1;
			}
			if (c == '{') {
				kc->counts[kc->n] = 0;
				stack[depth++] = (int)kc->n++;
			} else {
				stack[depth++] = -1;
			}
			break;
		case '}':
		case ']':
			if (depth > 0)
				depth--;
			break;
		case ':':
			if (depth > 0 && stack[depth - 1] >= 0)
				kc->counts[stack[depth - 1]]++;
			break;
		default: break;
		}
	}
	return 0;
}

struct walk {
	struct keycount *kc;
	size_t           next; /* next object index in pre-order */
	const char      *why;
};

static int
walk(struct json_object *o, struct walk *w)
{
	size_t len, idx;

	switch (json_object_get_type(o)) {
	case json_type_string:
		len = (size_t)json_object_get_string_len(o);
		if (!utf8_valid(json_object_get_string(o), len)) {
			w->why = "string is not valid UTF-8 or contains NUL";
			return -1;
		}
		return 0;
	case json_type_object:
		idx = w->next++;
		if (idx >= w->kc->n || w->kc->counts[idx] != json_object_object_length(o)) {
			w->why = "duplicate object key";
			return -1;
		}
		json_object_object_foreach(o, k, v) {
			if (!utf8_valid(k, strlen(k))) {
				w->why = "object key is not valid UTF-8";
				return -1;
			}
			if (v != NULL && walk(v, w) < 0)
				return -1;
		}
		return 0;
	case json_type_array:
		len = json_object_array_length(o);
		for (size_t i = 0; i < len; i++) {
			struct json_object *item = json_object_array_get_idx(o, i);
			if (item != NULL && walk(item, w) < 0)
				return -1;
		}
		return 0;
	default: return 0;
	}
}

struct json_object *
json_parse_strict(const char *text, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	struct keycount kc = {NULL, 0};
	struct walk w;
	enum json_tokener_error e;
	size_t nobj = 1;

	if (len == 0) {
		snprintf(err, errlen, "empty body");
		return NULL;
	}
	if (len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "body too large to parse");
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		nobj += text[i] == '{';
	if ((kc.counts = calloc(nobj, sizeof *kc.counts)) == NULL ||
	    (tok = json_tokener_new_ex(JSON_MAX_DEPTH)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	if (e == json_tokener_continue) {
		snprintf(err, errlen, "truncated JSON: unexpected end of input");
		goto fail;
	}
	if (o == NULL && e != json_tokener_success) {
		snprintf(err, errlen, "malformed JSON at offset %zu: %s", json_tokener_get_parse_end(tok),
		         json_tokener_error_desc(e));
		goto fail;
	}
	if (json_tokener_get_parse_end(tok) != len) {
		snprintf(err, errlen, "trailing bytes after the JSON value at offset %zu",
		         json_tokener_get_parse_end(tok));
		goto fail;
	}
	if (o == NULL) {
		snprintf(err, errlen, "the body is JSON null");
		goto fail;
	}
	if (count_keys(text, len, &kc, &w.why) < 0) {
		snprintf(err, errlen, "malformed JSON: %s", w.why);
		goto fail;
	}
	w.kc = &kc;
	w.next = 0;
	w.why = NULL;
	if (walk(o, &w) < 0) {
		snprintf(err, errlen, "malformed JSON: %s", w.why);
		goto fail;
	}
	json_tokener_free(tok);
	free(kc.counts);
	return o;
fail:
	json_object_put(o);
	json_tokener_free(tok);
	free(kc.counts);
	return NULL;
}

int
json_get_string(struct json_object *o, const char *key, const char **out, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = json_object_get_string(v);
	if (len)
		*len = (size_t)json_object_get_string_len(v);
	return 1;
}

int
json_number_value(struct json_object *v, double *out)
{
	double d;

	if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
	} else if (json_object_is_type(v, json_type_int)) {
		/* json-c clamps integers past 64 bits to INT64_MAX / UINT64_MAX without an error. */
		int64_t i = json_object_get_int64(v);
		if (i == INT64_MAX || i == INT64_MIN)
			return -1;
		d = (double)i;
	} else {
		return -1;
	}
	if (!isfinite(d))
		return -1;
	*out = d;
	return 0;
}

int
json_get_double(struct json_object *o, const char *key, double *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	return json_number_value(v, out) < 0 ? -1 : 1;
}

int
json_get_int64(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;
	int64_t i;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	i = json_object_get_int64(v);
	if (i == INT64_MAX || i == INT64_MIN)
		return -1;
	*out = i;
	return 1;
}

int
json_get_bool(struct json_object *o, const char *key, int *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	*out = json_object_get_boolean(v);
	return 1;
}

void
json_add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

struct json_object *
json_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}
