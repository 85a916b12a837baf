#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <zlib.h>

#include "batch.h"
#include "discover.h"
#include "buf.h"
#include "feed.h"
#include "feedlinks.h"
#include "fetch.h"
#include "log.h"
#include "poll.h"
#include "store.h"
#include "weblinks.h"
#include "worker.h"
#include "xmalloc.h"

#define WEEK_S	(7 * 24 * 3600)

/* What parsing a body found: read on whichever thread parsed it. */
struct poll_parse {
	struct feed_header header;
	bool		 have_header;
	struct feed_entry *entries;
	/* Each entry's text for the index, made with the parse. */
	struct store_index_text *texts;
	size_t		 nentries;
	size_t		 cap;
	int		 rc;
	char		*error;
	char		*warnings;	/* "; "-joined, or NULL */
	size_t		 nwarnings;
};

/* What the fetch thread made of a 200 (poll_digest). */
struct poll_digest {
	char		*hash;		/* body_hash */
	bool		 unchanged;	/* the hash the feed had */
	bool		 parsed;	/* pp holds the parse */
	struct poll_parse pp;
};

struct poll {
	struct store	*store;
	struct batch	*batch;
	struct fetch_xfer *xfer;
	bool		 queued;	/* fetched, waiting for its batch */
	bool		 ingest;	/* entries to store when written */
	int64_t		 feed_id;
	char		*old_hash;
	int64_t		 started;
	void		(*fetched)(void *);
	poll_done_cb	*cb;
	void		*arg;
	/* What the parser lent us, copied. */
	struct poll_parse pp;
	/* The outcome, its strings owned here until the batch writes it. */
	struct poll_outcome o;
	char		*etag;
	char		*last_modified;
	char		*body_hash;
	char		*permanent_url;
	char		*error;
	char		*repair_note;
	/* Prefetched: the response to read, from the loop. */
	struct fetch_result *prefetched;
	struct event	*prefetch_ev;
	/* An HTML page: its discovery, and what it found or said. */
	struct discover	*discover;
	struct discover_job *job;
	struct fetch_result *page;
	char		*moved_to;
	char		*page_note;
	bool		 pushed;
	char		*hub;
	char		*self;
	/*
	 * Parsed on the worker's thread: the response it reads (the
	 * entries and the parser's word go to the fields above and below,
	 * which the loop leaves alone until the job is back).
	 */
	struct worker	*worker;
	struct fetch_result *parsing;
	char		*parsing_hash;
	bool		 parsed;	/* the worker's results are in */
	bool		 cancelled;	/* freed when the worker is done */
	/* The fetch thread's digest of the response being read. */
	struct poll_digest *digest;
};

bool
poll_looks_like_html(const char *body, size_t len)
{
	/* Feeds served as text/html exist: trust the bytes, not the label. */
	return feedlinks_is_html(body, len);
}

/*
 * Change detection only, so two zlib checksums and the length are plenty:
 * a publisher who forges a collision only hides his own update.
 */
static char *
body_hash(const char *body, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0), a = adler32(0L, Z_NULL, 0);
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off > (1u << 30) ? (1u << 30) : len - off;
		c = crc32(c, (const Bytef *)body + off, (uInt)n);
		a = adler32(a, (const Bytef *)body + off, (uInt)n);
	}
	return xasprintf("z%08lx%08lx-%zu", c, a, len);
}

/* The one rule for "the feed did not change": the hash it had. */
static bool
body_unchanged(const char *hash, const char *old_hash)
{
	return old_hash != NULL && strcmp(hash, old_hash) == 0;
}

static void
on_header(const struct feed_header *h, void *arg)
{
	struct poll_parse *pp = arg;

	if (pp->have_header)
		feed_header_clear(&pp->header);
	feed_header_copy(&pp->header, h);
	pp->have_header = true;
}

