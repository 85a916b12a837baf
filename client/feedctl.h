/*
 * feedctl: the command-line client. Each command is a function taking the
 * global options and its own arguments (argv[0] is the command name) and
 * returning the exit code: 0 ok, 1 daemon unreachable or request failed,
 * 2 usage error.
 */
#ifndef FEEDD_FEEDCTL_H
#define FEEDD_FEEDCTL_H

#include <stdbool.h>

#define FEEDCTL_OK	0
#define FEEDCTL_FAIL	1
#define FEEDCTL_USAGE	2

struct feedctl {
	const char	*socket;	/* resolved socket path */
	bool		 json;		/* --json: raw JSON on stdout */
	bool		 color;		/* stdout is a terminal, NO_COLOR unset */
	int		 columns;	/* terminal width */
};

struct feedctl_cmd {
	const char	*name;
	int		(*run)(struct feedctl *, int argc, char **argv);
	const char	*usage;
	const char	*help;
};

#endif
