/* common/services.h — API-service monitoring logic without I/O: report validation, health rules. */
#ifndef TT_SERVICES_H
#define TT_SERVICES_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_NAME_MAX     100
#define SVC_ENDPOINT_MAX 200
#define SVC_DISPLAY_MAX  200
#define SVC_REPORTS_MAX  10000
#define SVC_ERRORS_SHOWN 100
#define SVC_FUTURE_US    (600LL * 1000000)        /* reports at most 10 min ahead */
#define SVC_RETENTION_US (30LL * 86400 * 1000000) /* and at most 30 days old */
#define SVC_VALUE_MAX    1e12                     /* latencies, qps */
#define SVC_REQUESTS_MAX 9007199254740992LL       /* 2^53: exact in a double */

/* One per-endpoint report; endpoint is borrowed from the parsed JSON document (or the caller). */
struct svc_report {
	const char *endpoint;
	int64_t ts_us;
	double qps;
	double avg_latency_ms;
	double p95_latency_ms;
	double p99_latency_ms;
	double error_rate; /* 0..1 */
	int64_t total_requests;
};

/* 1 when s is a valid service name: 1-100 of [A-Za-z0-9._:-], starting alphanumeric. */
int svc_name_valid(const char *s);
/* 1 when s is a valid endpoint: 1-200 bytes of UTF-8 without control characters. */
int svc_endpoint_valid(const char *s, size_t len);

/* Validates a reports body: a JSON array of reports, or {"reports": [...]}. On success returns 0
 * and a new array in *out (n items, borrowing strings from body). Otherwise returns the number of
 * invalid items (or -1 for a body of the wrong shape) and *errors holds up to SVC_ERRORS_SHOWN
 * {index, field, reason} objects (the caller owns it). A missing timestamp means now_us. Too many
 * items: returns -2 (the caller answers 413). */
int svc_reports_parse(struct json_object *body, int64_t now_us, struct svc_report **out, size_t *n,
                      struct json_object **errors);

/* Health classification. */
enum svc_health { SVC_HEALTHY, SVC_DEGRADED, SVC_UNHEALTHY, SVC_UNKNOWN };

struct svc_thresholds {
	long freshness_s;      /* a report in this window, else unknown (default 300) */
	double max_error_rate; /* <= is healthy (default 0.05) */
	double max_latency_ms; /* <= is healthy (default 2000) */
};
#define SVC_THRESHOLDS_DEFAULT                                                                     \
	{                                                                                          \
		300, 0.05, 2000.0                                                                  \
	}
/* Exceeding a threshold by this factor (or both thresholds at once) is unhealthy. */
#define SVC_UNHEALTHY_FACTOR 2.0

/* The window's request-weighted figures. */
struct svc_window {
	long reports;         /* report rows in the freshness window; 0 = no data */
	int64_t last_seen_us; /* newest report time ever seen; 0 = never */
	double total_requests;
	double error_rate;     /* Σ(error_rate × requests) / Σ requests */
	double avg_latency_ms; /* Σ(avg_latency × requests) / Σ requests */
};

#define SVC_REASONS_MAX 4
struct svc_verdict {
	enum svc_health health;
	int nreasons;
	char reasons[SVC_REASONS_MAX][160];
};

/* Classifies a window at now_us:
 *   unknown   — no report within freshness_s (or never);
 *   healthy   — error rate <= max_error_rate and avg latency <= max_latency_ms (also: no traffic);
 *   degraded  — one threshold exceeded;
 *   unhealthy — both exceeded, or one exceeded SVC_UNHEALTHY_FACTOR times over.
 * Every failed check adds a reason. */
void svc_classify(const struct svc_window *w, const struct svc_thresholds *t, int64_t now_us,
                  struct svc_verdict *out);
const char *svc_health_name(enum svc_health h);

/* Deterministic demo data: the report of endpoint `ep` (index into the demo service's endpoints)
 * of demo service `svc` for the minute starting at minute_us. Same inputs, same report. */
struct svc_demo_service {
	const char *name;
	const char *display_name;
	const char *endpoints[4];
	int nendpoints;
};
extern const struct svc_demo_service svc_demo_services[];
extern const int svc_demo_nservices;
void svc_demo_report(int svc, int ep, int64_t minute_us, struct svc_report *out);

#endif
