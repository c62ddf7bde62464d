/* common/webhook.h — webhook delivery rules: signature, retry schedule, body formats. */
#ifndef TT_WEBHOOK_H
#define TT_WEBHOOK_H

#include <stddef.h>

#include "buf.h"

/* "sha256=" + hex HMAC-SHA256 of body with the channel secret: out needs 72 bytes. */
int  webhook_signature(const char *secret, size_t secret_len, const char *body, size_t len,
                       char out[72]) __attribute__((warn_unused_result));
/* Delay before attempt n+1 after n failed attempts: 100 ms, 200 ms, 400 ms (retried within one
 * run), then 2 s, 4 s, 8 s ... capped at one hour (later runs). */
long webhook_backoff_ms(int failed_attempts);
/* How many attempts one job run makes before leaving the rest to later runs. */
#define WEBHOOK_ATTEMPTS_PER_RUN 4
/* Turns an event (JSON text) into a Slack-style incoming-webhook body with an attachment coloured
 * by severity. Returns 0, or -1 when the event cannot be read. */
int  webhook_slack_body(const char *event_json, size_t len, struct buf *out);

#endif
