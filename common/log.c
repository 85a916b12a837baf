#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_progname = "feedd";
static enum log_level log_level = LOG_DEFAULT_LEVEL;
static bool log_journal;

static const char *const level_names[] = {
	[LOG_LEVEL_ERR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_NOTICE] = "notice",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

/*
 * systemd sets JOURNAL_STREAM to "dev:ino" of the stream it connected to our
 * stderr; a child whose stderr was redirected elsewhere inherits the variable,
 * so compare it with what stderr really is (sd-daemon(3), systemd.exec(5)).
 */
static bool
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) == -1)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname)
{
	if (progname != NULL)
		log_progname = progname;
	log_journal = stderr_is_journal();
}

void
log_set_level(enum log_level level)
{
	if (level < LOG_LEVEL_ERR)
		level = LOG_LEVEL_ERR;
	if (level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

bool
log_enabled(enum log_level level)
{
	return level <= log_level;
}

int
log_level_from_name(const char *name)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "err", LOG_LEVEL_ERR }, { "error", LOG_LEVEL_ERR },
		{ "warning", LOG_LEVEL_WARNING }, { "warn", LOG_LEVEL_WARNING },
		{ "notice", LOG_LEVEL_NOTICE }, { "info", LOG_LEVEL_INFO },
		{ "debug", LOG_LEVEL_DEBUG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return (int)names[i].level;
	return -1;
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap, const char *errstr)
{
	char msg[4096];
	int saved = errno;

	if (!log_enabled(level)) {
		errno = saved;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One message is one journal record: no embedded newlines. */
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';

	if (log_journal) {
		if (errstr != NULL)
			fprintf(stderr, "<%d>%s: %s\n", (int)level, msg, errstr);
		else
			fprintf(stderr, "<%d>%s\n", (int)level, msg);
	} else {
		char stamp[32];
		struct tm tm;
		time_t now = time(NULL);

		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		if (errstr != NULL)
			fprintf(stderr, "%s %s: %s: %s: %s\n", stamp,
			    log_progname, level_names[level], msg, errstr);
		else
			fprintf(stderr, "%s %s: %s: %s\n", stamp, log_progname,
			    level_names[level], msg);
	}
	fflush(stderr);
	errno = saved;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARNING, fmt, ap, e);
	va_end(ap);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERR, fmt, ap, e);
	va_end(ap);
}
