/* common/alert_rule.c — rule validation (every 422 names its field) and comparisons. */
#include "alert_rule.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "keys.h"
#include "utf8.h"

static const char *const sources[] = {"service", "metric", "absent"};
static const char *const ops[] = {"greater_than", "greater_equal", "less_than",
                                  "less_equal",   "equal",         "not_equal"};
static const char *const no_datas[] = {"ok", "alerting", "keep_state"};
static const char *const aggs[] = {"avg", "min", "max", "sum", "count", "p95", "p99", "rate"};
static const char *const severities[] = {"low", "medium", "high", "critical"};
static const char *const service_metrics[] = {"qps", "avg_latency_ms", "p95_latency_ms",
                                              "p99_latency_ms", "error_rate"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int
lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *rule_source_name(enum rule_source s) { return sources[s]; }
const char *rule_op_name(enum rule_op op) { return ops[op]; }
const char *rule_no_data_name(enum rule_no_data nd) { return no_datas[nd]; }
const char *rule_agg_name(enum rule_agg a) { return aggs[a]; }

#define PARSER(fn, type, table)                                                                    \
	int fn(const char *s, type *out)                                                           \
	{                                                                                          \
		int i = lookup(table, N(table), s);                                                \
		if (i < 0)                                                                         \
			return -1;                                                                 \
		*out = (type)i;                                                                    \
		return 0;                                                                          \
	}
PARSER(rule_op_parse, enum rule_op, ops)
PARSER(rule_source_parse, enum rule_source, sources)
PARSER(rule_no_data_parse, enum rule_no_data, no_datas)
PARSER(rule_agg_parse, enum rule_agg, aggs)

int
alert_compare(enum rule_op op, double v, double t)
{
	double tol = 1e-9 * fmax(1.0, fmax(fabs(v), fabs(t)));
	int eq = fabs(v - t) <= tol;

	switch (op) {
	case OP_GT: return v > t && !eq;
	case OP_GE: return v > t || eq;
	case OP_LT: return v < t && !eq;
	case OP_LE: return v < t || eq;
	case OP_EQ: return eq;
	case OP_NE: return !eq;
	}
	return 0;
}

static int
fail(struct rule_error *err, const char *field, const char *reason)
{
	snprintf(err->field, sizeof err->field, "%s", field);
	snprintf(err->reason, sizeof err->reason, "%s", reason);
	return -1;
}

/* Copies an optional string field: 1 present, 0 absent, -1 invalid (wrong type or too long). */
static int
copy_str(struct json_object *o, const char *key, char *dst, size_t cap)
{
	const char *s;
	size_t len;
	int rc = json_get_string(o, key, &s, &len);

	if (rc <= 0)
		return rc;
	if (len >= cap || len == 0)
		return -1;
	memcpy(dst, s, len + 1);
	return 1;
}

static int
duration_field(struct json_object *o, const char *key, long def, long min_s, long max_s, long *out)
{
	const char *s;
	long ms;
	int rc = json_get_string(o, key, &s, NULL);

	if (rc == 0) {
		*out = def;
		return 0;
	}
	if (rc < 0 || parse_duration_ms(s, &ms) < 0 || ms % 1000 != 0 || ms / 1000 < min_s ||
	    ms / 1000 > max_s)
		return -1;
	*out = ms / 1000;
	return 0;
}

static int
valid_metric_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
		if (!alpha && !(i > 0 && ((c >= '0' && c <= '9') || c == '.')))
			return 0;
	}
	return 1;
}

