/* handlers/routes.c — the route table: method, pattern, scope, handler. The only one. */
#include "handlers.h"

/* Literal patterns come before {param} patterns that could shadow them. */
const struct route routes[] = {
	{M_GET, "/health", SCOPE_PUBLIC, health_get},
	{M_GET, "/v1", SCOPE_READ, meta_get},
	{M_GET, "/v1/admin/keys", SCOPE_ADMIN, admin_keys_list},
	{M_POST, "/v1/admin/keys", SCOPE_ADMIN, admin_keys_create},
	{M_DELETE, "/v1/admin/keys/{id}", SCOPE_ADMIN, admin_keys_revoke},
	/* API-service monitoring (seed 000) */
	{M_GET, "/v1/metrics/summary", SCOPE_READ, metrics_summary},
	{M_GET, "/v1/metrics/historical", SCOPE_READ, metrics_historical},
	{M_GET, "/v1/metrics/real-time", SCOPE_READ, metrics_realtime},
	{M_GET, "/v1/metrics/services", SCOPE_READ, metrics_services},
	{M_GET, "/v1/metrics/services/{name}/endpoints", SCOPE_READ, metrics_service_endpoints},
	{M_GET, "/v1/services", SCOPE_READ, services_list},
	{M_POST, "/v1/services", SCOPE_WRITE, services_create},
	{M_GET, "/v1/services/comparison", SCOPE_READ, services_comparison},
	{M_GET, "/v1/services/{name}", SCOPE_READ, services_get},
	{M_PUT, "/v1/services/{name}", SCOPE_WRITE, services_put},
	{M_DELETE, "/v1/services/{name}", SCOPE_WRITE, services_delete},
	{M_POST, "/v1/services/{name}/reports", SCOPE_WRITE, services_reports},
	{M_GET, "/v1/services/{name}/health", SCOPE_READ, services_health},
	{M_GET, "/v1/services/{name}/metrics/trend", SCOPE_READ, services_trend},
	{M_GET, "/v1/dashboards/overview", SCOPE_READ, dashboards_overview},
	{M_GET, "/v1/dashboards/metrics/timeseries", SCOPE_READ, dashboards_timeseries},
	{M_GET, "/v1/dashboards/realtime", SCOPE_READ, dashboards_realtime},
};
const size_t nroutes = sizeof routes / sizeof routes[0];
