/*
 * discover: one job per address; its fetches wait for host slots, its
 * candidates are probed a stage at a time (links, anchors, then the usual
 * paths one by one), and the job ends with what its probes proved.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "buf.h"
#include "discover.h"
#include "feed.h"
#include "feedlinks.h"
#include "fetch.h"
#include "log.h"
#include "url.h"
#include "xmalloc.h"

/* Entries whose links make a feed's fingerprint. */
#define FINGERPRINT_ENTRIES	50

enum stage { ST_SELF, ST_LINKS, ST_ANCHORS, ST_GUESSES, ST_DONE };

struct probe {
	struct discover_job *job;
	char		*url;
	char		*title;		/* the page's name for it */
	const char	*via;
	size_t		 order;		/* in the order the page gives */
	void		*slot;
	struct fetch_xfer *xfer;
};

/* A candidate the probes proved to be a feed. */
struct found {
	struct discover_candidate c;
	char		*effective;	/* its URL after redirects */
	uint64_t	 fingerprint;	/* 0: no entries to tell by */
	size_t		 order;
	struct fetch_result *fetched;	/* kept for the best only */
};

struct discover_job {
	TAILQ_ENTRY(discover_job) entry;
	struct discover	*d;
	char		*url;
	discover_done_cb *cb;
	void		*arg;
	enum stage	 stage;
	struct event	*deadline;
	struct event	*start;		/* a page given: read it from the loop */
	struct fetch_result *page;	/* that page */
	struct probe	 self;
	struct feedlinks links;
	char		*page_url;	/* the page's URL after redirects */
	struct probe	**probes;	/* the stage's, in flight or done */
	size_t		 nprobes;
	size_t		 pending;
	size_t		 probed;	/* of DISCOVER_MAX_PROBES */
	size_t		 next_guess;
	char		*first_failure;	/* "URL: why", for the error */
	struct found	*found;
	size_t		 nfound;
};

TAILQ_HEAD(discover_jobs, discover_job);

struct discover {
	struct event_base *base;
	struct fetch	*fetch;
	struct discover_slots slots;
	struct discover_jobs jobs;
	size_t		 njobs;
};

static void	stage_next(struct discover_job *);
static void	finish(struct discover_job *, struct discover_result *);

/* ---- verifying a response --------------------------------------------- */

struct verify {
	size_t		 entries;
	uint64_t	 fingerprint;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static bool
on_entry(const struct feed_entry *e, void *arg)
{
	struct verify *v = arg;
	const char *key = e->link != NULL ? e->link : e->id;

	/* A sum: the same entries in any order give the same print. */
	if (v->entries++ < FINGERPRINT_ENTRIES && key != NULL)
		v->fingerprint += hash_str(key);
	return true;
}

/*
 * Whether a response is a feed (parsed, and either whole or with entries
 * read before it broke); fills f's candidate facts. why gets the reason
 * when it is not.
 */
static bool
verify(const struct fetch_result *r, struct found *f, char *why,
    size_t whylen)
{
	struct feed_parser_cb cb = { NULL, on_entry };
	const struct feed_header *h;
	struct feed_parser *p;
	struct verify v = { 0, 0 };
	const char *err;
	bool ok;

	if (r->status != FETCH_OK) {
		snprintf(why, whylen, "%s", r->error != NULL ? r->error :
		    fetch_status_name(r->status));
		return false;
	}
	if (feedlinks_is_html(r->body, r->body_len)) {
		snprintf(why, whylen, "an HTML page, not a feed");
		return false;
	}
	p = feed_parser_new(r->effective_url, &cb, &v);
	feed_parser_set_content_type(p, r->content_type);
	feed_parser_push(p, r->body, r->body_len, true);
	h = feed_parser_header(p);
	err = feed_parser_error(p);
	ok = h->format != FEED_FORMAT_UNKNOWN && (err == NULL ||
	    v.entries > 0);
	if (!ok)
		snprintf(why, whylen, "not a feed: %s", err != NULL ? err :
		    "no feed in the document");
	else {
		f->c.format = h->format;
		f->c.feed_title = xstrdup_or_null(h->title);
		f->c.entries = v.entries;
		f->fingerprint = v.fingerprint;
		f->effective = xstrdup(r->effective_url != NULL ?
		    r->effective_url : r->url);
	}
	feed_parser_free(p);
	return ok;
}

static bool
html_label(const char *type)
{
	return type != NULL && (strncasecmp(type, "text/html", 9) == 0 ||
	    strncasecmp(type, "application/xhtml+xml", 21) == 0);
}

/* ---- probes ----------------------------------------------------------- */

static void
probe_stop(struct probe *p)
{
	struct discover *d = p->job->d;

	if (p->xfer != NULL) {
		fetch_cancel(p->xfer);
		p->xfer = NULL;
	}
	if (p->slot != NULL) {
		d->slots.release(d->slots.ctx, p->slot);
		p->slot = NULL;
	}
}

static void
probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	probe_stop(p);
	free(p->url);
	free(p->title);
	free(p);
}