static int
parse_labels(struct json_object *o, struct alert_rule *r, struct rule_error *err)
{
	struct json_object *l;

	if (!json_object_object_get_ex(o, "labels", &l) || l == NULL) {
		r->labels = json_object_new_object();
		return 0;
	}
	if (!json_object_is_type(l, json_type_object) || json_object_object_length(l) > RULE_MAX_LABELS)
		return fail(err, "labels", "expected an object of at most 32 label: value matchers");
	json_object_object_foreach(l, k, v) {
		size_t kl = strlen(k);
		if (kl == 0 || kl > 64 || !json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) > 256)
			return fail(err, "labels", "label names are 1-64 bytes, values strings of at most 256");
		for (size_t i = 0; i < kl; i++) {
			char c = k[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			      (i > 0 && c >= '0' && c <= '9')))
				return fail(err, "labels", "label names match [a-zA-Z_][a-zA-Z0-9_]*");
		}
	}
	r->labels = json_object_get(l);
	return 0;
}

static int
parse_channels(struct json_object *o, struct alert_rule *r, struct rule_error *err)
{
	struct json_object *a;

	r->nchannels = 0;
	if (!json_object_object_get_ex(o, "channels", &a) || a == NULL)
		return 0;
	if (!json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) > RULE_MAX_CHANNELS)
		return fail(err, "channels", "expected an array of at most 20 channel ids");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_string) || !valid_uuid(json_object_get_string(v)))
			return fail(err, "channels", "every channel id is a UUID");
		snprintf(r->channels[r->nchannels++], 37, "%s", json_object_get_string(v));
	}
	return 0;
}

/* What the rule watches: service + metric, or metric name + labels + aggregation. */
static int
parse_target(struct json_object *o, struct alert_rule *r, struct rule_error *err)
{
	const char *s;
	int rc;

	if (copy_str(o, "service_name", r->service_name, sizeof r->service_name) < 0)
		return fail(err, "service_name", "expected a string of 1-200 bytes");
	if (copy_str(o, "api_endpoint", r->api_endpoint, sizeof r->api_endpoint) < 0)
		return fail(err, "api_endpoint", "expected a string of 1-256 bytes");
	if (copy_str(o, "metric", r->metric, sizeof r->metric) < 0)
		return fail(err, "metric", "expected a string of 1-200 bytes");
	if (parse_labels(o, r, err) < 0)
		return -1;
	rc = json_get_string(o, "aggregation", &s, NULL);
	if (rc < 0 || (rc > 0 && rule_agg_parse(s, &r->aggregation) < 0))
		return fail(err, "aggregation", "expected avg, min, max, sum, count, p95, p99 or rate");
	switch (r->source) {
	case SRC_SERVICE:
		if (!r->service_name[0])
			return fail(err, "service_name", "required for source service");
		if (lookup(service_metrics, N(service_metrics), r->metric) < 0)
			return fail(err, "metric", "expected qps, avg_latency_ms, p95_latency_ms, "
			                           "p99_latency_ms or error_rate");
		if (rc > 0 && r->aggregation != AGG_AVG && r->aggregation != AGG_MIN &&
		    r->aggregation != AGG_MAX)
			return fail(err, "aggregation", "service metrics take avg (weighted), min or max");
		if (json_object_object_length(r->labels) > 0)
			return fail(err, "labels", "label matchers apply to source metric");
		break;
	case SRC_METRIC:
		if (!valid_metric_name(r->metric))
			return fail(err, "metric", "a metric name [a-zA-Z_:][a-zA-Z0-9_:.]* is required");
		if (rc == 0)
			return fail(err, "aggregation", "required for source metric");
		if (r->service_name[0] || r->api_endpoint[0])
			return fail(err, "service_name", "only for sources service and absent");
		break;
	case SRC_ABSENT:
		if (!r->service_name[0] == !r->metric[0])
			return fail(err, "metric", "an absence rule watches either service_name or metric");
		if (r->metric[0] && !valid_metric_name(r->metric))
			return fail(err, "metric", "expected a metric name");
		break;
	}
	return 0;
}