static bool
on_entry(const struct feed_entry *e, void *arg)
{
	struct poll_parse *pp = arg;

	if (pp->nentries == pp->cap) {
		pp->cap = pp->cap == 0 ? 32 : pp->cap * 2;
		pp->entries = xreallocarray(pp->entries, pp->cap,
		    sizeof(*pp->entries));
	}
	feed_entry_copy(&pp->entries[pp->nentries++], e);
	return true;
}

static void
poll_parse_clear(struct poll_parse *pp)
{
	for (size_t i = 0; i < pp->nentries; i++) {
		feed_entry_clear(&pp->entries[i]);
		if (pp->texts != NULL)
			store_index_text_clear(&pp->texts[i]);
	}
	free(pp->entries);
	free(pp->texts);
	if (pp->have_header)
		feed_header_clear(&pp->header);
	free(pp->error);
	free(pp->warnings);
	memset(pp, 0, sizeof(*pp));
}

static void
poll_digest_free(void *arg)
{
	struct poll_digest *d = arg;

	if (d == NULL)
		return;
	free(d->hash);
	poll_parse_clear(&d->pp);
	free(d);
}

static void
poll_free(struct poll *p)
{
	poll_parse_clear(&p->pp);
	poll_digest_free(p->digest);
	free(p->old_hash);
	free(p->etag);
	free(p->last_modified);
	free(p->body_hash);
	free(p->permanent_url);
	free(p->error);
	free(p->repair_note);
	fetch_result_free(p->prefetched);
	if (p->prefetch_ev != NULL)
		event_free(p->prefetch_ev);
	fetch_result_free(p->page);
	free(p->moved_to);
	free(p->page_note);
	free(p->hub);
	free(p->self);
	fetch_result_free(p->parsing);
	free(p->parsing_hash);
	free(p);
}

static int64_t
week_entries(const struct poll *p, int64_t now)
{
	int64_t n = 0, t;
	bool dated = false;
	size_t i;

	for (i = 0; i < p->pp.nentries; i++) {
		t = feed_entry_date(&p->pp.entries[i]);
		if (t == FEED_TIME_NONE)
			continue;
		dated = true;
		if (t > now - WEEK_S)
			n++;
	}
	return dated ? n : -1;
}

/*
 * Parses a 200 body into pp: entries, their text for the index, header,
 * and the parser's word (rc, error, warnings). Runs on the fetch thread
 * (poll_digest) or the worker's when there is one: it touches nothing
 * but pp, and logs nothing (parsed() does, on the loop).
 */
static void
parse_body(struct poll_parse *pp, const struct fetch_result *r)
{
	struct feed_parser_cb cb = { on_header, on_entry };
	struct feed_parser *fp;
	const char *perr;
	char *const *warn;
	struct buf note;
	size_t i;

	fp = feed_parser_new(r->effective_url, &cb, pp);
	feed_parser_set_content_type(fp, r->content_type);
	pp->rc = feed_parser_push(fp, r->body, r->body_len, true);
	pp->nwarnings = feed_parser_warnings(fp, &warn);
	if (pp->nwarnings > 0) {
		buf_init(&note);
		for (i = 0; i < pp->nwarnings; i++)
			buf_printf(&note, "%s%s", i > 0 ? "; " : "", warn[i]);
		pp->warnings = buf_detach(&note);
	}
	if (pp->rc == -1 && (perr = feed_parser_error(fp)) != NULL)
		pp->error = xstrdup(perr);
	feed_parser_free(fp);
	/* The index's text too, here rather than on the store's thread. */
	if (pp->nentries > 0) {
		pp->texts = xcalloc(pp->nentries, sizeof(*pp->texts));
		store_index_texts_make(pp->entries, pp->texts, pp->nentries);
	}
}

/*
 * fetch's digest of a poll's response, on the fetch thread: the body's
 * hash, and when it differs from old_hash (the feed's) and the body is no
 * HTML page, its parse. So a response reaches the loop read, and the
 * parse overlaps the store's writes. What is not a 200 gets no digest.
 */
