/* common/services.c — report validation, health classification and the demo generator (pure). */
#include "services.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "timeutil.h"
#include "utf8.h"

int
svc_name_valid(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > SVC_NAME_MAX || !isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != ':' && c != '-')
			return 0;
	}
	return 1;
}

int
svc_endpoint_valid(const char *s, size_t len)
{
	if (s == NULL || len == 0 || len > SVC_ENDPOINT_MAX || !utf8_valid(s, len))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

struct errlist {
	struct json_object *arr;
	int shown;
};

static void
add_error(struct errlist *e, size_t index, const char *field, const char *reason)
{
	struct json_object *o;

	if (e->shown >= SVC_ERRORS_SHOWN)
		return;
	o = json_object_new_object();
	json_add(o, "index", json_object_new_int64((int64_t)index));
	json_add(o, "field", json_object_new_string(field));
	json_add(o, "reason", json_object_new_string(reason));
	json_object_array_add(e->arr, o);
	e->shown++;
}

/* A non-negative finite number no larger than max; 1 ok, 0 missing, -1 invalid. */
static int
get_number(struct json_object *item, const char *key, double max, double *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(item, key, &v) || v == NULL)
		return 0;
	if (json_number_value(v, out) < 0 || *out < 0 || *out > max)
		return -1;
	return 1;
}

/* Validates one item; returns how many errors it added. */
static int
parse_item(struct json_object *item, size_t i, int64_t now_us, struct svc_report *r,
           struct errlist *e)
{
	static const struct {
		const char *key;
		size_t off;
		double max;
		const char *range;
	} nums[] = {
	    {"qps", offsetof(struct svc_report, qps), SVC_VALUE_MAX, "a number from 0 to 1e12"},
	    {"avg_latency_ms", offsetof(struct svc_report, avg_latency_ms), SVC_VALUE_MAX,
	     "a number of milliseconds from 0 to 1e12"},
	    {"p95_latency_ms", offsetof(struct svc_report, p95_latency_ms), SVC_VALUE_MAX,
	     "a number of milliseconds from 0 to 1e12"},
	    {"p99_latency_ms", offsetof(struct svc_report, p99_latency_ms), SVC_VALUE_MAX,
	     "a number of milliseconds from 0 to 1e12"},
	    {"error_rate", offsetof(struct svc_report, error_rate), 1.0,
	     "a fraction from 0 to 1 (0.02 = 2%)"},
	};
	struct json_object *v;
	const char *s;
	size_t len;
	double d;
	int bad = 0, rc;
	char why[128];

	memset(r, 0, sizeof *r);
	if (!json_object_is_type(item, json_type_object)) {
		add_error(e, i, "", "expected an object");
		return 1;
	}
	rc = json_get_string(item, "endpoint", &s, &len);
	if (rc == 0) {
		add_error(e, i, "endpoint", "required");
		bad++;
	} else if (rc < 0 || !svc_endpoint_valid(s, len)) {
		add_error(e, i, "endpoint",
		          "expected a string of 1 to 200 bytes without control characters");
		bad++;
	} else {
		r->endpoint = s;
	}

	r->ts_us = now_us;
	if (json_object_object_get_ex(item, "timestamp", &v) && v != NULL) {
		int ok;
		if (json_object_is_type(v, json_type_string))
			ok = time_parse(json_object_get_string(v), &r->ts_us) == 0;
		else
			ok = json_number_value(v, &d) == 0 && time_from_number(d, &r->ts_us) == 0;
		if (!ok) {
			add_error(e, i, "timestamp",
			          "expected an RFC 3339 time or Unix seconds/milliseconds");
			bad++;
		} else if (r->ts_us > now_us + SVC_FUTURE_US) {
			add_error(e, i, "timestamp", "more than 10 minutes in the future");
			bad++;
		} else if (r->ts_us < now_us - SVC_RETENTION_US) {
			add_error(e, i, "timestamp", "older than the 30-day retention");
			bad++;
		}
	}

