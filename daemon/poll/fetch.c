/*
 * fetch: the caller's side of the transfers, and the thread that runs
 * them (fetch_engine.h). See fetch.h for what callers are promised.
 *
 * Two FIFOs under one mutex join the two loops: commands (start, cancel,
 * new options, look at the queue again) go to the thread, results come
 * back. Each side is woken by a byte on a pipe, written only when its FIFO
 * turns from empty to not empty, and takes the whole FIFO at once, as in
 * worker.c. A transfer is known by a number on both sides, never by a
 * pointer the other side may have freed: a result whose transfer was
 * cancelled meanwhile finds nothing and is dropped.
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "fetch.h"
#include "fetch_engine.h"
#include "log.h"
#include "url.h"
#include "xmalloc.h"

enum cmd_type {
	CMD_START,
	CMD_CANCEL,
	CMD_OPTIONS,
	CMD_KICK,		/* the backlog shrank: look at the queue */
};

struct cmd {
	STAILQ_ENTRY(cmd) entry;
	enum cmd_type	 type;
	uint64_t	 id;
	struct fetch_request req;	/* CMD_START: strings owned */
	struct fetch_options opts;	/* CMD_OPTIONS: strings owned */
};

/* A transfer's result, on its way back to the caller's loop. */
struct msg {
	STAILQ_ENTRY(msg) entry;
	uint64_t	 id;
	struct fetch_result *r;		/* r->digest: the request's digest */
	void		*(*digest)(struct fetch_result *, const char *);
	void		(*digest_free)(void *);
	char		*digest_key;
};

/* The thread's record of a transfer: running, or waiting its turn. */
struct job {
	TAILQ_ENTRY(job) entry;		/* in jobs */
	TAILQ_ENTRY(job) qentry;	/* in queue, while it waits */
	struct fetch	*f;
	uint64_t	 id;
	struct fetch_request req;	/* kept while it waits */
	struct fetch_engine_xfer *x;	/* NULL while it waits */
	bool		 waiting;
	char		*host;		/* url_host_key */
};

TAILQ_HEAD(job_list, job);
STAILQ_HEAD(cmd_fifo, cmd);
STAILQ_HEAD(msg_fifo, msg);

/* The caller's record of a transfer. */
struct fetch_xfer {
	TAILQ_ENTRY(fetch_xfer) entry;
	struct fetch	*f;
	uint64_t	 id;
	char		*url;
	void		(*on_done)(const struct fetch_result *, void *);
	void		*arg;
};

TAILQ_HEAD(xfer_list, fetch_xfer);

struct fetch {
	/* The caller's loop. */
	struct event_base *base;
	struct event	*ev;		/* results; added while any is out */
	struct xfer_list xfers;
	size_t		 n;
	uint64_t	 next_id;

	/* Shared, under lock. */
	pthread_mutex_t	 lock;
	struct cmd_fifo	 cmds;
	struct msg_fifo	 msgs;
	struct msg_fifo	 digs;		/* for the digest thread */
	pthread_cond_t	 dig_wake;
	bool		 dig_quit;
	pthread_t	 dig_thread;
	bool		 dig_started;
	size_t		 backlog;	/* body bytes of results not taken */
	bool		 holding;	/* a waiting job was held for it */
	bool		 quit;
	int		 cmd_pipe[2];
	int		 msg_pipe[2];
	pthread_t	 thread;
	bool		 started;

	/* The thread's. */
	struct event_base *tbase;
	struct event	*tev;		/* commands */
	struct event	*tkick;		/* look at the queue on the next turn */
	struct fetch_engine *engine;
	struct job_list	 jobs;
	struct job_list	 queue;
	size_t		 active;	/* jobs that may wait, running */
	long		 max_active;	/* max_connections; 0: no limit */
	long		 max_per_host;	/* 0: no limit */
	bool		 stopping;
};

