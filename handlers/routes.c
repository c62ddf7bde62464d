/* handlers/routes.c — the route table: method, pattern, scope, handler. The only one. */
#include "handlers.h"

/* Literal patterns come before {param} patterns that could shadow them. */
const struct route routes[] = {
	{M_GET, "/health", SCOPE_PUBLIC, health_get},
	{M_GET, "/v1", SCOPE_READ, meta_get},
	{M_GET, "/v1/admin/keys", SCOPE_ADMIN, admin_keys_list},
	{M_POST, "/v1/admin/keys", SCOPE_ADMIN, admin_keys_create},
	{M_DELETE, "/v1/admin/keys/{id}", SCOPE_ADMIN, admin_keys_revoke},
	{M_GET, "/v1/metrics", SCOPE_READ, metrics_list},
	{M_GET, "/v1/metrics/definitions", SCOPE_READ, definitions_list},
	{M_POST, "/v1/metrics/definitions", SCOPE_ADMIN, definitions_create},
	{M_POST, "/v1/metrics/ingest", SCOPE_WRITE, metrics_ingest},
	{M_POST, "/v1/metrics/ingest/batch", SCOPE_WRITE, metrics_ingest_batch},
	{M_GET, "/v1/metrics/names", SCOPE_READ, metrics_names},
	{M_GET, "/v1/metrics/aggregate/{name}", SCOPE_READ, metrics_aggregate},
	{M_GET, "/v1/metrics/definitions/{name}", SCOPE_READ, definitions_get},
	{M_PUT, "/v1/metrics/definitions/{name}", SCOPE_ADMIN, definitions_update},
	{M_DELETE, "/v1/metrics/definitions/{name}", SCOPE_ADMIN, definitions_delete},
	{M_GET, "/v1/metrics/latest/{name}", SCOPE_READ, metrics_latest},
	{M_GET, "/v1/metrics/series/{name}", SCOPE_READ, metrics_series},
	{M_POST, "/v1/write", SCOPE_WRITE, metrics_write},
};
const size_t nroutes = sizeof routes / sizeof routes[0];
