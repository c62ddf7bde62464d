/* ctl/migrate.c — applies sql/NNNN_*.sql in order, each in a transaction, with checksums. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../common/buf.h"
#include "ctl.h"

#define MIGRATE_LOCK "7465747461"   /* advisory lock key: one migrate at a time */
#define MAX_MIGRATIONS 1000

struct migration {
	int   version;
	char *name;     /* file name */
	char *sql;
	char  checksum[65];
	int   applied;  /* 1 applied, 2 applied with another checksum */
};

static int
read_file(const char *path, struct buf *out)
{
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(out, chunk, n);
	n = (size_t)ferror(f);
	fclose(f);
	return n || out->oom ? -1 : 0;
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

static int
is_migration_name(const char *n)
{
	size_t len = strlen(n);

	for (int i = 0; i < 4; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	return n[4] == '_' && len > 9 && strcmp(n + len - 4, ".sql") == 0;
}

static int
cmp_migration(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

static void
free_migrations(struct migration *m, int n)
{
	for (int i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].sql);
	}
	free(m);
}

/* Reads every migration file of dir, sorted by version. */
static struct migration *
load_migrations(const char *dir, int *count)
{
	struct migration *m = calloc(MAX_MIGRATIONS, sizeof *m);
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (m == NULL || d == NULL) {
		fprintf(stderr, "telltalectl: cannot read sql_dir %s: %s\n", dir, strerror(errno));
		free(m);
		if (d)
			closedir(d);
		return NULL;
	}
	while ((de = readdir(d)) != NULL && n < MAX_MIGRATIONS) {
		char path[4096];
		struct buf b;
		if (!is_migration_name(de->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		buf_init(&b);
		if (read_file(path, &b) < 0) {
			fprintf(stderr, "telltalectl: cannot read %s\n", path);
			buf_free(&b);
			closedir(d);
			free_migrations(m, n);
			return NULL;
		}
		m[n].version = atoi(de->d_name);
		m[n].name = strdup(de->d_name);
		sha256_hex(b.p ? b.p : "", b.len, m[n].checksum);
		m[n].sql = buf_steal(&b, NULL);
		if (m[n].sql == NULL)
			m[n].sql = strdup("");
		n++;
	}
	closedir(d);
	qsort(m, (size_t)n, sizeof *m, cmp_migration);
	for (int i = 1; i < n; i++)
		if (m[i].version == m[i - 1].version) {
			fprintf(stderr, "telltalectl: two migrations with version %04d: %s and %s\n",
			        m[i].version, m[i - 1].name, m[i].name);
			free_migrations(m, n);
			return NULL;
		}
	*count = n;
	return m;
}

static const char create_table[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())";

/* Marks each migration applied (1) or changed (2) from schema_migrations. */
static int
read_applied(struct db *db, struct migration *m, int n)
{
	PGresult *res = db_query(db, "SELECT version, checksum FROM schema_migrations", 0, NULL);

	if (res == NULL)
		return -1;
	for (int r = 0; r < PQntuples(res); r++) {
		int v = atoi(PQgetvalue(res, r, 0));
		for (int i = 0; i < n; i++)
			if (m[i].version == v)
				m[i].applied = strcmp(m[i].checksum, PQgetvalue(res, r, 1)) == 0 ? 1 : 2;
	}
	PQclear(res);
	return 0;
}

static int
schema_table_exists(struct db *db)
{
	PGresult *res = db_query(db, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL);
	int exists;

	if (res == NULL)
		return -1;
	exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return exists;
}

int
ctl_migrate_pending(const struct config *cfg, struct db *db, int *pending, int *changed)
{
	struct migration *m;
	int n, exists;

	*pending = *changed = 0;
	if ((m = load_migrations(cfg->sql_dir, &n)) == NULL)
		return -1;
	if ((exists = schema_table_exists(db)) < 0 || (exists && read_applied(db, m, n) < 0)) {
		free_migrations(m, n);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		*pending += m[i].applied == 0;
		*changed += m[i].applied == 2;
	}
	free_migrations(m, n);
	return 0;
}

static int
apply(struct db *db, struct migration *mg)
{
	char version[16];
	const char *params[3] = {version, mg->name, mg->checksum};
	PGresult *res;

	snprintf(version, sizeof version, "%d", mg->version);
	if (db_begin(db) < 0)
		return -1;
	if (db_command(db, mg->sql) < 0)
		goto fail;
	res = db_query(db, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
	               3, params);
	if (res == NULL)
		goto fail;
	PQclear(res);
	return db_commit(db);
fail:
	db_rollback(db);
	return -1;
}

int
ctl_migrate(const struct config *cfg, struct db *db, int argc, char **argv)
{
	struct migration *m;
	int n, status_only = 0, rc = CTL_FAIL, applied = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--status") == 0)
			status_only = 1;
		else {
			fprintf(stderr, "usage: telltalectl migrate [--status]\n");
			return CTL_USAGE;
		}
	}
	if ((m = load_migrations(cfg->sql_dir, &n)) == NULL)
		return CTL_FAIL;
	if (db_ensure(db) < 0) {
		fprintf(stderr, "telltalectl: postgresql: %s\n", db->err);
		free_migrations(m, n);
		return CTL_PG;
	}
	if (db_command(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")") < 0 ||
	    db_command(db, create_table) < 0 || read_applied(db, m, n) < 0) {
		fprintf(stderr, "telltalectl: %s\n", db->err);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (m[i].applied == 2) {
			fprintf(stderr,
			        "telltalectl: %s was changed after it was applied (checksum differs); "
			        "refusing to migrate. Add a new migration instead of editing an applied one.\n",
			        m[i].name);
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		if (status_only) {
			printf("%04d  %-8s  %s\n", m[i].version, m[i].applied ? "applied" : "pending",
			       m[i].name);
			continue;
		}
		if (m[i].applied)
			continue;
		if (apply(db, &m[i]) < 0) {
			fprintf(stderr, "telltalectl: %s failed: %s\n", m[i].name, db->err);
			goto out;
		}
		printf("applied %s\n", m[i].name);
		applied++;
	}
	if (!status_only)
		printf("schema up to date (%d applied now, %d in all)\n", applied, n);
	rc = CTL_OK;
out:
	if (db->conn)
		(void)!db_command(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")");
	free_migrations(m, n);
	return rc;
}
