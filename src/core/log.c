/**
 * @file log.c  Levelled, module-tagged logging
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <re.h>
#define DEBUG_MODULE "log"
#define DEBUG_LEVEL 5
#include <re_dbg.h>
#include "core/log.h"

static struct {
	enum log_level level;
	enum log_target target;
} lg = { LOG_LVL_INFO, LOG_TARGET_STDERR };

static const char *names[] = {"debug", "info", "notice", "warn", "error"};
static const int sysprio[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING,
			      LOG_ERR};


/* libre's own debug output would otherwise go to stderr with colour codes
 * and bypass the level filter and syslog. */
static void re_dbg_handler(int level, const char *p, size_t len, void *arg)
{
	enum log_level l = level <= DBG_ERR ? LOG_LVL_ERROR :
		level <= DBG_WARNING ? LOG_LVL_WARN :
		level <= DBG_INFO ? LOG_LVL_INFO : LOG_LVL_DEBUG;
	(void)arg;

	while (len && (p[len-1] == '\n' || p[len-1] == '\r'))
		--len;
	log_msg(l, "re", "%b", p, len);
}


void log_setup(enum log_level level, enum log_target target,
	       const char *ident)
{
	lg.level  = level;
	lg.target = target;
	if (target == LOG_TARGET_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	dbg_init(DBG_INFO, DBG_NONE);
	dbg_handler_set(re_dbg_handler, NULL);
}


void log_set_level(enum log_level level)
{
	lg.level = level;
}


enum log_level log_get_level(void)
{
	return lg.level;
}


int log_level_parse(enum log_level *lvl, const char *str)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (str && !strcmp(str, names[i])) {
			*lvl = (enum log_level)i;
			return 0;
		}
	}
	return EINVAL;
}


const char *log_level_name(enum log_level lvl)
{
	return (unsigned)lvl < ARRAY_SIZE(names) ? names[lvl] : "?";
}


void log_msg(enum log_level lvl, const char *mod, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (lvl < lg.level)
		return;

	va_start(ap, fmt);
	(void)re_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	if (lg.target == LOG_TARGET_SYSLOG) {
		syslog(sysprio[lvl], "[%s] %s", mod, buf);
		return;
	}

	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-6s [%s] %s\n",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[lvl], mod,
		buf);
}
