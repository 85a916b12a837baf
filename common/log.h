/*
 * log: the one place that writes diagnostics.
 *
 * Messages go to stderr. Under systemd (JOURNAL_STREAM names our stderr) each
 * line starts with a journal priority prefix ("<3>" .. "<7>") and carries no
 * timestamp, so journald files it at the right priority; elsewhere a line is
 * "2026-11-26 01:02:03 feedd: warning: ...". Logging preserves errno.
 */
#ifndef FEEDD_LOG_H
#define FEEDD_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Until log_set_level(), and feedd.conf's log_level when not set. */
#define LOG_DEFAULT_LEVEL	LOG_LEVEL_INFO

/* Sets the program name and detects whether stderr is the journal. */
void	log_init(const char *progname);
void	log_set_level(enum log_level level);
enum log_level log_get_level(void);
bool	log_enabled(enum log_level level);
/* "err", "warning", "notice", "info", "debug" -> level; -1 if unknown. */
int	log_level_from_name(const char *name);

void	log_msg(enum log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Like log_warnx, with ": strerror(errno)" appended. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_errx(...)	log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warnx(...)	log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
