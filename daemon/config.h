/*
 * config: feedd.conf, an INI file read with inih.
 *
 *   [feedd]          daemon settings (see config/feedd.conf for every key)
 *   [feed "NAME"]    a subscription managed in the file: url, title,
 *                    interval, category
 *   [hook "NAME"]    what topics can name for their new matches: a
 *                    command (command, mode, timeout), or a URL the
 *                    alerts are sent to (url, format, header, mode,
 *                    timeout)
 *   [topic "NAME"]   a followed topic: query, notify (a hook's name), feeds,
 *                    category
 *
 * Commands and hook URLs come from [hook] sections only: a topic, in the
 * file or from the API, names one, and a topic of the file that names no
 * declared hook is an error.
 * A hook's url and header values may name secrets, ${NAME}: the daemon's
 * environment variable NAME, else the systemd credential NAME (the file
 * $CREDENTIALS_DIRECTORY/NAME). They are read here, kept in memory only,
 * and never printed: messages show a hook's URL as url_redacted() does
 * and never a header's value.
 * Parsing is strict: an unknown section or key, a bad value or a missing
 * required key is an error reported as "FILE:LINE: key: problem" (the
 * line of the key, or of the section that lacks it), and every error in
 * the file is reported, in one pass, before config_load() fails. Whatever
 * would make the daemon refuse the file at start-up or on a reload is
 * such an error: topic queries are compiled (an in-memory FTS5 index,
 * store_fts_check_query), URLs read as libcurl reads them, listen,
 * socket and socket_group checked as the listeners would. Durations take
 * units ("90s", "15m", "2h", "1d"), sizes take "512k", "10M".
 */
#ifndef FEEDD_CONFIG_H
#define FEEDD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "webhook_format.h"

struct config_feed {
	char	*name;
	char	*url;
	char	*title;		/* NULL: take the feed's own */
	char	*category;	/* normal form (category.h); NULL: none */
	int64_t	 interval_s;	/* 0: the daemon default */
	int	 line;		/* of the section header */
	int	 url_line;	/* 0: no url key */
};

enum config_hook_mode {
	CONFIG_HOOK_EACH = 0,	/* one run per new match */
	CONFIG_HOOK_BATCH,	/* one run per poll with all new matches */
};

/* Hook names: 1 to CONFIG_HOOK_NAME_MAX of [A-Za-z0-9_.-]. */
#define CONFIG_HOOK_NAME_MAX	64
/* header lines of one hook */
#define CONFIG_HOOK_HEADERS_MAX	32

struct config_hook {
	char	*name;
	/* A command hook: */
	char	**argv;		/* NULL-terminated; NULL for a URL hook */
	/* A URL hook (argv NULL): */
	char	*url;		/* secrets expanded: never shown */
	char	*url_shown;	/* url_redacted(url): for logs and answers */
	enum webhook_format format;	/* webhook_format.h */
	char	**headers;	/* "Name: value", expanded; NULL or NULL-ended */
	/*
	 * What must never reach a log or an answer, even echoed back by a
	 * receiver: the values of ${NAME}, of headers, of the URL's user
	 * info and query, its long path segments (NULL or NULL-ended).
	 */
	char	**secrets;
	enum config_hook_mode mode;
	int64_t	 timeout_s;	/* default: notify_timeout */
	int	 line;
	int	 command_line;	/* 0: no command key */
};

struct config_topic {
	char	*name;
	char	*query;
	char	*notify;	/* a declared hook's name; NULL: none */
	int	 notify_line;
	/* The feeds it follows: these and those in category; neither: all. */
	char	**feeds;	/* NULL-terminated feed names, or NULL */
	char	*category;	/* normal form (category.h), or NULL */
	int	 line;
	int	 query_line;	/* 0: no query key */
	int	 feeds_line;
};

struct config {
	char	*path;

	char	*database;
	char	*socket;
	char	*socket_group;	/* NULL: the daemon's group */
	char	*listen;	/* NULL: no TCP listener; "127.0.0.1:PORT" */
	bool	 listen_allow_remote;
	/*
	 * Where the TCP listener is reached from outside, ending in '/':
	 * WebSub hubs call back below it. NULL: no WebSub, polling only.
	 */
	char	*public_url;
	int	 log_level;	/* enum log_level */
	char	*user_agent;	/* NULL: fetch's default */
	char	*ca_file;	/* NULL: the system's CA store */
	int	 max_connections;
	int	 max_per_host;
	int64_t	 default_interval_s;
	int64_t	 min_interval_s;
	int64_t	 max_interval_s;
	int64_t	 host_gap_s;
	int64_t	 timeout_s;
	int64_t	 connect_timeout_s;
	uint64_t max_body_size;
	int64_t	 max_entries_per_feed;	/* 0: unlimited */
	int64_t	 max_age_s;		/* 0: keep forever */
	int	 notify_max_parallel;
	int64_t	 notify_timeout_s;
	/*
	 * Several workers on one PostgreSQL store: this one's name (NULL:
	 * "HOSTNAME/PID") and how long its claims hold without a heartbeat.
	 */
	char	*worker_name;
	int64_t	 lease_s;

	struct config_feed *feeds;
	size_t	 nfeeds;
	struct config_hook *hooks;
	size_t	 nhooks;
	struct config_topic *topics;
	size_t	 ntopics;
};

/*
 * Reads path. Returns a config, or NULL after printing every problem found
 * (to stderr through the log module).
 */
struct config *config_load(const char *path);
/*
 * The same with flags: CONFIG_SECRETS_OPTIONAL (feedd --check-config,
 * run where the service's environment and credentials may not be) warns
 * of a ${NAME} that is not set instead of failing.
 */
#define CONFIG_SECRETS_OPTIONAL	0x1
struct config *config_load_flags(const char *path, int flags);
void	config_free(struct config *cfg);

/* The hook declared under name, or NULL. */
const struct config_hook *config_hook_find(const struct config *cfg,
	    const char *name);
/* The number of URL hooks cfg declares. */
size_t	 config_url_hooks(const struct config *cfg);
/* "desktop, mail": the declared hooks' names, for messages; "" if none. */
char	*config_hook_names(const struct config *cfg);

/* Default paths, depending on root/systemd/XDG environment. Caller frees. */
char	*config_default_database(void);
char	*config_default_socket(void);
/* Default config file: $FEEDD_CONFIG, else SYSCONFDIR/feedd/feedd.conf. */
const char *config_default_path(void);

/*
 * Splits a command line into argv the way a POSIX shell splits words
 * (quotes and backslashes), without expanding anything. NULL on an
 * unterminated quote or an empty command; free with strv_free() (strv.h).
 */
char	**config_split_argv(const char *s);

#endif
