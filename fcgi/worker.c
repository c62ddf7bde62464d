/* fcgi/worker.c — the accept loop of one prefork child. */
#include "worker.h"

#include <ctype.h>
#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/app.h"
#include "../common/route.h"
#include "../common/log.h"
#include "../handlers/handlers.h"
#include "dispatch.h"

static volatile sig_atomic_t stop_requested;

/* A busy worker finishes its request first; an idle one is woken from accept() (no SA_RESTART,
 * FCGI_FAIL_ACCEPT_ON_INTR) and leaves. Exiting in the handler instead would drop a request that
 * accept() had just taken (measured: errors under SIGHUP with load). */
static void
on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
worker_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* nginx's $request_id when it is sane, else one of our own. */
static void
request_id(struct req *rq, FCGX_ParamArray env, unsigned long seq)
{
	const char *id = FCGX_GetParam("REQUEST_ID", env);
	size_t n = id ? strlen(id) : 0;

	if (n > 0 && n < sizeof rq->request_id) {
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)id[i]) && id[i] != '-')
				goto own;
		memcpy(rq->request_id, id, n + 1);
		return;
	}
own:
	snprintf(rq->request_id, sizeof rq->request_id, "%lx-%lx-%lx", (unsigned long)getpid(),
	         (unsigned long)time(NULL), seq);
}

/* The header block is formatted here, not with FCGX_FPrintF: libfcgi's printf knows no %zu. */
static void
write_response(FCGX_Stream *out, const struct req *rq, const struct resp *rs)
{
	int body = rs->status != 204 && rs->status != 304 && rq->method != M_HEAD;
	struct buf h;

	buf_init(&h);
	buf_printf(&h, "Status: %d %s\r\n", rs->status, http_reason(rs->status));
	if (rs->content_type)
		buf_printf(&h, "Content-Type: %s\r\n", rs->content_type);
	buf_printf(&h, "X-Request-Id: %s\r\n", rq->request_id);
	if (rs->headers.len)
		buf_append(&h, rs->headers.p, rs->headers.len);
	if (rs->status != 204 && rs->status != 304)
		buf_printf(&h, "Content-Length: %zu\r\n", rs->body.len);
	buf_puts(&h, "\r\n");
	if (!h.oom)
		FCGX_PutStr(h.p, (int)h.len, out);
	buf_free(&h);
	if (body && rs->body.len)
		FCGX_PutStr(rs->body.p, (int)rs->body.len, out);
}

static void
handle(struct app *app, FCGX_Request *fr, struct req *rq, struct resp *rs)
{
	const char *uri = FCGX_GetParam("REQUEST_URI", fr->envp);
	const char *method = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	struct timespec t0, t1;
	struct log_request lr;
	char discard[8192];
	size_t plen;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	req_init(rq);
	resp_reset(rs);
	rq->app = app;
	rq->env = fr->envp;
	rq->method_name = method ? method : "";
	rq->method = method_parse(method);
	if (uri == NULL)
		uri = FCGX_GetParam("DOCUMENT_URI", fr->envp);
	if (uri == NULL)
		uri = "/";
	plen = strcspn(uri, "?");
	rq->path = strndup(uri, plen);
	request_id(rq, fr->envp, app->requests);
	rs->instance = rq->path;
	rs->request_id = rq->request_id;

	if (rq->path == NULL)
		resp_problem(rs, 503, "unavailable", "out of memory");
	else
		dispatch(app, rq, rs, fr->in);
	/* Read what the handler did not, so nginx never sees a reset while still sending. */
	while (FCGX_GetStr(discard, sizeof discard, fr->in) > 0)
		;
	write_response(fr->out, rq, rs);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	memset(&lr, 0, sizeof lr);
	lr.request_id = rq->request_id;
	lr.tenant = rq->tenant_name[0] ? rq->tenant_name : NULL;
	lr.method = rq->method_name;
	lr.route = rq->route ? rq->route->pattern : NULL;
	lr.path = rq->path;
	lr.status = rs->status;
	lr.duration_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	lr.detail = rs->detail[0] ? rs->detail : NULL;
	log_request(&lr);
	if (app->slot) {
		stats_request(app->slot, rq->route ? (int)(rq->route - routes) : -1, rs->status,
		              lr.duration_ms / 1000.0);
		app_stats_sync(app);
	}
	req_free(rq);
}

void
worker_run(const struct config *cfg, int lsock, struct stats *stats, int slot)
{
	FCGX_Request fr;
	struct app app;
	struct req rq;
	struct resp rs;
	long served = 0;

	worker_signals();
	log_set_component("fcgi-worker");
	app_init(&app, cfg, "telltale-fcgi");
	app.stats = stats;
	app.slot = stats ? &stats->slot[slot] : NULL;
	resp_init(&rs);
	if (FCGX_InitRequest(&fr, lsock, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("FCGX_InitRequest failed");
		_exit(1);
	}
	while (!stop_requested && served < cfg->max_requests) {
		if (FCGX_Accept_r(&fr) < 0) {
			if (stop_requested)
				break;
			if (errno == EINTR)
				continue;
			log_error("accept failed: %s", strerror(errno));
			break;
		}
		app.requests++;
		handle(&app, &fr, &rq, &rs);
		FCGX_Finish_r(&fr);
		served++;
	}
	FCGX_Free(&fr, 1);
	resp_free(&rs);
	app_close(&app);
#ifdef __SANITIZE_ADDRESS__
	exit(0); /* let LeakSanitizer check the worker at every recycle */
#else
	_exit(0);
#endif
}
