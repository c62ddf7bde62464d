/* tests/unit/check_alert.c — rule validation, comparisons, the state machine, backoff and HMAC. */
#include <check.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/alert_rule.h"
#include "../../common/alert_state.h"
#include "../../common/json.h"
#include "../../common/thresholds.h"
#include "../../common/webhook.h"

static const char *const base =
	"{\"name\":\"r\",\"source\":\"service\",\"service_name\":\"api\",\"metric\":\"error_rate\","
	"\"window\":\"5m\",\"operator\":\"greater_than\",\"threshold\":0.05,\"severity\":\"high\"%s}";

static int
parse_with(const char *extra, struct alert_rule *r, struct rule_error *err)
{
	char text[1024], perr[128];
	struct json_object *o;
	int rc;

	snprintf(text, sizeof text, base, extra);
	o = json_parse_strict(text, strlen(text), perr, sizeof perr);
	ck_assert_msg(o != NULL, "%s: %s", text, perr);
	rc = alert_rule_from_json(o, r, err);
	json_object_put(o);
	return rc;
}

START_TEST(test_valid_rule_defaults)
{
	struct alert_rule r;
	struct rule_error err;

	ck_assert_int_eq(parse_with("", &r, &err), 0);
	ck_assert_int_eq(r.window_s, 300);
	ck_assert_int_eq(r.for_s, 0);
	ck_assert_int_eq(r.offset_s, 0);
	ck_assert_int_eq(r.no_data, ND_OK);
	ck_assert_int_eq(r.enabled, 1);
	ck_assert_int_eq(r.op, OP_GT);
	alert_rule_free(&r);
}
END_TEST

static const struct {
	const char *extra, *field;
} invalid[] = {
	{",\"window\":\"1s\"", "window"},
	{",\"window\":\"2d\"", "window"},
	{",\"for\":\"soon\"", "for"},
	{",\"offset\":\"-5m\"", "offset"},
	{",\"severity\":\"urgent\"", "severity"},
	{",\"no_data\":\"maybe\"", "no_data"},
	{",\"recovery_threshold\":0.07", "recovery_threshold"}, /* above threshold for greater_than */
	{",\"channels\":[\"nope\"]", "channels"},
	{",\"enabled\":\"yes\"", "enabled"},
	{",\"labels\":{\"host\":\"a\"}", "labels"},              /* labels need source metric */
	{",\"aggregation\":\"p95\"", "aggregation"},
	{",\"threshold\":\"high\"", "threshold"},
	{",\"message\":5", "message"},
};

START_TEST(test_invalid_fields_named)
{
	struct alert_rule r;
	struct rule_error err;
	char text[1024], perr[128];
	struct json_object *o;

	/* later keys replace earlier ones: rebuild the base without the overridden key */
	snprintf(text, sizeof text, base, invalid[_i].extra);
	o = json_parse_strict(text, strlen(text), perr, sizeof perr);
	if (o == NULL) { /* duplicate key (threshold): test the replacement directly */
		o = json_tokener_parse(text);
	}
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(alert_rule_from_json(o, &r, &err), -1);
	ck_assert_msg(strcmp(err.field, invalid[_i].field) == 0, "extra %s: field %s (%s)",
	              invalid[_i].extra, err.field, err.reason);
	alert_rule_free(&r);
	json_object_put(o);
}
END_TEST

