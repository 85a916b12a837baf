#include <sys/socket.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "sd.h"
#include "sdglue.h"

#define SDGLUE_API_NAME	"api"

static struct {
	struct sd_notifier notifier;
	bool		 send_failed;	/* log a failure once */
	int		 api_fd;
	struct event_base *base;
	struct event	*ev_watchdog;
	struct event	*ev_status;
	struct event	*ev_ready;
	sdglue_counts_fn counts;
	void		*counts_arg;
	char		 last_status[256];
} sdg = { .notifier = { .fd = -1 }, .api_fd = -1 };

static void
send_state(const char *state)
{
	char err[256];

	if (sd_notifier_send(&sdg.notifier, state, err, sizeof(err)) == -1) {
		if (!sdg.send_failed)
			log_warnx("sd: %s", err);
		sdg.send_failed = true;
		return;
	}
	sdg.send_failed = false;
}

static void
current_status(char *buf, size_t len)
{
	struct sdglue_counts c = { -1, -1, -1, -1, 0, 0, 0, "" };

	if (sdg.counts != NULL)
		sdg.counts(&c, sdg.counts_arg);
	sdglue_format_status(buf, len, &c, time(NULL));
}

static void
send_status_if_changed(void)
{
	char status[sizeof(sdg.last_status)], msg[sizeof(status) + 16];

	current_status(status, sizeof(status));
	if (strcmp(status, sdg.last_status) == 0)
		return;
	memcpy(sdg.last_status, status, sizeof(status));
	snprintf(msg, sizeof(msg), "STATUS=%s", status);
	send_state(msg);
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	send_state("WATCHDOG=1");
}

static void
on_status(evutil_socket_t fd, short what, void *arg)
{
	send_status_if_changed();
}

static void
send_ready(void)
{
	char status[sizeof(sdg.last_status)], msg[sizeof(status) + 32];

	current_status(status, sizeof(status));
	memcpy(sdg.last_status, status, sizeof(status));
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	send_state(msg);
	log_debug("sd: ready");
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	send_ready();
}

static bool
is_listening_stream(int fd)
{
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_STREAM)
		return false;
	len = sizeof(listening);
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
	    &len) == 0 && listening != 0;
}

/* Keeps the descriptor named "api" (or the only one); closes the rest. */
static void
take_listen_fds(void)
{
	char err[256], **names = NULL;
	int n, chosen = -1;

	if ((n = sd_listen_fds_take(true, &names, err, sizeof(err))) == -1) {
		log_warnx("sd: %s; ignoring the passed sockets", err);
		return;
	}
	for (int i = 0; i < n; i++)
		if (chosen == -1 && strcmp(names[i], SDGLUE_API_NAME) == 0)
			chosen = i;
	if (chosen == -1 && n == 1)
		chosen = 0;
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (i != chosen) {
			log_warnx("sd: passed socket '%s' (fd %d) is not "
			    "one feedd serves, closing it", names[i], fd);
			close(fd);
			continue;
		}
		if (!is_listening_stream(fd)) {
			log_warnx("sd: passed socket '%s' (fd %d) is not a "
			    "listening stream socket, ignoring it",
			    names[i], fd);
			close(fd);
			continue;
		}
		/* libevent's listener wants a non-blocking descriptor. */
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) ==
		    -1) {
			log_warn("sd: fd %d", fd);
			close(fd);
			continue;
		}
		sdg.api_fd = fd;
	}
	sd_listen_names_free(names);
}

static int
arm_watchdog(void)
{
	char err[256];
	uint64_t usec;
	struct timeval tv;
	int rc;

	rc = sd_watchdog_interval(true, &usec, err, sizeof(err));
	if (rc == -1)
		log_warnx("sd: %s; not sending keep-alives", err);
	if (rc != 1 || sdg.notifier.fd == -1)
		return 0;
	/* Half the interval, as sd_watchdog_enabled(3) recommends. */
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000u);
	tv.tv_usec = (suseconds_t)(usec % 1000000u);
	if ((sdg.ev_watchdog = event_new(sdg.base, -1, EV_PERSIST,
	    on_watchdog, NULL)) == NULL || event_add(sdg.ev_watchdog, &tv) ==
	    -1) {
		log_errx("sd: cannot arm the watchdog timer");
		return -1;
	}
	log_debug("sd: watchdog keep-alive every %" PRIu64 " ms",
	    usec / 1000u);
	return 0;
}

int
sdglue_init(struct event_base *base, sdglue_counts_fn counts, void *arg)
{
	struct timeval tv = { SDGLUE_STATUS_INTERVAL_S, 0 };
	char err[256];

	sdg.base = base;
	sdg.counts = counts;
	sdg.counts_arg = arg;
	if (sd_notifier_open(&sdg.notifier, true, err, sizeof(err)) == -1)
		log_warnx("sd: %s; not notifying the service manager", err);
	take_listen_fds();
	if (arm_watchdog() == -1)
		return -1;
	if (sdg.notifier.fd == -1)
		return 0;
	if ((sdg.ev_status = event_new(base, -1, EV_PERSIST, on_status,
	    NULL)) == NULL || event_add(sdg.ev_status, &tv) == -1) {
		log_errx("sd: cannot arm the status timer");
		return -1;
	}
	return 0;
}

