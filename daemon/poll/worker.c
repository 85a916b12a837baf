#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "worker.h"
#include "xmalloc.h"

struct job {
	STAILQ_ENTRY(job) entry;
	worker_fn	*run;
	worker_fn	*done;
	void		*arg;
};

/* A FIFO of jobs. */
STAILQ_HEAD(jobq, job);

struct worker {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	struct jobq	 todo;		/* under lock */
	struct jobq	 done;		/* under lock */
	bool		 stop;		/* under lock */
	int		 pipe[2];	/* the thread writes a byte per batch done */
	struct event	*ev;
	size_t		 pending;	/* the loop's count */
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct job *j;
	bool notify;
	char c = 0;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (STAILQ_EMPTY(&w->todo) && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if ((j = STAILQ_FIRST(&w->todo)) == NULL)
			break;		/* stopping, and nothing left */
		STAILQ_REMOVE_HEAD(&w->todo, entry);
		pthread_mutex_unlock(&w->lock);
		j->run(j->arg);
		pthread_mutex_lock(&w->lock);
		/* One byte per empty-to-full turn: the loop takes them all. */
		notify = STAILQ_EMPTY(&w->done);
		STAILQ_INSERT_TAIL(&w->done, j, entry);
		if (notify)
			while (write(w->pipe[1], &c, 1) == -1 && errno == EINTR)
				;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Calls done() of every finished job; the loop's thread only. */
static void
deliver(struct worker *w)
{
	struct jobq done = STAILQ_HEAD_INITIALIZER(done);
	struct job *j, *next;
	char drain[64];

	pthread_mutex_lock(&w->lock);
	STAILQ_CONCAT(&done, &w->done);
	while (read(w->pipe[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_unlock(&w->lock);
	for (j = STAILQ_FIRST(&done); j != NULL; j = next) {
		next = STAILQ_NEXT(j, entry);
		w->pending--;
		j->done(j->arg);
		free(j);
	}
	if (w->pending == 0)
		event_del(w->ev);
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	deliver(arg);
}

struct worker *
worker_new(struct event_base *base)
{
	struct worker *w = xcalloc(1, sizeof(*w));

	w->pipe[0] = w->pipe[1] = -1;
	STAILQ_INIT(&w->todo);
	STAILQ_INIT(&w->done);
	if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("worker: pipe");
		goto fail;
	}
	if ((w->ev = event_new(base, w->pipe[0], EV_READ | EV_PERSIST,
	    on_done, w)) == NULL) {
		log_warnx("worker: cannot set up the event loop");
		goto fail;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if ((errno = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
		log_warn("worker: cannot start a thread");
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		goto fail;
	}
	return w;
fail:
	if (w->ev != NULL)
		event_free(w->ev);
	if (w->pipe[0] != -1) {
		close(w->pipe[0]);
		close(w->pipe[1]);
	}
	free(w);
	return NULL;
}

void
worker_submit(struct worker *w, worker_fn *run, worker_fn *done, void *arg)
{
	struct job *j = xmalloc(sizeof(*j));

	j->run = run;
	j->done = done;
	j->arg = arg;
	if (w->pending++ == 0)
		event_add(w->ev, NULL);
	pthread_mutex_lock(&w->lock);
	STAILQ_INSERT_TAIL(&w->todo, j, entry);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

size_t
worker_pending(const struct worker *w)
{
	return w->pending;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	/* The thread finishes what was queued before it stops. */
	pthread_join(w->thread, NULL);
	deliver(w);
	event_free(w->ev);
	close(w->pipe[0]);
	close(w->pipe[1]);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
