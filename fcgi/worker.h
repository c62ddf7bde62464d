/* fcgi/worker.h — one prefork child: accept, dispatch, answer, until told to stop or recycled. */
#ifndef TT_WORKER_H
#define TT_WORKER_H

#include "../common/config.h"
#include "../common/stats.h"

/* Runs the accept loop on lsock, counting into stats->slot[slot] (stats may be NULL); never
 * returns (exits 0 when done). */
void worker_run(const struct config *cfg, int lsock, struct stats *stats, int slot)
	__attribute__((noreturn));

#endif
