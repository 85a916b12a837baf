/*
 * test_sd: the systemd protocols of common/sd.c (notify addresses and
 * delivery, LISTEN_* and WATCHDOG_* parsing) and sdglue's STATUS= text.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "sdglue.h"
#include "tap.h"

static void
test_address(void)
{
	struct sockaddr_un sun;
	socklen_t len;
	char err[256], longname[200];
	size_t base = offsetof(struct sockaddr_un, sun_path);

	ok(sd_notify_address("/run/systemd/notify", &sun, &len, err,
	    sizeof(err)) == 0 && len == base + 20 &&
	    strcmp(sun.sun_path, "/run/systemd/notify") == 0,
	    "path address: NUL included in the length");
	ok(sd_notify_address("@feedd/x", &sun, &len, err, sizeof(err)) == 0 &&
	    len == base + 8 && sun.sun_path[0] == '\0' &&
	    memcmp(sun.sun_path + 1, "feedd/x", 7) == 0,
	    "abstract address: leading NUL, exact length");
	ok(sd_notify_address("relative", &sun, &len, err, sizeof(err)) == -1,
	    "a relative path is refused (%s)", err);
	ok(sd_notify_address("", &sun, &len, err, sizeof(err)) == -1,
	    "an empty value is refused");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	ok(sd_notify_address(longname, &sun, &len, err, sizeof(err)) == -1,
	    "a path longer than sun_path is refused");
}

static void
test_notify(void)
{
	struct sd_notifier n;
	struct sockaddr_un sun;
	socklen_t len;
	char err[256], name[64], buf[256];
	ssize_t got;
	int fd;

	unsetenv("NOTIFY_SOCKET");
	ok(sd_notifier_open(&n, true, err, sizeof(err)) == 0 && n.fd == -1,
	    "no NOTIFY_SOCKET: nothing to notify");
	ok(sd_notifier_send(&n, "READY=1", err, sizeof(err)) == 0,
	    "sending then is a no-op");

	snprintf(name, sizeof(name), "@feedd-test-sd-%ld", (long)getpid());
	if (sd_notify_address(name, &sun, &len, err, sizeof(err)) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, len) == -1) {
		ok(false, "bind an abstract notify socket");
		return;
	}
	setenv("NOTIFY_SOCKET", name, 1);
	ok(sd_notifier_open(&n, true, err, sizeof(err)) == 1,
	    "NOTIFY_SOCKET=%s opens", name);
	ok(getenv("NOTIFY_SOCKET") == NULL, "and leaves the environment");
	ok(sd_notifier_send(&n, "READY=1\nSTATUS=1 feed", err,
	    sizeof(err)) == 1, "a message is sent");
	got = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[got > 0 ? got : 0] = '\0';
	is_str(buf, "READY=1\nSTATUS=1 feed", "it arrives whole");
	sd_notifier_close(&n);
	close(fd);

	setenv("NOTIFY_SOCKET", "@feedd-test-sd-nobody-listens", 1);
	ok(sd_notifier_open(&n, true, err, sizeof(err)) == 1 &&
	    sd_notifier_send(&n, "READY=1", err, sizeof(err)) == -1,
	    "no listener: the send fails (%s)", err);
	sd_notifier_close(&n);
}

static void
set_listen(const char *pid, const char *fds, const char *names)
{
	char self[32];

	if (pid != NULL && strcmp(pid, "self") == 0) {
		snprintf(self, sizeof(self), "%ld", (long)getpid());
		pid = self;
	}
	if (pid != NULL)
		setenv("LISTEN_PID", pid, 1);
	if (fds != NULL)
		setenv("LISTEN_FDS", fds, 1);
	if (names != NULL)
		setenv("LISTEN_FDNAMES", names, 1);
}

static void
test_listen(void)
{
	char err[256], **names = NULL;
	int sv[2], n;

	ok(sd_listen_fds_take(true, &names, err, sizeof(err)) == 0 &&
	    names == NULL, "no LISTEN_*: no descriptors");

	set_listen("1", "1", "api");
	ok(sd_listen_fds_take(true, &names, err, sizeof(err)) == 0,
	    "LISTEN_PID of another process: none for us");
	ok(getenv("LISTEN_FDS") == NULL && getenv("LISTEN_PID") == NULL &&
	    getenv("LISTEN_FDNAMES") == NULL, "the variables are removed");

	set_listen("self", "x1", NULL);
	ok(sd_listen_fds_take(true, NULL, err, sizeof(err)) == -1,
	    "malformed LISTEN_FDS is an error (%s)", err);

	/* Above 4, so that moving them to 3 and 4 closes nothing. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    (sv[0] = fcntl(sv[0], F_DUPFD, 10)) == -1 ||
	    (sv[1] = fcntl(sv[1], F_DUPFD, 10)) == -1 ||
	    dup2(sv[0], 3) == -1 || dup2(sv[1], 4) == -1) {
		ok(false, "set up fds 3 and 4");
		return;
	}
	close(sv[0]);
	close(sv[1]);
	close(5);
	set_listen("self", "3", "api:other:x");
	ok(sd_listen_fds_take(true, NULL, err, sizeof(err)) == -1,
	    "LISTEN_FDS naming a closed fd is an error (%s)", err);

	set_listen("self", "2", "api");
	n = sd_listen_fds_take(true, &names, err, sizeof(err));
	ok(n == 2, "two descriptors passed");
	if (n == 2) {
		is_str(names[0], "api", "the first is named api");
		is_str(names[1], "unknown", "a missing name is 'unknown'");
		ok(names[2] == NULL, "the names end with NULL");
	}
	ok((fcntl(3, F_GETFD) & FD_CLOEXEC) && (fcntl(4, F_GETFD) &
	    FD_CLOEXEC), "passed descriptors become close-on-exec");
	sd_listen_names_free(names);
	close(3);
	close(4);
}

static void
test_watchdog(void)
{
	char err[256], pid[32];
	uint64_t usec = 1;

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	ok(sd_watchdog_interval(true, &usec, err, sizeof(err)) == 0 &&
	    usec == 0, "no WATCHDOG_USEC: no watchdog");
	setenv("WATCHDOG_USEC", "30000000", 1);
	ok(sd_watchdog_interval(true, &usec, err, sizeof(err)) == 1 &&
	    usec == 30000000, "WATCHDOG_USEC without a pid is for us");
	ok(getenv("WATCHDOG_USEC") == NULL, "and is removed");
	setenv("WATCHDOG_USEC", "30000000", 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ok(sd_watchdog_interval(false, &usec, err, sizeof(err)) == 1,
	    "WATCHDOG_PID naming us");
	setenv("WATCHDOG_PID", "1", 1);
	ok(sd_watchdog_interval(false, &usec, err, sizeof(err)) == 0,
	    "WATCHDOG_PID naming another process: not for us");
	setenv("WATCHDOG_USEC", "0", 1);
	ok(sd_watchdog_interval(false, &usec, err, sizeof(err)) == -1,
	    "WATCHDOG_USEC=0 is malformed");
	setenv("WATCHDOG_USEC", "12s", 1);
	ok(sd_watchdog_interval(true, &usec, err, sizeof(err)) == -1,
	    "WATCHDOG_USEC=12s is malformed (%s)", err);
}

static void
test_status(void)
{
	struct sdglue_counts c = { 120, -1, 3, 0, 0, 0, 0, "" };
	time_t now = 1700000000;
	char buf[256];

	c.next_poll = now + 240;
	sdglue_format_status(buf, sizeof(buf), &c, now);
	is_str(buf, "120 feeds, 3 backing off, next poll in 4 min",
	    "the issue's example");
	c = (struct sdglue_counts){ 1, 1, 0, 2, now - 5, 0, 0, "" };
	sdglue_format_status(buf, sizeof(buf), &c, now);
	is_str(buf, "1 feed, 1 entry, 0 backing off, 2 failing, next poll now",
	    "singulars, failures, an overdue poll");
	c = (struct sdglue_counts){ 7, 1234, 0, 0, now + 30, 0, 0, "" };
	sdglue_format_status(buf, sizeof(buf), &c, now);
	is_str(buf, "7 feeds, 1234 entries, 0 backing off, next poll in 30 s",
	    "seconds");
	c = (struct sdglue_counts){ 7, -1, -1, -1, now + 3 * 3600, 0,
	    0, "" };
	sdglue_format_status(buf, sizeof(buf), &c, now);
	is_str(buf, "7 feeds, next poll in 3 h", "hours; unknown counts left "
	    "out");
	sdglue_format_status(buf, 8, &c, now);
	ok(strlen(buf) == 7, "a short buffer is filled, not overrun");
	c = (struct sdglue_counts){ 232, 1500, 0, 0, now, 3, 57,
	    "committing: database or disk is full" };
	sdglue_format_status(buf, sizeof(buf), &c, now);
	is_str(buf, "232 feeds, 1500 entries, 0 backing off, 3 polling, "
	    "57 due, next poll now; database failing: committing: database "
	    "or disk is full", "polls running and waiting; a failing "
	    "database");
}

int
main(void)
{
	test_address();
	test_notify();
	test_listen();
	test_watchdog();
	test_status();
	return tap_done();
}