	for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
		rc =
		    get_number(item, nums[k].key, nums[k].max, (double *)((char *)r + nums[k].off));
		if (rc == 0) {
			add_error(e, i, nums[k].key, "required");
			bad++;
		} else if (rc < 0) {
			snprintf(why, sizeof why, "expected %s", nums[k].range);
			add_error(e, i, nums[k].key, why);
			bad++;
		}
	}

	rc = get_number(item, "total_requests", (double)SVC_REQUESTS_MAX, &d);
	if (rc == 0) {
		add_error(e, i, "total_requests", "required");
		bad++;
	} else if (rc < 0 || d != floor(d)) {
		add_error(e, i, "total_requests", "expected an integer from 0 to 2^53");
		bad++;
	} else {
		r->total_requests = (int64_t)d;
	}
	if (bad == 0 && r->p99_latency_ms < r->p95_latency_ms) {
		add_error(e, i, "p99_latency_ms", "must not be below p95_latency_ms");
		bad++;
	}
	return bad;
}

int
svc_reports_parse(struct json_object *body, int64_t now_us, struct svc_report **out, size_t *n,
                  struct json_object **errors)
{
	struct errlist e = {json_object_new_array(), 0};
	struct json_object *arr = body;
	struct svc_report *reports = NULL;
	size_t len;
	int invalid = 0;

	*out = NULL;
	*n = 0;
	*errors = NULL;
	if (json_object_is_type(body, json_type_object) &&
	    !json_object_object_get_ex(body, "reports", &arr))
		arr = NULL;
	if (arr == NULL || !json_object_is_type(arr, json_type_array)) {
		add_error(&e, 0, "reports",
		          "expected an array of reports, or {\"reports\": [...]}");
		*errors = e.arr;
		return -1;
	}
	len = json_object_array_length(arr);
	if (len > SVC_REPORTS_MAX) {
		json_object_put(e.arr);
		return -2;
	}
	if (len == 0) {
		add_error(&e, 0, "reports", "expected at least one report");
		*errors = e.arr;
		return -1;
	}
	if ((reports = calloc(len, sizeof *reports)) == NULL) {
		json_object_put(e.arr);
		return -3;
	}
	for (size_t i = 0; i < len; i++)
		if (parse_item(json_object_array_get_idx(arr, i), i, now_us, &reports[i], &e) > 0)
			invalid++;
	if (invalid > 0) {
		free(reports);
		*errors = e.arr;
		return invalid;
	}
	json_object_put(e.arr);
	*out = reports;
	*n = len;
	return 0;
}

const char *
svc_health_name(enum svc_health h)
{
	switch (h) {
	case SVC_HEALTHY: return "healthy";
	case SVC_DEGRADED: return "degraded";
	case SVC_UNHEALTHY: return "unhealthy";
	default: return "unknown";
	}
}

static void __attribute__((format(printf, 2, 3)))
add_reason(struct svc_verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->nreasons >= SVC_REASONS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(v->reasons[v->nreasons++], sizeof v->reasons[0], fmt, ap);
	va_end(ap);
}

void
svc_classify(const struct svc_window *w, const struct svc_thresholds *t, int64_t now_us,
             struct svc_verdict *out)
{
	int64_t fresh_from = now_us - (int64_t)t->freshness_s * 1000000;
	int err_over = 0, lat_over = 0, severe = 0;

	memset(out, 0, sizeof *out);
	if (w->last_seen_us == 0 || w->last_seen_us < fresh_from || w->reports == 0) {
		out->health = SVC_UNKNOWN;
		if (w->last_seen_us == 0)
			add_reason(out, "no report received yet");
		else
			add_reason(out, "no report in the last %ld s (freshness threshold)",
			           t->freshness_s);
		return;
	}
	if (w->total_requests > 0) {
		if (w->error_rate > t->max_error_rate) {
			err_over = 1;
			severe |= w->error_rate > t->max_error_rate * SVC_UNHEALTHY_FACTOR;
			add_reason(out, "error rate %.4g is above the threshold %.4g",
			           w->error_rate, t->max_error_rate);
		}
		if (w->avg_latency_ms > t->max_latency_ms) {
			lat_over = 1;
			severe |= w->avg_latency_ms > t->max_latency_ms * SVC_UNHEALTHY_FACTOR;
			add_reason(out, "average latency %.6g ms is above the threshold %.6g ms",
			           w->avg_latency_ms, t->max_latency_ms);
		}
	}
	if (severe || (err_over && lat_over))
		out->health = SVC_UNHEALTHY;
	else if (err_over || lat_over)
		out->health = SVC_DEGRADED;
	else
		out->health = SVC_HEALTHY;
}