const char *
fetch_status_name(enum fetch_status s)
{
	switch (s) {
	case FETCH_OK:
		return "ok";
	case FETCH_NOT_MODIFIED:
		return "not_modified";
	case FETCH_HTTP_ERROR:
		return "http_error";
	case FETCH_BLOCKED:
		return "blocked";
	case FETCH_TOO_BIG:
		return "too_big";
	case FETCH_TIMEOUT:
		return "timeout";
	case FETCH_NET_ERROR:
		return "network_error";
	case FETCH_BAD_URL:
		return "bad_url";
	case FETCH_REDIRECTS:
		return "too_many_redirects";
	case FETCH_CANCELLED:
		return "cancelled";
	}
	return "unknown";
}

struct fetch_result *
fetch_result_dup(const struct fetch_result *r)
{
	struct fetch_result *c = xcalloc(1, sizeof(*c));
	char *body;

	*c = *r;
	c->digest = NULL;	/* the original's owner keeps it */
	c->error = xstrdup_or_null(r->error);
	c->url = xstrdup_or_null(r->url);
	c->effective_url = xstrdup_or_null(r->effective_url);
	c->permanent_url = xstrdup_or_null(r->permanent_url);
	c->etag = xstrdup_or_null(r->etag);
	c->last_modified = xstrdup_or_null(r->last_modified);
	c->content_type = xstrdup_or_null(r->content_type);
	c->link = xstrdup_or_null(r->link);
	/* NUL-terminated past body_len, as fetch promises. */
	body = xmalloc(r->body_len + 1);
	if (r->body_len > 0)
		memcpy(body, r->body, r->body_len);
	body[r->body_len] = '\0';
	c->body = body;
	return c;
}

void
fetch_result_free(struct fetch_result *r)
{
	if (r == NULL)
		return;
	free((char *)r->error);
	free((char *)r->url);
	free((char *)r->effective_url);
	free((char *)r->permanent_url);
	free((char *)r->etag);
	free((char *)r->last_modified);
	free((char *)r->content_type);
	free((char *)r->link);
	free((char *)r->body);
	free(r);
}

static void
wake(int fd)
{
	char c = 0;

	while (write(fd, &c, 1) == -1 && errno == EINTR)
		;
}