/* operator, threshold and recovery_threshold, with the hysteresis on the clearing side. */
static int
parse_condition(struct json_object *o, struct alert_rule *r, struct rule_error *err)
{
	const char *s;
	int rc;

	if (r->source == SRC_ABSENT) {
		/* The value of an absence rule is the number of points in the window. */
		r->op = OP_EQ;
		r->threshold = 0;
		r->no_data = ND_ALERTING;
		return 0;
	}
	rc = json_get_string(o, "operator", &s, NULL);
	if (rc <= 0 || rule_op_parse(s, &r->op) < 0)
		return fail(err, "operator", "expected greater_than, greater_equal, less_than, "
		                             "less_equal, equal or not_equal");
	if (json_get_double(o, "threshold", &r->threshold) != 1)
		return fail(err, "threshold", "a finite number is required");
	rc = json_get_double(o, "recovery_threshold", &r->recovery_threshold);
	if (rc < 0)
		return fail(err, "recovery_threshold", "expected a finite number");
	r->has_recovery = rc == 1;
	if (r->has_recovery) {
		if (r->op == OP_EQ || r->op == OP_NE)
			return fail(err, "recovery_threshold", "not meaningful with equal or not_equal");
		if ((r->op == OP_GT || r->op == OP_GE) && r->recovery_threshold > r->threshold)
			return fail(err, "recovery_threshold", "must not be above threshold for "
			                                       "greater_* operators");
		if ((r->op == OP_LT || r->op == OP_LE) && r->recovery_threshold < r->threshold)
			return fail(err, "recovery_threshold", "must not be below threshold for "
			                                       "less_* operators");
	}
	rc = json_get_string(o, "no_data", &s, NULL);
	if (rc < 0 || (rc > 0 && rule_no_data_parse(s, &r->no_data) < 0))
		return fail(err, "no_data", "expected ok, alerting or keep_state");
	return 0;
}

int
alert_rule_from_json(struct json_object *o, struct alert_rule *r, struct rule_error *err)
{
	const char *s;
	int rc;

	memset(r, 0, sizeof *r);
	r->enabled = 1;
	r->aggregation = AGG_AVG;
	r->no_data = ND_OK;
	if (!json_object_is_type(o, json_type_object))
		return fail(err, "", "the body must be a JSON object");
	if (copy_str(o, "name", r->name, sizeof r->name) != 1)
		return fail(err, "name", "a string of 1-200 bytes is required");
	if (json_get_string(o, "source", &s, NULL) != 1 || rule_source_parse(s, &r->source) < 0)
		return fail(err, "source", "expected service, metric or absent");
	if (parse_target(o, r, err) < 0 || parse_condition(o, r, err) < 0)
		return -1;
	if (duration_field(o, "window", -1, 10, 86400, &r->window_s) < 0 || r->window_s < 0)
		return fail(err, "window", "a duration from 10s to 1d is required (e.g. 5m)");
	if (duration_field(o, "offset", 0, 0, 86400, &r->offset_s) < 0)
		return fail(err, "offset", "expected a duration from 0s to 1d");
	if (duration_field(o, "for", 0, 0, 86400, &r->for_s) < 0)
		return fail(err, "for", "expected a duration from 0s to 1d");
	if (json_get_string(o, "severity", &s, NULL) != 1 || lookup(severities, N(severities), s) < 0)
		return fail(err, "severity", "expected low, medium, high or critical");
	snprintf(r->severity, sizeof r->severity, "%s", s);
	if (json_get_bool(o, "enabled", &r->enabled) < 0)
		return fail(err, "enabled", "expected true or false");
	if (parse_channels(o, r, err) < 0)
		return -1;
	rc = json_get_string(o, "message", &s, NULL);
	if (rc < 0 || (rc > 0 && strlen(s) >= sizeof r->message))
		return fail(err, "message", "expected a string of at most 1000 bytes");
	if (rc > 0)
		snprintf(r->message, sizeof r->message, "%s", s);
	return 0;
}

void
alert_rule_free(struct alert_rule *r)
{
	json_object_put(r->labels);
	r->labels = NULL;
}
