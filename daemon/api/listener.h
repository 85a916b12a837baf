/*
 * listener: the sockets the API listens on.
 *
 * listener_unix() creates a Unix stream socket at path, safely: a stale
 * socket file left by a dead daemon is replaced, a live daemon on it makes
 * the call fail, and anything that is not a socket is never removed. The
 * socket ends up mode 0660 (group: the given one, else ours). A socket passed
 * by systemd is not made here and must not be touched (see sd.h).
 * listener_tcp() listens on a loopback address unless allow_remote is set.
 * Both return a non-blocking, close-on-exec descriptor, or -1 with err set.
 */
#ifndef FEEDD_LISTENER_H
#define FEEDD_LISTENER_H

#include <stdbool.h>
#include <stddef.h>

int	listener_unix(const char *path, const char *group, char *err,
	    size_t errlen);
int	listener_tcp(const char *hostport, bool allow_remote, char *err,
	    size_t errlen);
/*
 * What would make listener_unix (path may be NULL, group too) or
 * listener_tcp refuse their arguments, checked without a socket (for the
 * configuration): 0, or -1 with err set.
 */
int	listener_unix_check(const char *path, const char *group, char *err,
	    size_t errlen);
int	listener_tcp_check(const char *hostport, bool allow_remote, char *err,
	    size_t errlen);
/* mkdir -p for the directory part of path; 0 or -1 with err set. */
int	listener_mkdir_parent(const char *path, int mode, char *err,
	    size_t errlen);

#endif
