/*
 * notify: posix_spawn, non-blocking pipes and SIGCHLD in the libevent loop.
 * A job is finished when its process has been reaped; its stderr pipe is then
 * drained once and closed, so a grandchild that keeps the pipe open cannot
 * hold the job slot.
 */
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "strv.h"
#include "xmalloc.h"

extern char **environ;

struct notify_job {
	TAILQ_ENTRY(notify_job) link;
	struct notify	*n;
	char		**argv;
	char		**env;		/* the overrides only */
	char		*label;
	char		*tag;		/* the caller's, for on_outcome */
	char		*input;
	size_t		 len;
	size_t		 off;
	int64_t		 timeout_s;
	pid_t		 pid;
	int		 in_fd;
	int		 err_fd;
	struct event	*ev_in;
	struct event	*ev_err;
	struct event	*ev_timeout;
	struct buf	 errtext;
	bool		 err_cut;
	bool		 timed_out;
	struct timespec	 started;
};

TAILQ_HEAD(notify_jobs, notify_job);

struct notify {
	struct event_base *base;
	struct event	*ev_chld;
	struct notify_jobs queue;
	struct notify_jobs running;
	size_t		 nqueued;
	size_t		 nrunning;
	int		 max_parallel;
	notify_outcome_fn *on_outcome;
	void		*outcome_arg;
	struct metric	*m_runs;	/* metrics.h, or NULL */
	struct metric	*m_failures;
};

static void	pump(struct notify *);

/* Tells the caller of a run that failed, in words (see notify.h). */
static void __attribute__((format(printf, 3, 4)))
failed(struct notify *n, const char *tag, const char *fmt, ...)
{
	va_list ap;
	char *why;

	metric_add(n->m_failures, 1);
	if (n->on_outcome == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) == -1)
		why = NULL;
	va_end(ap);
	if (why != NULL)
		n->on_outcome(n->outcome_arg, tag, why);
	free(why);
}


/* environ minus the names env overrides, then env; borrowed strings. */
static char **
env_merge(char *const env[])
{
	char **out;
	size_t i, k, n = 0, ne = 0;

	while (environ[n] != NULL)
		n++;
	while (env != NULL && env[ne] != NULL)
		ne++;
	out = xreallocarray(NULL, n + ne + 1, sizeof(*out));
	for (i = 0, k = 0; i < n; i++) {
		bool overridden = false;

		for (size_t j = 0; j < ne && !overridden; j++) {
			const char *eq = strchr(env[j], '=');
			size_t nl = eq != NULL ? (size_t)(eq - env[j]) :
			    strlen(env[j]);

			overridden = strncmp(environ[i], env[j], nl) == 0 &&
			    environ[i][nl] == '=';
		}
		if (!overridden)
			out[k++] = environ[i];
	}
	for (i = 0; i < ne; i++)
		out[k++] = env[i];
	out[k] = NULL;
	return out;
}

static void
job_free(struct notify_job *j)
{
	if (j == NULL)
		return;
	if (j->ev_in != NULL)
		event_free(j->ev_in);
	if (j->ev_err != NULL)
		event_free(j->ev_err);
	if (j->ev_timeout != NULL)
		event_free(j->ev_timeout);
	if (j->in_fd != -1)
		close(j->in_fd);
	if (j->err_fd != -1)
		close(j->err_fd);
	strv_free(j->argv);
	strv_free(j->env);
	free(j->label);
	free(j->tag);
	free(j->input);
	buf_free(&j->errtext);
	free(j);
}

static void
close_input(struct notify_job *j)
{
	if (j->ev_in != NULL) {
		event_free(j->ev_in);
		j->ev_in = NULL;
	}
	if (j->in_fd != -1) {
		close(j->in_fd);
		j->in_fd = -1;
	}
}

/* Writes what the pipe takes; closes it when all is written or refused. */
static void
write_input(struct notify_job *j)
{
	while (j->off < j->len) {
		ssize_t w = write(j->in_fd, j->input + j->off, j->len - j->off);

		if (w > 0) {
			j->off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN) {
			if (j->ev_in != NULL)
				event_add(j->ev_in, NULL);
			return;
		}
		/* EPIPE: the command does not read its input; fine. */
		break;
	}
	close_input(j);
}