static void	on_granted(void *);

static void
probe_start(struct probe *p)
{
	struct discover *d = p->job->d;

	p->job->pending++;
	p->slot = d->slots.request(d->slots.ctx, p->url, on_granted, p);
}

static void	on_probe_done(const struct fetch_result *, void *);
static void	on_self_done(const struct fetch_result *, void *);

static void
on_granted(void *arg)
{
	struct probe *p = arg;
	struct fetch_request req;

	memset(&req, 0, sizeof(req));
	req.url = p->url;
	req.on_done = p == &p->job->self ? on_self_done : on_probe_done;
	req.arg = p;
	p->xfer = fetch_start(p->job->d->fetch, &req);
}

/* The transfer ended: its slot goes back before anything else. */
static void
probe_ended(struct probe *p)
{
	struct discover *d = p->job->d;

	p->xfer = NULL;
	if (p->slot != NULL) {
		d->slots.release(d->slots.ctx, p->slot);
		p->slot = NULL;
	}
	p->job->pending--;
}

static void
found_clear(struct found *f)
{
	free(f->c.url);
	free(f->c.title);
	free(f->c.feed_title);
	free(f->effective);
	fetch_result_free(f->fetched);
	memset(f, 0, sizeof(*f));
}

/*
 * Keeps the response of the feed the job will settle on, and only that:
 * the first primary feed in the page's order, else the first comments
 * feed.
 */
static void
keep_best(struct discover_job *j, struct found *f,
    const struct fetch_result *r)
{
	struct found *o;
	size_t i;

	for (i = 0; i < j->nfound; i++) {
		o = &j->found[i];
		if (o == f || o->fetched == NULL)
			continue;
		if (o->c.comments == f->c.comments ?
		    o->order < f->order : !o->c.comments)
			return;		/* a better one is kept */
	}
	for (i = 0; i < j->nfound; i++) {
		o = &j->found[i];
		if (o != f) {
			fetch_result_free(o->fetched);
			o->fetched = NULL;
		}
	}
	f->fetched = fetch_result_dup(r);
}

static void
on_probe_done(const struct fetch_result *r, void *arg)
{
	struct probe *p = arg;
	struct discover_job *j = p->job;
	struct found f;
	char why[512];

	probe_ended(p);
	if (r->status == FETCH_CANCELLED)
		return;
	memset(&f, 0, sizeof(f));
	if (verify(r, &f, why, sizeof(why))) {
		f.c.url = xstrdup(p->url);
		f.c.via = p->via;
		f.c.title = xstrdup_or_null(p->title != NULL ? p->title :
		    f.c.feed_title);
		f.c.comments = feedlinks_comments(p->url, f.c.title);
		f.order = p->order;
		j->found = xreallocarray(j->found, j->nfound + 1,
		    sizeof(*j->found));
		j->found[j->nfound] = f;
		j->nfound++;
		keep_best(j, &j->found[j->nfound - 1], r);
		log_debug("discover: '%s': '%s' is a feed (%s, %zu entries)",
		    j->url, p->url, feed_format_name(f.c.format),
		    f.c.entries);
	} else {
		found_clear(&f);
		if (j->first_failure == NULL)
			j->first_failure = xasprintf("%s: %s", p->url, why);
		log_debug("discover: '%s': '%s': %s", j->url, p->url, why);
	}
	if (j->pending == 0)
		stage_next(j);
}

