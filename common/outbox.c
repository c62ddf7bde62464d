/* common/outbox.c — write events in the business transaction; relay them at least once, add once. */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

#define STREAM_MAXLEN "100000"
#define MARKER_TTL    "86400"

static struct db_stmt st_emit = DB_STMT("outbox_emit", 4,
	"WITH n AS (SELECT nextval(pg_get_serial_sequence('outbox', 'id')) AS id),"
	" o AS (INSERT INTO outbox (id, tenant_id, topic, payload) OVERRIDING SYSTEM VALUE"
	"   SELECT n.id, $1::bigint, $2::text, jsonb_build_object('id', n.id::text, 'type', $2::text,"
	"     'tenant_id', $1::bigint, 'at',"
	"     to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')) || $3::jsonb"
	"   FROM n RETURNING id, payload),"
	" d AS (INSERT INTO deliveries (tenant_id, event_id, channel_id, topic, payload)"
	"   SELECT $1::bigint, o.id, c.id, $2::text, o.payload FROM o, notification_channels c"
	"   WHERE c.tenant_id = $1::bigint AND c.enabled"
	"     AND c.id = ANY(coalesce($4::text, '{}')::uuid[]))"
	" SELECT id FROM o");

static struct db_stmt st_claim = DB_STMT("outbox_claim", 2,
	"SELECT id, tenant_id, topic, payload::text FROM outbox"
	" WHERE published_at IS NULL AND ($1::bigint < 0 OR tenant_id = $1)"
	" ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED");

static struct db_stmt st_mark = DB_STMT("outbox_mark", 1,
	"UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])");

/* XADD guarded by a marker key: the stream gets each event id once. */
static const char relay_script[] =
	"if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[4]) then "
	"return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'id', ARGV[1], "
	"'type', ARGV[2], 'data', ARGV[3]) else return 0 end";

int
outbox_emit(struct db *db, long long tenant_id, const char *topic, const char *body,
            const char *channels, long long *event_id)
{
	char tid[24];
	const char *params[4] = {tid, topic, body, channels};
	PGresult *res;

	snprintf(tid, sizeof tid, "%lld", tenant_id);
	if ((res = db_exec(db, &st_emit, params, 0)) == NULL)
		return -1;
	*event_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

static int
relay_rows(struct cache *cache, PGresult *res)
{
	redisContext *rc = cache_conn(cache);
	int n = PQntuples(res);

	if (rc == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		char marker[64], stream[48];
		snprintf(marker, sizeof marker, "events:seen:%s", PQgetvalue(res, i, 0));
		snprintf(stream, sizeof stream, "events:%s", PQgetvalue(res, i, 1));
		redisAppendCommand(rc, "EVAL %s 2 %s %s %s %s %s %s %s", relay_script, marker, stream,
		                   PQgetvalue(res, i, 0), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		                   MARKER_TTL, STREAM_MAXLEN);
	}
	return cache_pipeline_finish(cache, n);
}

int
outbox_relay(struct db *db, struct cache *cache, long long tenant_id, int limit)
{
	char tid[24], lim[16];
	const char *params[2] = {tid, lim};
	PGresult *res = NULL, *mark = NULL;
	struct buf ids;
	int n = -1;

	buf_init(&ids);
	snprintf(tid, sizeof tid, "%lld", tenant_id);
	snprintf(lim, sizeof lim, "%d", limit);
	if (db_begin(db) < 0)
		goto out;
	if ((res = db_exec(db, &st_claim, params, 0)) == NULL)
		goto fail;
	if (PQntuples(res) == 0) {
		n = 0;
		goto fail; /* nothing to do: roll back the empty transaction */
	}
	if (relay_rows(cache, res) < 0) {
		log_warn("outbox relay: redis: %s", cache->err);
		goto fail;
	}
	buf_putc(&ids, '{');
	for (int i = 0; i < PQntuples(res); i++)
		buf_printf(&ids, "%s%s", i ? "," : "", PQgetvalue(res, i, 0));
	buf_putc(&ids, '}');
	{
		const char *mp[1] = {ids.p};
		if ((mark = db_exec(db, &st_mark, mp, 0)) == NULL)
			goto fail;
	}
	if (db_commit(db) < 0)
		goto out;
	n = PQntuples(res);
	goto out;
fail:
	db_rollback(db);
out:
	PQclear(res);
	PQclear(mark);
	buf_free(&ids);
	return n;
}
