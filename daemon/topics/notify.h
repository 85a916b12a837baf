/*
 * notify: runs the commands of hooks, from the event loop.
 *
 * Promises: a command runs with posix_spawn, never through a shell, in its
 * own process group, with the daemon's environment plus the variables given,
 * stdin fed from a pipe (the input given, then EOF) and stdout on /dev/null.
 * At most max_parallel commands run at once; more wait in a queue (capped:
 * beyond NOTIFY_QUEUE_MAX a job is dropped with a warning). A command still
 * running after its own timeout is killed with its process group. Its exit
 * status and the start of its stderr are logged, and every run's outcome
 * is told to the on_outcome callback with its tag: success, or why it
 * failed (cannot start, exits non-zero, is killed or times out, or is
 * dropped from a full queue). Nothing here ever blocks
 * the loop: pipes are non-blocking and children are reaped on SIGCHLD.
 */
#ifndef FEEDD_NOTIFY_H
#define FEEDD_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#define NOTIFY_QUEUE_MAX	1000
#define NOTIFY_STDERR_MAX	2048	/* bytes of stderr kept for the log */
/*
 * feedd.conf's notify_max_parallel and notify_timeout (the timeout of a
 * hook that gives none) when not set.
 */
#define NOTIFY_DEFAULT_MAX_PARALLEL	4
#define NOTIFY_DEFAULT_TIMEOUT_S	30

struct event_base;
struct notify;

struct notify	*notify_new(struct event_base *base, int max_parallel);
/*
 * A run ended: the tag given to notify_run (may be NULL) and, when it
 * failed, why in words ("'cmd' exited with status 3: first line of
 * stderr"); why is NULL for a run that exited 0.
 */
typedef void	 notify_outcome_fn(void *arg, const char *tag,
		    const char *why);
void		 notify_on_outcome(struct notify *n, notify_outcome_fn *fn,
		    void *arg);
/*
 * Counts into m (metrics.h): feedd_notify_runs_total (runs that ended or
 * could not start) and feedd_notify_failures_total (every run told to
 * on_failure).
 */
struct metrics;
void		 notify_set_metrics(struct notify *n, struct metrics *m);
/* A new limit (reload); running commands go on. */
void		 notify_set_limits(struct notify *n, int max_parallel);
/*
 * Queues one run of argv (NULL-terminated; copied) with env (NULL or
 * NULL-terminated "NAME=value" strings that override the daemon's; copied)
 * and input[0..len) on stdin (copied), killed timeout_s seconds after it
 * starts (0: never). label names the job in the log; tag (may be NULL)
 * is handed back to on_outcome. 0, or -1 when the queue is full.
 */
int		 notify_run(struct notify *n, char *const argv[],
		    char *const env[], const char *input, size_t len,
		    int64_t timeout_s, const char *label, const char *tag);
/* Commands running and waiting. */
size_t		 notify_running(const struct notify *n);
size_t		 notify_queued(const struct notify *n);
/*
 * Runs the event loop until every queued and running command has ended,
 * or max_s seconds passed (feedd --once, before exiting).
 */
void		 notify_drain(struct notify *n, int64_t max_s);
/*
 * Drops the queue, sends SIGTERM to the running commands' process groups,
 * waits up to a second for them, then SIGKILLs what is left; frees n.
 */
void		 notify_free(struct notify *n);

#endif