/* ---- stages ----------------------------------------------------------- */

static bool
tried(const struct discover_job *j, const char *url)
{
	if (strcmp(url, j->url) == 0 || (j->page_url != NULL &&
	    strcmp(url, j->page_url) == 0))
		return true;
	for (size_t i = 0; i < j->nprobes; i++)
		if (strcmp(j->probes[i]->url, url) == 0)
			return true;
	return false;
}

/* Adds a probe of url to the stage; false when the budget is spent. */
static bool
probe_add(struct discover_job *j, const char *url, const char *title,
    const char *via)
{
	struct probe *p;

	if (tried(j, url))
		return true;
	if (j->probed >= DISCOVER_MAX_PROBES)
		return false;
	p = xcalloc(1, sizeof(*p));
	p->job = j;
	p->url = xstrdup(url);
	p->title = xstrdup_or_null(title);
	p->via = via;
	p->order = j->probed++;
	j->probes = xreallocarray(j->probes, j->nprobes + 1,
	    sizeof(*j->probes));
	j->probes[j->nprobes++] = p;
	probe_start(p);
	return true;
}

static void
stage_items(struct discover_job *j, enum feedlinks_via via, const char *name)
{
	for (size_t i = 0; i < j->links.nitems; i++)
		if (j->links.items[i].via == via &&
		    !probe_add(j, j->links.items[i].url,
		    j->links.items[i].title, name))
			break;
}

/* Starts the next stage that has something to probe, or finishes. */
static void
stage_next(struct discover_job *j)
{
	struct discover_result res;
	char *url;

	while (j->pending == 0) {
		if (j->nfound > 0 || j->stage == ST_DONE) {
			memset(&res, 0, sizeof(res));
			res.kind = DISCOVER_PAGE;
			finish(j, &res);
			return;
		}
		switch (j->stage) {
		case ST_SELF:
			j->stage = ST_LINKS;
			stage_items(j, FEEDLINKS_LINK, "link");
			break;
		case ST_LINKS:
			j->stage = ST_ANCHORS;
			stage_items(j, FEEDLINKS_ANCHOR, "a");
			break;
		case ST_ANCHORS:
			j->stage = ST_GUESSES;
			/* FALLTHROUGH */
		case ST_GUESSES:
			/* One at a time: the first that is a feed will do. */
			if (feedlinks_guesses[j->next_guess] == NULL ||
			    j->probed >= DISCOVER_MAX_PROBES) {
				j->stage = ST_DONE;
				break;
			}
			/* "/feed" against the page: its site's root. */
			url = url_resolve(j->page_url,
			    feedlinks_guesses[j->next_guess++]);
			probe_add(j, url, NULL, "guess");
			free(url);
			break;
		default:
			j->stage = ST_DONE;
			break;
		}
	}
}

/* ---- the page --------------------------------------------------------- */

static void
read_page(struct discover_job *j, const struct fetch_result *r)
{
	j->page_url = xstrdup(r->effective_url != NULL ? r->effective_url :
	    j->url);
	if (feedlinks_read(r->body, r->body_len, r->content_type, j->page_url,
	    &j->links) == -1)
		memset(&j->links, 0, sizeof(j->links));
	log_debug("discover: '%s' is an HTML page with %zu feed links",
	    j->url, j->links.nitems);
	j->stage = ST_SELF;
	stage_next(j);
}

