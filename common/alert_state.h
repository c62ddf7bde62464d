/* common/alert_state.h — one evaluation step of one alert series: pending -> firing -> resolved. */
#ifndef TT_ALERT_STATE_H
#define TT_ALERT_STATE_H

#include <stdint.h>

#include "alert_rule.h"

enum alert_state { AS_INACTIVE, AS_PENDING, AS_FIRING };

enum alert_transition {
	AT_NONE,     /* nothing changes (or only the current value) */
	AT_PENDING,  /* inactive -> pending: the condition holds, `for` has not elapsed */
	AT_FIRED,    /* inactive/pending -> firing */
	AT_RESOLVED, /* firing -> resolved */
	AT_CLEARED,  /* pending -> inactive: the condition stopped before `for` elapsed */
};

struct alert_input {
	enum alert_state state;
	int64_t          pending_since_us; /* when it became pending (AS_PENDING only) */
	int              has_value;        /* 0: no data in the window */
	double           value;
};

/* Decides the transition for one series at now_us. Firing alerts with a recovery threshold resolve
 * only once the value no longer meets the condition against recovery_threshold (hysteresis);
 * `no_data` says what an empty window means. */
enum alert_transition alert_step(const struct alert_rule *r, const struct alert_input *in,
                                 int64_t now_us);

const char *alert_transition_name(enum alert_transition t);

#endif
