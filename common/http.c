/* common/http.c — query decoding, header lookup and the response builder (problem+json included). */
#include "http.h"

#include "json.h"
#include "utf8.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
req_init(struct req *rq)
{
	memset(rq, 0, sizeof *rq);
}

static void
kv_free(struct kv *kv, int n)
{
	for (int i = 0; i < n; i++) {
		free(kv[i].name);
		free(kv[i].value);
	}
}

void
req_free(struct req *rq)
{
	kv_free(rq->query, rq->nquery);
	kv_free(rq->params, rq->nparams);
	free(rq->path);
	free(rq->body);
	req_init(rq);
}

static const struct {
	enum method m;
	const char *name;
} methods[] = {
	{M_GET, "GET"},       {M_HEAD, "HEAD"},   {M_POST, "POST"},       {M_PUT, "PUT"},
	{M_DELETE, "DELETE"}, {M_PATCH, "PATCH"}, {M_OPTIONS, "OPTIONS"},
};

enum method
method_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(s, methods[i].name) == 0)
			return methods[i].m;
	return 0;
}

const char *
method_name(enum method m)
{
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (methods[i].m == m)
			return methods[i].name;
	return "?";
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
url_decode(const char *src, size_t len, int plus)
{
	char *out = malloc(len + 1), *o = out;
	int hi, lo;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (c == '%') {
			if (i + 2 >= len || (hi = hexval((unsigned char)src[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)src[i + 2])) < 0)
				goto bad;
			c = (char)(hi << 4 | lo);
			if (c == '\0')
				goto bad;
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		} else if (c == '\0') {
			goto bad;
		}
		*o++ = c;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

int
req_parse_query(struct req *rq, const char *qs)
{
	const char *p = qs, *amp, *eq;
	size_t len;

	if (qs == NULL)
		return 0;
	while (*p) {
		amp = strchr(p, '&');
		len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > 0) {
			struct kv *kv;
			if (rq->nquery >= REQ_MAX_QUERY)
				return -1;
			kv = &rq->query[rq->nquery];
			eq = memchr(p, '=', len);
			kv->name = url_decode(p, eq ? (size_t)(eq - p) : len, 1);
			kv->value = eq ? url_decode(eq + 1, len - (size_t)(eq - p) - 1, 1) : strdup("");
			if (kv->name == NULL || kv->value == NULL) {
				free(kv->name);
				free(kv->value);
				kv->name = kv->value = NULL;
				return -1;
			}
			rq->nquery++;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return 0;
}

const char *
req_query_next(const struct req *rq, const char *name, int *pos)
{
	for (; *pos < rq->nquery; (*pos)++) {
		if (strcmp(rq->query[*pos].name, name) == 0)
			return rq->query[(*pos)++].value;
	}
	return NULL;
}

const char *
req_query(const struct req *rq, const char *name)
{
	int pos = 0;

	return req_query_next(rq, name, &pos);
}

const char *
req_param(const struct req *rq, const char *name)
{
	for (int i = 0; i < rq->nparams; i++)
		if (strcmp(rq->params[i].name, name) == 0)
			return rq->params[i].value;
	return NULL;
}

const char *
req_env(const struct req *rq, const char *name)
{
	size_t n = strlen(name);

	for (char *const *e = rq->env; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *
req_header(const struct req *rq, const char *name)
{
	char var[128];
	size_t j;

	if (strcasecmp(name, "Content-Type") == 0)
		return req_env(rq, "CONTENT_TYPE");
	if (strcasecmp(name, "Content-Length") == 0)
		return req_env(rq, "CONTENT_LENGTH");
	j = (size_t)snprintf(var, sizeof var, "HTTP_");
	for (const char *p = name; *p && j < sizeof var - 1; p++)
		var[j++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	var[j] = '\0';
	return req_env(rq, var);
}

void
resp_init(struct resp *rs)
{
	memset(rs, 0, sizeof *rs);
	buf_init(&rs->headers);
	buf_init(&rs->body);
}

void
resp_free(struct resp *rs)
{
	buf_free(&rs->headers);
	buf_free(&rs->body);
}

void
resp_reset(struct resp *rs)
{
	buf_reset(&rs->headers);
	buf_reset(&rs->body);
	rs->status = 0;
	rs->content_type = NULL;
	rs->detail[0] = '\0';
}

void
resp_header(struct resp *rs, const char *name, const char *fmt, ...)
{
	struct buf v;
	va_list ap;

	buf_init(&v);
	va_start(ap, fmt);
	buf_vprintf(&v, fmt, ap);
	va_end(ap);
	/* Never let a value carry CR/LF into the header block. */
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] == '\r' || v.p[i] == '\n')
			v.p[i] = ' ';
	buf_printf(&rs->headers, "%s: %s\r\n", name, v.p ? v.p : "");
	buf_free(&v);
}

int
resp_json(struct resp *rs, int status, struct json_object *o)
{
	const char *s;
	size_t len;

	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	                                      &len);
	buf_reset(&rs->body);
	buf_append(&rs->body, s, len);
	buf_putc(&rs->body, '\n');
	json_object_put(o);
	rs->status = status;
	rs->content_type = "application/json";
	return status;
}

int
resp_empty(struct resp *rs, int status)
{
	buf_reset(&rs->body);
	rs->status = status;
	rs->content_type = NULL;
	return status;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static int
problem_v(struct resp *rs, int status, const char *slug, struct json_object *extra,
          const char *fmt, va_list ap)
{
	struct json_object *o = json_object_new_object();
	struct buf raw, detail, type;

	buf_init(&raw);
	buf_init(&detail);
	buf_init(&type);
	buf_vprintf(&raw, fmt, ap);
	utf8_sanitize(&detail, raw.p ? raw.p : "", raw.len);
	buf_free(&raw);
	buf_printf(&type, "/problems/%s", slug);
	json_add(o, "type", json_object_new_string(type.p ? type.p : "about:blank"));
	json_add(o, "title", json_object_new_string(http_reason(status)));
	json_add(o, "status", json_object_new_int(status));
	json_add(o, "detail", json_object_new_string(detail.p ? detail.p : ""));
	if (rs->instance) {
		buf_init(&raw);
		utf8_sanitize(&raw, rs->instance, strlen(rs->instance));
		json_add(o, "instance", json_object_new_string(raw.p ? raw.p : ""));
		buf_free(&raw);
	}
	if (rs->request_id)
		json_add(o, "request_id", json_object_new_string(rs->request_id));
	if (extra) {
		json_object_object_foreach(extra, k, v) {
			json_object_object_add(o, k, json_object_get(v));
		}
		json_object_put(extra);
	}
	snprintf(rs->detail, sizeof rs->detail, "%s", detail.p ? detail.p : "");
	buf_free(&detail);
	buf_free(&type);
	resp_json(rs, status, o);
	rs->content_type = "application/problem+json";
	return status;
}

int
resp_problem(struct resp *rs, int status, const char *slug, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem_v(rs, status, slug, NULL, fmt, ap);
	va_end(ap);
	return status;
}

int
resp_problem_ext(struct resp *rs, int status, const char *slug, struct json_object *extra,
                 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem_v(rs, status, slug, extra, fmt, ap);
	va_end(ap);
	return status;
}
