/* handlers/meta.c — GET /v1: version, limits and the route list, read from the route table. */
#include "../common/json.h"
#include "handlers.h"

static const char *
scope_name(unsigned scope)
{
	switch (scope) {
	case SCOPE_READ: return "read";
	case SCOPE_WRITE: return "write";
	case SCOPE_ADMIN: return "admin";
	default: return "public";
	}
}

int
meta_get(struct req *rq, struct resp *rs)
{
	const struct config *cfg = rq->app->cfg;
	struct json_object *o = json_object_new_object();
	struct json_object *limits = json_object_new_object();
	struct json_object *list = json_object_new_array_ext((int)nroutes);

	json_add(o, "name", json_object_new_string(PACKAGE_NAME));
	json_add(o, "version", json_object_new_string(PACKAGE_VERSION));
	json_add(o, "tenant", json_object_new_string(rq->tenant_name));
	json_add(limits, "body_max_bytes", json_object_new_int64(cfg->body_max));
	json_add(limits, "json_max_depth", json_object_new_int(JSON_MAX_DEPTH));
	json_add(limits, "page_limit_default", json_object_new_int(100));
	json_add(limits, "page_limit_max", json_object_new_int(1000));
	json_add(o, "limits", limits);
	for (size_t i = 0; i < nroutes; i++) {
		for (unsigned m = 1; m <= M_OPTIONS; m <<= 1) {
			struct json_object *r;
			if (!(routes[i].methods & m))
				continue;
			r = json_object_new_object();
			json_add(r, "method", json_object_new_string(method_name((enum method)m)));
			json_add(r, "path", json_object_new_string(routes[i].pattern));
			json_add(r, "scope", json_object_new_string(scope_name(routes[i].scope)));
			json_object_array_add(list, r);
		}
	}
	json_add(o, "routes", list);
	return resp_json(rs, 200, o);
}
