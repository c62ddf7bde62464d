/* common/thresholds.c — definition thresholds at ingest: one statement per batch, only when needed. */
#include "thresholds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox.h"

#define DEFS_TTL_MS 5000
#define DEFS_MAX    256

struct def {
	char   name[201];
	double warning, critical; /* NAN when unset */
};

/* Per worker: the thresholded definitions of the last tenant seen (the common case is one). */
static struct {
	long long  tenant_id;
	long long  fetched_ms;
	struct def defs[DEFS_MAX];
	int        n;
} cache_defs = {-1, 0, {{{0}, 0, 0}}, 0};

static struct db_stmt st_defs = DB_STMT("thresholds_defs", 1,
	"SELECT name, warning_threshold, critical_threshold FROM metric_definitions"
	" WHERE tenant_id = $1 AND (warning_threshold IS NOT NULL OR critical_threshold IS NOT NULL)"
	" LIMIT 256");

/* One statement: open or resolve the series' threshold alerts, record their events and outbox
 * rows. $2 series ids, $3 names, $4 values, $5 levels, $6 crossed thresholds, $7 times: the
 * newest point of each series decides. */
static struct db_stmt st_apply = DB_STMT("thresholds_apply", 7,
	"WITH input AS (SELECT DISTINCT ON (sid) * FROM unnest($2::bigint[], $3::text[],"
	"     $4::float8[], $5::int[], $6::float8[], $7::bigint[])"
	"     AS t(sid, name, value, level, threshold, ts) ORDER BY sid, ts DESC),"
	" opened AS (INSERT INTO active_alerts (tenant_id, rule_name, fingerprint, labels, metric,"
	"     current_value, threshold, severity, state, fired_at, message)"
	"   SELECT $1::bigint, 'threshold ' || i.name, 'series:' || i.sid, s.labels, i.name, i.value,"
	"     i.threshold, CASE i.level WHEN 2 THEN 'critical' ELSE 'medium' END, 'firing', now(),"
	"     format('%s = %s is at or above its %s threshold %s', i.name, i.value,"
	"       CASE i.level WHEN 2 THEN 'critical' ELSE 'warning' END, i.threshold)"
	"   FROM input i JOIN series s ON s.id = i.sid AND s.tenant_id = $1::bigint"
	"   WHERE i.level > 0 ON CONFLICT DO NOTHING"
	"   RETURNING id, current_value, telltale_alert_json(active_alerts) AS j),"
	" closed AS (UPDATE active_alerts a SET state = 'resolved', resolved_at = now(),"
	"     resolved_by = 'ingest', current_value = i.value, updated_at = now()"
	"   FROM input i WHERE i.level = 0 AND a.tenant_id = $1::bigint AND a.rule_id IS NULL"
	"     AND a.fingerprint = 'series:' || i.sid AND a.state <> 'resolved'"
	"   RETURNING a.id, a.current_value, telltale_alert_json(a) AS j),"
	" changed AS (SELECT id, current_value, j, 'fired' AS kind, 'alert.firing' AS topic"
	"   FROM opened UNION ALL SELECT id, current_value, j, 'resolved', 'alert.resolved' FROM closed),"
	" ev AS (INSERT INTO alert_events (alert_id, tenant_id, actor, kind, value)"
	"   SELECT id, $1::bigint, 'ingest', kind, current_value FROM changed),"
	" ob AS (INSERT INTO outbox (id, tenant_id, topic, payload) OVERRIDING SYSTEM VALUE"
	"   SELECT x.oid, $1::bigint, x.topic, jsonb_build_object('id', x.oid::text, 'type', x.topic,"
	"     'tenant_id', $1::bigint, 'at',"
	"     to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
	"     'alert', x.j)"
	"   FROM (SELECT nextval(pg_get_serial_sequence('outbox', 'id')) AS oid, topic, j"
	"         FROM changed) x)"
	" SELECT count(*) FROM changed");

int
threshold_level(double v, double warning, double critical)
{
	if (!isnan(critical) && v >= critical)
		return 2;
	if (!isnan(warning) && v >= warning)
		return 1;
	return 0;
}

