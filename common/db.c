/* common/db.c — the per-process PostgreSQL connection, thrown away and rebuilt on failure. */
#include "db.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000

static int stmt_count;

long long
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
db_init(struct db *db, const char *dsn, long connect_timeout_ms, long statement_timeout_ms,
        const char *application_name)
{
	memset(db, 0, sizeof *db);
	db->dsn = dsn;
	db->connect_timeout_ms = connect_timeout_ms;
	db->statement_timeout_ms = statement_timeout_ms;
	db->application_name = application_name;
}

static void
db_set_error(struct db *db, const char *msg, const char *state, int unavailable)
{
	size_t n;

	snprintf(db->err, sizeof db->err, "%s", msg ? msg : "unknown error");
	n = strlen(db->err);
	while (n > 0 && (db->err[n - 1] == '\n' || db->err[n - 1] == ' '))
		db->err[--n] = '\0';
	snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
	db->unavailable = unavailable;
	db->errors++;
	db->unavailable_errors += unavailable != 0;
}

void
db_close(struct db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
	db->in_tx = 0;
}

static void
db_mark_down(struct db *db)
{
	db_close(db);
	db->backoff_ms = db->backoff_ms ? db->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (db->backoff_ms > BACKOFF_MAX_MS)
		db->backoff_ms = BACKOFF_MAX_MS;
	db->next_try_ms = monotonic_ms() + db->backoff_ms;
	if (!db->down)
		log_warn("postgresql unavailable: %s", db->err);
	db->down = 1;
}

/* Server notices ("relation already exists, skipping") go to the JSON log, not raw to stderr. */
static void
db_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("postgresql notice: %.*s", (int)strcspn(msg, "\n"), msg);
}

int
db_ensure(struct db *db)
{
	char ctimeout[32], options[96];
	const char *keys[6], *vals[6];
	int n = 0;

	if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (db->conn)
		db_close(db);
	if (monotonic_ms() < db->next_try_ms) {
		db_set_error(db, "postgresql unavailable (waiting before reconnecting)", "08006", 1);
		return -1;
	}
	snprintf(ctimeout, sizeof ctimeout, "%ld", (db->connect_timeout_ms + 999) / 1000);
	snprintf(options, sizeof options, "-c statement_timeout=%ld -c lock_timeout=%ld",
	         db->statement_timeout_ms, db->statement_timeout_ms);
	/* dbname first and expanded: the keywords after it override what the DSN says. */
	keys[n] = "dbname", vals[n++] = db->dsn;
	keys[n] = "connect_timeout", vals[n++] = ctimeout;
	keys[n] = "options", vals[n++] = options;
	keys[n] = "fallback_application_name", vals[n++] = db->application_name;
	keys[n] = NULL, vals[n] = NULL;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		db_set_error(db, db->conn ? PQerrorMessage(db->conn) : "out of memory", "08006", 1);
		db_mark_down(db);
		return -1;
	}
	PQsetNoticeProcessor(db->conn, db_notice, NULL);
	db->gen++;
	db->backoff_ms = 0;
	db->in_tx = 0;
	if (db->down)
		log_info("postgresql connection restored");
	db->down = 0;
	return 0;
}

/* Classifies a failed result; drops the connection when it is broken. */
static void
db_fail(struct db *db, PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : NULL;

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(db->conn);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_set_error(db, msg, "08006", 1);
		db_mark_down(db);
	} else {
		db_set_error(db, msg, state, 0);
	}
	PQclear(res);
}

static int
db_prepare(struct db *db, struct db_stmt *st)
{
	PGresult *res;

	if (st->id == 0) {
		if (stmt_count + 1 >= DB_MAX_STMTS) {
			db_set_error(db, "too many prepared statements", "XX000", 0);
			return -1;
		}
		st->id = ++stmt_count;
	}
	if (db->prepared[st->id] == db->gen)
		return 0;
	res = PQprepare(db->conn, st->name, st->sql, st->nparams, NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_fail(db, res);
		if (!db->unavailable)
			log_error("prepare %s failed: %s", st->name, db->err);
		return -1;
	}
	PQclear(res);
	db->prepared[st->id] = db->gen;
	return 0;
}

static int
result_ok(PGresult *res)
{
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

PGresult *
db_exec(struct db *db, struct db_stmt *st, const char *const *params, int flags)
{
	int retried = 0;
	PGresult *res;

again:
	if (db_ensure(db) < 0)
		return NULL;
	if (db_prepare(db, st) < 0)
		goto failed;
	res = PQexecPrepared(db->conn, st->name, st->nparams, params, NULL, NULL, 0);
	if (result_ok(res))
		return res;
	db_fail(db, res);
failed:
	/* Retry once on a fresh connection, but never inside a transaction: its earlier
	 * statements died with the old connection. */
	if (db->unavailable && (flags & DB_RETRY) && !retried && !db->in_tx) {
		retried = 1;
		db->next_try_ms = 0;
		goto again;
	}
	return NULL;
}

PGresult *
db_query(struct db *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *res;

	if (db_ensure(db) < 0)
		return NULL;
	res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (result_ok(res))
		return res;
	db_fail(db, res);
	return NULL;
}

int
db_command(struct db *db, const char *sql)
{
	PGresult *res;

	if (db_ensure(db) < 0)
		return -1;
	res = PQexec(db->conn, sql);
	if (!result_ok(res)) {
		db_fail(db, res);
		return -1;
	}
	PQclear(res);
	return 0;
}

int
db_begin(struct db *db)
{
	if (db_command(db, "BEGIN") < 0)
		return -1;
	db->in_tx = 1;
	return 0;
}

int
db_commit(struct db *db)
{
	int rc = db_command(db, "COMMIT");

	db->in_tx = 0;
	return rc;
}

void
db_rollback(struct db *db)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK && db->in_tx) {
		PGresult *res = PQexec(db->conn, "ROLLBACK");
		PQclear(res);
	}
	db->in_tx = 0;
}

int
db_error_transient(const struct db *db)
{
	static const char *const transient[] = {
		"57014", /* query_canceled: statement_timeout */
		"55P03", /* lock_not_available: lock_timeout */
		"53300", /* too_many_connections */
		"57P01", "57P02", "57P03", /* admin/crash shutdown, cannot connect now */
		"40001", "40P01", /* serialization failure, deadlock */
	};

	if (db->unavailable || strncmp(db->sqlstate, "08", 2) == 0)
		return 1;
	for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
		if (strcmp(db->sqlstate, transient[i]) == 0)
			return 1;
	return 0;
}

int
db_copy_in(struct db *db, const char *sql, const char *data, size_t len)
{
	const size_t chunk = 256 * 1024;
	PGresult *res;
	int rc = 0;

	if (db_ensure(db) < 0)
		return -1;
	db->err[0] = '\0';
	res = PQexec(db->conn, sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN) {
		db_fail(db, res);
		return -1;
	}
	PQclear(res);
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		if (PQputCopyData(db->conn, data + off, (int)n) != 1) {
			rc = -1;
			break;
		}
	}
	if (PQputCopyEnd(db->conn, rc == 0 ? NULL : "sending COPY data failed") != 1)
		rc = -1;
	/* Drain every result; the first failure is the one reported. */
	while ((res = PQgetResult(db->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
			rc = -1;
			db_fail(db, res);
			if (db->conn == NULL)
				return -1;
			continue;
		}
		PQclear(res);
	}
	if (rc < 0 && db->err[0] == '\0')
		db_set_error(db, PQerrorMessage(db->conn), "08006", PQstatus(db->conn) != CONNECTION_OK);
	return rc;
}