static void *
poll_digest(struct fetch_result *r, const char *old_hash)
{
	struct poll_digest *d;

	if (r->status != FETCH_OK)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->hash = body_hash(r->body, r->body_len);
	if (body_unchanged(d->hash, old_hash))
		d->unchanged = true;
	else if (!poll_looks_like_html(r->body, r->body_len)) {
		parse_body(&d->pp, r);
		d->parsed = true;
		/* All of it is in the parse: not held while the poll waits. */
		free((char *)r->body);
		r->body = NULL;
	}
	return d;
}

/*
 * What parse_body() found, into the outcome; on the loop. The entries
 * are stored when the batch writes.
 */
static void
parsed(struct poll *p, const struct fetch_result *r, struct poll_outcome *o,
    char *err, size_t errlen)
{
	const char *perr = p->pp.error;

	o->repairs = (int64_t)p->pp.nwarnings;
	if (p->pp.warnings != NULL) {
		free(p->repair_note);
		o->repair_note = p->repair_note = p->pp.warnings;
		p->pp.warnings = NULL;
		log_info("poll: '%s': read with repairs: %s", r->url,
		    p->repair_note);
	}
	if (p->pp.rc == -1 && p->pp.nentries == 0) {
		o->result = POLL_FAILED;
		o->fail_state = STORE_FEED_BACKING_OFF;
		snprintf(err, errlen, "not a readable feed: %s",
		    perr != NULL ? perr : "parse error");
		o->error = err;
		return;
	}
	if (p->pp.rc == -1)
		log_warnx("poll: '%s': %s; keeping the %zu entries read "
		    "before it", r->url, perr != NULL ? perr : "parse error",
		    p->pp.nentries);
	if (p->pp.have_header) {
		o->ttl_s = p->pp.header.ttl_s;
		o->update_period_s = p->pp.header.update_period_s;
	}
	o->week_entries = week_entries(p, o->started);
	if (!p->pushed) {
		p->hub = weblinks_find(r->link, "hub", r->effective_url);
		p->self = weblinks_find(r->link, "self", r->effective_url);
		if (p->hub == NULL && p->pp.have_header)
			p->hub = xstrdup_or_null(p->pp.header.hub);
		if (p->self == NULL && p->pp.have_header)
			p->self = xstrdup_or_null(p->pp.header.self);
		o->hub = p->hub;
		o->self = p->self;
	} else
		o->week_entries = -1;	/* maybe a part of the feed */
	o->parsed = true;
	o->result = POLL_NEW;
	p->ingest = true;
}

/*
 * Validators of a body we could not use must not turn the next poll into
 * a 304 that looks like success.
 */
static void
forget_validators(struct poll_outcome *o)
{
	o->etag = NULL;
	o->last_modified = NULL;
	o->body_hash = NULL;
}

const char *const poll_result_labels[] = {
	"ok", "not_modified", "unchanged", "http_4xx", "http_5xx",
	"http_other", "network_error", "timeout", "too_large",
	"redirect_error", "bad_url", "blocked", "parse_error", "store_error",
	NULL,
};

const char *
poll_result_label(const struct poll_outcome *o)
{
	switch (o->result) {
	case POLL_NEW: return "ok";
	case POLL_NOT_MODIFIED: return "not_modified";
	case POLL_UNCHANGED: return "unchanged";
	case POLL_FAILED: break;
	}
	if (o->store_failed)
		return "store_error";
	switch (o->fetch_status) {
	case FETCH_OK:
		/* The body came: an HTML page, or no feed we could read. */
		return o->fail_state == STORE_FEED_BLOCKED ? "blocked" :
		    "parse_error";
	case FETCH_HTTP_ERROR:
		return o->http_code >= 400 && o->http_code < 500 ? "http_4xx" :
		    o->http_code >= 500 && o->http_code < 600 ? "http_5xx" :
		    "http_other";
	case FETCH_BLOCKED: return "blocked";
	case FETCH_TOO_BIG: return "too_large";
	case FETCH_TIMEOUT: return "timeout";
	case FETCH_BAD_URL: return "bad_url";
	case FETCH_REDIRECTS: return "redirect_error";
	case FETCH_CANCELLED: return "cancelled";
	default: return "network_error";
	}
}

