/* ctl/ctl.h — telltalectl's subcommands; each returns the process exit status. */
#ifndef TT_CTL_H
#define TT_CTL_H

#include "../common/config.h"
#include "../common/db.h"

/* Exit statuses, documented in docs/operations.md. */
enum {
	CTL_OK = 0,
	CTL_FAIL = 1,
	CTL_USAGE = 2,
	CTL_CONFIG = 3,
	CTL_PG = 4,
	CTL_REDIS = 5,
	CTL_SCHEMA = 6,
};

int ctl_migrate(const struct config *cfg, struct db *db, int argc, char **argv);
/* Pending and changed migrations; -1 when the state cannot be read. Used by check. */
int ctl_migrate_pending(const struct config *cfg, struct db *db, int *pending, int *changed);
int ctl_tenant(struct db *db, int argc, char **argv);
int ctl_key(struct db *db, int argc, char **argv);
/* demo.c: deterministic API-service reports (seed 000 demo data). */
int ctl_demo(const struct config *cfg, struct db *db, int argc, char **argv);
int ctl_check(const struct config *cfg, struct db *db, int verbose);

#endif
