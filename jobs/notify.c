/* jobs/notify.c — webhook deliveries: signed, rate-limited per channel, retried with backoff, and
 * moved to the dead-letter queue after the channel's max_attempts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/json.h"
#include "../common/log.h"
#include "../common/webhook.h"
#include "../common/webhook_send.h"
#include "jobs.h"

#define NOTIFY_MAX_PER_RUN 500
#define LEASE "interval '2 minutes'"

/* Claims the next due delivery with a lease, so a crash mid-delivery only delays it. */
static struct db_stmt st_claim = DB_STMT("notify_claim", 0,
	"UPDATE deliveries d SET next_attempt_at = now() + " LEASE
	" FROM notification_channels c"
	" WHERE d.id = (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= now()"
	"               ORDER BY next_attempt_at, id FOR UPDATE SKIP LOCKED LIMIT 1)"
	"   AND c.id = d.channel_id"
	" RETURNING d.id, d.event_id, d.topic, d.payload::text, d.attempts, c.url, c.secret, c.format,"
	"   c.max_attempts, c.rate_limit_per_minute, c.enabled, c.id");

/* When the channel has used its minute, the delivery waits until the oldest one ages out. */
static struct db_stmt st_rate = DB_STMT("notify_rate", 3,
	"WITH w AS (SELECT count(*) AS n, min(delivered_at) AS oldest FROM deliveries"
	"   WHERE channel_id = $1::uuid AND status = 'delivered'"
	"     AND delivered_at > now() - interval '1 minute')"
	" UPDATE deliveries SET next_attempt_at = (SELECT oldest + interval '1 minute' FROM w)"
	" WHERE id = $2::bigint AND (SELECT n FROM w) >= $3::int RETURNING id");

static struct db_stmt st_done = DB_STMT("notify_done", 3,
	"UPDATE deliveries SET status = 'delivered', attempts = $2::int, last_status = $3::int,"
	"   last_error = NULL, delivered_at = now() WHERE id = $1::bigint");

static struct db_stmt st_fail = DB_STMT("notify_fail", 5,
	"UPDATE deliveries SET attempts = $2::int, last_status = nullif($3::int, 0), last_error = $4,"
	"   status = CASE WHEN $5::bigint < 0 THEN 'dead' ELSE 'pending' END,"
	"   dead_at = CASE WHEN $5::bigint < 0 THEN now() END,"
	"   next_attempt_at = now() + make_interval(secs => greatest($5::bigint, 0) / 1000.0)"
	" WHERE id = $1::bigint");

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static int
finish(struct jobctx *j, struct db_stmt *st, const char *const *params)
{
	PGresult *res = db_exec(&j->db, st, params, DB_RETRY);

	PQclear(res);
	return res ? 0 : -1;
}

/* Delivers one claimed row: up to WEBHOOK_ATTEMPTS_PER_RUN attempts 100/200/400 ms apart. */
static int
deliver(struct jobctx *j, PGresult *row, int *delivered, int *dead, int *deferred)
{
	const char *id = PQgetvalue(row, 0, 0), *event_id = PQgetvalue(row, 0, 1);
	const char *topic = PQgetvalue(row, 0, 2), *payload = PQgetvalue(row, 0, 3);
	int attempts = atoi(PQgetvalue(row, 0, 4)), max = atoi(PQgetvalue(row, 0, 8));
	struct webhook_target t = {PQgetvalue(row, 0, 5), PQgetvalue(row, 0, 6),
	                           PQgetvalue(row, 0, 7)};
	char attempts_s[16], status_s[16], delay_s[24];
	struct webhook_result r = {0, 0, ""};
	PGresult *res;

	if (strcmp(PQgetvalue(row, 0, 10), "t") != 0) {
		snprintf(attempts_s, sizeof attempts_s, "%d", attempts);
		const char *p[5] = {id, attempts_s, "0", "channel disabled", "-1"};
		(*dead)++;
		return finish(j, &st_fail, p);
	}
	{
		const char *p[3] = {PQgetvalue(row, 0, 11), id, PQgetvalue(row, 0, 9)};
		if ((res = db_exec(&j->db, &st_rate, p, DB_RETRY)) == NULL)
			return -1;
		if (PQntuples(res) > 0) {
			PQclear(res);
			(*deferred)++;
			return 0;
		}
		PQclear(res);
	}
	for (int k = 0; k < WEBHOOK_ATTEMPTS_PER_RUN && attempts < max; k++) {
		if (k > 0)
			sleep_ms(webhook_backoff_ms(attempts));
		attempts++;
		if (webhook_post(&t, event_id, topic, id, payload, strlen(payload),
		                 j->cfg->webhook_timeout_ms, &r) == 0) {
			snprintf(attempts_s, sizeof attempts_s, "%d", attempts);
			snprintf(status_s, sizeof status_s, "%ld", r.status);
			const char *p[3] = {id, attempts_s, status_s};
			(*delivered)++;
			return finish(j, &st_done, p);
		}
		log_info("delivery %s attempt %d to %s failed: %s", id, attempts, t.url, r.error);
	}
	snprintf(attempts_s, sizeof attempts_s, "%d", attempts);
	snprintf(status_s, sizeof status_s, "%ld", r.status);
	snprintf(delay_s, sizeof delay_s, "%ld", attempts >= max ? -1L : webhook_backoff_ms(attempts));
	if (attempts >= max)
		(*dead)++;
	const char *p[5] = {id, attempts_s, status_s, r.error, delay_s};
	return finish(j, &st_fail, p);
}

int
job_notify(struct jobctx *j, struct json_object *detail)
{
	int delivered = 0, dead = 0, deferred = 0, n = 0, rc = 0;
	PGresult *row;

	while (n < NOTIFY_MAX_PER_RUN) {
		if ((row = db_exec(&j->db, &st_claim, NULL, 0)) == NULL) {
			rc = -1;
			break;
		}
		if (PQntuples(row) == 0) {
			PQclear(row);
			break;
		}
		n++;
		if (deliver(j, row, &delivered, &dead, &deferred) < 0)
			rc = -1;
		PQclear(row);
		if (rc < 0)
			break;
	}
	json_add(detail, "delivered", json_object_new_int(delivered));
	json_add(detail, "dead", json_object_new_int(dead));
	json_add(detail, "rate_limited", json_object_new_int(deferred));
	json_add(detail, "retry_later", json_object_new_int(n - delivered - dead - deferred));
	if (rc < 0)
		json_add(detail, "error", json_object_new_string(j->db.err));
	return rc;
}
