/*
 * feedctl: the command-line client. Each command is a function taking the
 * global options and its own arguments (argv[0] is the command name) and
 * returning the exit code: 0 ok, 1 daemon unreachable or request failed,
 * 2 usage error.
 */
#ifndef FEEDD_FEEDCTL_H
#define FEEDD_FEEDCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "apiclient.h"

#define FEEDCTL_OK	0
#define FEEDCTL_FAIL	1
#define FEEDCTL_USAGE	2

struct feedctl {
	struct apiclient_target target;	/* the socket, or a URL and token */
	bool		 json;		/* --json: raw JSON on stdout */
	bool		 color;		/* stdout is a terminal, NO_COLOR unset,
					   TERM not "dumb" */
	bool		 tty;		/* stdout is a terminal */
	int		 columns;	/* terminal width; 0 for a pipe */
	int		 rows;		/* terminal height (for the pager) */
};

struct feedctl_cmd {
	const char	*name;
	int		(*run)(struct feedctl *, int argc, char **argv);
	const char	*usage;
	const char	*help;
	/* Options and details for `feedctl CMD --help`; may be NULL. */
	const char	*details;
};

/* ---- helpers for commands (feedctl.c) ---- */

/* Prints the command's usage line on stderr; returns FEEDCTL_USAGE. */
int	feedctl_usage(const char *name);
/* True if argv[i] is -h/--help (commands check before parsing). */
bool	feedctl_wants_help(int argc, char **argv);
/*
 * One request; on a transport failure or a non-2xx answer the message is
 * printed and FEEDCTL_FAIL returned (r is then cleared). FEEDCTL_OK leaves
 * the answer in r for the caller to clear.
 */
int	feedctl_call(struct feedctl *ctl, const char *method,
	    const char *path, json_t *body, struct apiclient_resp *r);
/*
 * One request; the answer as it came (--json) or through show(). path is
 * fmt with arg percent-encoded in place of its %s (arg NULL: fmt as is).
 */
int	feedctl_call_show(struct feedctl *ctl, const char *method,
	    const char *fmt, const char *arg, json_t *body,
	    void (*show)(struct feedctl *, json_t *));
/* s percent-encoded for a query string; free() it. */
char	*feedctl_escape(const char *s);
/* A positive integer option value, or -1 after a message. */
int64_t	feedctl_parse_id(const char *what, const char *s);
/* A member of a JSON object as a string (dflt if absent) or a number. */
const char *feedctl_str(json_t *o, const char *key, const char *dflt);
long long feedctl_num(json_t *o, const char *key);
/* one or many, by n: "1 entry", "2 entries". */
const char *feedctl_plural(long long n, const char *one, const char *many);
/* Prints r's body as it came (one JSON document, newline-terminated). */
void	feedctl_print_raw(const struct apiclient_resp *r);

/* ---- commands ---- */

/* cmd_status.c */
int	cmd_status(struct feedctl *, int, char **);
int	cmd_backup(struct feedctl *, int, char **);
/* cmd_feeds.c */
int	cmd_feeds(struct feedctl *, int, char **);
int	cmd_add(struct feedctl *, int, char **);
int	cmd_discover(struct feedctl *, int, char **);
int	cmd_set(struct feedctl *, int, char **);
int	cmd_rm(struct feedctl *, int, char **);
int	cmd_poll(struct feedctl *, int, char **);
int	cmd_import(struct feedctl *, int, char **);
int	cmd_export(struct feedctl *, int, char **);
/* cmd_marks.c */
int	cmd_read(struct feedctl *, int, char **);
int	cmd_unread(struct feedctl *, int, char **);
int	cmd_star(struct feedctl *, int, char **);
int	cmd_unstar(struct feedctl *, int, char **);
/* cmd_users.c */
int	cmd_user(struct feedctl *, int, char **);
/* cmd_open.c */
int	cmd_open(struct feedctl *, int, char **);
/* cmd_hooks.c */
int	cmd_hooks(struct feedctl *, int, char **);
int	cmd_hook(struct feedctl *, int, char **);
/* cmd_tokens.c */
int	cmd_token(struct feedctl *, int, char **);
/* cmd_entries.c */
int	cmd_new(struct feedctl *, int, char **);
int	cmd_list(struct feedctl *, int, char **);
int	cmd_show(struct feedctl *, int, char **);
int	cmd_search(struct feedctl *, int, char **);
int	cmd_follow(struct feedctl *, int, char **);

#endif
