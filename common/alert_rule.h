/* common/alert_rule.h — the alert rule model: validation of API input and the comparison it makes. */
#ifndef TT_ALERT_RULE_H
#define TT_ALERT_RULE_H

#include <json-c/json.h>
#include <stddef.h>

enum rule_source { SRC_SERVICE, SRC_METRIC, SRC_ABSENT };
enum rule_op { OP_GT, OP_GE, OP_LT, OP_LE, OP_EQ, OP_NE };
enum rule_no_data { ND_OK, ND_ALERTING, ND_KEEP };
enum rule_agg { AGG_AVG, AGG_MIN, AGG_MAX, AGG_SUM, AGG_COUNT, AGG_P95, AGG_P99, AGG_RATE };

#define RULE_MAX_CHANNELS 20
#define RULE_MAX_LABELS   32

struct alert_rule {
	char              name[201];
	enum rule_source  source;
	char              service_name[201];  /* "" = none */
	char              api_endpoint[257];
	char              metric[201];        /* service metric, or metric name */
	struct json_object *labels;           /* owned: object of exact label matchers */
	enum rule_agg     aggregation;
	long              window_s, offset_s, for_s;
	enum rule_op      op;
	double            threshold;
	int               has_recovery;
	double            recovery_threshold;
	enum rule_no_data no_data;
	char              severity[10];
	int               enabled;
	char              channels[RULE_MAX_CHANNELS][37];
	int               nchannels;
	char              message[1001];
};

struct rule_error {
	char field[64];
	char reason[160];
};

/* Validates a rule given as JSON (POST/PUT body). 0, or -1 with the field and reason. */
int  alert_rule_from_json(struct json_object *o, struct alert_rule *r, struct rule_error *err);
void alert_rule_free(struct alert_rule *r);

const char *rule_source_name(enum rule_source s);
const char *rule_op_name(enum rule_op op);
const char *rule_no_data_name(enum rule_no_data nd);
const char *rule_agg_name(enum rule_agg a);
int rule_op_parse(const char *s, enum rule_op *out);
int rule_source_parse(const char *s, enum rule_source *out);
int rule_no_data_parse(const char *s, enum rule_no_data *out);
int rule_agg_parse(const char *s, enum rule_agg *out);

/* value OP threshold; equality is within a relative tolerance of 1e-9, so values that went through
 * a decimal text round trip still compare equal. */
int alert_compare(enum rule_op op, double value, double threshold);

#endif
