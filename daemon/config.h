/*
 * config: feedd.conf, an INI file read with inih.
 *
 *   [feedd]          daemon settings (see config/feedd.conf for every key)
 *   [feed "NAME"]    a subscription managed in the file: url, title,
 *                    interval, category
 *   [topic "NAME"]   a followed topic: query, notify, notify_mode, feeds,
 *                    category
 *
 * Parsing is strict: an unknown section or key, a bad value or a missing
 * required key is an error reported as "FILE:LINE: key: problem", and every
 * error in the file is reported before config_load() fails. Durations take
 * units ("90s", "15m", "2h", "1d"), sizes take "512k", "10M".
 */
#ifndef FEEDD_CONFIG_H
#define FEEDD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config_feed {
	char	*name;
	char	*url;
	char	*title;		/* NULL: take the feed's own */
	char	*category;	/* normal form (category.h); NULL: none */
	int64_t	 interval_s;	/* 0: the daemon default */
	int	 line;
};

enum config_notify_mode {
	CONFIG_NOTIFY_EACH = 0,	/* one run per new match */
	CONFIG_NOTIFY_BATCH,	/* one run per poll with all new matches */
};

struct config_topic {
	char	*name;
	char	*query;
	char	**notify_argv;	/* NULL-terminated; NULL: no command */
	enum config_notify_mode notify_mode;
	/* The feeds it follows: these and those in category; neither: all. */
	char	**feeds;	/* NULL-terminated feed names, or NULL */
	char	*category;	/* normal form (category.h), or NULL */
	int	 line;
};

struct config {
	char	*path;

	char	*database;
	char	*socket;
	char	*socket_group;	/* NULL: the daemon's group */
	char	*listen;	/* NULL: no TCP listener; "127.0.0.1:PORT" */
	bool	 listen_allow_remote;
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

	struct config_feed *feeds;
	size_t	 nfeeds;
	struct config_topic *topics;
	size_t	 ntopics;
};

/*
 * Reads path. Returns a config, or NULL after printing every problem found
 * (to stderr through the log module).
 */
struct config *config_load(const char *path);
void	config_free(struct config *cfg);

/* Default paths, depending on root/systemd/XDG environment. Caller frees. */
char	*config_default_database(void);
char	*config_default_socket(void);
/* Default config file: $FEEDD_CONFIG, else SYSCONFDIR/feedd/feedd.conf. */
const char *config_default_path(void);

/*
 * Splits a command line into argv the way a POSIX shell splits words
 * (quotes and backslashes), without expanding anything. NULL on an
 * unterminated quote or an empty command; free with config_argv_free().
 */
char	**config_split_argv(const char *s);
void	config_argv_free(char **argv);

#endif
