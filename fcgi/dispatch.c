/* fcgi/dispatch.c — 404/405/401/403/413 before any handler runs, then the handler. */
#include "dispatch.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../handlers/handlers.h"

/* CONTENT_LENGTH: empty or absent is 0; anything but digits is -1. */
static long long
content_length(const struct req *rq)
{
	const char *s = req_env(rq, "CONTENT_LENGTH");
	long long v = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > (1LL << 40))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int
read_body(struct req *rq, struct resp *rs, FCGX_Stream *in)
{
	long long len = content_length(rq);
	size_t got = 0;
	int n;

	if (len < 0)
		return resp_problem(rs, 400, "bad-request", "invalid Content-Length");
	if (len > rq->app->cfg->body_max)
		return resp_problem(rs, 413, "body-too-large",
		                    "request body of %lld bytes is over the limit of %ld bytes", len,
		                    rq->app->cfg->body_max);
	if (len == 0)
		return 0;
	if ((rq->body = malloc((size_t)len + 1)) == NULL)
		return resp_problem(rs, 503, "unavailable", "out of memory reading the body");
	while (got < (size_t)len) {
		n = FCGX_GetStr(rq->body + got, (int)((size_t)len - got), in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)len)
		return resp_problem(rs, 400, "bad-request", "request body ended early (%zu of %lld bytes)",
		                    got, len);
	rq->body[got] = '\0';
	rq->body_len = got;
	return 0;
}

static int
check_auth(struct app *app, struct req *rq, struct resp *rs)
{
	switch (app_authenticate(app, rq)) {
	case AUTH_OK: break;
	case AUTH_MISSING:
		resp_header(rs, "WWW-Authenticate", "Bearer realm=\"telltale\"");
		return resp_problem(rs, 401, "unauthorized",
		                    "this route needs an API key: Authorization: Bearer <key>");
	case AUTH_INVALID:
		resp_header(rs, "WWW-Authenticate", "Bearer realm=\"telltale\", error=\"invalid_token\"");
		return resp_problem(rs, 401, "unauthorized", "the API key is invalid, expired or revoked");
	case AUTH_UNAVAILABLE: return app_db_error(rq, rs);
	}
	if (!scopes_allow(rq->scopes, rq->route->scope))
		return resp_problem(rs, 403, "forbidden", "this route needs the %s scope",
		                    rq->route->scope == SCOPE_ADMIN   ? "admin"
		                    : rq->route->scope == SCOPE_WRITE ? "write"
		                                                      : "read");
	return 0;
}

void
dispatch(struct app *app, struct req *rq, struct resp *rs, FCGX_Stream *in)
{
	const struct route *route;
	unsigned allowed;

	if (rq->method == 0) {
		resp_problem(rs, 405, "method-not-allowed", "unsupported method");
		return;
	}
	switch (route_find(routes, nroutes, rq, &route, &allowed)) {
	case ROUTE_FOUND: break;
	case ROUTE_NOT_FOUND:
		resp_problem(rs, 404, "not-found", "no route for %.200s", rq->path);
		return;
	case ROUTE_BAD_PATH:
		resp_problem(rs, 400, "bad-request", "the path has a bad escape or an overlong segment");
		return;
	case ROUTE_BAD_METHOD: {
		struct buf allow;
		buf_init(&allow);
		route_allow_header(allowed, &allow);
		resp_header(rs, "Allow", "%s", allow.p ? allow.p : "");
		resp_problem(rs, 405, "method-not-allowed", "%s is not allowed here; allowed: %s",
		             rq->method_name, allow.p ? allow.p : "");
		buf_free(&allow);
		return;
	}
	}
	rq->route = route;
	if (route->scope != SCOPE_PUBLIC && check_auth(app, rq, rs) != 0)
		return;
	if (req_parse_query(rq, req_env(rq, "QUERY_STRING")) < 0) {
		resp_problem(rs, 400, "bad-query", "the query string has a bad escape, a NUL or over %d "
		             "parameters", REQ_MAX_QUERY);
		return;
	}
	if (read_body(rq, rs, in) != 0)
		return;
	route->fn(rq, rs);
	if (app->db.in_tx) {
		log_error("handler for %s left a transaction open; rolled back", route->pattern);
		db_rollback(&app->db);
	}
	if (rs->status == 0)
		resp_problem(rs, 500, "internal", "the handler produced no response");
}
