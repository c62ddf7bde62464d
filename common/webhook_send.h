/* common/webhook_send.h — one signed HTTP POST of a webhook (libcurl), with timeouts. */
#ifndef TT_WEBHOOK_SEND_H
#define TT_WEBHOOK_SEND_H

#include <stddef.h>

struct webhook_target {
	const char *url;
	const char *secret;
	const char *format;  /* "json" or "slack" */
};

struct webhook_result {
	long   status;       /* HTTP status, 0 when no answer */
	double ms;
	char   error[256];   /* empty on success */
};

/* Posts the event (JSON text) to target, signed, with Idempotency-Key = event_id.
 * 0 on a 2xx answer, -1 otherwise (result says why). */
int webhook_post(const struct webhook_target *t, const char *event_id, const char *event_type,
                 const char *delivery_id, const char *event, size_t len, long timeout_ms,
                 struct webhook_result *result);

#endif