/* --- demo data ---------------------------------------------------------------------------- */

const struct svc_demo_service svc_demo_services[] = {
    {"checkout-api", "Checkout API", {"/cart", "/checkout", "/payment"}, 3},
    {"search-api", "Search API", {"/search", "/suggest"}, 2},
    {"model-api-v1", "Model prediction API", {"/predict", "/health"}, 2},
    {"auth-service", "Authentication", {"/login", "/token", "/logout"}, 3},
};
const int svc_demo_nservices = (int)(sizeof svc_demo_services / sizeof svc_demo_services[0]);

/* Per endpoint: base qps, base latency (ms), base error rate. */
static const double demo_base[4][4][3] = {
    {{40, 35, 0.004}, {12, 180, 0.01}, {10, 420, 0.02}},
    {{90, 60, 0.002}, {150, 15, 0.001}},
    {{8, 900, 0.015}, {1, 2, 0}},
    {{25, 120, 0.03}, {60, 20, 0.002}, {5, 10, 0}},
};

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The k-th uniform number in [0, 1) of this (service, endpoint, minute). */
static double
demo_uniform(int svc, int ep, int64_t minute, int k)
{
	uint64_t h = splitmix64(((uint64_t)minute << 12) ^ ((uint64_t)svc << 8) ^
	                        ((uint64_t)ep << 4) ^ (uint64_t)k);
	return (double)(h >> 11) / 9007199254740992.0;
}

/* Rounds to 1/per (per = 100: two decimals); dividing keeps 0.0013 exactly 0.0013. */
static double
round_to(double v, double per)
{
	return floor(v * per + 0.5) / per;
}

void
svc_demo_report(int svc, int ep, int64_t minute_us, struct svc_report *out)
{
	int64_t minute = minute_us / (60 * US_PER_SEC);
	double day = (double)(((minute % 1440) + 1440) % 1440) / 1440.0;
	double load = 1.0 + 0.6 * sin(2 * M_PI * (day - 0.35)); /* busiest mid-afternoon UTC */
	const double *b = demo_base[svc][ep];
	double lat, err;

	memset(out, 0, sizeof *out);
	out->endpoint = svc_demo_services[svc].endpoints[ep];
	out->ts_us = minute * 60 * US_PER_SEC;
	out->qps = round_to(b[0] * load * (0.9 + 0.2 * demo_uniform(svc, ep, minute, 0)), 100);
	out->total_requests = (int64_t)llround(out->qps * 60);
	lat = b[1] * (0.85 + 0.15 * load) * (0.8 + 0.4 * demo_uniform(svc, ep, minute, 1));
	err = b[2] * (0.5 + demo_uniform(svc, ep, minute, 2));
	/* Incidents, so the dashboards have something to show: the model API's errors climb for
	 * twenty minutes every six hours, and search slows down for a quarter of an hour at 16:00.
	 */
	if (svc == 2 && ep == 0 && minute % 360 < 20)
		err = 0.08 + 0.05 * demo_uniform(svc, ep, minute, 3);
	if (svc == 1 && minute % 1440 >= 960 && minute % 1440 < 975)
		lat *= 12;
	out->avg_latency_ms = round_to(lat, 100);
	out->p95_latency_ms = round_to(lat * (1.8 + 0.4 * demo_uniform(svc, ep, minute, 4)), 100);
	out->p99_latency_ms =
	    round_to(out->p95_latency_ms * (1.3 + 0.3 * demo_uniform(svc, ep, minute, 5)), 100);
	out->error_rate = round_to(err > 1 ? 1 : err, 10000);
}
