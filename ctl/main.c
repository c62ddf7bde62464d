/* ctl/main.c — telltalectl: migrate, check, tenants and API keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "ctl.h"

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: telltalectl [-c CONFIG] COMMAND\n"
	        "  migrate [--status]          apply sql/NNNN_*.sql in order (or list their state)\n"
	        "  check [-v]                  config, PostgreSQL, Redis, schema; exit status says which failed\n"
	        "  tenant create NAME | tenant list | tenant set NAME --max-series N\n"
	        "  key create --tenant T --scopes read,write[,admin] [--name N] [--expires 30d]\n"
	        "  key list [--tenant T]\n"
	        "  key revoke ID\n"
	        "  demo seed --tenant T [--hours 24]   a day of deterministic service reports\n"
	        "CONFIG defaults to $TELLTALE_CONF; TELLTALE_<KEY> variables override its keys.\n");
}

int
main(int argc, char **argv)
{
	const char *path = getenv("TELLTALE_CONF");
	char err[CONFIG_ERR_MAX];
	struct config cfg;
	struct db db;
	const char *cmd;
	int rc, argi = 1;

	log_set_component("ctl");
	log_threshold = LOG_ERROR;
	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		path = argv[2];
		argi = 3;
	}
	if (argi >= argc || strcmp(argv[argi], "-h") == 0 || strcmp(argv[argi], "--help") == 0) {
		usage(argi >= argc ? stderr : stdout);
		return argi >= argc ? CTL_USAGE : CTL_OK;
	}
	cmd = argv[argi];
	if (config_load(&cfg, path, err, sizeof err) < 0) {
		fprintf(stderr, "telltalectl: configuration: %s\n", err);
		if (strcmp(cmd, "check") == 0)
			printf("FAIL  config: %s\n", err);
		return CTL_CONFIG;
	}
	db_init(&db, cfg.pg_dsn, cfg.pg_connect_timeout_ms, 0 /* no statement timeout */, "telltalectl");
	db.statement_timeout_ms = 0;
	if (strcmp(cmd, "migrate") == 0)
		rc = ctl_migrate(&cfg, &db, argc - argi, argv + argi);
	else if (strcmp(cmd, "check") == 0)
		rc = ctl_check(&cfg, &db, argi + 1 < argc && strcmp(argv[argi + 1], "-v") == 0);
	else if (strcmp(cmd, "tenant") == 0)
		rc = ctl_tenant(&db, argc - argi, argv + argi);
	else if (strcmp(cmd, "key") == 0)
		rc = ctl_key(&db, argc - argi, argv + argi);
	else if (strcmp(cmd, "demo") == 0)
		rc = ctl_demo(&cfg, &db, argc - argi, argv + argi);
	else {
		usage(stderr);
		rc = CTL_USAGE;
	}
	db_close(&db);
	config_free(&cfg);
	return rc;
}