static void
drain_pipe(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* ---- requests: deep copies that cross to the thread ---- */

static void
req_copy(struct fetch_request *d, const struct fetch_request *s)
{
	char *body;
	size_t n = 0;

	*d = *s;
	d->url = xstrdup_or_null(s->url);
	d->etag = xstrdup_or_null(s->etag);
	d->last_modified = xstrdup_or_null(s->last_modified);
	d->method = xstrdup_or_null(s->method);
	d->digest_key = xstrdup_or_null(s->digest_key);
	d->body = NULL;
	if (s->body != NULL) {
		body = xmalloc(s->body_len + 1);
		memcpy(body, s->body, s->body_len);
		body[s->body_len] = '\0';
		d->body = body;
	}
	d->headers = NULL;
	if (s->headers != NULL) {
		char **h;

		while (s->headers[n] != NULL)
			n++;
		h = xreallocarray(NULL, n + 1, sizeof(*h));
		for (size_t i = 0; i < n; i++)
			h[i] = xstrdup(s->headers[i]);
		h[n] = NULL;
		d->headers = h;
	}
}

static void
req_clear(struct fetch_request *r)
{
	free((char *)r->url);
	free((char *)r->etag);
	free((char *)r->last_modified);
	free((char *)r->method);
	free((char *)r->digest_key);
	free((char *)r->body);
	for (size_t i = 0; r->headers != NULL && r->headers[i] != NULL; i++)
		free(r->headers[i]);
	free((char **)r->headers);
	memset(r, 0, sizeof(*r));
}

static void
opts_copy(struct fetch_options *d, const struct fetch_options *s)
{
	*d = *s;
	d->user_agent = xstrdup_or_null(s->user_agent);
	d->ca_file = xstrdup_or_null(s->ca_file);
}

static void
opts_clear(struct fetch_options *o)
{
	free((char *)o->user_agent);
	free((char *)o->ca_file);
}

static void
cmd_free(struct cmd *c)
{
	req_clear(&c->req);
	opts_clear(&c->opts);
	free(c);
}

/* The caller's loop: hands a command to the thread. */
static void
cmd_push(struct fetch *f, struct cmd *c)
{
	bool notify;

	pthread_mutex_lock(&f->lock);
	notify = STAILQ_EMPTY(&f->cmds);
	STAILQ_INSERT_TAIL(&f->cmds, c, entry);
	if (notify)
		wake(f->cmd_pipe[1]);
	pthread_mutex_unlock(&f->lock);
}

/* ---- the thread ---- */

static void	job_start(struct fetch *, struct job *);

static void
job_free(struct job *j)
{
	req_clear(&j->req);
	free(j->host);
	free(j);
}

/* Whether a job that may wait would start now (backlog aside). */
static bool
job_may_start(const struct fetch *f, const struct job *j)
{
	const struct job *o;
	long n = 0;

	if (f->max_active > 0 && f->active >= (size_t)f->max_active)
		return false;
	if (f->max_per_host <= 0)
		return true;
	/* At most max_connections of them run: a short walk. */
	TAILQ_FOREACH(o, &f->jobs, entry)
		if (!o->waiting && o->req.may_wait && o != j &&
		    strcmp(o->host, j->host) == 0 && ++n >= f->max_per_host)
			return false;
	return true;
}

/* Waiting jobs start while a connection is free and the backlog allows. */
static void
queue_run(struct fetch *f)
{
	struct job *j;
	bool held;

	/* In order: the first waits for its host, the others behind it. */
	while (!f->stopping && (j = TAILQ_FIRST(&f->queue)) != NULL &&
	    job_may_start(f, j)) {
		pthread_mutex_lock(&f->lock);
		held = f->backlog > FETCH_BACKLOG_BYTES;
		if (held)
			f->holding = true;
		pthread_mutex_unlock(&f->lock);
		if (held)
			return;		/* the caller's loop sends CMD_KICK */
		TAILQ_REMOVE(&f->queue, j, qentry);
		j->waiting = false;
		job_start(f, j);
	}
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	queue_run(arg);
}

/* Under lock: a result for the caller's loop. */
static void
msg_push(struct fetch *f, struct msg *m)
{
	bool notify = STAILQ_EMPTY(&f->msgs);

	STAILQ_INSERT_TAIL(&f->msgs, m, entry);
	if (notify)
		wake(f->msg_pipe[1]);
}

static void
msg_free(struct msg *m)
{
	if (m->r->digest != NULL && m->digest_free != NULL)
		m->digest_free(m->r->digest);
	fetch_result_free(m->r);
	free(m->digest_key);
	free(m);
}

/*
 * The digest thread: reads results (fetch_request's digest) while the
 * fetch thread goes on with the transfers and the caller's loop with its
 * own work.
 */
static void *
dig_main(void *arg)
{
	struct fetch *f = arg;
	struct msg *m;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		while (STAILQ_EMPTY(&f->digs) && !f->dig_quit)
			pthread_cond_wait(&f->dig_wake, &f->lock);
		if (f->dig_quit)
			break;
		m = STAILQ_FIRST(&f->digs);
		STAILQ_REMOVE_HEAD(&f->digs, entry);
		pthread_mutex_unlock(&f->lock);
		m->r->digest = m->digest(m->r, m->digest_key);
		pthread_mutex_lock(&f->lock);
		msg_push(f, m);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* The engine's answer: copied for the caller's loop, the job forgotten. */
static void
job_done(const struct fetch_result *r, void *arg)
{
	struct job *j = arg;
	struct fetch *f = j->f;
	struct msg *m = xcalloc(1, sizeof(*m));

	m->id = j->id;
	m->r = fetch_result_dup(r);
	m->digest = j->req.digest;
	m->digest_free = j->req.digest_free;
	if (m->digest != NULL) {
		m->digest_key = (char *)j->req.digest_key;
		j->req.digest_key = NULL;
	}
	if (j->req.may_wait)
		f->active--;
	TAILQ_REMOVE(&f->jobs, j, entry);
	job_free(j);
	if (m->digest != NULL && !f->dig_started) {
		m->r->digest = m->digest(m->r, m->digest_key);
		m->digest = NULL;
	}
	pthread_mutex_lock(&f->lock);
	f->backlog += m->r->body_len;
	if (m->digest != NULL) {
		/* Read on the digest thread: this one goes on with transfers. */
		STAILQ_INSERT_TAIL(&f->digs, m, entry);
		pthread_cond_signal(&f->dig_wake);
	} else
		msg_push(f, m);
	pthread_mutex_unlock(&f->lock);
	/* A connection is free; started on the next turn, not from here. */
	if (!TAILQ_EMPTY(&f->queue) && !f->stopping)
		event_active(f->tkick, EV_TIMEOUT, 0);
}

static void
job_start(struct fetch *f, struct job *j)
{
	struct fetch_request req = j->req;

	req.on_done = job_done;
	req.arg = j;
	if (j->req.may_wait)
		f->active++;
	/* The engine copies what it keeps; never calls job_done from here. */
	j->x = fetch_engine_start(f->engine, &req);
	/* Only what job_done needs is kept (req holds the same pointers). */
	j->req.digest_key = NULL;
	req_clear(&j->req);
	j->req.may_wait = req.may_wait;
	j->req.digest = req.digest;
	j->req.digest_free = req.digest_free;
	j->req.digest_key = req.digest_key;
}

static struct job *
job_find(struct fetch *f, uint64_t id)
{
	struct job *j;

	TAILQ_FOREACH(j, &f->jobs, entry)
		if (j->id == id)
			return j;
	return NULL;
}

static void
run_cmd(struct fetch *f, struct cmd *c)
{
	struct job *j;

	switch (c->type) {
	case CMD_START:
		j = xcalloc(1, sizeof(*j));
		j->f = f;
		j->id = c->id;
		j->req = c->req;
		memset(&c->req, 0, sizeof(c->req));
		j->host = url_host_key(j->req.url);
		TAILQ_INSERT_TAIL(&f->jobs, j, entry);
		/*
		 * One that may start now does, ahead of those waiting: the
		 * scheduler's own limits keep it within max_connections.
		 */
		if (j->req.may_wait && !job_may_start(f, j)) {
			j->waiting = true;
			TAILQ_INSERT_TAIL(&f->queue, j, qentry);
		} else
			job_start(f, j);
		break;
	case CMD_CANCEL:
		/* Done meanwhile: its result is on its way, and dropped. */
		if ((j = job_find(f, c->id)) == NULL)
			break;
		TAILQ_REMOVE(&f->jobs, j, entry);
		if (j->waiting)
			TAILQ_REMOVE(&f->queue, j, qentry);
		else {
			fetch_engine_cancel(j->x);
			if (j->req.may_wait)
				f->active--;
		}
		job_free(j);
		queue_run(f);
		break;
	case CMD_OPTIONS:
		fetch_engine_set_options(f->engine, &c->opts);
		f->max_active = c->opts.max_connections;
		f->max_per_host = c->opts.max_per_host;
		queue_run(f);
		break;
	case CMD_KICK:
		queue_run(f);
		break;
	}
}

static void
on_cmds(evutil_socket_t fd, short what, void *arg)
{
	struct fetch *f = arg;
	struct cmd_fifo cmds = STAILQ_HEAD_INITIALIZER(cmds);
	struct cmd *c, *next;
	bool quit;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&f->lock);
	STAILQ_CONCAT(&cmds, &f->cmds);
	drain_pipe(f->cmd_pipe[0]);
	quit = f->quit;
	pthread_mutex_unlock(&f->lock);
	for (c = STAILQ_FIRST(&cmds); c != NULL; c = next) {
		next = STAILQ_NEXT(c, entry);
		if (!quit)
			run_cmd(f, c);
		cmd_free(c);
	}
	if (quit)
		event_base_loopbreak(f->tbase);
}

static void *
thread_main(void *arg)
{
	struct fetch *f = arg;
	struct job *j;

	event_base_dispatch(f->tbase);
	/* What still runs is reported cancelled, to nobody: dropped. */
	f->stopping = true;
	fetch_engine_free(f->engine);
	f->engine = NULL;
	while ((j = TAILQ_FIRST(&f->jobs)) != NULL) {
		TAILQ_REMOVE(&f->jobs, j, entry);
		job_free(j);
	}
	return NULL;
}

/* ---- the caller's loop ---- */

static struct fetch_xfer *
xfer_find(struct fetch *f, uint64_t id)
{
	struct fetch_xfer *x;

	/* Results come back roughly in the order transfers started. */
	TAILQ_FOREACH(x, &f->xfers, entry)
		if (x->id == id)
			return x;
	return NULL;
}

static void
xfer_gone(struct fetch *f, struct fetch_xfer *x)
{
	TAILQ_REMOVE(&f->xfers, x, entry);
	if (--f->n == 0)
		event_del(f->ev);
	free(x->url);
	free(x);
}

static void
on_results(evutil_socket_t fd, short what, void *arg)
{
	struct fetch *f = arg;
	struct msg_fifo msgs = STAILQ_HEAD_INITIALIZER(msgs);
	struct msg *m, *next;
	struct fetch_xfer *x;
	void (*done)(const struct fetch_result *, void *);
	void *done_arg;
	size_t bytes = 0;
	bool kick = false;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&f->lock);
	STAILQ_CONCAT(&msgs, &f->msgs);
	drain_pipe(f->msg_pipe[0]);
	STAILQ_FOREACH(m, &msgs, entry)
		bytes += m->r->body_len;
	f->backlog -= bytes;
	if (f->holding && f->backlog <= FETCH_BACKLOG_BYTES) {
		f->holding = false;
		kick = true;
	}
	pthread_mutex_unlock(&f->lock);
	if (kick) {
		struct cmd *c = xcalloc(1, sizeof(*c));

		c->type = CMD_KICK;
		cmd_push(f, c);
	}
	for (m = STAILQ_FIRST(&msgs); m != NULL; m = next) {
		next = STAILQ_NEXT(m, entry);
		/* Cancelled meanwhile: nobody to tell. */
		if ((x = xfer_find(f, m->id)) != NULL) {
			done = x->on_done;
			done_arg = x->arg;
			xfer_gone(f, x);
			/* It may start or cancel transfers; it takes the digest. */
			done(m->r, done_arg);
			m->r->digest = NULL;	/* taken */
		}
		msg_free(m);
	}
}

