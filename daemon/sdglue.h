/*
 * sdglue: feedd as a systemd service (Type=notify), tied to the event loop.
 *
 * sdglue_init() reads what the service manager passed (notify socket,
 * listening sockets, watchdog interval) and removes it from the environment,
 * so that commands feedd runs inherit none of it. Outside systemd every
 * function here is a no-op, so main.c calls them unconditionally.
 *
 *   READY=1      sdglue_ready(): sent from the loop's first turn, i.e. once
 *                everything built before the loop (DB, API sockets) is up
 *                and requests can be answered; again after a reload
 *   RELOADING=1  sdglue_reloading(), with MONOTONIC_USEC= (systemd 252 has
 *                no Type=notify-reload: ExecReload= sends SIGHUP)
 *   STOPPING=1   sdglue_stopping()
 *   STATUS=      from the counts callback, sent only when the text
 *                changes: after each group of polls is stored
 *                (sdglue_refresh), and every SDGLUE_STATUS_INTERVAL_S for
 *                the "next poll in" countdown; sdglue_status() sets a
 *                one-off text
 *   WATCHDOG=1   from a loop timer at half of WATCHDOG_USEC, only when
 *                WATCHDOG_PID (if set) is this process: a stuck loop stops
 *                the keep-alives and the manager restarts the service
 *
 * There is one service manager per process, so the state is module-global.
 */
#ifndef FEEDD_SDGLUE_H
#define FEEDD_SDGLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SDGLUE_STATUS_INTERVAL_S	10

struct event_base;

/* What STATUS= reports; -1 in a field means "not known". */
struct sdglue_counts {
	int64_t	 feeds;
	int64_t	 entries;
	int64_t	 backing_off;
	int64_t	 failing;
	time_t	 next_poll;	/* 0: none scheduled / not known */
	int64_t	 in_flight;	/* polls running (0: none or not known) */
	int64_t	 due;		/* polls due, waiting for a connection */
	char	 store_error[160];	/* why writes fail; "" when they work */
};

typedef void	(*sdglue_counts_fn)(struct sdglue_counts *ret, void *arg);

/*
 * Reads and clears the manager's environment and arms the watchdog and
 * status timers on base. counts may be NULL. Problems with what the manager
 * passed are logged and otherwise ignored; returns 0, or -1 when the timers
 * cannot be made.
 */
int	sdglue_init(struct event_base *base, sdglue_counts_fn counts,
	    void *arg);
/* Releases the timers and descriptors; call before freeing base. */
void	sdglue_fini(void);

/*
 * The API socket systemd passed (named "api" by FileDescriptorName=, or the
 * only one passed), non-blocking and listening; -1 when there is none. The
 * caller owns it from then on and must not unlink, chmod or probe its path.
 */
int	sdglue_api_fd(void);
/* True when the service manager listens to our notifications. */
bool	sdglue_active(void);

void	sdglue_ready(void);
void	sdglue_reloading(void);
void	sdglue_stopping(void);
void	sdglue_status(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Re-reads the counts now (after a poll, say); sends them if they changed. */
void	sdglue_refresh(void);

/*
 * "120 feeds, 3 backing off, next poll in 4 min" from counts at now, with
 * ", 2 polling, 5 due" while polls run or wait, and "; database failing:
 * WHY" while writes fail.
 */
void	sdglue_format_status(char *buf, size_t len,
	    const struct sdglue_counts *c, time_t now);

#endif