static int
load_defs(struct db *db, long long tenant_id)
{
	char tid[24];
	const char *p[1] = {tid};
	PGresult *res;
	long long now = monotonic_ms();

	if (cache_defs.tenant_id == tenant_id && now - cache_defs.fetched_ms < DEFS_TTL_MS)
		return 0;
	snprintf(tid, sizeof tid, "%lld", tenant_id);
	if ((res = db_exec(db, &st_defs, p, DB_RETRY)) == NULL)
		return -1;
	cache_defs.n = 0;
	for (int i = 0; i < PQntuples(res) && i < DEFS_MAX; i++) {
		struct def *d = &cache_defs.defs[cache_defs.n++];
		snprintf(d->name, sizeof d->name, "%s", PQgetvalue(res, i, 0));
		d->warning = PQgetisnull(res, i, 1) ? NAN : strtod(PQgetvalue(res, i, 1), NULL);
		d->critical = PQgetisnull(res, i, 2) ? NAN : strtod(PQgetvalue(res, i, 2), NULL);
	}
	PQclear(res);
	cache_defs.tenant_id = tenant_id;
	cache_defs.fetched_ms = now;
	return 0;
}

static const struct def *
def_of(const char *name)
{
	for (int i = 0; i < cache_defs.n; i++)
		if (strcmp(cache_defs.defs[i].name, name) == 0)
			return &cache_defs.defs[i];
	return NULL;
}

/* The points of thresholded series, as PostgreSQL array literals. */
static int
collect(const struct batch *b, struct buf *sids, struct buf *names, struct buf *values,
        struct buf *levels, struct buf *limits, struct buf *times)
{
	int n = 0;

	for (size_t i = 0; i < b->n; i++) {
		const struct point *p = &b->pts[i];
		const char *name = b->keys.p + p->key_off; /* the key starts with the NUL-ended name */
		const struct def *d = def_of(name);
		int level;

		if (d == NULL)
			continue;
		level = threshold_level(p->value, d->warning, d->critical);
		buf_printf(sids, "%s%lld", n ? "," : "{", (long long)p->sid);
		buf_puts(names, n ? "," : "{");
		buf_json_str(names, name, strlen(name)); /* a quoted string is a valid array element */
		buf_printf(values, "%s%.17g", n ? "," : "{", p->value);
		buf_printf(levels, "%s%d", n ? "," : "{", level);
		buf_printf(limits, "%s%.17g", n ? "," : "{",
		           level == 2 ? d->critical : level == 1 ? d->warning : 0.0);
		buf_printf(times, "%s%lld", n ? "," : "{", (long long)p->ts_us);
		n++;
	}
	buf_putc(sids, '}');
	buf_putc(names, '}');
	buf_putc(values, '}');
	buf_putc(levels, '}');
	buf_putc(limits, '}');
	buf_putc(times, '}');
	return n;
}

void
thresholds_after_commit(struct db *db, struct cache *cache, long long tenant_id,
                        const struct batch *b)
{
	struct buf sids, names, values, levels, limits, times;
	char tid[24];
	PGresult *res = NULL;
	int n;

	if (load_defs(db, tenant_id) < 0) {
		log_warn("threshold check skipped: %s", db->err);
		return;
	}
	if (cache_defs.n == 0)
		return;
	buf_init(&sids);
	buf_init(&names);
	buf_init(&values);
	buf_init(&levels);
	buf_init(&limits);
	buf_init(&times);
	n = collect(b, &sids, &names, &values, &levels, &limits, &times);
	if (n > 0 && !(sids.oom || names.oom || values.oom || levels.oom || limits.oom || times.oom)) {
		const char *p[7] = {tid, sids.p, names.p, values.p, levels.p, limits.p, times.p};
		snprintf(tid, sizeof tid, "%lld", tenant_id);
		if ((res = db_exec(db, &st_apply, p, 0)) == NULL)
			log_warn("threshold alerts not written: %s", db->err);
		else if (strtol(PQgetvalue(res, 0, 0), NULL, 10) > 0 &&
		         outbox_relay(db, cache, tenant_id, 100) < 0)
			log_warn("threshold alert events left for telltale-jobs to relay");
	}
	PQclear(res);
	buf_free(&sids);
	buf_free(&names);
	buf_free(&values);
	buf_free(&levels);
	buf_free(&limits);
	buf_free(&times);
}