static void
on_input(evutil_socket_t fd, short what, void *arg)
{
	write_input(arg);
}

/* Reads what is there; false at EOF or error (the fd is then closed). */
static bool
read_stderr(struct notify_job *j)
{
	char chunk[4096];
	ssize_t r;

	for (;;) {
		r = read(j->err_fd, chunk, sizeof(chunk));
		if (r > 0) {
			size_t room = NOTIFY_STDERR_MAX - j->errtext.len;

			if ((size_t)r > room) {
				j->err_cut = true;
				r = (ssize_t)room;
			}
			buf_append(&j->errtext, chunk, (size_t)r);
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EAGAIN)
			return true;
		break;
	}
	if (j->ev_err != NULL) {
		event_free(j->ev_err);
		j->ev_err = NULL;
	}
	close(j->err_fd);
	j->err_fd = -1;
	return false;
}

static void
on_stderr(evutil_socket_t fd, short what, void *arg)
{
	read_stderr(arg);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct notify_job *j = arg;

	log_warnx("notify: %s: '%s' still running after %lld s, killing it",
	    j->label, j->argv[0], (long long)j->timeout_s);
	j->timed_out = true;
	kill(-j->pid, SIGKILL);
}

/* The first lines of stderr, on one log line. */
static const char *
stderr_text(struct notify_job *j)
{
	size_t i;

	while (j->errtext.len > 0 &&
	    (j->errtext.data[j->errtext.len - 1] == '\n' ||
	    j->errtext.data[j->errtext.len - 1] == ' '))
		j->errtext.len--;
	for (i = 0; i < j->errtext.len; i++)
		if (j->errtext.data[i] == '\n' || j->errtext.data[i] == '\r' ||
		    j->errtext.data[i] == '\0')
			j->errtext.data[i] = '|';
	if (j->err_cut)
		buf_puts(&j->errtext, " ...");
	buf_putc(&j->errtext, '\0');
	return j->errtext.data;
}

static void
job_finish(struct notify_job *j, int status)
{
	struct notify *n = j->n;
	struct timespec now;
	double secs;
	const char *text;

	if (j->err_fd != -1)
		read_stderr(j);
	if (j->err_fd != -1) {
		/* Someone else still holds the pipe: stop listening. */
		event_free(j->ev_err);
		j->ev_err = NULL;
		close(j->err_fd);
		j->err_fd = -1;
	}
	close_input(j);
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - j->started.tv_sec) +
	    (double)(now.tv_nsec - j->started.tv_nsec) / 1e9;
	text = stderr_text(j);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		log_info("notify: %s: '%s' done in %.2f s%s%s", j->label,
		    j->argv[0], secs, *text != '\0' ? "; stderr: " : "", text);
		if (n->on_outcome != NULL)
			n->on_outcome(n->outcome_arg, j->tag, NULL);
	} else if (WIFEXITED(status)) {
		log_warnx("notify: %s: '%s' exited with status %d after "
		    "%.2f s%s%s", j->label, j->argv[0], WEXITSTATUS(status),
		    secs, *text != '\0' ? "; stderr: " : "", text);
		failed(n, j->tag, "'%s' exited with status %d%s%.200s",
		    j->argv[0], WEXITSTATUS(status), *text != '\0' ? ": " :
		    "", text);
	} else {
		log_warnx("notify: %s: '%s' %s (signal %d) after %.2f s%s%s",
		    j->label, j->argv[0], j->timed_out ? "timed out and was "
		    "killed" : "was killed", WIFSIGNALED(status) ?
		    WTERMSIG(status) : 0, secs, *text != '\0' ? "; stderr: " :
		    "", text);
		if (j->timed_out)
			failed(n, j->tag, "'%s' timed out after %lld s and "
			    "was killed", j->argv[0],
			    (long long)j->timeout_s);
		else
			failed(n, j->tag, "'%s' was killed (signal %d)",
			    j->argv[0], WIFSIGNALED(status) ?
			    WTERMSIG(status) : 0);
	}
	metric_add(n->m_runs, 1);
	TAILQ_REMOVE(&n->running, j, link);
	n->nrunning--;
	job_free(j);
}

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct notify *n = arg;
	struct notify_job *j, *next;
	int status;

	for (j = TAILQ_FIRST(&n->running); j != NULL; j = next) {
		pid_t r;

		next = TAILQ_NEXT(j, link);
		while ((r = waitpid(j->pid, &status, WNOHANG)) == -1 &&
		    errno == EINTR)
			;
		if (r == j->pid)
			job_finish(j, status);
		else if (r == -1 && errno == ECHILD)
			job_finish(j, 0xff00);	/* reaped elsewhere */
	}
	pump(n);
}

