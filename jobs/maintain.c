/* jobs/maintain.c — partitions ahead, retention, and the cleaners of alerts, outbox and DLQ. */
#include <stdio.h>
#include <stdlib.h>

#include "../common/json.h"
#include "jobs.h"

/* Due once per interval (a forced run with --only maintain ignores it). */
#define MAINTAIN_INTERVAL "interval '10 minutes'"

static struct db_stmt st_due = DB_STMT("maintain_due", 0,
	"SELECT NOT EXISTS (SELECT 1 FROM job_runs WHERE job = 'maintain' AND ok"
	"   AND started_at > now() - " MAINTAIN_INTERVAL ")");

/* Every daily-partitioned table: partitions from yesterday to a week ahead. */
static struct db_stmt st_create = DB_STMT("maintain_create", 0,
	"SELECT coalesce(sum(telltale_create_daily_partitions(c.oid::regclass, current_date - 1,"
	"   current_date + 7)), 0)"
	" FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
	" WHERE c.relnamespace = 'public'::regnamespace");

/* Whole partitions past retention. A table's retention is the configured default, or longer when
 * a metric definition asks for more (samples are shared by every metric of every tenant). */
static struct db_stmt st_drop = DB_STMT("maintain_drop", 1,
	"SELECT coalesce(sum(telltale_drop_daily_partitions(c.oid::regclass,"
	"   current_date - greatest($1::int, CASE WHEN c.relname = 'samples'"
	"     AND to_regclass('metric_definitions') IS NOT NULL"
	"     THEN (SELECT coalesce(max(retention_days), 0) FROM metric_definitions) ELSE 0 END))), 0)"
	" FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
	" WHERE c.relnamespace = 'public'::regnamespace");

/* A definition with a shorter retention than the default: its samples go row by row (the
 * partitions they share with other metrics stay). */
static struct db_stmt st_short = DB_STMT("maintain_short_retention", 1,
	"WITH d AS (DELETE FROM samples x USING series s, metric_definitions m"
	"   WHERE x.series_id = s.id AND s.tenant_id = m.tenant_id AND s.name = m.name"
	"     AND m.retention_days < $1::int"
	"     AND x.ts < now() - make_interval(days => m.retention_days) RETURNING 1)"
	" SELECT count(*) FROM d");

static struct db_stmt st_clean = DB_STMT("maintain_clean", 0,
	"WITH a AS (DELETE FROM active_alerts WHERE state = 'resolved'"
	"     AND resolved_at < now() - interval '7 days' RETURNING 1),"
	" o AS (DELETE FROM outbox WHERE published_at < now() - interval '1 hour' RETURNING 1),"
	" d AS (DELETE FROM deliveries WHERE (status = 'dead' AND dead_at < now() - interval '7 days')"
	"     OR (status = 'delivered' AND delivered_at < now() - interval '7 days') RETURNING 1),"
	" j AS (DELETE FROM job_runs WHERE started_at < now() - interval '7 days' RETURNING 1),"
	" i AS (DELETE FROM ingest_batches WHERE received_at < now() - interval '24 hours' RETURNING 1)"
	" SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM o), (SELECT count(*) FROM d),"
	"   (SELECT count(*) FROM j), (SELECT count(*) FROM i)");

static long long
scalar(PGresult *res, int col)
{
	return strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

int
job_maintain(struct jobctx *j, struct json_object *detail)
{
	char retention[16];
	const char *params[1] = {retention};
	PGresult *res;

	if (!j->force) {
		if ((res = db_exec(&j->db, &st_due, NULL, 0)) == NULL)
			goto fail;
		int due = PQgetvalue(res, 0, 0)[0] == 't';
		PQclear(res);
		if (!due)
			return 1;
	}
	if ((res = db_exec(&j->db, &st_create, NULL, 0)) == NULL)
		goto fail;
	json_add(detail, "partitions_created", json_object_new_int64(scalar(res, 0)));
	PQclear(res);
	snprintf(retention, sizeof retention, "%ld", (j->cfg->retention_ms + 86399999) / 86400000);
	if ((res = db_exec(&j->db, &st_drop, params, 0)) == NULL)
		goto fail;
	json_add(detail, "partitions_dropped", json_object_new_int64(scalar(res, 0)));
	PQclear(res);
	if ((res = db_exec(&j->db, &st_short, params, 0)) == NULL)
		goto fail;
	json_add(detail, "samples_past_definition_retention", json_object_new_int64(scalar(res, 0)));
	PQclear(res);
	if ((res = db_exec(&j->db, &st_clean, NULL, 0)) == NULL)
		goto fail;
	json_add(detail, "resolved_alerts_deleted", json_object_new_int64(scalar(res, 0)));
	json_add(detail, "outbox_rows_deleted", json_object_new_int64(scalar(res, 1)));
	json_add(detail, "deliveries_deleted", json_object_new_int64(scalar(res, 2)));
	json_add(detail, "job_runs_deleted", json_object_new_int64(scalar(res, 3)));
	json_add(detail, "ingest_batches_deleted", json_object_new_int64(scalar(res, 4)));
	PQclear(res);
	return 0;
fail:
	json_add(detail, "error", json_object_new_string(j->db.err));
	return -1;
}
