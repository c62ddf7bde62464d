/* handlers/routes.c — the route table: method, pattern, scope, handler. The only one. */
#include "handlers.h"

/* Literal patterns come before {param} patterns that could shadow them. */
const struct route routes[] = {
	{M_GET, "/health", SCOPE_PUBLIC, health_get},
	{M_GET, "/v1", SCOPE_READ, meta_get},
	{M_GET, "/v1/admin/keys", SCOPE_ADMIN, admin_keys_list},
	{M_POST, "/v1/admin/keys", SCOPE_ADMIN, admin_keys_create},
	{M_DELETE, "/v1/admin/keys/{id}", SCOPE_ADMIN, admin_keys_revoke},
};
const size_t nroutes = sizeof routes / sizeof routes[0];