static int
cloexec_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	return 0;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Starts j. 0, or -1 (logged; j is left for the caller to free). */
static int
job_start(struct notify *n, struct notify_job *j)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, deflt;
	char **envp = NULL;
	int in[2] = { -1, -1 }, err[2] = { -1, -1 }, rc = -1, e;
	static const int reset[] = { SIGPIPE, SIGCHLD, SIGHUP, SIGTERM,
	    SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM };

	if (cloexec_pipe(in) == -1 || cloexec_pipe(err) == -1) {
		log_warn("notify: %s: pipe", j->label);
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
	    O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && \
    __GLIBC_MINOR__ >= 34))
	/* Sockets of the daemon that were not opened close-on-exec. */
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&deflt);
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaddset(&deflt, reset[i]);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &deflt);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	envp = env_merge(j->env);
	e = posix_spawnp(&j->pid, j->argv[0], &fa, &attr, j->argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e != 0) {
		errno = e;
		log_warn("notify: %s: cannot run '%s'", j->label, j->argv[0]);
		failed(n, j->tag, "cannot run '%s': %s", j->argv[0],
		    strerror(e));
		goto out;
	}
	close(in[0]);
	close(err[1]);
	in[0] = err[1] = -1;
	j->in_fd = in[1];
	j->err_fd = err[0];
	in[1] = err[0] = -1;
	set_nonblock(j->in_fd);
	set_nonblock(j->err_fd);
	clock_gettime(CLOCK_MONOTONIC, &j->started);
	j->ev_in = event_new(n->base, j->in_fd, EV_WRITE, on_input, j);
	j->ev_err = event_new(n->base, j->err_fd, EV_READ | EV_PERSIST,
	    on_stderr, j);
	j->ev_timeout = evtimer_new(n->base, on_timeout, j);
	if (j->ev_in == NULL || j->ev_err == NULL || j->ev_timeout == NULL) {
		/* Only on OOM; let the command run without supervision. */
		log_warnx("notify: %s: cannot watch '%s'", j->label,
		    j->argv[0]);
	}
	if (j->ev_err != NULL)
		event_add(j->ev_err, NULL);
	if (j->ev_timeout != NULL && j->timeout_s > 0) {
		struct timeval tv = { .tv_sec = (time_t)j->timeout_s };

		evtimer_add(j->ev_timeout, &tv);
	}
	log_debug("notify: %s: started '%s' (pid %d)", j->label, j->argv[0],
	    (int)j->pid);
	write_input(j);
	rc = 0;
out:
	free(envp);
	for (int i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (err[i] != -1)
			close(err[i]);
	}
	return rc;
}

static void
pump(struct notify *n)
{
	struct notify_job *j;

	while (n->nrunning < (size_t)n->max_parallel &&
	    (j = TAILQ_FIRST(&n->queue)) != NULL) {
		TAILQ_REMOVE(&n->queue, j, link);
		n->nqueued--;
		if (job_start(n, j) == -1) {
			metric_add(n->m_runs, 1);
			job_free(j);
			continue;
		}
		TAILQ_INSERT_TAIL(&n->running, j, link);
		n->nrunning++;
	}
}

struct notify *
notify_new(struct event_base *base, int max_parallel)
{
	struct notify *n = xcalloc(1, sizeof(*n));

	n->base = base;
	TAILQ_INIT(&n->queue);
	TAILQ_INIT(&n->running);
	notify_set_limits(n, max_parallel);
	if ((n->ev_chld = evsignal_new(base, SIGCHLD, on_sigchld, n)) == NULL ||
	    event_add(n->ev_chld, NULL) == -1) {
		log_errx("notify: cannot watch SIGCHLD");
		if (n->ev_chld != NULL)
			event_free(n->ev_chld);
		free(n);
		return NULL;
	}
	return n;
}

