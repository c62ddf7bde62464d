/* common/http.h — the request and response objects handlers see; no FastCGI in here. */
#ifndef TT_HTTP_H
#define TT_HTTP_H

#include <json-c/json.h>
#include <stddef.h>

#include "buf.h"

enum method {
	M_GET = 1 << 0,
	M_HEAD = 1 << 1,
	M_POST = 1 << 2,
	M_PUT = 1 << 3,
	M_DELETE = 1 << 4,
	M_PATCH = 1 << 5,
	M_OPTIONS = 1 << 6,
};

enum scope { SCOPE_PUBLIC = 0, SCOPE_READ = 1 << 0, SCOPE_WRITE = 1 << 1, SCOPE_ADMIN = 1 << 2 };

#define REQ_MAX_QUERY  64
#define REQ_MAX_PARAMS 8
#define REQ_MAX_SEGMENT 256

struct kv {
	char *name;
	char *value;
};

struct app;
struct route;

struct req {
	struct app  *app;
	enum method  method;
	const char  *method_name;
	char        *path;           /* raw path, without the query string */
	struct kv    query[REQ_MAX_QUERY];
	int          nquery;
	struct kv    params[REQ_MAX_PARAMS]; /* decoded {name} segments */
	int          nparams;
	char *const *env;            /* CGI-style NAME=value strings (HTTP_* headers) */
	char        *body;
	size_t       body_len;
	const struct route *route;
	char         request_id[48];
	/* filled by authentication */
	long long    tenant_id;
	char         tenant_name[128];
	char         key_id[40];
	unsigned     scopes;
};

struct resp {
	int         status;
	const char *content_type;
	struct buf  headers;         /* "Name: value\r\n" lines */
	struct buf  body;
	const char *instance;        /* the request path, for problem documents */
	const char *request_id;
	char        detail[256];     /* why, for the log line (not sent) */
};

/* Request helpers. */
void        req_init(struct req *rq);
void        req_free(struct req *rq);
enum method method_parse(const char *s);
const char *method_name(enum method m);
/* Decodes an application/x-www-form-urlencoded query string into rq->query (repeated keys kept in
 * order). -1 on a bad escape, an embedded NUL or too many parameters. */
int         req_parse_query(struct req *rq, const char *qs) __attribute__((warn_unused_result));
const char *req_query(const struct req *rq, const char *name);
/* Iterates repeated keys: pass *pos = 0 first. */
const char *req_query_next(const struct req *rq, const char *name, int *pos);
const char *req_param(const struct req *rq, const char *name);
/* A request header by its HTTP name ("Authorization"), from rq->env. */
const char *req_header(const struct req *rq, const char *name);
const char *req_env(const struct req *rq, const char *name);
/* Percent-decodes src[0..len) into a new string; '+' becomes space when plus is set. */
char       *url_decode(const char *src, size_t len, int plus);

/* Response builders; each returns the status it set. */
void resp_init(struct resp *rs);
void resp_free(struct resp *rs);
void resp_reset(struct resp *rs);
void resp_header(struct resp *rs, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Serializes o (and releases it) as the JSON body. */
int  resp_json(struct resp *rs, int status, struct json_object *o);
int  resp_empty(struct resp *rs, int status);
/* RFC 9457 problem document: type "/problems/<slug>". */
int  resp_problem(struct resp *rs, int status, const char *slug, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Same, with extra members merged in (e.g. "errors": [...]); steals extra. */
int  resp_problem_ext(struct resp *rs, int status, const char *slug, struct json_object *extra,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
const char *http_reason(int status);

#endif