/* The batch's job: store the entries, then report. Frees p. */
static void
poll_write(void *arg)
{
	struct poll *p = arg;
	struct poll_outcome *o = &p->o;
	struct store_ingest_result ing;

	memset(&ing, 0, sizeof(ing));
	p->queued = false;
	if (p->ingest) {
		if (store_ingest_texts(p->store, p->feed_id,
		    p->pp.have_header ? &p->pp.header : NULL, p->pp.entries,
		    p->pp.texts, p->pp.nentries, &ing) == 0) {
			o->new_ids = ing.new_ids;
			o->new_count = ing.new_count;
			o->updated_count = ing.updated;
			o->duplicate_count = ing.unchanged;
		} else {
			o->result = POLL_FAILED;
			o->fail_state = STORE_FEED_BACKING_OFF;
			o->error = "database error while storing entries";
			o->store_failed = true;
			forget_validators(o);
		}
	}
	p->cb(o, p->arg);
	store_ingest_result_clear(&ing);
	poll_free(p);
}

static void	on_discovered(struct discover_result *, void *);
static void	process(struct poll *, const struct fetch_result *);

static void
parse_run(void *arg)
{
	struct poll *p = arg;

	parse_body(&p->pp, p->parsing);
}

/* Back on the loop: the response is read again, parse and all known. */
static void
parse_done(void *arg)
{
	struct poll *p = arg;
	struct fetch_result *r = p->parsing;

	if (p->cancelled) {
		poll_free(p);
		return;
	}
	p->parsed = true;
	p->parsing = NULL;
	process(p, r);
	fetch_result_free(r);
}

/*
 * Hands the body to the worker (true); the transfer's slot stays taken
 * until the poll is parsed, so what is parsed at once stays bounded by
 * max_connections.
 */
static bool
parse_later(struct poll *p, const struct fetch_result *r, char *hash)
{
	if (p->worker == NULL)
		return false;
	p->parsing = fetch_result_dup(r);
	p->parsing_hash = hash;
	worker_submit(p->worker, parse_run, parse_done, p);
	return true;
}

/* The transfer ended, or will not be needed: its slot goes back. */
static void
transfer_ended(struct poll *p)
{
	void (*fetched)(void *) = p->fetched;

	p->fetched = NULL;
	if (fetched != NULL)
		fetched(p->arg);
}

/*
 * An HTML page where the feed was expected, on a poll that may look
 * behind it: discovery takes over (true), the page kept for the error.
 */
static bool
discover_page(struct poll *p, const struct fetch_result *r)
{
	if (p->discover == NULL || p->moved_to != NULL ||
	    !poll_looks_like_html(r->body, r->body_len))
		return false;
	if ((p->job = discover_start(p->discover, r->url, r, on_discovered,
	    p)) == NULL)
		return false;
	p->page = fetch_result_dup(r);
	log_info("poll: '%s' is an HTML page: looking for the feeds it "
	    "announces", r->url);
	transfer_ended(p);
	return true;
}

