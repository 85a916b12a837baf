#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listener.h"
#include "xmalloc.h"

int
listener_mkdir_parent(const char *path, int mode, char *err, size_t errlen)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash == NULL || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(dir, (mode_t)mode) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create directory '%s': %s",
			    dir, strerror(errno));
			rc = -1;
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(dir);
	return rc;
}

static int
fill_sun(struct sockaddr_un *sun, const char *path, char *err, size_t errlen)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "socket path '%s' is longer than %zu "
		    "bytes", path, sizeof(sun->sun_path) - 1);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/*
 * 1: something answers on path, 0: nothing there or a stale socket (removed),
 * -1: path exists but is not ours to remove.
 */
static int
probe_existing(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "'%s' exists and is not a socket; "
		    "not removing it", path);
		return -1;
	}
	if (fill_sun(&sun, path, err, errlen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "another feedd is already listening on "
		    "'%s'", path);
		return 1;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "cannot probe '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	return 0;
}

int
listener_unix(const char *path, const char *group, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	if (fill_sun(&sun, path, err, errlen) == -1)
		return -1;
	if (listener_mkdir_parent(path, 0755, err, errlen) == -1)
		return -1;
	if (probe_existing(path, err, errlen) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "cannot bind '%s': %s", path,
		    strerror(errno));
		goto fail;
	}
	/* Under UMask=0077 bind() makes it 0700: set the mode we promise. */
	if (chmod(path, 0660) == -1) {
		snprintf(err, errlen, "cannot chmod '%s': %s", path,
		    strerror(errno));
		goto fail_unlink;
	}
	if (group != NULL) {
		struct group *gr = getgrnam(group);

		if (gr == NULL) {
			snprintf(err, errlen, "socket_group '%s' does not "
			    "exist", group);
			goto fail_unlink;
		}
		if (chown(path, (uid_t)-1, gr->gr_gid) == -1) {
			snprintf(err, errlen, "cannot give '%s' to group "
			    "'%s': %s", path, group, strerror(errno));
			goto fail_unlink;
		}
	}
	if (listen(fd, 128) == -1) {
		snprintf(err, errlen, "cannot listen on '%s': %s", path,
		    strerror(errno));
		goto fail_unlink;
	}
	return fd;
fail_unlink:
	unlink(path);
fail:
	close(fd);
	return -1;
}

static bool
addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}

int
listener_unix_check(const char *path, const char *group, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;

	if (path != NULL && fill_sun(&sun, path, err, errlen) == -1)
		return -1;
	if (group != NULL && getgrnam(group) == NULL) {
		snprintf(err, errlen, "socket_group '%s' does not exist",
		    group);
		return -1;
	}
	return 0;
}

/*
 * "[::1]:8080" or "127.0.0.1:8080" read into *ret (freeaddrinfo it), the
 * loopback rule applied. 0, or -1 with err set.
 */
static int
tcp_address(const char *hostport, bool allow_remote, struct addrinfo **ret,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char *host = xstrdup(hostport), *port;
	int rc = -1, grc;

	*ret = NULL;
	if (host[0] == '[') {
		char *close_br = strchr(host, ']');

		if (close_br == NULL || close_br[1] != ':') {
			snprintf(err, errlen, "listen '%s': expected "
			    "[ADDRESS]:PORT", hostport);
			goto out;
		}
		*close_br = '\0';
		port = close_br + 2;
		memmove(host, host + 1, strlen(host));
	} else if ((port = strrchr(host, ':')) != NULL)
		*port++ = '\0';
	else {
		snprintf(err, errlen, "listen '%s': expected ADDRESS:PORT",
		    hostport);
		goto out;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((grc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "listen '%s': %s (a numeric address and "
		    "port are required)", hostport, gai_strerror(grc));
		goto out;
	}
	if (!allow_remote && !addr_is_loopback(res->ai_addr)) {
		snprintf(err, errlen, "listen '%s' is not a loopback address; "
		    "set listen_allow_remote = yes to serve the API beyond "
		    "this machine", hostport);
		freeaddrinfo(res);
		goto out;
	}
	*ret = res;
	rc = 0;
out:
	free(host);
	return rc;
}

int
listener_tcp_check(const char *hostport, bool allow_remote, char *err,
    size_t errlen)
{
	struct addrinfo *res;

	if (tcp_address(hostport, allow_remote, &res, err, errlen) == -1)
		return -1;
	freeaddrinfo(res);
	return 0;
}

int
listener_tcp(const char *hostport, bool allow_remote, char *err, size_t errlen)
{
	struct addrinfo *res = NULL;
	int fd = -1, on = 1;

	if (tcp_address(hostport, allow_remote, &res, err, errlen) == -1)
		return -1;
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, 128) == -1) {
		snprintf(err, errlen, "cannot listen on '%s': %s", hostport,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
out:
	freeaddrinfo(res);
	return fd;
}
