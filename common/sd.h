/*
 * sd: the systemd service-manager protocols, without libsystemd.
 *
 * These interfaces are documented as stable (sd_notify(3),
 * sd_listen_fds(3), sd_watchdog_enabled(3)) and small enough to implement:
 *
 *   notify      one datagram per message to the AF_UNIX socket named by
 *               $NOTIFY_SOCKET, a path or an abstract name ("@name");
 *   activation  $LISTEN_PID names us, $LISTEN_FDS counts descriptors from
 *               fd 3 on, $LISTEN_FDNAMES gives their names, ':'-separated;
 *   watchdog    $WATCHDOG_USEC is the interval, $WATCHDOG_PID (if set)
 *               says whom it is for.
 *
 * The names differ from libsystemd's on purpose, so that nothing in the
 * process (an NSS module, say) can bind to these by mistake. Like the rest
 * of common/, this module never logs: errors come back in err.
 */
#ifndef FEEDD_SD_H
#define FEEDD_SD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>
#include <sys/un.h>

#define SD_LISTEN_FDS_START	3

struct sd_notifier {
	int		 fd;		/* -1: no notify socket */
	struct sockaddr_un addr;
	socklen_t	 addrlen;	/* exact: abstract names need it */
};

/*
 * Reads $NOTIFY_SOCKET into n and opens a datagram socket for it. Returns
 * 1 when there is a manager to notify, 0 when there is none (n->fd = -1),
 * -1 when the variable is malformed or no socket can be made (err set).
 * With unset_env, the variable is removed so that children don't inherit it.
 */
int	sd_notifier_open(struct sd_notifier *n, bool unset_env, char *err,
	    size_t errlen);
/*
 * Sends state ("READY=1\nSTATUS=...") as one datagram. Returns 1 when sent,
 * 0 when n has no socket, -1 on failure (err set).
 */
int	sd_notifier_send(struct sd_notifier *n, const char *state, char *err,
	    size_t errlen);
void	sd_notifier_close(struct sd_notifier *n);

/* Parses a NOTIFY_SOCKET value into an address; 0 or -1 with err set. */
int	sd_notify_address(const char *spec, struct sockaddr_un *ret_addr,
	    socklen_t *ret_len, char *err, size_t errlen);

/*
 * Socket activation: the descriptors passed to this process. Returns their
 * number (0 when none are for us), -1 when the variables are malformed.
 * Each passed descriptor is made close-on-exec. *ret_names (may be NULL)
 * gets a NULL-terminated array of n names ("unknown" where none was given),
 * freed with sd_listen_names_free(). With unset_env, the LISTEN_*
 * variables are removed.
 */
int	sd_listen_fds_take(bool unset_env, char ***ret_names, char *err,
	    size_t errlen);
void	sd_listen_names_free(char **names);

/*
 * Watchdog: 1 with *ret_usec set when the manager expects keep-alives from
 * this process, 0 when not, -1 when the variables are malformed. With
 * unset_env, WATCHDOG_USEC and WATCHDOG_PID are removed.
 */
int	sd_watchdog_interval(bool unset_env, uint64_t *ret_usec, char *err,
	    size_t errlen);

/* CLOCK_MONOTONIC in microseconds, as MONOTONIC_USEC= wants it. */
uint64_t sd_monotonic_usec(void);

#endif
