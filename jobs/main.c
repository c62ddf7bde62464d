/* jobs/main.c — telltale-jobs: one run of evaluate, relay, notify and maintain under a lock. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/json.h"
#include "../common/log.h"
#include "../common/timeutil.h"
#include "jobs.h"

/* One run at a time across all hosts: a session-level advisory lock on this key. */
#define JOBS_LOCK "7465747462"

static const struct {
	const char *name;
	int (*fn)(struct jobctx *, struct json_object *);
} parts[] = {
	{"evaluate", job_evaluate},
	{"relay", job_relay},
	{"notify", job_notify},
	{"maintain", job_maintain},
};

static struct db_stmt st_run = DB_STMT("jobs_run", 4,
	"INSERT INTO job_runs (job, started_at, ok, detail)"
	" VALUES ($1, to_timestamp($2::float8 / 1e6), $3::bool, $4::jsonb)");

static void
record_run(struct jobctx *j, const char *name, int64_t started, int ok, struct json_object *detail)
{
	char start_s[24];
	const char *params[4] = {name, start_s, ok ? "true" : "false",
	                         json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN)};
	PGresult *res;

	snprintf(start_s, sizeof start_s, "%lld", (long long)started);
	if ((res = db_exec(&j->db, &st_run, params, DB_RETRY)) == NULL)
		log_error("cannot record job run %s: %s", name, j->db.err);
	PQclear(res);
}

static int
usage(void)
{
	fprintf(stderr, "usage: telltale-jobs [-c CONFIG] run [--only evaluate|relay|notify|maintain]\n");
	return 2;
}

static int
run(struct jobctx *j, const char *only)
{
	PGresult *res;
	int failed = 0, locked;

	if (db_ensure(&j->db) < 0) {
		log_error("postgresql: %s", j->db.err);
		return 1;
	}
	res = db_query(&j->db, "SELECT pg_try_advisory_lock(" JOBS_LOCK ")", 0, NULL);
	if (res == NULL) {
		log_error("postgresql: %s", j->db.err);
		return 1;
	}
	locked = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!locked) {
		printf("another telltale-jobs run holds the lock; nothing to do\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		struct json_object *detail;
		int64_t t0;
		int rc;

		if (only && strcmp(only, parts[i].name) != 0)
			continue;
		detail = json_object_new_object();
		t0 = time_now_us();
		rc = parts[i].fn(j, detail);
		if (j->db.in_tx)
			db_rollback(&j->db);
		if (rc != 1) /* 1 = not due: no run to record */
			record_run(j, parts[i].name, t0, rc == 0, detail);
		printf("%-8s %s %s\n", parts[i].name, rc == 0 ? "ok" : rc == 1 ? "skipped" : "FAILED",
		       json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN));
		failed |= rc < 0;
		json_object_put(detail);
	}
	(void)!db_command(&j->db, "SELECT pg_advisory_unlock(" JOBS_LOCK ")");
	return failed ? 1 : 0;
}

int
main(int argc, char **argv)
{
	const char *path = getenv("TELLTALE_CONF"), *only = NULL;
	char err[CONFIG_ERR_MAX];
	struct config cfg;
	struct jobctx j;
	enum log_level lvl;
	int argi = 1, rc;

	log_set_component("jobs");
	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		path = argv[2];
		argi = 3;
	}
	if (argi >= argc || strcmp(argv[argi], "run") != 0)
		return usage();
	if (argi + 1 < argc) {
		if (argi + 3 != argc || strcmp(argv[argi + 1], "--only") != 0)
			return usage();
		only = argv[argi + 2];
		for (size_t i = 0; i < sizeof parts / sizeof parts[0] && only; i++)
			if (strcmp(only, parts[i].name) == 0)
				goto known;
		return usage();
	}
known:
	if (config_load(&cfg, path, err, sizeof err) < 0) {
		log_error("configuration: %s", err);
		return 3;
	}
	if (log_level_parse(cfg.log_level, &lvl) == 0)
		log_threshold = lvl;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	memset(&j, 0, sizeof j);
	j.cfg = &cfg;
	j.force = only != NULL;
	db_init(&j.db, cfg.pg_dsn, cfg.pg_connect_timeout_ms, 60000, "telltale-jobs");
	cache_init(&j.cache, cfg.redis_url, cfg.redis_timeout_ms);
	rc = run(&j, only);
	db_close(&j.db);
	cache_close(&j.cache);
	curl_global_cleanup();
	config_free(&cfg);
	return rc;
}
