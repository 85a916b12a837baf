/*
 * notify: real commands (/bin/sh, sleep) run from a real libevent loop:
 * environment and stdin reach the command, the parallel limit holds, a
 * command past its timeout is killed, a missing command is only logged,
 * and a command that ignores its stdin does not wedge anything.
 */
#include <sys/stat.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "log.h"
#include "notify.h"
#include "tap.h"

struct watch {
	struct notify	*n;
	struct event_base *base;
	size_t		 max_running;
	int		 ticks;
};

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct watch *w = arg;

	if (notify_running(w->n) > w->max_running)
		w->max_running = notify_running(w->n);
	if ((notify_running(w->n) == 0 && notify_queued(w->n) == 0) ||
	    ++w->ticks > 600)
		event_base_loopexit(w->base, NULL);
}

/* Runs the loop until n is idle (at most 30 s); the most seen running. */
static size_t
run_until_idle(struct event_base *base, struct notify *n)
{
	struct watch w = { n, base, 0, 0 };
	struct timeval tv = { 0, 50 * 1000 };
	struct event *ev = event_new(base, -1, EV_PERSIST, on_tick, &w);

	event_add(ev, &tv);
	event_base_dispatch(base);
	event_free(ev);
	return w.max_running;
}

static char *
slurp(const char *path)
{
	static char text[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The failures told so far, as "tag: why" lines; the successes counted. */
static struct buf failures;
static size_t successes;

static void
on_outcome(void *arg, const char *tag, const char *why)
{
	if (why == NULL)
		successes++;
	else
		buf_printf(&failures, "%s: %s\n", tag != NULL ? tag : "-",
		    why);
}

static bool
failure_seen(const char *tag, const char *words)
{
	const char *p = failures.data;
	size_t tl = strlen(tag);

	while ((p = strstr(p, tag)) != NULL) {
		const char *nl = strchr(p, '\n');

		if (p[tl] == ':' && (p == failures.data || p[-1] == '\n')) {
			char *line = strndup(p, (size_t)(nl - p));
			bool found = strstr(line, words) != NULL;

			free(line);
			if (found)
				return true;
		}
		p += tl;
	}
	diag("failures: %s", failures.data);
	return false;
}

int
main(void)
{
	char dir[] = "/tmp/feedd-notify-XXXXXX", out[256], script[1024];
	char *const env[] = { "FEEDD_TOPIC=coalition",
	    "FEEDD_TITLE=Коаліція охочих", NULL };
	struct event_base *base;
	struct notify *n;
	const char *text;
	double t0;
	size_t most;

	log_init("test_notify");
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL)
		return 1;
	base = event_base_new();
	buf_init(&failures);
	n = notify_new(base, 2);
	ok(n != NULL, "notify_new");
	notify_on_outcome(n, on_outcome, NULL);

	/* Environment and stdin. */
	snprintf(out, sizeof(out), "%s/one", dir);
	snprintf(script, sizeof(script), "printf '%%s|%%s|' \"$FEEDD_TOPIC\" "
	    "\"$FEEDD_TITLE\" > %s; cat >> %s", out, out);
	{
		char *const argv[] = { "/bin/sh", "-c", script, NULL };

		ok(notify_run(n, argv, env, "{\"id\":1}", 8, 10, "test",
		    NULL) == 0,
		    "a job is queued");
	}
	run_until_idle(base, n);
	text = slurp(out);
	is_str(text, "coalition|Коаліція охочих|{\"id\":1}",
	    "the command saw the variables and its stdin");
	ok(successes == 1 && failures.len == 0,
	    "its success is told (successes %zu)", successes);

	/* Parallel limit: six jobs, two at a time. */
	t0 = now_s();
	for (int i = 0; i < 6; i++) {
		char *const argv[] = { "sleep", "0.3", NULL };

		notify_run(n, argv, NULL, NULL, 0, 10, "sleeper", NULL);
	}
	ok(notify_running(n) == 2 && notify_queued(n) == 4,
	    "two start, four wait (running %zu, queued %zu)",
	    notify_running(n), notify_queued(n));
	most = run_until_idle(base, n);
	ok(most <= 2, "never more than two at once (saw %zu)", most);
	ok(now_s() - t0 >= 0.8, "the queue ran in three waves (%.2f s)",
	    now_s() - t0);

	/* Timeouts: each job its own. */
	t0 = now_s();
	snprintf(out, sizeof(out), "%s/patient", dir);
	snprintf(script, sizeof(script), "sleep 1.5; touch %s", out);
	{
		char *const argv[] = { "/bin/sh", "-c", "sleep 30 & sleep 30",
		    NULL };
		char *const patient[] = { "/bin/sh", "-c", script, NULL };

		notify_run(n, patient, NULL, NULL, 0, 60, "patient", NULL);
		notify_run(n, argv, NULL, NULL, 0, 1, "slow", "t-slow");
	}
	run_until_idle(base, n);
	ok(now_s() - t0 < 5, "a command past its timeout is killed "
	    "(%.2f s)", now_s() - t0);
	ok(failure_seen("t-slow", "timed out after 1 s"), "its failure is "
	    "told with its tag");
	ok(access(out, F_OK) == 0, "one with a longer timeout runs to its "
	    "end");
	unlink(out);
	snprintf(out, sizeof(out), "%s/one", dir);

	/* A missing command, and one that ignores a large stdin. */
	{
		char *const argv[] = { "/nonexistent/notify-cmd", NULL };
		char *const argv2[] = { "/bin/sh", "-c", "exit 3", NULL };
		static char big[1 << 20];

		memset(big, 'x', sizeof(big));
		notify_run(n, argv, NULL, NULL, 0, 10, "missing",
		    "t-missing");
		notify_run(n, argv2, NULL, big, sizeof(big), 10, "deaf",
		    "t-deaf");
		t0 = now_s();
		run_until_idle(base, n);
		ok(notify_running(n) == 0 && now_s() - t0 < 5,
		    "a missing command and a deaf one both finish");
		ok(failure_seen("t-missing", "cannot run "
		    "'/nonexistent/notify-cmd': No such file"),
		    "a missing command is a failure");
		ok(failure_seen("t-deaf", "exited with status 3"),
		    "a non-zero exit is a failure");
	}

	/* notify_drain runs the loop until everything ran. */
	{
		char *const argv[] = { "sleep", "0.2", NULL };

		notify_set_limits(n, 1);
		for (int i = 0; i < 3; i++)
			notify_run(n, argv, NULL, NULL, 0, 10, "drained",
			    NULL);
		t0 = now_s();
		notify_drain(n, 10);
		ok(notify_running(n) == 0 && notify_queued(n) == 0 &&
		    now_s() - t0 >= 0.5, "notify_drain waits for the queue "
		    "(%.2f s)", now_s() - t0);
	}

	/* The queue is capped. */
	{
		char *const argv[] = { "sleep", "5", NULL };
		int refused = 0;

		notify_set_limits(n, 1);
		for (int i = 0; i < NOTIFY_QUEUE_MAX + 5; i++)
			if (notify_run(n, argv, NULL, NULL, 0, 10,
			    "flood", "t-flood") == -1)
				refused++;
		ok(refused == 4, "the queue refuses beyond %d (refused %d)",
		    NOTIFY_QUEUE_MAX, refused);
		ok(failure_seen("t-flood", "already waiting"),
		    "a run dropped from a full queue is a failure");
	}
	t0 = now_s();
	notify_free(n);
	ok(now_s() - t0 < 3, "notify_free stops what runs (%.2f s)",
	    now_s() - t0);
	event_base_free(base);
	unlink(out);
	rmdir(dir);
	return tap_done();
}
