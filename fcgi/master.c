/* fcgi/master.c — prefork supervision: spawn N, respawn the dead, roll workers on SIGHUP. */
#include "master.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/db.h" /* monotonic_ms */
#include "../common/log.h"
#include "../common/stats.h"
#include "notify.h"
#include "worker.h"

#define MAX_WORKERS STATS_SLOTS
#define CRASH_WINDOW_MS 1000  /* a worker dying sooner than this is crash-looping */
#define RESPAWN_DELAY_MAX_MS 5000

struct slot {
	pid_t     pid;          /* 0 = empty */
	unsigned  gen;          /* config generation it was forked with */
	int       stopping;     /* SIGTERM sent */
	long long started_ms;
	long long respawn_at_ms;
	long      delay_ms;     /* crash-loop backoff */
};

static struct slot slots[MAX_WORKERS];
static struct stats *stats; /* shared with the workers; NULL if it could not be mapped */

static pid_t
spawn(struct slot *s, const struct config *cfg, unsigned gen, int lsock)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_error("fork failed: %s", strerror(errno));
		s->respawn_at_ms = monotonic_ms() + 1000;
		return -1;
	}
	if (pid == 0)
		worker_run(cfg, lsock, stats, (int)(s - slots));
	s->pid = pid;
	s->gen = gen;
	s->stopping = 0;
	s->started_ms = monotonic_ms();
	if (stats) {
		__atomic_fetch_add(&stats->worker_starts, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&stats->workers_live, 1, __ATOMIC_RELAXED);
	}
	return pid;
}

static struct slot *
slot_of(pid_t pid)
{
	for (int i = 0; i < MAX_WORKERS; i++)
		if (slots[i].pid == pid)
			return &slots[i];
	return NULL;
}

static int
live_workers(void)
{
	int n = 0;

	for (int i = 0; i < MAX_WORKERS; i++)
		n += slots[i].pid > 0;
	return n;
}

/* Reaps every exited child; schedules crash-looping slots for a delayed respawn. */
static void
reap(void)
{
	struct slot *s;
	long long now;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if ((s = slot_of(pid)) == NULL)
			continue;
		now = monotonic_ms();
		if (stats) {
			__atomic_fetch_sub(&stats->workers_live, 1, __ATOMIC_RELAXED);
			if (!s->stopping && (WIFSIGNALED(st) || WEXITSTATUS(st) != 0))
				__atomic_fetch_add(&stats->worker_crashes, 1, __ATOMIC_RELAXED);
		}
		if (WIFSIGNALED(st) && !s->stopping)
			log_warn("worker %ld killed by signal %d", (long)pid, WTERMSIG(st));
		else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			log_warn("worker %ld exited with status %d", (long)pid, WEXITSTATUS(st));
		if (!s->stopping && (WIFSIGNALED(st) || WEXITSTATUS(st) != 0) &&
		    now - s->started_ms < CRASH_WINDOW_MS) {
			s->delay_ms = s->delay_ms ? s->delay_ms * 2 : 100;
			if (s->delay_ms > RESPAWN_DELAY_MAX_MS)
				s->delay_ms = RESPAWN_DELAY_MAX_MS;
		} else {
			s->delay_ms = 0;
		}
		s->respawn_at_ms = now + s->delay_ms;
		s->pid = 0;
		s->stopping = 0;
	}
}

/* Keeps slots [0, n) filled and stops workers beyond n. */
static void
fill(const struct config *cfg, unsigned gen, int lsock, long n)
{
	long long now = monotonic_ms();

	for (long i = 0; i < MAX_WORKERS; i++) {
		struct slot *s = &slots[i];
		if (i < n && s->pid == 0 && now >= s->respawn_at_ms)
			spawn(s, cfg, gen, lsock);
		else if (i >= n && s->pid > 0 && !s->stopping) {
			kill(s->pid, SIGTERM);
			s->stopping = 1;
		}
	}
}

/* Replaces old-generation workers one at a time: the next is stopped only after the previous
 * one's replacement runs, so at most one slot is out of service. */
static void
roll(unsigned gen)
{
	for (int i = 0; i < MAX_WORKERS; i++)
		if (slots[i].pid > 0 && slots[i].stopping)
			return;
	for (int i = 0; i < MAX_WORKERS; i++)
		if (slots[i].pid > 0 && slots[i].gen != gen) {
			kill(slots[i].pid, SIGTERM);
			slots[i].stopping = 1;
			return;
		}
}

static struct config *
reload(struct config *cur, const char *path)
{
	char err[CONFIG_ERR_MAX];
	struct config *next = malloc(sizeof *next);
	enum log_level lvl;

	if (next == NULL || config_load(next, path, err, sizeof err) < 0) {
		log_error("reload failed, keeping the running configuration: %s",
		          next ? err : "out of memory");
		free(next);
		return NULL;
	}
	if (strcmp(next->listen, cur->listen) != 0 || strcmp(next->listen_group, cur->listen_group) ||
	    next->listen_mode != cur->listen_mode)
		log_warn("listen settings change only on restart; keeping %s", cur->listen);
	if (log_level_parse(next->log_level, &lvl) == 0)
		log_threshold = lvl;
	return next;
}

static void
shutdown_workers(const struct config *cfg)
{
	long long deadline = monotonic_ms() + cfg->shutdown_timeout_ms;
	struct timespec tick = {0, 50 * 1000000};

	for (int i = 0; i < MAX_WORKERS; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIGTERM);
	while (live_workers() > 0 && monotonic_ms() < deadline) {
		nanosleep(&tick, NULL);
		for (int i = 0; i < MAX_WORKERS; i++)
			slots[i].stopping = 1;
		reap();
	}
	for (int i = 0; i < MAX_WORKERS; i++)
		if (slots[i].pid > 0) {
			log_warn("worker %ld did not stop in time; killing it", (long)slots[i].pid);
			kill(slots[i].pid, SIGKILL);
		}
	while (waitpid(-1, NULL, 0) > 0)
		;
}

int
master_run(struct config *cfg, const char *conf_path, int lsock)
{
	struct timespec wait = {0, 200 * 1000000};
	unsigned gen = 1;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Blocked and collected synchronously with sigtimedwait: no handler races. Children
	 * unblock them first thing. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((stats = stats_create()) == NULL)
		log_warn("no shared memory for counters: /metrics will answer 503");

	fill(cfg, gen, lsock, config_workers(cfg));
	log_info("master ready: %ld workers on %s", config_workers(cfg), cfg->listen);
	sd_notify_msg("READY=1");
	for (;;) {
		sig = sigtimedwait(&set, NULL, &wait);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("shutting down");
			sd_notify_msg("STOPPING=1");
			break;
		}
		if (sig == SIGHUP) {
			struct config *next;
			log_info("SIGHUP: reloading %s", conf_path ? conf_path : "(environment only)");
			sd_notify_msg("RELOADING=1");
			if ((next = reload(cfg, conf_path)) != NULL) {
				config_free(cfg);
				free(cfg);
				cfg = next;
				gen++;
			}
			sd_notify_msg("READY=1");
		}
		reap();
		fill(cfg, gen, lsock, config_workers(cfg));
		roll(gen);
	}
	shutdown_workers(cfg);
	config_free(cfg);
	free(cfg);
	return 0;
}