void
notify_set_limits(struct notify *n, int max_parallel)
{
	n->max_parallel = max_parallel > 0 ? max_parallel : 1;
	pump(n);
}

void
notify_set_metrics(struct notify *n, struct metrics *m)
{
	n->m_runs = metrics_counter(m, "feedd_notify_runs_total", "Hook "
	    "commands run (ended, or could not start).", NULL);
	n->m_failures = metrics_counter(m, "feedd_notify_failures_total",
	    "Hook command runs that failed: could not start, exited "
	    "non-zero, were killed or timed out, or were dropped from a full "
	    "queue.", NULL);
}

void
notify_on_outcome(struct notify *n, notify_outcome_fn *fn, void *arg)
{
	n->on_outcome = fn;
	n->outcome_arg = arg;
}

int
notify_run(struct notify *n, char *const argv[], char *const env[],
    const char *input, size_t len, int64_t timeout_s, const char *label,
    const char *tag)
{
	struct notify_job *j;

	if (argv == NULL || argv[0] == NULL)
		return -1;
	if (n->nqueued >= NOTIFY_QUEUE_MAX) {
		log_warnx("notify: %s: %zu commands already waiting, "
		    "skipping '%s'", label, n->nqueued, argv[0]);
		failed(n, tag, "skipped '%s': %zu commands already waiting",
		    argv[0], n->nqueued);
		return -1;
	}
	j = xcalloc(1, sizeof(*j));
	j->n = n;
	j->argv = strv_dup(argv);
	j->env = strv_dup(env);
	j->label = xstrdup(label != NULL ? label : "notify");
	j->tag = tag != NULL ? xstrdup(tag) : NULL;
	if (len > 0) {
		j->input = xmalloc(len);
		memcpy(j->input, input, len);
	}
	j->len = len;
	j->timeout_s = timeout_s;
	j->pid = -1;
	j->in_fd = j->err_fd = -1;
	buf_init(&j->errtext);
	TAILQ_INSERT_TAIL(&n->queue, j, link);
	n->nqueued++;
	pump(n);
	return 0;
}

size_t
notify_running(const struct notify *n)
{
	return n->nrunning;
}

size_t
notify_queued(const struct notify *n)
{
	return n->nqueued;
}

static void
on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	/* Only wakes the loop up to look at the clock. */
}

void
notify_drain(struct notify *n, int64_t max_s)
{
	struct timespec start, now;
	struct timeval tick = { 0, 100 * 1000 };
	struct event *ev;

	if (n == NULL || n->nrunning + n->nqueued == 0)
		return;
	log_info("notify: waiting for %zu commands to finish",
	    n->nrunning + n->nqueued);
	if ((ev = event_new(n->base, -1, EV_PERSIST, on_drain_tick, n)) ==
	    NULL)
		return;
	event_add(ev, &tick);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		event_base_loop(n->base, EVLOOP_ONCE);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (n->nrunning + n->nqueued > 0 &&
	    now.tv_sec - start.tv_sec < max_s);
	event_free(ev);
}

void
notify_free(struct notify *n)
{
	struct notify_job *j;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int status;

	if (n == NULL)
		return;
	while ((j = TAILQ_FIRST(&n->queue)) != NULL) {
		TAILQ_REMOVE(&n->queue, j, link);
		job_free(j);
	}
	TAILQ_FOREACH(j, &n->running, link)
		kill(-j->pid, SIGTERM);
	for (int tries = 0; tries < 100 && !TAILQ_EMPTY(&n->running);
	    tries++) {
		struct notify_job *next;

		for (j = TAILQ_FIRST(&n->running); j != NULL; j = next) {
			next = TAILQ_NEXT(j, link);
			pid_t r = waitpid(j->pid, &status, WNOHANG);

			if (r == -1 && errno != EINTR)
				job_finish(j, 0xff00);
			else if (r == j->pid)
				job_finish(j, status);
		}
		if (!TAILQ_EMPTY(&n->running))
			nanosleep(&ts, NULL);
	}
	while ((j = TAILQ_FIRST(&n->running)) != NULL) {
		kill(-j->pid, SIGKILL);
		while (waitpid(j->pid, &status, 0) == -1)
			if (errno != EINTR) {
				status = 0xff00;
				break;
			}
		job_finish(j, status);
	}
	event_free(n->ev_chld);
	free(n);
}
