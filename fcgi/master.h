/* fcgi/master.h — the prefork master: forks, watches, restarts and replaces workers. */
#ifndef TT_MASTER_H
#define TT_MASTER_H

#include "../common/config.h"

/* Runs until SIGTERM/SIGINT; cfg is owned by the master from here on (replaced on SIGHUP).
 * conf_path is re-read on SIGHUP. Returns the exit status. */
int master_run(struct config *cfg, const char *conf_path, int lsock);

#endif