START_TEST(test_metric_and_absent_sources)
{
	const char *ok_metric = "{\"name\":\"cpu\",\"source\":\"metric\",\"metric\":\"cpu_usage\","
	                        "\"labels\":{\"host\":\"a\"},\"aggregation\":\"p95\",\"window\":\"1m\","
	                        "\"operator\":\"greater_equal\",\"threshold\":90,\"severity\":\"low\"}";
	const char *no_agg = "{\"name\":\"cpu\",\"source\":\"metric\",\"metric\":\"cpu_usage\","
	                     "\"window\":\"1m\",\"operator\":\"less_than\",\"threshold\":1,"
	                     "\"severity\":\"low\"}";
	const char *absent = "{\"name\":\"gone\",\"source\":\"absent\",\"metric\":\"heartbeat\","
	                     "\"window\":\"2m\",\"severity\":\"critical\"}";
	const char *absent_both = "{\"name\":\"gone\",\"source\":\"absent\",\"metric\":\"h\","
	                          "\"service_name\":\"api\",\"window\":\"2m\",\"severity\":\"low\"}";
	struct alert_rule r;
	struct rule_error err;
	struct json_object *o;

	o = json_tokener_parse(ok_metric);
	ck_assert_int_eq(alert_rule_from_json(o, &r, &err), 0);
	ck_assert_int_eq(r.aggregation, AGG_P95);
	ck_assert_int_eq(json_object_object_length(r.labels), 1);
	alert_rule_free(&r);
	json_object_put(o);
	o = json_tokener_parse(no_agg);
	ck_assert_int_eq(alert_rule_from_json(o, &r, &err), -1);
	ck_assert_str_eq(err.field, "aggregation");
	alert_rule_free(&r);
	json_object_put(o);
	o = json_tokener_parse(absent);
	ck_assert_int_eq(alert_rule_from_json(o, &r, &err), 0);
	ck_assert_int_eq(r.no_data, ND_ALERTING);
	alert_rule_free(&r);
	json_object_put(o);
	o = json_tokener_parse(absent_both);
	ck_assert_int_eq(alert_rule_from_json(o, &r, &err), -1);
	alert_rule_free(&r);
	json_object_put(o);
}
END_TEST

START_TEST(test_compare)
{
	ck_assert(alert_compare(OP_GT, 2, 1));
	ck_assert(!alert_compare(OP_GT, 1, 1));
	ck_assert(alert_compare(OP_GE, 1, 1));
	ck_assert(alert_compare(OP_LT, 0.5, 1));
	ck_assert(!alert_compare(OP_LT, 1, 1));
	ck_assert(alert_compare(OP_LE, 1, 1));
	ck_assert(alert_compare(OP_EQ, 0.1 + 0.2, 0.3)); /* tolerance */
	ck_assert(!alert_compare(OP_NE, 0.1 + 0.2, 0.3));
	ck_assert(!alert_compare(OP_GT, 0.1 + 0.2, 0.3)); /* equal within tolerance is not greater */
	ck_assert(alert_compare(OP_NE, 1, 1.001));
	ck_assert(!alert_compare(OP_EQ, 1e9, 1e9 + 10));
}
END_TEST

static struct alert_rule
rule(enum rule_op op, double t, long for_s, enum rule_no_data nd)
{
	struct alert_rule r;

	memset(&r, 0, sizeof r);
	r.op = op;
	r.threshold = t;
	r.for_s = for_s;
	r.no_data = nd;
	return r;
}

#define S 1000000LL

START_TEST(test_state_machine_for)
{
	struct alert_rule r = rule(OP_GT, 10, 60, ND_OK);
	struct alert_input in = {AS_INACTIVE, 0, 1, 11};

	ck_assert_int_eq(alert_step(&r, &in, 100 * S), AT_PENDING);
	in.state = AS_PENDING;
	in.pending_since_us = 100 * S;
	ck_assert_int_eq(alert_step(&r, &in, 159 * S), AT_NONE);
	ck_assert_int_eq(alert_step(&r, &in, 160 * S), AT_FIRED); /* exactly `for` later */
	in.value = 10;                                            /* at the threshold: not > */
	ck_assert_int_eq(alert_step(&r, &in, 161 * S), AT_CLEARED);
	in.state = AS_FIRING;
	ck_assert_int_eq(alert_step(&r, &in, 161 * S), AT_RESOLVED);
	in.value = 12;
	ck_assert_int_eq(alert_step(&r, &in, 161 * S), AT_NONE);
	r.for_s = 0;
	in.state = AS_INACTIVE;
	ck_assert_int_eq(alert_step(&r, &in, 1), AT_FIRED);
}
END_TEST

START_TEST(test_state_machine_hysteresis)
{
	struct alert_rule r = rule(OP_GT, 0.05, 0, ND_OK);
	struct alert_input in = {AS_FIRING, 0, 1, 0.04};

	r.has_recovery = 1;
	r.recovery_threshold = 0.03;
	/* hovering between recovery and threshold keeps it firing: no flapping */
	ck_assert_int_eq(alert_step(&r, &in, 1), AT_NONE);
	in.value = 0.05;
	ck_assert_int_eq(alert_step(&r, &in, 1), AT_NONE);
	in.value = 0.03; /* at the recovery threshold: no longer > 0.03, resolves */
	ck_assert_int_eq(alert_step(&r, &in, 1), AT_RESOLVED);
	in.state = AS_INACTIVE;
	in.value = 0.04; /* not firing: the threshold, not the recovery, applies */
	ck_assert_int_eq(alert_step(&r, &in, 1), AT_NONE);
}
END_TEST