/* Reads one response (fetched, prefetched or found) into the outcome. */
static void
process(struct poll *p, const struct fetch_result *r)
{
	struct poll_outcome o;
	struct poll_digest *d;
	char err[1024], *hash = NULL;
	bool unchanged, got_parse = false;

	memset(&o, 0, sizeof(o));
	o.fetch_status = r->status;
	o.http_code = r->http_code;
	o.permanent_url = r->permanent_url;
	o.retry_after_s = r->retry_after_s;
	o.max_age_s = r->max_age_s;
	o.expires_s = r->expires_s;
	o.week_entries = -1;
	o.bytes = (int64_t)r->body_len;
	o.duration_ms = (int64_t)(r->total_time_s * 1000);
	o.started = p->started;
	o.fail_state = STORE_FEED_BACKING_OFF;
	o.moved_to = p->moved_to;

	switch (r->status) {
	case FETCH_OK:
		/* Exactly what the server sent now; "" forgets an old one. */
		o.etag = r->etag != NULL ? r->etag : "";
		o.last_modified = r->last_modified != NULL ?
		    r->last_modified : "";
		if (p->parsed) {
			/* The worker's parse of what passed the checks. */
			o.body_hash = hash = p->parsing_hash;
			p->parsing_hash = NULL;
			parsed(p, r, &o, err, sizeof(err));
			break;
		}
		if ((d = p->digest) != NULL) {
			/* Read on the fetch thread (poll_digest). */
			p->digest = NULL;
			o.body_hash = hash = d->hash;
			d->hash = NULL;
			if (d->parsed) {
				p->pp = d->pp;
				memset(&d->pp, 0, sizeof(d->pp));
			}
			unchanged = d->unchanged;
			got_parse = d->parsed;
			poll_digest_free(d);
		} else {
			o.body_hash = hash = body_hash(r->body, r->body_len);
			unchanged = body_unchanged(hash, p->old_hash);
		}
		if (unchanged) {
			o.result = POLL_UNCHANGED;
			break;
		}
		if (got_parse) {
			parsed(p, r, &o, err, sizeof(err));
			break;
		}
		if (discover_page(p, r)) {
			free(hash);
			return;
		}
		if (poll_looks_like_html(r->body, r->body_len)) {
			o.result = POLL_FAILED;
			o.fail_state = STORE_FEED_BLOCKED;
			if (p->page_note != NULL)
				snprintf(err, sizeof(err), "got %s",
				    p->page_note);
			else
				snprintf(err, sizeof(err), "got an HTML page "
				    "(%s), not a feed: a bot wall or a site's "
				    "home page (feedctl discover finds the "
				    "feeds a page announces)",
				    r->content_type != NULL ?
				    r->content_type : "no Content-Type");
			o.error = err;
			break;
		}
		if (parse_later(p, r, hash))
			return;
		parse_body(&p->pp, r);
		parsed(p, r, &o, err, sizeof(err));
		break;
	case FETCH_NOT_MODIFIED:
		o.result = POLL_NOT_MODIFIED;
		break;
	case FETCH_BLOCKED:
		o.result = POLL_FAILED;
		o.fail_state = STORE_FEED_BLOCKED;
		o.error = r->error;
		break;
	case FETCH_HTTP_ERROR:
		o.result = POLL_FAILED;
		o.error = r->error;
		if (r->http_code == 410)
			o.fail_state = STORE_FEED_GONE;
		else if (r->http_code == 401 || r->http_code == 403 ||
		    r->http_code == 451)
			o.fail_state = STORE_FEED_BLOCKED;
		break;
	default:
		o.result = POLL_FAILED;
		o.error = r->error != NULL ? r->error :
		    fetch_status_name(r->status);
		break;
	}
	if (o.result == POLL_FAILED) {
		forget_validators(&o);
		o.moved_to = NULL;	/* a failure moves nothing */
	}
	if (p->pushed) {
		/* The last polled document's validators stay. */
		forget_validators(&o);
		o.pushed = true;
	}
	/* r and its strings go when we return: keep copies. */
	p->o = o;
	p->o.etag = p->etag = xstrdup_or_null(o.etag);
	p->o.last_modified = p->last_modified =
	    xstrdup_or_null(o.last_modified);
	p->body_hash = hash;	/* o.body_hash is hash, or NULL to keep */
	p->o.permanent_url = p->permanent_url =
	    xstrdup_or_null(o.permanent_url);
	p->o.error = p->error = xstrdup_or_null(o.error);
	if (p->batch == NULL || r->status == FETCH_CANCELLED) {
		poll_write(p);
		return;
	}
	p->queued = true;
	batch_add(p->batch, poll_write, p, p->pp.nentries);
	transfer_ended(p);
}

static void
on_fetched(const struct fetch_result *r, void *arg)
{
	struct poll *p = arg;

	p->xfer = NULL;
	p->digest = r->digest;	/* taken */
	process(p, r);
}

