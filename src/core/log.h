/**
 * @file log.h  Levelled, module-tagged logging to stderr or syslog
 *
 * Every line carries a level and the module tag, so an engineer can filter
 * one subsystem out of a busy control room's log.  Secrets never go through
 * here: callers log identifiers, never passwords, tokens or keys.
 */

enum log_level {
	LOG_LVL_DEBUG = 0,
	LOG_LVL_INFO,
	LOG_LVL_NOTICE,
	LOG_LVL_WARN,
	LOG_LVL_ERROR,
};

enum log_target {
	LOG_TARGET_STDERR = 0,
	LOG_TARGET_SYSLOG,
};

void log_setup(enum log_level level, enum log_target target,
	       const char *ident);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int  log_level_parse(enum log_level *lvl, const char *str);
const char *log_level_name(enum log_level lvl);

/* fmt is re_printf format (%s, %d, %m, %J, %r ...) */
void log_msg(enum log_level lvl, const char *mod, const char *fmt, ...);

#define log_debug(mod, ...)  log_msg(LOG_LVL_DEBUG,  mod, __VA_ARGS__)
#define log_info(mod, ...)   log_msg(LOG_LVL_INFO,   mod, __VA_ARGS__)
#define log_notice(mod, ...) log_msg(LOG_LVL_NOTICE, mod, __VA_ARGS__)
#define log_warn(mod, ...)   log_msg(LOG_LVL_WARN,   mod, __VA_ARGS__)
#define log_error(mod, ...)  log_msg(LOG_LVL_ERROR,  mod, __VA_ARGS__)
