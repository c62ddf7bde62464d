/* common/thresholds.c — definition thresholds at ingest: one statement per batch, only when needed. */
#include "thresholds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox.h"

#define DEFS_TTL_MS 5000

struct def {
	char   name[201];
	double warning, critical; /* NAN when unset */
};

/* Per worker: the thresholded definitions of the tenants seen lately (most have none, which costs
 * one small entry). */
#define TENANTS_CACHED 64

struct tenant_defs {
	long long   tenant_id;  /* 0 = empty slot */
	long long   fetched_ms;
	struct def *defs;       /* malloc'd, n entries */
	int         n;
};

static struct tenant_defs cached[TENANTS_CACHED];

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

/* The tenant's entry, refreshed when older than DEFS_TTL_MS; NULL on a database error. */
static struct tenant_defs *
load_defs(struct db *db, long long tenant_id)
{
	struct tenant_defs *e = &cached[0];
	long long now = monotonic_ms();
	char tid[24];
	const char *p[1] = {tid};
	PGresult *res;
	int n;

	for (int i = 0; i < TENANTS_CACHED; i++) {
		if (cached[i].tenant_id == tenant_id) {
			e = &cached[i];
			break;
		}
		if (cached[i].fetched_ms < e->fetched_ms) /* least recently fetched, or empty */
			e = &cached[i];
	}
	if (e->tenant_id == tenant_id && now - e->fetched_ms < DEFS_TTL_MS)
		return e;
	snprintf(tid, sizeof tid, "%lld", tenant_id);
	if ((res = db_exec(db, &st_defs, p, DB_RETRY)) == NULL)
		return NULL;
	free(e->defs);
	e->defs = NULL;
	e->n = 0;
	n = PQntuples(res);
	if (n > 0 && (e->defs = calloc((size_t)n, sizeof *e->defs)) == NULL)
		n = 0;
	for (int i = 0; i < n; i++) {
		struct def *d = &e->defs[e->n++];
		snprintf(d->name, sizeof d->name, "%s", PQgetvalue(res, i, 0));
		d->warning = PQgetisnull(res, i, 1) ? NAN : strtod(PQgetvalue(res, i, 1), NULL);
		d->critical = PQgetisnull(res, i, 2) ? NAN : strtod(PQgetvalue(res, i, 2), NULL);
	}
	PQclear(res);
	e->tenant_id = tenant_id;
	e->fetched_ms = now;
	return e;
}

static const struct def *
def_of(const struct tenant_defs *e, const char *name)
{
	for (int i = 0; i < e->n; i++)
		if (strcmp(e->defs[i].name, name) == 0)
			return &e->defs[i];
	return NULL;
}

/* The points of thresholded series, as PostgreSQL array literals. */
static int
collect(const struct tenant_defs *e, const struct batch *b, struct buf *sids, struct buf *names, struct buf *values,
        struct buf *levels, struct buf *limits, struct buf *times)
{
	int n = 0;

	for (size_t i = 0; i < b->n; i++) {
		const struct point *p = &b->pts[i];
		const char *name = b->keys.p + p->key_off; /* the key starts with the NUL-ended name */
		const struct def *d = def_of(e, name);
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

	struct tenant_defs *e = load_defs(db, tenant_id);

	if (e == NULL) {
		log_warn("threshold check skipped: %s", db->err);
		return;
	}
	if (e->n == 0)
		return;
	buf_init(&sids);
	buf_init(&names);
	buf_init(&values);
	buf_init(&levels);
	buf_init(&limits);
	buf_init(&times);
	n = collect(e, b, &sids, &names, &values, &levels, &limits, &times);
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
