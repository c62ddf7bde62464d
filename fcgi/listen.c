/* fcgi/listen.c — opens or inherits the listening socket (never through libfcgi, which exit()s). */
#include "listen.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 512

static int
is_listening(int fd)
{
	int v = 0;
	socklen_t len = sizeof v;

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

static int
inherited(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (pid && fds && strtol(pid, NULL, 10) == (long)getpid() && strtol(fds, NULL, 10) >= 1 &&
	    is_listening(3)) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		return 3;
	}
	if (is_listening(0)) /* StandardInput=socket, spawn-fcgi */
		return 0;
	return -1;
}

static int
open_unix(const struct config *cfg, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	struct group *gr;
	int fd;

	if (strlen(cfg->listen) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "listen path too long: %s", cfg->listen);
		return -1;
	}
	/* Remove a stale socket left by a crash, but never another kind of file. */
	if (lstat(cfg->listen, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", cfg->listen);
			return -1;
		}
		unlink(cfg->listen);
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, cfg->listen);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		goto fail;
	if (chmod(cfg->listen, (mode_t)cfg->listen_mode) < 0)
		goto fail;
	if (cfg->listen_group[0]) {
		if ((gr = getgrnam(cfg->listen_group)) == NULL) {
			snprintf(err, errlen, "listen_group: no group %s", cfg->listen_group);
			close(fd);
			return -1;
		}
		if (chown(cfg->listen, (uid_t)-1, gr->gr_gid) < 0)
			goto fail;
	}
	if (listen(fd, BACKLOG) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "%s: %s", cfg->listen, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int
open_tcp(const struct config *cfg, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char host[256];
	const char *colon = strrchr(cfg->listen, ':');
	int fd = -1, one = 1, rc;

	if (colon == NULL || colon == cfg->listen || (size_t)(colon - cfg->listen) >= sizeof host) {
		snprintf(err, errlen, "listen: expected a unix path or host:port, got %s", cfg->listen);
		return -1;
	}
	memcpy(host, cfg->listen, (size_t)(colon - cfg->listen));
	host[colon - cfg->listen] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
		snprintf(err, errlen, "listen %s: %s", cfg->listen, gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, BACKLOG) < 0) {
		snprintf(err, errlen, "listen %s: %s", cfg->listen, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int
listen_open(const struct config *cfg, int *created_unix, char *err, size_t errlen)
{
	int fd = inherited();

	*created_unix = 0;
	if (fd >= 0)
		return fd;
	if (cfg->listen[0] == '/') {
		fd = open_unix(cfg, err, errlen);
		*created_unix = fd >= 0;
		return fd;
	}
	return open_tcp(cfg, err, errlen);
}
