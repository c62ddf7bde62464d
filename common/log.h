/* common/log.h — one JSON object per line on stderr (journald keeps them). */
#ifndef TT_LOG_H
#define TT_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

extern enum log_level log_threshold;

/* The level check lives in the macro so a disabled level costs one comparison. */
#define tt_log(lvl, ...)                                                                           \
	do {                                                                                       \
		if ((lvl) >= log_threshold)                                                        \
			log_emit((lvl), __VA_ARGS__);                                              \
	} while (0)
#define log_debug(...) tt_log(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  tt_log(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  tt_log(LOG_WARN, __VA_ARGS__)
#define log_error(...) tt_log(LOG_ERROR, __VA_ARGS__)

void log_emit(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the program name written on every line ("fcgi", "ctl", ...). */
void log_set_component(const char *name);
int  log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level lvl);

struct log_request {
	const char *request_id;
	const char *tenant;
	const char *method;
	const char *route;  /* the route pattern, not the raw path: bounded cardinality */
	const char *path;
	int         status;
	double      duration_ms;
	const char *detail; /* optional, e.g. the database error behind a 503 */
};
void log_request(const struct log_request *r);

#endif
