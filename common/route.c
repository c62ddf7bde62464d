/* common/route.c — segment-wise pattern matching with {param} captures. */
#include "route.h"

#include <stdlib.h>
#include <string.h>

static void
params_free(struct kv *params, int n)
{
	for (int i = 0; i < n; i++) {
		free(params[i].name);
		free(params[i].value);
		params[i].name = params[i].value = NULL;
	}
}

int
route_match(const char *pattern, const char *path, struct kv *params, int *nparams)
{
	const char *p = pattern, *s = path;
	int n = 0;

	*nparams = 0;
	if (*p != '/' || *s != '/')
		return 0;
	while (*p == '/' && *s == '/') {
		const char *pe, *se;
		size_t plen, slen;

		p++;
		s++;
		pe = strchr(p, '/');
		se = strchr(s, '/');
		plen = pe ? (size_t)(pe - p) : strlen(p);
		slen = se ? (size_t)(se - s) : strlen(s);
		if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (slen == 0)
				goto nomatch;
			if (slen > REQ_MAX_SEGMENT || n >= REQ_MAX_PARAMS)
				goto bad;
			params[n].name = strndup(p + 1, plen - 2);
			params[n].value = url_decode(s, slen, 0);
			if (params[n].name == NULL || params[n].value == NULL) {
				n++;
				goto bad;
			}
			n++;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			goto nomatch;
		}
		p += plen;
		s += slen;
	}
	if (*p != '\0' || *s != '\0')
		goto nomatch;
	*nparams = n;
	return 1;
nomatch:
	params_free(params, n);
	return 0;
bad:
	params_free(params, n);
	return -1;
}

enum route_result
route_find(const struct route *table, size_t n, struct req *rq, const struct route **found,
           unsigned *allowed)
{
	struct kv params[REQ_MAX_PARAMS];
	int nparams, m;

	*found = NULL;
	*allowed = 0;
	for (size_t i = 0; i < n; i++) {
		m = route_match(table[i].pattern, rq->path, params, &nparams);
		if (m < 0)
			return ROUTE_BAD_PATH;
		if (m == 0)
			continue;
		/* HEAD is served by every GET route. */
		if ((table[i].methods & rq->method) ||
		    (rq->method == M_HEAD && (table[i].methods & M_GET))) {
			if (*found == NULL) {
				*found = &table[i];
				memcpy(rq->params, params, sizeof(struct kv) * (size_t)nparams);
				rq->nparams = nparams;
				continue;
			}
		}
		*allowed |= table[i].methods;
		params_free(params, nparams);
	}
	if (*found)
		return ROUTE_FOUND;
	return *allowed ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

void
route_allow_header(unsigned methods, struct buf *out)
{
	int first = 1;

	if (methods & M_GET)
		methods |= M_HEAD;
	for (unsigned m = 1; m <= M_OPTIONS; m <<= 1) {
		if (!(methods & m))
			continue;
		if (!first)
			buf_puts(out, ", ");
		buf_puts(out, method_name((enum method)m));
		first = 0;
	}
}
