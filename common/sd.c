#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"
#include "xmalloc.h"

/* A decimal number made of digits only, within max; 0 or -1. */
static int
parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*ret = v;
	return 0;
}

int
sd_notify_address(const char *spec, struct sockaddr_un *ret_addr,
    socklen_t *ret_len, char *err, size_t errlen)
{
	size_t len = spec != NULL ? strlen(spec) : 0;

	memset(ret_addr, 0, sizeof(*ret_addr));
	ret_addr->sun_family = AF_UNIX;
	if (len < 2 || (spec[0] != '/' && spec[0] != '@')) {
		snprintf(err, errlen, "NOTIFY_SOCKET '%s' is neither an "
		    "absolute path nor an abstract name", spec != NULL ?
		    spec : "");
		return -1;
	}
	if (len >= sizeof(ret_addr->sun_path)) {
		snprintf(err, errlen, "NOTIFY_SOCKET '%s' is too long", spec);
		return -1;
	}
	memcpy(ret_addr->sun_path, spec, len);
	if (spec[0] == '@') {
		/*
		 * An abstract name is every byte of sun_path up to the given
		 * length, trailing zeros included: pass the exact length, or
		 * the name differs and sendto() fails with ECONNREFUSED.
		 */
		ret_addr->sun_path[0] = '\0';
		*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    len);
	} else
		*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    len + 1);
	return 0;
}

int
sd_notifier_open(struct sd_notifier *n, bool unset_env, char *err,
    size_t errlen)
{
	const char *spec = getenv("NOTIFY_SOCKET");
	int rc = 0;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (spec == NULL || *spec == '\0')
		goto out;
	if (sd_notify_address(spec, &n->addr, &n->addrlen, err, errlen) ==
	    -1) {
		rc = -1;
		goto out;
	}
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd == -1) {
		snprintf(err, errlen, "notify socket: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	rc = 1;
out:
	if (unset_env)
		unsetenv("NOTIFY_SOCKET");
	return rc;
}

int
sd_notifier_send(struct sd_notifier *n, const char *state, char *err,
    size_t errlen)
{
	size_t len = strlen(state);
	ssize_t sent;

	if (n->fd == -1)
		return 0;
	/*
	 * The manager reads each datagram whole; it is not a stream, so a
	 * short send cannot happen: the message goes, or it does not.
	 * EAGAIN means the manager's queue is full; the next message will
	 * carry the current state again.
	 */
	do
		sent = sendto(n->fd, state, len, MSG_NOSIGNAL,
		    (const struct sockaddr *)&n->addr, n->addrlen);
	while (sent == -1 && errno == EINTR);
	if (sent == -1) {
		snprintf(err, errlen, "cannot notify the service manager: %s",
		    strerror(errno));
		return -1;
	}
	return 1;
}

void
sd_notifier_close(struct sd_notifier *n)
{
	if (n->fd != -1)
		close(n->fd);
	n->fd = -1;
}

static char **
split_names(const char *s, size_t n)
{
	char **names = xcalloc(n + 1, sizeof(*names));
	size_t i = 0;

	while (s != NULL && i < n) {
		const char *colon = strchr(s, ':');
		size_t len = colon != NULL ? (size_t)(colon - s) : strlen(s);

		names[i++] = xstrndup(s, len);
		s = colon != NULL ? colon + 1 : NULL;
	}
	for (; i < n; i++)
		names[i] = xstrdup("unknown");
	return names;
}

void
sd_listen_names_free(char **names)
{
	if (names == NULL)
		return;
	for (size_t i = 0; names[i] != NULL; i++)
		free(names[i]);
	free(names);
}

int
sd_listen_fds_take(bool unset_env, char ***ret_names, char *err,
    size_t errlen)
{
	const char *e_pid = getenv("LISTEN_PID");
	const char *e_fds = getenv("LISTEN_FDS");
	uint64_t pid, nfds;
	int rc = 0;

	if (ret_names != NULL)
		*ret_names = NULL;
	if (e_pid == NULL || e_fds == NULL)
		goto out;
	if (parse_u64(e_pid, INT_MAX, &pid) == -1 ||
	    parse_u64(e_fds, INT_MAX - SD_LISTEN_FDS_START, &nfds) == -1) {
		snprintf(err, errlen, "malformed LISTEN_PID '%s' or "
		    "LISTEN_FDS '%s'", e_pid, e_fds);
		rc = -1;
		goto out;
	}
	/* Inherited by a child of the process they were meant for. */
	if ((pid_t)pid != getpid())
		goto out;
	for (int fd = SD_LISTEN_FDS_START;
	    fd < SD_LISTEN_FDS_START + (int)nfds; fd++) {
		int flags = fcntl(fd, F_GETFD);

		if (flags == -1) {
			snprintf(err, errlen, "LISTEN_FDS=%s, but fd %d is "
			    "not open", e_fds, fd);
			rc = -1;
			goto out;
		}
		if (fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1) {
			snprintf(err, errlen, "fd %d: %s", fd,
			    strerror(errno));
			rc = -1;
			goto out;
		}
	}
	if (ret_names != NULL)
		*ret_names = split_names(getenv("LISTEN_FDNAMES"),
		    (size_t)nfds);
	rc = (int)nfds;
out:
	if (unset_env) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
	}
	return rc;
}

int
sd_watchdog_interval(bool unset_env, uint64_t *ret_usec, char *err,
    size_t errlen)
{
	const char *e_usec = getenv("WATCHDOG_USEC");
	const char *e_pid = getenv("WATCHDOG_PID");
	uint64_t usec, pid;
	int rc = 0;

	*ret_usec = 0;
	if (e_usec == NULL)
		goto out;
	if (parse_u64(e_usec, UINT64_MAX - 1, &usec) == -1 || usec == 0) {
		snprintf(err, errlen, "malformed WATCHDOG_USEC '%s'", e_usec);
		rc = -1;
		goto out;
	}
	if (e_pid != NULL) {
		if (parse_u64(e_pid, INT_MAX, &pid) == -1) {
			snprintf(err, errlen, "malformed WATCHDOG_PID '%s'",
			    e_pid);
			rc = -1;
			goto out;
		}
		if ((pid_t)pid != getpid())
			goto out;
	}
	*ret_usec = usec;
	rc = 1;
out:
	if (unset_env) {
		unsetenv("WATCHDOG_USEC");
		unsetenv("WATCHDOG_PID");
	}
	return rc;
}

uint64_t
sd_monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
