/* fcgi/listen.h — the FastCGI listening socket: inherited from systemd, or opened here. */
#ifndef TT_LISTEN_H
#define TT_LISTEN_H

#include "../common/config.h"

/* Returns a listening fd: systemd's (LISTEN_FDS, or a socket on stdin), else a new unix socket
 * (path with listen_mode and listen_group) or TCP socket ("127.0.0.1:9000"). -1 with err set. */
int listen_open(const struct config *cfg, int *created_unix, char *err, size_t errlen);

#endif
