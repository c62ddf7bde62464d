/* fcgi/main.c — telltale-fcgi: load config, open the socket, hand over to the prefork master. */
#include <curl/curl.h>
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/config.h"
#include "../common/log.h"
#include "listen.h"
#include "master.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: telltale-fcgi [-c CONFIG] [-t] [-V]\n"
	           "  -c CONFIG  configuration file (default: $TELLTALE_CONF, else none)\n"
	           "  -t         check the configuration and exit\n"
	           "  -V         print the version\n");
}

int
main(int argc, char **argv)
{
	const char *path = getenv("TELLTALE_CONF");
	char err[CONFIG_ERR_MAX];
	struct config *cfg;
	enum log_level lvl;
	int opt, test = 0, lsock, created, rc;

	while ((opt = getopt(argc, argv, "c:thV")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 't': test = 1; break;
		case 'V': printf("telltale-fcgi %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_set_component("fcgi");
	if ((cfg = malloc(sizeof *cfg)) == NULL)
		return 1;
	if (config_load(cfg, path, err, sizeof err) < 0) {
		log_error("configuration: %s", err);
		free(cfg);
		return 2;
	}
	if (log_level_parse(cfg->log_level, &lvl) == 0)
		log_threshold = lvl;
	if (test) {
		printf("configuration ok\n");
		config_free(cfg);
		free(cfg);
		return 0;
	}
	/* Before fork: libcurl's global state (OpenSSL) is set up once, in the master. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("curl_global_init failed");
		return 1;
	}
	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return 1;
	}
	if ((lsock = listen_open(cfg, &created, err, sizeof err)) < 0) {
		log_error("cannot listen: %s", err);
		config_free(cfg);
		free(cfg);
		return 1;
	}
	char *unix_path = created ? strdup(cfg->listen) : NULL;
	rc = master_run(cfg, path, lsock); /* takes cfg */
	close(lsock);
	if (unix_path) {
		unlink(unix_path);
		free(unix_path);
	}
	return rc;
}