static void
on_self_done(const struct fetch_result *r, void *arg)
{
	struct probe *p = arg;
	struct discover_job *j = p->job;
	struct discover_result res;
	struct found f;
	char why[512];

	probe_ended(p);
	memset(&res, 0, sizeof(res));
	memset(&f, 0, sizeof(f));
	if (r->status == FETCH_CANCELLED) {
		res.kind = DISCOVER_FAILED;
		res.cancelled = true;
		res.error = "cancelled";
		finish(j, &res);
		return;
	}
	if (r->status == FETCH_OK && feedlinks_is_html(r->body,
	    r->body_len)) {
		read_page(j, r);
		return;
	}
	if (verify(r, &f, why, sizeof(why))) {
		f.c.url = xstrdup(j->url);
		f.c.title = xstrdup_or_null(f.c.feed_title);
		f.c.via = "self";
		j->found = xcalloc(1, sizeof(*j->found));
		j->found[0] = f;
		j->nfound = 1;
		res.kind = DISCOVER_FEED;
	} else {
		found_clear(&f);
		/* A page that does not say it is one (no doctype). */
		if (r->status == FETCH_OK && html_label(r->content_type)) {
			read_page(j, r);
			return;
		}
		res.kind = DISCOVER_NOT_FEED;
		res.error = why;
	}
	res.fetched = fetch_result_dup(r);
	finish(j, &res);
}

static void
on_start(evutil_socket_t fd, short what, void *arg)
{
	struct discover_job *j = arg;
	struct fetch_result *page = j->page;

	j->page = NULL;
	read_page(j, page);
	fetch_result_free(page);
}

/* ---- the end of a job ------------------------------------------------- */

static int
found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->c.comments != y->c.comments)
		return x->c.comments ? 1 : -1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Drops the feeds found twice: the same URL after redirects, or entries. */
static size_t
dedup(struct found *f, size_t n)
{
	size_t i, k, out = 0;
	bool dup;

	for (i = 0; i < n; i++) {
		dup = false;
		for (k = 0; k < out && !dup; k++)
			dup = strcmp(f[k].effective, f[i].effective) == 0 ||
			    (f[i].fingerprint != 0 &&
			    f[k].fingerprint == f[i].fingerprint);
		if (dup)
			found_clear(&f[i]);
		else
			f[out++] = f[i];
	}
	return out;
}

static void
job_free(struct discover_job *j)
{
	struct discover *d = j->d;

	TAILQ_REMOVE(&d->jobs, j, entry);
	d->njobs--;
	probe_stop(&j->self);
	for (size_t i = 0; i < j->nprobes; i++)
		probe_free(j->probes[i]);
	free(j->probes);
	for (size_t i = 0; i < j->nfound; i++)
		found_clear(&j->found[i]);
	free(j->found);
	feedlinks_clear(&j->links);
	if (j->deadline != NULL)
		event_free(j->deadline);
	if (j->start != NULL)
		event_free(j->start);
	fetch_result_free(j->page);
	free(j->page_url);
	free(j->first_failure);
	free(j->url);
	free(j);
}

static char *
nothing_found(struct discover_job *j)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "an HTML page");
	if (j->links.title != NULL)
		buf_printf(&b, " (\"%.80s\")", j->links.title);
	if (j->links.nitems == 0)
		buf_printf(&b, " that announces no feed");
	else
		buf_printf(&b, " whose %zu feed %s lead to no feed (%.300s)",
		    j->links.nitems, j->links.nitems == 1 ? "link" : "links",
		    j->first_failure != NULL ? j->first_failure : "no answer");
	if (j->next_guess > 0)
		buf_printf(&b, ", and none of /feed, /rss, /atom.xml, "
		    "/index.xml, /feed.xml, /rss.xml on its site is one");
	else if (j->probed >= DISCOVER_MAX_PROBES)
		buf_printf(&b, " (it stopped after %d addresses)",
		    DISCOVER_MAX_PROBES);
	return buf_detach(&b);
}

