/* handlers/handlers.h — every handler the route table (handlers/routes.c) points at. */
#ifndef TT_HANDLERS_H
#define TT_HANDLERS_H

#include "../common/app.h"
#include "../common/route.h"

#include <stdint.h>

extern const struct route routes[];
extern const size_t nroutes;

/* health.c */
int health_get(struct req *rq, struct resp *rs);
int metrics_self(struct req *rq, struct resp *rs);
/* meta.c */
int meta_get(struct req *rq, struct resp *rs);
/* admin_keys.c */
int admin_keys_list(struct req *rq, struct resp *rs);
int admin_keys_create(struct req *rq, struct resp *rs);
int admin_keys_revoke(struct req *rq, struct resp *rs);
/* ingest.c */
int metrics_ingest(struct req *rq, struct resp *rs);
int metrics_ingest_batch(struct req *rq, struct resp *rs);
int metrics_write(struct req *rq, struct resp *rs);
/* metrics.c */
int metrics_list(struct req *rq, struct resp *rs);
int metrics_names(struct req *rq, struct resp *rs);
int metrics_latest(struct req *rq, struct resp *rs);
int metrics_aggregate(struct req *rq, struct resp *rs);
int metrics_series(struct req *rq, struct resp *rs);
/* definitions.c */
int definitions_list(struct req *rq, struct resp *rs);
int definitions_get(struct req *rq, struct resp *rs);
int definitions_create(struct req *rq, struct resp *rs);
int definitions_update(struct req *rq, struct resp *rs);
int definitions_delete(struct req *rq, struct resp *rs);

/* alert_rules.c */
int alert_rules_list(struct req *rq, struct resp *rs);
int alert_rules_create(struct req *rq, struct resp *rs);
int alert_rules_get(struct req *rq, struct resp *rs);
int alert_rules_update(struct req *rq, struct resp *rs);
int alert_rules_delete(struct req *rq, struct resp *rs);
int alert_rules_history(struct req *rq, struct resp *rs);
/* alerts.c */
int alerts_list(struct req *rq, struct resp *rs);
int alerts_active(struct req *rq, struct resp *rs);
int alerts_statistics(struct req *rq, struct resp *rs);
int alerts_get(struct req *rq, struct resp *rs);
int alerts_acknowledge(struct req *rq, struct resp *rs);
int alerts_resolve(struct req *rq, struct resp *rs);
/* channels.c */
int channels_list(struct req *rq, struct resp *rs);
int channels_create(struct req *rq, struct resp *rs);
int channels_delete(struct req *rq, struct resp *rs);
int channels_test(struct req *rq, struct resp *rs);
/* pipeline.c */
int admin_dlq_list(struct req *rq, struct resp *rs);
int admin_dlq_retry(struct req *rq, struct resp *rs);
int admin_jobs(struct req *rq, struct resp *rs);
int admin_outbox(struct req *rq, struct resp *rs);
/* services.c */
int services_list(struct req *rq, struct resp *rs);
int services_create(struct req *rq, struct resp *rs);
int services_get(struct req *rq, struct resp *rs);
int services_put(struct req *rq, struct resp *rs);
int services_delete(struct req *rq, struct resp *rs);
int services_reports(struct req *rq, struct resp *rs);
int services_health(struct req *rq, struct resp *rs);
int services_trend(struct req *rq, struct resp *rs);
int services_comparison(struct req *rq, struct resp *rs);
/* service_metrics.c */
int metrics_summary(struct req *rq, struct resp *rs);
int metrics_historical(struct req *rq, struct resp *rs);
int metrics_realtime(struct req *rq, struct resp *rs);
int metrics_services(struct req *rq, struct resp *rs);
int metrics_service_endpoints(struct req *rq, struct resp *rs);
/* Real-time documents, Redis first then PostgreSQL (refilling Redis); *source says which.
 * -1 when both failed (the database error is in rq->app->db). */
int svc_realtime_docs(struct req *rq, const char *service, struct json_object **docs,
                      const char **source);
struct json_object *svc_realtime_totals(struct json_object *docs);
void svc_add_range(struct json_object *o, int64_t start_us, int64_t end_us);
/* dashboards.c */
int dashboards_overview(struct req *rq, struct resp *rs);
int dashboards_timeseries(struct req *rq, struct resp *rs);
int dashboards_realtime(struct req *rq, struct resp *rs);


#endif