struct fetch *
fetch_new(struct event_base *base, const struct fetch_options *opts)
{
	struct fetch *f = xcalloc(1, sizeof(*f));

	f->base = base;
	TAILQ_INIT(&f->xfers);
	TAILQ_INIT(&f->jobs);
	TAILQ_INIT(&f->queue);
	STAILQ_INIT(&f->cmds);
	STAILQ_INIT(&f->msgs);
	STAILQ_INIT(&f->digs);
	f->cmd_pipe[0] = f->cmd_pipe[1] = f->msg_pipe[0] = f->msg_pipe[1] = -1;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->dig_wake, NULL);
	f->max_active = opts->max_connections;
	f->max_per_host = opts->max_per_host;
	if (pipe2(f->cmd_pipe, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    pipe2(f->msg_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("fetch: pipe");
		goto fail;
	}
	if ((f->tbase = event_base_new()) == NULL ||
	    (f->ev = event_new(base, f->msg_pipe[0], EV_READ | EV_PERSIST,
	    on_results, f)) == NULL ||
	    (f->tev = event_new(f->tbase, f->cmd_pipe[0], EV_READ |
	    EV_PERSIST, on_cmds, f)) == NULL ||
	    (f->tkick = event_new(f->tbase, -1, 0, on_kick, f)) == NULL ||
	    event_add(f->tev, NULL) == -1) {
		log_warnx("fetch: cannot set up the event loops");
		goto fail;
	}
	/* Made here, used only by the thread from now on. */
	if ((f->engine = fetch_engine_new(f->tbase, opts)) == NULL)
		goto fail;
	/* Without it, digests run on the fetch thread. */
	if ((errno = pthread_create(&f->dig_thread, NULL, dig_main, f)) != 0)
		log_warn("fetch: cannot start a thread for digests");
	else
		f->dig_started = true;
	if ((errno = pthread_create(&f->thread, NULL, thread_main, f)) != 0) {
		log_warn("fetch: cannot start a thread");
		goto fail;
	}
	f->started = true;
	return f;
fail:
	fetch_free(f);
	return NULL;
}

void
fetch_set_options(struct fetch *f, const struct fetch_options *opts)
{
	struct cmd *c = xcalloc(1, sizeof(*c));

	c->type = CMD_OPTIONS;
	opts_copy(&c->opts, opts);
	cmd_push(f, c);
}

struct fetch_xfer *
fetch_start(struct fetch *f, const struct fetch_request *req)
{
	struct fetch_xfer *x = xcalloc(1, sizeof(*x));
	struct cmd *c = xcalloc(1, sizeof(*c));

	x->f = f;
	x->id = ++f->next_id;
	x->url = xstrdup_or_null(req->url);
	x->on_done = req->on_done;
	x->arg = req->arg;
	TAILQ_INSERT_TAIL(&f->xfers, x, entry);
	if (f->n++ == 0)
		event_add(f->ev, NULL);
	c->type = CMD_START;
	c->id = x->id;
	req_copy(&c->req, req);
	c->req.on_done = NULL;
	c->req.arg = NULL;
	cmd_push(f, c);
	return x;
}

void
fetch_cancel(struct fetch_xfer *x)
{
	struct fetch *f = x->f;
	struct cmd *c = xcalloc(1, sizeof(*c));

	c->type = CMD_CANCEL;
	c->id = x->id;
	cmd_push(f, c);
	xfer_gone(f, x);
}

size_t
fetch_in_flight(const struct fetch *f)
{
	return f->n;
}

void
fetch_free(struct fetch *f)
{
	struct fetch_xfer *x;
	struct fetch_result r;
	struct cmd *c;
	struct msg *m;
	void (*done)(const struct fetch_result *, void *);
	void *done_arg;

	if (f == NULL)
		return;
	while ((x = TAILQ_FIRST(&f->xfers)) != NULL) {
		memset(&r, 0, sizeof(r));
		r.status = FETCH_CANCELLED;
		r.error = "shutting down";
		r.url = r.effective_url = x->url;
		r.body = "";
		r.retry_after_s = r.max_age_s = r.expires_s = -1;
		done = x->on_done;
		done_arg = x->arg;
		/* The thread drops it with the rest when it stops. */
		TAILQ_REMOVE(&f->xfers, x, entry);
		f->n--;
		done(&r, done_arg);
		free(x->url);
		free(x);
	}
	if (f->started) {
		pthread_mutex_lock(&f->lock);
		f->quit = true;
		wake(f->cmd_pipe[1]);
		pthread_mutex_unlock(&f->lock);
		pthread_join(f->thread, NULL);
	} else if (f->engine != NULL)
		fetch_engine_free(f->engine);
	while ((c = STAILQ_FIRST(&f->cmds)) != NULL) {
		STAILQ_REMOVE_HEAD(&f->cmds, entry);
		cmd_free(c);
	}
	if (f->dig_started) {
		pthread_mutex_lock(&f->lock);
		f->dig_quit = true;
		pthread_cond_signal(&f->dig_wake);
		pthread_mutex_unlock(&f->lock);
		pthread_join(f->dig_thread, NULL);
	}
	STAILQ_CONCAT(&f->msgs, &f->digs);
	while ((m = STAILQ_FIRST(&f->msgs)) != NULL) {
		STAILQ_REMOVE_HEAD(&f->msgs, entry);
		msg_free(m);
	}
	if (f->ev != NULL)
		event_free(f->ev);
	if (f->tev != NULL)
		event_free(f->tev);
	if (f->tkick != NULL)
		event_free(f->tkick);
	if (f->tbase != NULL)
		event_base_free(f->tbase);
	for (int i = 0; i < 2; i++) {
		if (f->cmd_pipe[i] != -1)
			close(f->cmd_pipe[i]);
		if (f->msg_pipe[i] != -1)
			close(f->msg_pipe[i]);
	}
	pthread_cond_destroy(&f->dig_wake);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