/* Calls the job's callback with res completed, then frees the job. */
static void
finish(struct discover_job *j, struct discover_result *res)
{
	struct discover_candidate *c = NULL;
	char *error = NULL;
	size_t i, n = j->nfound;

	/* Whatever is still out goes: the result is decided. */
	for (i = 0; i < j->nprobes; i++)
		probe_stop(j->probes[i]);
	probe_stop(&j->self);
	res->url = j->url;
	if (res->kind == DISCOVER_PAGE) {
		if (n > 0)
			qsort(j->found, n, sizeof(*j->found), found_cmp);
		n = j->nfound = dedup(j->found, n);
		res->page_title = j->links.title;
		if (n > 0) {
			res->fetched = j->found[0].fetched;
			j->found[0].fetched = NULL;
		} else
			res->error = error = nothing_found(j);
	}
	if (n > 0 && res->kind != DISCOVER_NOT_FEED) {
		c = xcalloc(n, sizeof(*c));
		for (i = 0; i < n; i++) {
			c[i] = j->found[i].c;
			res->primaries += !c[i].comments;
		}
		res->candidates = c;
		res->ncandidates = n;
	}
	if (res->kind == DISCOVER_FEED && j->found[0].fetched != NULL) {
		fetch_result_free(j->found[0].fetched);
		j->found[0].fetched = NULL;
	}
	j->cb(res, j->arg);
	fetch_result_free(res->fetched);
	free(c);
	free(error);
	job_free(j);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct discover_job *j = arg;
	struct discover_result res;

	log_info("discover: '%s': stopped after %d s with %zu %s found",
	    j->url, DISCOVER_MAX_S, j->nfound, j->nfound == 1 ? "feed" :
	    "feeds");
	memset(&res, 0, sizeof(res));
	if (j->stage == ST_SELF && j->page == NULL && j->page_url == NULL) {
		res.kind = DISCOVER_FAILED;
		res.error = "no answer in time";
	} else
		res.kind = DISCOVER_PAGE;
	finish(j, &res);
}

/* ---- public ----------------------------------------------------------- */

struct discover *
discover_new(struct event_base *base, struct fetch *fetch,
    const struct discover_slots *slots)
{
	struct discover *d = xcalloc(1, sizeof(*d));

	d->base = base;
	d->fetch = fetch;
	d->slots = *slots;
	TAILQ_INIT(&d->jobs);
	return d;
}

struct discover_job *
discover_start(struct discover *d, const char *url,
    const struct fetch_result *page, discover_done_cb *cb, void *arg)
{
	struct timeval max = { DISCOVER_MAX_S, 0 }, now = { 0, 0 };
	struct discover_job *j;

	if (d->njobs >= DISCOVER_MAX_JOBS)
		return NULL;
	j = xcalloc(1, sizeof(*j));
	j->d = d;
	j->url = xstrdup(url);
	j->cb = cb;
	j->arg = arg;
	j->self.job = j;
	j->self.url = j->url;
	j->deadline = evtimer_new(d->base, on_deadline, j);
	TAILQ_INSERT_TAIL(&d->jobs, j, entry);
	d->njobs++;
	evtimer_add(j->deadline, &max);
	if (page != NULL) {
		j->page = fetch_result_dup(page);
		j->start = evtimer_new(d->base, on_start, j);
		evtimer_add(j->start, &now);
	} else
		probe_start(&j->self);
	return j;
}

void
discover_cancel(struct discover_job *j)
{
	if (j != NULL)
		job_free(j);
}

size_t
discover_running(const struct discover *d)
{
	return d->njobs;
}

void
discover_free(struct discover *d)
{
	struct discover_job *j;
	struct discover_result res;

	if (d == NULL)
		return;
	while ((j = TAILQ_FIRST(&d->jobs)) != NULL) {
		memset(&res, 0, sizeof(res));
		res.kind = DISCOVER_FAILED;
		res.cancelled = true;
		res.error = "feedd is stopping";
		finish(j, &res);
	}
	free(d);
}
