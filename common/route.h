/* common/route.h — route table rows and the matcher the dispatcher uses. */
#ifndef TT_ROUTE_H
#define TT_ROUTE_H

#include "http.h"

typedef int (*handler_fn)(struct req *, struct resp *);

struct route {
	unsigned    methods; /* M_GET | M_POST ... */
	const char *pattern; /* "/v1/alerts/{id}/acknowledge" */
	unsigned    scope;   /* SCOPE_PUBLIC, SCOPE_READ, SCOPE_WRITE, SCOPE_ADMIN */
	handler_fn  fn;
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD, ROUTE_BAD_PATH };

/* Matches path against pattern. On a match fills params (decoded segment values, allocated)
 * and returns 1; 0 when it does not match; -1 when a segment has a bad escape or is too long. */
int route_match(const char *pattern, const char *path, struct kv *params, int *nparams);

/* Looks path and method up in table. ROUTE_FOUND sets *found and rq->params;
 * ROUTE_BAD_METHOD sets *allowed to the methods the path accepts (for Allow). */
enum route_result route_find(const struct route *table, size_t n, struct req *rq,
                             const struct route **found, unsigned *allowed);

/* Writes "GET, POST" for a method mask. */
void route_allow_header(unsigned methods, struct buf *out);

#endif