void
sdglue_fini(void)
{
	if (sdg.ev_watchdog != NULL)
		event_free(sdg.ev_watchdog);
	if (sdg.ev_status != NULL)
		event_free(sdg.ev_status);
	if (sdg.ev_ready != NULL)
		event_free(sdg.ev_ready);
	sdg.ev_watchdog = sdg.ev_status = sdg.ev_ready = NULL;
	if (sdg.api_fd != -1)
		close(sdg.api_fd);
	sdg.api_fd = -1;
	sd_notifier_close(&sdg.notifier);
	sdg.base = NULL;
}

int
sdglue_api_fd(void)
{
	int fd = sdg.api_fd;

	sdg.api_fd = -1;
	return fd;
}

bool
sdglue_active(void)
{
	return sdg.notifier.fd != -1;
}

void
sdglue_ready(void)
{
	struct timeval now = { 0, 0 };

	if (sdg.notifier.fd == -1)
		return;
	/*
	 * The first READY=1 waits for the loop to run: sockets bound before
	 * it only queue connections, the loop is what answers them.
	 */
	if (sdg.base != NULL && sdg.ev_ready == NULL) {
		if ((sdg.ev_ready = event_new(sdg.base, -1, 0, on_ready,
		    NULL)) != NULL && event_add(sdg.ev_ready, &now) == 0)
			return;
		log_warnx("sd: cannot defer READY=1, sending it now");
	}
	send_ready();
}

void
sdglue_reloading(void)
{
	char msg[128];

	if (sdg.notifier.fd == -1)
		return;
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64
	    "\nSTATUS=Reloading the configuration", sd_monotonic_usec());
	sdg.last_status[0] = '\0';
	send_state(msg);
}

void
sdglue_stopping(void)
{
	if (sdg.notifier.fd == -1)
		return;
	sdg.last_status[0] = '\0';
	send_state("STOPPING=1\nSTATUS=Shutting down");
}

void
sdglue_status(const char *fmt, ...)
{
	char msg[sizeof(sdg.last_status) + 16];
	va_list ap;
	int n;

	if (sdg.notifier.fd == -1)
		return;
	n = snprintf(msg, sizeof(msg), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/* The periodic refresh puts the counts back when they change. */
	sdg.last_status[0] = '\0';
	send_state(msg);
}

void
sdglue_refresh(void)
{
	if (sdg.notifier.fd != -1)
		send_status_if_changed();
}

static void
format_in(char *buf, size_t len, time_t delta)
{
	if (delta <= 0)
		snprintf(buf, len, "now");
	else if (delta < 90)
		snprintf(buf, len, "in %lld s", (long long)delta);
	else if (delta < 90 * 60)
		snprintf(buf, len, "in %lld min", (long long)(delta + 59) / 60);
	else if (delta < 36 * 3600)
		snprintf(buf, len, "in %lld h", (long long)(delta + 1799) /
		    3600);
	else
		snprintf(buf, len, "in %lld d", (long long)(delta + 43199) /
		    86400);
}

void
sdglue_format_status(char *buf, size_t len, const struct sdglue_counts *c,
    time_t now)
{
	size_t off = 0;
	char when[32];

#define APPEND(...) do {						\
	int n_ = snprintf(buf + off, len - off, __VA_ARGS__);		\
	if (n_ > 0)							\
		off = (size_t)n_ >= len - off ? len - 1 : off + (size_t)n_; \
} while (0)

	if (len == 0)
		return;
	buf[0] = '\0';
	APPEND("%lld feed%s", (long long)(c->feeds < 0 ? 0 : c->feeds),
	    c->feeds == 1 ? "" : "s");
	if (c->entries >= 0)
		APPEND(", %lld entr%s", (long long)c->entries,
		    c->entries == 1 ? "y" : "ies");
	if (c->backing_off >= 0)
		APPEND(", %lld backing off", (long long)c->backing_off);
	if (c->failing > 0)
		APPEND(", %lld failing", (long long)c->failing);
	if (c->in_flight > 0)
		APPEND(", %lld polling", (long long)c->in_flight);
	if (c->due > 0)
		APPEND(", %lld due", (long long)c->due);
	if (c->next_poll > 0) {
		format_in(when, sizeof(when), c->next_poll - now);
		APPEND(", next poll %s", when);
	}
	if (c->store_error[0] != '\0')
		APPEND("; database failing: %s", c->store_error);
#undef APPEND
}
