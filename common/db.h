/* common/db.h — one PostgreSQL connection: lazy connect, prepared statements, reconnect with backoff. */
#ifndef TT_DB_H
#define TT_DB_H

#include <libpq-fe.h>

/* A statement is declared next to the code that owns its table; it is prepared on a connection
 * the first time it is used there. */
struct db_stmt {
	const char *name;
	const char *sql;
	int         nparams;
	int         id; /* assigned on first use; 0 = not yet */
};
#define DB_STMT(nm, np, text) {(nm), (text), (np), 0}

#define DB_MAX_STMTS 256

struct db {
	PGconn     *conn;
	const char *dsn;              /* borrowed from the config */
	long        connect_timeout_ms;
	long        statement_timeout_ms;
	const char *application_name;
	unsigned    gen;              /* bumped on every new connection */
	unsigned    prepared[DB_MAX_STMTS];
	long long   next_try_ms;      /* monotonic; no connect attempt before */
	long        backoff_ms;
	int         down;             /* logged as down; the recovery is logged once */
	int         in_tx;
	int         unavailable;      /* last failure was the connection, not the statement */
	unsigned long errors;         /* failed calls, for /metrics */
	unsigned long unavailable_errors;
	char        sqlstate[6];
	char        err[512];
};

enum { DB_RETRY = 1 }; /* safe to run again on a new connection (reads, idempotent writes) */

void db_init(struct db *db, const char *dsn, long connect_timeout_ms, long statement_timeout_ms,
             const char *application_name);
/* Connects if needed. 0 when connected; -1 (db->unavailable) while down or backing off. */
int  db_ensure(struct db *db) __attribute__((warn_unused_result));
void db_close(struct db *db);
/* Runs a prepared statement with text parameters. Returns a PGresult (COMMAND_OK or TUPLES_OK)
 * the caller PQclear()s, or NULL with db->err, db->sqlstate and db->unavailable set. */
PGresult *db_exec(struct db *db, struct db_stmt *st, const char *const *params, int flags)
	__attribute__((warn_unused_result));
/* Same for one-off SQL (administration, migrations): PQexecParams, never prepared. */
PGresult *db_query(struct db *db, const char *sql, int nparams, const char *const *params)
	__attribute__((warn_unused_result));
/* Runs a utility command with no result rows (BEGIN, COMMIT, SET ...). */
int  db_command(struct db *db, const char *sql) __attribute__((warn_unused_result));
int  db_begin(struct db *db) __attribute__((warn_unused_result));
int  db_commit(struct db *db) __attribute__((warn_unused_result));
void db_rollback(struct db *db);
/* Runs `COPY ... FROM STDIN` (the transaction is the caller's) and sends data[0..len) in chunks.
 * 0 on success; -1 with db->err set (the COPY is aborted, the result drained). */
int  db_copy_in(struct db *db, const char *sql, const char *data, size_t len)
	__attribute__((warn_unused_result));
/* 1 when the last error means "try again later" (connection, timeout, shutdown, too many). */
int  db_error_transient(const struct db *db);
long long monotonic_ms(void);

#endif
