/* handlers/routes.c — the route table: method, pattern, scope, handler. The only one. */
#include "handlers.h"

/* Literal patterns come before {param} patterns that could shadow them. */
const struct route routes[] = {
	{M_GET, "/health", SCOPE_PUBLIC, health_get},
	{M_GET, "/v1", SCOPE_READ, meta_get},
	{M_GET, "/v1/admin/keys", SCOPE_ADMIN, admin_keys_list},
	{M_POST, "/v1/admin/keys", SCOPE_ADMIN, admin_keys_create},
	{M_DELETE, "/v1/admin/keys/{id}", SCOPE_ADMIN, admin_keys_revoke},
	{M_GET, "/v1/admin/dlq", SCOPE_ADMIN, admin_dlq_list},
	{M_POST, "/v1/admin/dlq/{id}/retry", SCOPE_ADMIN, admin_dlq_retry},
	{M_GET, "/v1/admin/jobs", SCOPE_ADMIN, admin_jobs},
	{M_GET, "/v1/admin/outbox", SCOPE_ADMIN, admin_outbox},

	{M_GET, "/v1/alerts", SCOPE_READ, alerts_list},
	{M_GET, "/v1/alerts/active", SCOPE_READ, alerts_active},
	{M_GET, "/v1/alerts/statistics", SCOPE_READ, alerts_statistics},
	{M_GET, "/v1/alerts/rules", SCOPE_READ, alert_rules_list},
	{M_POST, "/v1/alerts/rules", SCOPE_ADMIN, alert_rules_create},
	{M_GET, "/v1/alerts/rules/{id}", SCOPE_READ, alert_rules_get},
	{M_PUT, "/v1/alerts/rules/{id}", SCOPE_ADMIN, alert_rules_update},
	{M_DELETE, "/v1/alerts/rules/{id}", SCOPE_ADMIN, alert_rules_delete},
	{M_GET, "/v1/alerts/rules/{id}/history", SCOPE_READ, alert_rules_history},
	{M_GET, "/v1/alerts/{id}", SCOPE_READ, alerts_get},
	{M_POST, "/v1/alerts/{id}/acknowledge", SCOPE_WRITE, alerts_acknowledge},
	{M_POST, "/v1/alerts/{id}/resolve", SCOPE_WRITE, alerts_resolve},

	{M_GET, "/v1/notifications/channels", SCOPE_ADMIN, channels_list},
	{M_POST, "/v1/notifications/channels", SCOPE_ADMIN, channels_create},
	{M_DELETE, "/v1/notifications/channels/{id}", SCOPE_ADMIN, channels_delete},
	{M_POST, "/v1/notifications/channels/{id}/test", SCOPE_ADMIN, channels_test},
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