/* A response discovery (or an add) fetched: read from the loop. */
static void
on_prefetched(evutil_socket_t fd, short what, void *arg)
{
	struct poll *p = arg;
	struct fetch_result *r = p->prefetched;

	p->prefetched = NULL;
	process(p, r);
	fetch_result_free(r);
}

/*
 * What the page's discovery found. The first feed it settled on is read
 * in the page's place and the feed moves to it; with none, the page is
 * reported, with what was tried.
 */
static void
on_discovered(struct discover_result *res, void *arg)
{
	static const struct fetch_result cancelled = {
		.status = FETCH_CANCELLED, .error = "shutting down" };
	struct poll *p = arg;
	struct fetch_result *page = p->page;
	struct store_feed other = { 0 };
	const struct discover_candidate *c = res->candidates;

	p->job = NULL;		/* it ends when this returns */
	p->page = NULL;
	if (res->cancelled) {
		process(p, &cancelled);
		fetch_result_free(page);
		return;
	}
	p->discover = NULL;
	if (res->kind == DISCOVER_PAGE && res->ncandidates > 0 &&
	    res->fetched != NULL) {
		if (store_feed_get_by_url(p->store, c[0].url, &other) == 1) {
			p->page_note = xasprintf("an HTML page that announces "
			    "'%s', already subscribed as feed %lld", c[0].url,
			    (long long)other.id);
			store_feed_clear(&other);
		} else {
			log_notice("poll: '%s' is an HTML page: it announces "
			    "'%s' (%zu %s found), which is read in its place "
			    "from now on", res->url, c[0].url,
			    res->ncandidates, res->ncandidates == 1 ? "feed" :
			    "feeds");
			p->moved_to = xstrdup(c[0].url);
			process(p, res->fetched);
			fetch_result_free(page);
			return;
		}
	} else if (res->error != NULL)
		p->page_note = xstrdup(res->error);
	process(p, page);
	fetch_result_free(page);
}

struct poll *
poll_start(struct fetch *fetch, struct store *store, struct batch *batch,
    const struct store_feed *feed, const struct poll_options *opts,
    void (*fetched)(void *), poll_done_cb *cb, void *arg)
{
	struct timeval now = { 0, 0 };
	struct fetch_request req;
	struct poll *p;

	p = xcalloc(1, sizeof(*p));
	p->store = store;
	p->batch = batch;
	p->fetched = fetched;
	p->feed_id = feed->id;
	p->old_hash = xstrdup_or_null(feed->body_hash);
	p->started = time(NULL);
	p->cb = cb;
	p->arg = arg;
	if (opts != NULL) {
		p->discover = opts->pushed ? NULL : opts->discover;
		p->pushed = opts->pushed;
		p->worker = opts->worker;
	}
	if (opts != NULL && opts->prefetched != NULL) {
		p->prefetched = opts->prefetched;
		p->prefetch_ev = evtimer_new(opts->base, on_prefetched, p);
		evtimer_add(p->prefetch_ev, &now);
		return p;
	}
	memset(&req, 0, sizeof(req));
	req.url = feed->url;
	req.etag = feed->etag;
	req.last_modified = feed->last_modified;
	req.last_to_host = opts != NULL && opts->last_to_host;
	/* Read on the fetch thread as soon as it is in. */
	req.digest = poll_digest;
	req.digest_free = poll_digest_free;
	req.digest_key = p->old_hash;
	req.may_wait = opts != NULL && opts->may_wait;
	req.on_done = on_fetched;
	req.arg = p;
	p->xfer = fetch_start(fetch, &req);
	return p;
}

void
poll_cancel(struct poll *p)
{
	if (p == NULL)
		return;
	if (p->xfer != NULL)
		fetch_cancel(p->xfer);
	if (p->job != NULL)
		discover_cancel(p->job);
	if (p->queued)
		batch_remove(p->batch, p);
	if (p->parsing != NULL) {
		/* The worker holds it: freed when it hands it back. */
		p->cancelled = true;
		return;
	}
	poll_free(p);
}
