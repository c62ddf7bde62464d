/* common/alert_state.c — the alert state machine, a pure function so it can be tested exhaustively. */
#include "alert_state.h"

enum verdict { V_BREACH, V_CLEAR, V_KEEP };

static enum verdict
judge(const struct alert_rule *r, const struct alert_input *in)
{
	double limit;

	if (!in->has_value) {
		switch (r->no_data) {
		case ND_ALERTING: return V_BREACH;
		case ND_KEEP: return V_KEEP;
		default: return V_CLEAR;
		}
	}
	/* A firing alert stays firing until the value leaves the recovery band. */
	limit = in->state == AS_FIRING && r->has_recovery ? r->recovery_threshold : r->threshold;
	return alert_compare(r->op, in->value, limit) ? V_BREACH : V_CLEAR;
}

enum alert_transition
alert_step(const struct alert_rule *r, const struct alert_input *in, int64_t now_us)
{
	enum verdict v = judge(r, in);

	if (v == V_KEEP)
		return AT_NONE;
	switch (in->state) {
	case AS_INACTIVE:
		if (v != V_BREACH)
			return AT_NONE;
		return r->for_s == 0 ? AT_FIRED : AT_PENDING;
	case AS_PENDING:
		if (v != V_BREACH)
			return AT_CLEARED;
		return now_us - in->pending_since_us >= (int64_t)r->for_s * 1000000 ? AT_FIRED : AT_NONE;
	case AS_FIRING:
		return v == V_BREACH ? AT_NONE : AT_RESOLVED;
	}
	return AT_NONE;
}

const char *
alert_transition_name(enum alert_transition t)
{
	static const char *const names[] = {"none", "pending", "fired", "resolved", "cleared"};

	return names[t];
}