START_TEST(test_state_machine_no_data)
{
	struct alert_rule r = rule(OP_GT, 1, 0, ND_OK);
	struct alert_input in = {AS_FIRING, 0, 0, 0};

	ck_assert_int_eq(alert_step(&r, &in, 1), AT_RESOLVED);
	r.no_data = ND_KEEP;
	ck_assert_int_eq(alert_step(&r, &in, 1), AT_NONE);
	in.state = AS_PENDING;
	ck_assert_int_eq(alert_step(&r, &in, 1), AT_NONE);
	r.no_data = ND_ALERTING;
	in.state = AS_INACTIVE;
	ck_assert_int_eq(alert_step(&r, &in, 1), AT_FIRED);
	in.state = AS_FIRING;
	ck_assert_int_eq(alert_step(&r, &in, 1), AT_NONE);
	r.no_data = ND_OK;
	in.state = AS_PENDING;
	ck_assert_int_eq(alert_step(&r, &in, 1), AT_CLEARED);
}
END_TEST

START_TEST(test_backoff)
{
	ck_assert_int_eq(webhook_backoff_ms(1), 100);
	ck_assert_int_eq(webhook_backoff_ms(2), 200);
	ck_assert_int_eq(webhook_backoff_ms(3), 400);
	ck_assert_int_eq(webhook_backoff_ms(4), 2000);
	ck_assert_int_eq(webhook_backoff_ms(5), 4000);
	ck_assert_int_eq(webhook_backoff_ms(40), 3600000);
	for (int i = 1; i < 30; i++)
		ck_assert(webhook_backoff_ms(i + 1) >= webhook_backoff_ms(i));
}
END_TEST

START_TEST(test_hmac)
{
	char sig[72];

	/* RFC 4231 test case 2 */
	ck_assert_int_eq(webhook_signature("Jefe", 4, "what do ya want for nothing?", 28, sig), 0);
	ck_assert_str_eq(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(test_threshold_level)
{
	ck_assert_int_eq(threshold_level(79.9, 80, 95), 0);
	ck_assert_int_eq(threshold_level(80, 80, 95), 1); /* at the threshold counts */
	ck_assert_int_eq(threshold_level(95, 80, 95), 2);
	ck_assert_int_eq(threshold_level(1e9, NAN, NAN), 0);
	ck_assert_int_eq(threshold_level(90, NAN, 85), 2);
	ck_assert_int_eq(threshold_level(90, 85, NAN), 1);
}
END_TEST

START_TEST(test_slack_body)
{
	const char *ev = "{\"id\":\"7\",\"type\":\"alert.firing\",\"at\":\"2026-11-22T03:00:00Z\","
	                 "\"alert\":{\"rule_name\":\"errors\",\"severity\":\"critical\","
	                 "\"service_name\":\"api\",\"metric\":\"error_rate\",\"current_value\":0.2,"
	                 "\"threshold\":0.05,\"message\":\"too many errors\"}}";
	struct buf b;
	struct json_object *o;

	buf_init(&b);
	ck_assert_int_eq(webhook_slack_body(ev, strlen(ev), &b), 0);
	o = json_tokener_parse(b.p);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
	                     json_object_array_get_idx(json_object_object_get(o, "attachments"), 0),
	                     "color")),
	                 "#ff0000");
	json_object_put(o);
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("alert");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_valid_rule_defaults);
	tcase_add_loop_test(tc, test_invalid_fields_named, 0, sizeof invalid / sizeof invalid[0]);
	tcase_add_test(tc, test_metric_and_absent_sources);
	tcase_add_test(tc, test_compare);
	tcase_add_test(tc, test_state_machine_for);
	tcase_add_test(tc, test_state_machine_hysteresis);
	tcase_add_test(tc, test_state_machine_no_data);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_hmac);
	tcase_add_test(tc, test_threshold_level);
	tcase_add_test(tc, test_slack_body);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
