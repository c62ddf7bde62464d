/* ctl/admin.c — `telltalectl tenant ...` and `telltalectl key ...`. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/auth.h"
#include "../common/config.h"
#include "../common/json.h"
#include "../common/keys.h"
#include "ctl.h"

static int
valid_tenant_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

static const char *field(struct json_object *o, const char *k);

static int
db_failed(struct db *db)
{
	fprintf(stderr, "telltalectl: %s\n", db->err);
	return db->unavailable ? CTL_PG : CTL_FAIL;
}

static int
tenant_list(struct db *db)
{
	struct json_object *list = tenants_list(db);

	if (list == NULL)
		return db_failed(db);
	printf("%-6s  %-24s  %10s  %10s  %s\n", "ID", "NAME", "SERIES", "MAX", "CREATED");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *t = json_object_array_get_idx(list, i);
		printf("%-6s  %-24s  %10s  %10s  %s\n", field(t, "id"), field(t, "name"),
		       field(t, "series"), field(t, "max_series"), field(t, "created_at"));
	}
	json_object_put(list);
	return CTL_OK;
}

int
ctl_tenant(struct db *db, int argc, char **argv)
{
	long long id;
	long max;
	int rc;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return tenant_list(db);
	if (argc == 5 && strcmp(argv[1], "set") == 0 && strcmp(argv[3], "--max-series") == 0) {
		if (parse_long(argv[4], 1, 2000000000L, &max) < 0) {
			fprintf(stderr, "telltalectl: --max-series is a positive integer\n");
			return CTL_USAGE;
		}
		if ((rc = tenant_set_max_series(db, argv[2], max)) < 0)
			return db_failed(db);
		if (rc == 0) {
			fprintf(stderr, "telltalectl: no tenant %s\n", argv[2]);
			return CTL_FAIL;
		}
		printf("tenant %s: at most %ld series\n", argv[2], max);
		return CTL_OK;
	}
	if (argc != 3 || strcmp(argv[1], "create") != 0) {
		fprintf(stderr, "usage: telltalectl tenant create NAME | list | set NAME --max-series N\n");
		return CTL_USAGE;
	}
	if (!valid_tenant_name(argv[2])) {
		fprintf(stderr, "telltalectl: tenant names are 1-63 letters, digits, - and _\n");
		return CTL_USAGE;
	}
	if ((rc = tenant_create(db, argv[2], &id)) < 0)
		return db_failed(db);
	printf("%s tenant %s (id %lld)\n", rc ? "created" : "exists:", argv[2], id);
	return CTL_OK;
}

static int
key_create(struct db *db, int argc, char **argv)
{
	const char *tenant = NULL, *scopes_s = NULL, *name = "", *expires = NULL;
	struct json_object *row = NULL;
	char key[APIKEY_LEN + 1];
	unsigned scopes;
	long long tid;
	long ms = 0;
	int rc;

	for (int i = 2; i < argc; i++) {
		const char **dst = strcmp(argv[i], "--tenant") == 0    ? &tenant
		                   : strcmp(argv[i], "--scopes") == 0  ? &scopes_s
		                   : strcmp(argv[i], "--name") == 0    ? &name
		                   : strcmp(argv[i], "--expires") == 0 ? &expires
		                                                       : NULL;
		if (dst == NULL || i + 1 >= argc)
			goto usage;
		*dst = argv[++i];
	}
	if (tenant == NULL || scopes_s == NULL)
		goto usage;
	if (scopes_parse(scopes_s, &scopes) < 0) {
		fprintf(stderr, "telltalectl: --scopes is a comma list of read, write, admin\n");
		return CTL_USAGE;
	}
	if (expires && (parse_duration_ms(expires, &ms) < 0 || ms < 1000)) {
		fprintf(stderr, "telltalectl: --expires is a duration such as 30d or 12h\n");
		return CTL_USAGE;
	}
	if ((rc = tenant_find(db, tenant, &tid)) < 0)
		return db_failed(db);
	if (rc == 0) {
		fprintf(stderr, "telltalectl: no tenant %s (create it with: telltalectl tenant create %s)\n",
		        tenant, tenant);
		return CTL_FAIL;
	}
	if (keys_create(db, tid, name, scopes, ms / 1000, key, &row) < 0)
		return db_failed(db);
	/* The key alone on stdout, so scripts can capture it; it is shown this once. */
	printf("%s\n", key);
	fprintf(stderr, "created key %s for tenant %s (scopes %s); store it now, it is not shown again\n",
	        json_object_get_string(json_object_object_get(row, "id")), tenant, scopes_s);
	json_object_put(row);
	return CTL_OK;
usage:
	fprintf(stderr, "usage: telltalectl key create --tenant T --scopes read,write[,admin] "
	                "[--name N] [--expires 30d]\n");
	return CTL_USAGE;
}

static const char *
field(struct json_object *o, const char *k)
{
	struct json_object *v = json_object_object_get(o, k);

	return v ? json_object_get_string(v) : "-";
}

static int
key_list(struct db *db, int argc, char **argv)
{
	struct json_object *keys;
	long long tid = -1;
	int rc;

	if (argc == 4 && strcmp(argv[2], "--tenant") == 0) {
		if ((rc = tenant_find(db, argv[3], &tid)) < 0)
			return db_failed(db);
		if (rc == 0) {
			fprintf(stderr, "telltalectl: no tenant %s\n", argv[3]);
			return CTL_FAIL;
		}
	} else if (argc != 2) {
		fprintf(stderr, "usage: telltalectl key list [--tenant T]\n");
		return CTL_USAGE;
	}
	if ((keys = keys_list(db, tid)) == NULL)
		return db_failed(db);
	printf("%-36s  %-12s  %-8s  %-18s  %-20s  %s\n", "ID", "TENANT", "PREFIX", "SCOPES", "NAME",
	       "STATE");
	for (size_t i = 0; i < json_object_array_length(keys); i++) {
		struct json_object *k = json_object_array_get_idx(keys, i);
		const char *state = json_object_object_get(k, "revoked_at") ? "revoked" : "active";
		printf("%-36s  %-12s  %-8s  %-18s  %-20s  %s\n", field(k, "id"), field(k, "tenant"),
		       field(k, "prefix"), field(k, "scopes"), field(k, "name"), state);
	}
	json_object_put(keys);
	return CTL_OK;
}

static int
key_revoke(struct db *db, int argc, char **argv)
{
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: telltalectl key revoke ID\n");
		return CTL_USAGE;
	}
	if ((rc = keys_revoke(db, -1, argv[2])) < 0)
		return db_failed(db);
	if (rc == 0) {
		fprintf(stderr, "telltalectl: no active key %s\n", argv[2]);
		return CTL_FAIL;
	}
	printf("revoked %s\n", argv[2]);
	return CTL_OK;
}

int
ctl_key(struct db *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return key_create(db, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return key_list(db, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
		return key_revoke(db, argc, argv);
	fprintf(stderr, "usage: telltalectl key create|list|revoke ...\n");
	return CTL_USAGE;
}
