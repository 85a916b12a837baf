#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "batch.h"
#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "poll.h"
#include "sched.h"
#include "store.h"
#include "units.h"
#include "url.h"
#include "xmalloc.h"

#define WEEK_S			(7 * 24 * 3600)
#define RETRY_AFTER_MAX_S	(2 * 24 * 3600)
#define MOVE_CONFIRMATIONS	3
#define NEVER			INT64_MAX

/*
 * Feeds wait in one of two places: the plan (a min-heap by due time) until
 * they are due, then their host's ready queue (FIFO, so in due order) until
 * the limits let them start. Hosts take turns, so one busy site cannot
 * starve the others, and within a host the most overdue feed goes first.
 *
 * Only hosts with something ready take turns: a host with work waits in
 * the turn queue (its turn comes), held (at max_per_host: a transfer's end
 * queues it again) or in the gap heap (until host_gap has passed since its
 * last start). So a turn costs what starts, not what is configured: with
 * 100,000 feeds on as many hosts, a completion does not visit them all.
 */
enum host_wait {
	HOST_IDLE,	/* nothing ready, or not yet seen to have it */
	HOST_TURN,	/* in the turn queue */
	HOST_HELD,	/* at max_per_host, or behind a poll started ahead */
	HOST_GAP,	/* in the gap heap */
};

struct host {
	char	*name;		/* "" for file:// and unparsable URLs */
	int	 in_flight;
	/* Slots asked for by fetches that are not polls, in order. */
	struct sched_slot *ghead;
	struct sched_slot *gtail;
	int64_t	 last_start_ms;
	size_t	*ready;		/* feed indexes, a ring */
	size_t	 rhead;
	size_t	 rlen;
	size_t	 rcap;
	enum host_wait wait;
	int64_t	 gap_until_ms;	/* HOST_GAP: its next start */
	bool	 ahead;		/* its poll may wait in the fetch's queue */
};

struct pollctx;

/*
 * A poll written in the batch being stored: counted once the batch has
 * committed, or its feed tried again if the commit failed.
 */
struct written {
	int64_t	 feed_id;
	const char *label;	/* poll_result_label */
	int64_t	 bytes;
	double	 seconds;
	size_t	 stored, updated, duplicate;
	bool	 failed;	/* counted as failed (--once) already */
	bool	 store_failed;	/* the database failed it already */
	bool	 pushed;	/* a hub's push, not a poll: no poll counted */
	char	*url;		/* --once: for its list of failures */
};

struct sfeed {
	int64_t	 id;
	size_t	 host;
	int64_t	 due_ms;
	struct pollctx *ctx;	/* non-NULL while a poll runs */
	bool	 again;		/* "poll now" came while it ran */
	bool	 once_pending;
	bool	 ready;		/* in its host's ready queue */
	bool	 discover;	/* its next poll may look behind a page */
	size_t	 heap_pos;	/* NOT_PLANNED unless in the plan heap */
};

/* A host slot lent to a fetch that is not a poll (discovery). */
struct sched_slot {
	struct sched	*s;
	size_t		 host;
	bool		 granted;
	void		(*granted_cb)(void *);
	void		*arg;
	struct sched_slot *next;	/* in its host's queue, until granted */
};

#define NOT_PLANNED	SIZE_MAX

struct sched {
	struct event_base *base;
	struct store	*store;
	struct fetch	*fetch;
	struct batch	*batch;
	struct discover	*discover;
	struct worker	*worker;	/* parses off the loop, or NULL */
	struct sched_options o;
	struct sched_callbacks cb;
	struct event	*timer;
	struct event	*kick;
	struct sfeed	*feeds;		/* sorted by id */
	size_t		 nfeeds;
	struct host	*hosts;
	size_t		 nhosts;
	size_t		 hosts_cap;
	/* hosts by name: index + 1 (0 empty), open addressing, half full */
	size_t		*host_slots;
	size_t		 host_slots_cap;	/* a power of two */
	/* Hosts whose turn comes, a ring of host indexes (struct host). */
	size_t		*turns;
	size_t		 thead, tlen, tcap;
	/* Hosts waiting for host_gap, a min-heap by gap_until_ms. */
	size_t		*gaps;
	size_t		 ngaps, gcap;
	size_t		 nready;	/* feeds in ready queues */
	size_t		 npolls;	/* polls running or being stored */
	size_t		*heap;		/* feed indexes by due_ms */
	size_t		 nheap;
	/* A shared store (several workers): feeds claimed before a poll. */
	bool		 shared;
	struct store_claim *claims;	/* 2 * max_connections */
	size_t		 nclaims;
	int		 in_flight;
	bool		 running;
	bool		 once;
	void		(*once_done)(void *, size_t);
	void		*once_arg;
	size_t		 once_left;
	size_t		 once_failed;
	struct sched_failure *failures;	/* --once */
	size_t		 nfailures;
	struct written	*written;	/* polls of the batch being stored */
	size_t		 nwritten;
	unsigned	 store_failures;	/* failed commits in a row */
	int64_t		 store_retry_s;
	int64_t		 store_failed_ms;	/* when the step last grew */
	/* when the burst polls of the last hour were planned, a ring */
	int64_t		 burst_at[SCHED_BURST_PER_HOUR];
	size_t		 burst_head;	/* the oldest */
	size_t		 nburst;
	struct metric	*m_polls;
	struct metric	*m_poll_seconds;
	struct metric	*m_bytes;
	struct metric	*m_entries;
};

struct pollctx {
	struct sched	*s;
	struct poll	*poll;
	struct store_feed feed;	/* as it was when the poll started */
	size_t		 host;
	bool		 holding;	/* counts in in_flight */
	bool		 ahead;		/* started beyond max_connections */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Uniform in [0, n). */
static int64_t
rnd(int64_t n)
{
	if (n <= 1)
		return 0;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	return arc4random_uniform((uint32_t)n);
}

/* FNV-1a: host names are short and few collide. */
static size_t
host_slot(const struct sched *s, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
	return (size_t)h & (s->host_slots_cap - 1);
}

static void
host_slots_grow(struct sched *s)
{
	size_t i, j;

	free(s->host_slots);
	s->host_slots_cap = s->host_slots_cap == 0 ? 64 :
	    s->host_slots_cap * 2;
	s->host_slots = xcalloc(s->host_slots_cap, sizeof(*s->host_slots));
	for (i = 0; i < s->nhosts; i++) {
		for (j = host_slot(s, s->hosts[i].name); s->host_slots[j] != 0;
		    j = (j + 1) & (s->host_slots_cap - 1))
			;
		s->host_slots[j] = i + 1;
	}
}

/*
 * A host's index, added when new. Looked up by hash: a linear search
 * made loading 100,000 feeds on as many hosts quadratic.
 */
static size_t
host_index(struct sched *s, const char *url)
{
	char *key = url_host_key(url);
	size_t i, j;

	if ((s->nhosts + 1) * 2 > s->host_slots_cap)
		host_slots_grow(s);
	for (j = host_slot(s, key); s->host_slots[j] != 0;
	    j = (j + 1) & (s->host_slots_cap - 1)) {
		i = s->host_slots[j] - 1;
		if (strcmp(s->hosts[i].name, key) == 0) {
			free(key);
			return i;
		}
	}
	if (s->nhosts == s->hosts_cap) {
		s->hosts_cap = s->hosts_cap == 0 ? 16 : s->hosts_cap * 2;
		s->hosts = xreallocarray(s->hosts, s->hosts_cap,
		    sizeof(*s->hosts));
	}
	i = s->nhosts++;
	memset(&s->hosts[i], 0, sizeof(s->hosts[i]));
	s->hosts[i].name = key;
	s->host_slots[j] = i + 1;
	return i;
}

static struct sfeed *
find(struct sched *s, int64_t id)
{
	size_t lo = 0, hi = s->nfeeds, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->feeds[mid].id == id)
			return &s->feeds[mid];
		if (s->feeds[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool
heap_less(const struct sched *s, size_t a, size_t b)
{
	return s->feeds[s->heap[a]].due_ms < s->feeds[s->heap[b]].due_ms;
}

static void
heap_swap(struct sched *s, size_t a, size_t b)
{
	size_t t = s->heap[a];

	s->heap[a] = s->heap[b];
	s->heap[b] = t;
	s->feeds[s->heap[a]].heap_pos = a;
	s->feeds[s->heap[b]].heap_pos = b;
}

static void
heap_up(struct sched *s, size_t i)
{
	while (i > 0 && heap_less(s, i, (i - 1) / 2)) {
		heap_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct sched *s, size_t i)
{
	size_t l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < s->nheap && heap_less(s, l, m))
			m = l;
		if (l + 1 < s->nheap && heap_less(s, l + 1, m))
			m = l + 1;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

/* Puts a feed that is neither running nor queued into the plan. */
static void
plan_add(struct sched *s, size_t idx)
{
	s->heap[s->nheap] = idx;
	s->feeds[idx].heap_pos = s->nheap;
	s->nheap++;
	heap_up(s, s->nheap - 1);
}

static void
plan_remove(struct sched *s, size_t idx)
{
	size_t pos = s->feeds[idx].heap_pos;

	if (pos == NOT_PLANNED)
		return;
	s->feeds[idx].heap_pos = NOT_PLANNED;
	if (pos != --s->nheap) {
		s->heap[pos] = s->heap[s->nheap];
		s->feeds[s->heap[pos]].heap_pos = pos;
		heap_down(s, pos);
		heap_up(s, pos);
	}
}

/* Starts on the host keep host_gap apart. */
static bool
host_gapped(const struct sched *s, const struct host *h)
{
	return h->name[0] != '\0' && s->o.host_gap_ms > 0;
}

/*
 * How many polls the host may have in flight now: max_per_host; beyond
 * max_connections, where they wait in the fetch's queue (which keeps
 * max_per_host running), more on a host without a gap, and on one with
 * a gap only one (it holds the host, see sched.h).
 */
static int
host_limit(const struct sched *s, const struct host *h)
{
	if (s->in_flight < s->o.max_connections)
		return s->o.max_per_host;
	if (host_gapped(s, h))
		return 1;
	return s->o.max_per_host * (1 + SCHED_AHEAD_FACTOR);
}

static bool
host_has_work(const struct host *h)
{
	return h->rlen > 0 || h->ghead != NULL;
}

static void
turn_push(struct sched *s, size_t hi)
{
	size_t i, *q;

	if (s->tlen == s->tcap) {
		q = xreallocarray(NULL, s->tcap ? s->tcap * 2 : 16, sizeof(*q));
		for (i = 0; i < s->tlen; i++)
			q[i] = s->turns[(s->thead + i) % s->tcap];
		free(s->turns);
		s->turns = q;
		s->thead = 0;
		s->tcap = s->tcap ? s->tcap * 2 : 16;
	}
	s->turns[(s->thead + s->tlen) % s->tcap] = hi;
	s->tlen++;
	s->hosts[hi].wait = HOST_TURN;
}

static size_t
turn_pop(struct sched *s)
{
	size_t hi = s->turns[s->thead];

	s->thead = (s->thead + 1) % s->tcap;
	s->tlen--;
	s->hosts[hi].wait = HOST_IDLE;
	return hi;
}

/* A host that may have work: its turn comes, unless it waits already. */
static void
host_wake(struct sched *s, size_t hi)
{
	if (s->hosts[hi].wait == HOST_IDLE && host_has_work(&s->hosts[hi]))
		turn_push(s, hi);
}

/* A host's transfer ended: held at its limit, its turn comes again. */
static void
host_released(struct sched *s, size_t hi)
{
	if (s->hosts[hi].wait == HOST_HELD)
		s->hosts[hi].wait = HOST_IDLE;
	host_wake(s, hi);
}

static bool
gap_less(const struct sched *s, size_t a, size_t b)
{
	return s->hosts[s->gaps[a]].gap_until_ms <
	    s->hosts[s->gaps[b]].gap_until_ms;
}

static void
gap_swap(struct sched *s, size_t a, size_t b)
{
	size_t t = s->gaps[a];

	s->gaps[a] = s->gaps[b];
	s->gaps[b] = t;
}

static void
gap_push(struct sched *s, size_t hi, int64_t until)
{
	size_t i;

	if (s->ngaps == s->gcap) {
		s->gcap = s->gcap ? s->gcap * 2 : 16;
		s->gaps = xreallocarray(s->gaps, s->gcap, sizeof(*s->gaps));
	}
	s->hosts[hi].wait = HOST_GAP;
	s->hosts[hi].gap_until_ms = until;
	i = s->ngaps++;
	s->gaps[i] = hi;
	while (i > 0 && gap_less(s, i, (i - 1) / 2)) {
		gap_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static size_t
gap_pop(struct sched *s)
{
	size_t hi = s->gaps[0], i = 0, l, m;

	s->gaps[0] = s->gaps[--s->ngaps];
	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < s->ngaps && gap_less(s, l, m))
			m = l;
		if (l + 1 < s->ngaps && gap_less(s, l + 1, m))
			m = l + 1;
		if (m == i)
			break;
		gap_swap(s, i, m);
		i = m;
	}
	s->hosts[hi].wait = HOST_IDLE;
	return hi;
}

/*
 * Every host waits afresh: after the queues were rebuilt, or when the
 * limits changed (a held host may be under a new max_per_host).
 */
static void
turns_rebuild(struct sched *s)
{
	size_t i;

	s->thead = s->tlen = 0;
	s->ngaps = 0;
	for (i = 0; i < s->nhosts; i++)
		s->hosts[i].wait = HOST_IDLE;
	for (i = 0; i < s->nhosts; i++)
		host_wake(s, i);
}

static void
ready_push(struct sched *s, size_t idx)
{
	struct host *h = &s->hosts[s->feeds[idx].host];
	size_t i, *q;

	if (h->rlen == h->rcap) {
		/* Grow and unwrap the ring. */
		q = xreallocarray(NULL, h->rcap ? h->rcap * 2 : 16, sizeof(*q));
		for (i = 0; i < h->rlen; i++)
			q[i] = h->ready[(h->rhead + i) % h->rcap];
		free(h->ready);
		h->ready = q;
		h->rhead = 0;
		h->rcap = h->rcap ? h->rcap * 2 : 16;
	}
	h->ready[(h->rhead + h->rlen) % h->rcap] = idx;
	h->rlen++;
	s->nready++;
	s->feeds[idx].ready = true;
	host_wake(s, s->feeds[idx].host);
}

static size_t
ready_pop(struct sched *s, struct host *h)
{
	size_t idx = h->ready[h->rhead];

	h->rhead = (h->rhead + 1) % h->rcap;
	h->rlen--;
	s->nready--;
	return idx;
}

/* Forgets every queue; load() rebuilds them for a new feed array. */
static void
queues_clear(struct sched *s)
{
	size_t i;

	for (i = 0; i < s->nhosts; i++)
		s->hosts[i].rhead = s->hosts[i].rlen = 0;
	s->nready = 0;
	s->nheap = 0;
	/* Hosts with slots asked for keep them. */
	turns_rebuild(s);
}

static void
kick(struct sched *s)
{
	event_active(s->kick, EV_TIMEOUT, 0);
}

static int64_t
clamp(const struct sched *s, int64_t v)
{
	if (v < s->o.min_interval_s)
		v = s->o.min_interval_s;
	if (v > s->o.max_interval_s)
		v = s->o.max_interval_s;
	return v;
}

/* The step of a note where the publisher's hints raised the interval. */
#define NOTE_HINT	"publisher asks"

/* Appends "; WHAT D" (or "WHAT D" first) to the note of an interval. */
static void
note_step(struct buf *note, const char *what, int64_t d)
{
	char dur[32];

	units_format_duration(d, dur, sizeof(dur));
	buf_printf(note, "%s%s %s", note->len > 0 ? "; " : "", what, dur);
}

/* A plan: the interval, why, and the parts kept for the next one. */
struct plan {
	int64_t	 iv;
	char	*note;
	int64_t	 base_s;	/* the natural interval */
	char	*base_note;
	int64_t	 hint_s;	/* the document's own */
};

static void
plan_clear(struct plan *p)
{
	free(p->note);
	free(p->base_note);
}

/*
 * News breaks where topics were hit: a natural interval *iv shortened by
 * the feed's topic hits, or relaxed when it has none while topics exist
 * (sched.h), and why appended to note: "topic hits: 2 in 30d, weight
 * 1.5 → 38m" or "no topic hits in 30d → 24h".
 */
static void
topic_step(const struct sched *s, const struct store_feed *f, int64_t now,
    int64_t *iv, struct buf *note)
{
	int64_t *hits, topics, age;
	size_t n;
	double w = 0, speedup;
	char what[96];

	if (store_feed_topic_hits(s->store, f->id, now - SCHED_TOPIC_HISTORY_S,
	    &hits, &n, &topics) == -1)
		return;
	for (size_t i = 0; i < n; i++) {
		age = now > hits[i] ? now - hits[i] : 0;
		w += exp2(-(double)age / SCHED_TOPIC_HALF_LIFE_S);
	}
	free(hits);
	if (n > 0) {
		speedup = 1 + w / SCHED_TOPIC_WEIGHT_STEP;
		if (speedup > SCHED_TOPIC_MAX_SPEEDUP)
			speedup = SCHED_TOPIC_MAX_SPEEDUP;
		*iv = (int64_t)((double)*iv / speedup);
		snprintf(what, sizeof(what), "topic hits: %zu in %dd, weight "
		    "%.1f →", n, SCHED_TOPIC_HISTORY_S / 86400, w);
		note_step(note, what, *iv);
	} else if (topics > 0 &&
	    f->created <= now - SCHED_TOPIC_RELAX_AFTER_S &&
	    *iv < s->o.max_interval_s) {
		*iv = *iv <= s->o.max_interval_s / SCHED_TOPIC_RELAX ?
		    *iv * SCHED_TOPIC_RELAX : s->o.max_interval_s;
		snprintf(what, sizeof(what), "no topic hits in %dd →",
		    SCHED_TOPIC_HISTORY_S / 86400);
		note_step(note, what, *iv);
	}
}

/*
 * The interval after a successful poll (see sched.h), and why, from the
 * feed's natural interval (configured, adaptive, or kept from the last
 * parse when nothing was parsed), shortened by its topic hits or relaxed
 * for having none, raised to the publisher's hints, relaxed while a
 * WebSub hub pushes, within [min_interval, max_interval]: "adaptive 45m;
 * topic hits: 3 in 30d, weight 2.6 → 27m16s".
 */
static void
plan_interval(const struct sched *s, const struct store_feed *f,
    const struct poll_outcome *o, struct plan *p)
{
	int64_t iv, hint, http_hint = 0, safety, now = time(NULL);
	bool pushed = f->push_until > now;
	const char *word = NULL;
	struct buf b;

	memset(p, 0, sizeof(*p));
	buf_init(&b);
	if (f->interval_s > 0) {
		iv = f->interval_s;
		word = "configured";
	} else if (o->week_entries > 0) {
		iv = WEEK_S / o->week_entries;
		word = "adaptive";
	} else if (o->week_entries == 0) {
		iv = s->o.max_interval_s;
		word = "nothing new this week";
	} else if (f->error_count == 0 && f->interval_base_s > 0) {
		/* Not parsed: the natural interval of the last parse. */
		iv = f->interval_base_s;
		if (f->interval_base_note != NULL)
			buf_puts(&b, f->interval_base_note);
		else
			word = "as planned";
	} else if (f->error_count == 0 && f->cur_interval_s > 0) {
		iv = f->cur_interval_s;
		word = "as planned";
	} else {
		iv = s->o.default_interval_s;
		word = "default";
	}
	if (word != NULL)
		note_step(&b, word, iv);
	p->base_s = iv;
	p->base_note = xstrdup(b.data);
	if (!pushed && f->interval_s == 0)
		topic_step(s, f, now, &iv, &b);
	/* The publisher's own hints only ever slow us down. */
	hint = o->parsed ? (o->ttl_s > o->update_period_s ? o->ttl_s :
	    o->update_period_s) : f->interval_hint_s;
	p->hint_s = hint > 0 ? hint : 0;
	if (o->max_age_s > http_hint)
		http_hint = o->max_age_s;
	if (o->expires_s > http_hint)
		http_hint = o->expires_s;
	if (http_hint > hint)
		hint = http_hint;
	if (hint > iv) {
		iv = hint;
		note_step(&b, NOTE_HINT, iv);
	}
	/*
	 * The hub brings the news: polls are only the safety net, and
	 * further apart each time one finds nothing the hub had not
	 * brought (a 304, or only entries pushed already).
	 */
	if (pushed) {
		safety = SCHED_PUSHED_INTERVAL_S;
		if (o->new_count == 0 && f->error_count == 0 &&
		    f->cur_interval_s >= SCHED_PUSHED_INTERVAL_S)
			safety = f->cur_interval_s <= INT64_MAX / 2 ?
			    2 * f->cur_interval_s : INT64_MAX;
		if (iv < safety) {
			iv = safety;
			note_step(&b, safety > SCHED_PUSHED_INTERVAL_S ?
			    "WebSub hub pushes, its last poll found nothing "
			    "else →" : "WebSub hub pushes →", iv);
		}
	}
	if (clamp(s, iv) != iv) {
		iv = clamp(s, iv);
		note_step(&b, iv == s->o.min_interval_s ? "min_interval" :
		    "max_interval", iv);
	}
	p->iv = iv;
	p->note = buf_detach(&b);
}

/* Up to 5% either way, so feeds polled together drift apart. */
static int64_t
jitter(const struct sched *s, int64_t d)
{
	int64_t j = rnd(d / 20 + 1);

	if (d + j <= s->o.max_interval_s)
		return d + j;
	if (d - j >= s->o.min_interval_s)
		return d - j;
	return d;
}

static int64_t
backoff(const struct sched *s, int64_t errors)
{
	int64_t d = s->o.min_interval_s;

	while (--errors > 0 && d < s->o.max_interval_s)
		d *= 2;
	d += rnd(d / 4 + 1);
	return clamp(s, d);
}

/* The step after the store_failures-th failed commit in a row. */
static int64_t
store_step(const struct sched *s)
{
	int64_t cap = s->o.min_interval_s > SCHED_STORE_RETRY_S ?
	    s->o.min_interval_s : SCHED_STORE_RETRY_S, d = SCHED_STORE_RETRY_S;

	for (unsigned i = 1; i < s->store_failures && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

static void
once_failure(struct sched *s, const char *url, const char *error)
{
	struct sched_failure *f;

	s->failures = xreallocarray(s->failures, s->nfailures + 1,
	    sizeof(*s->failures));
	f = &s->failures[s->nfailures++];
	f->url = xstrdup(url);
	f->error = xstrdup(error);
}

static void
pollctx_free(struct pollctx *c)
{
	c->s->npolls--;
	store_feed_clear(&c->feed);
	free(c);
}

static void
finish_once(struct sched *s)
{
	void (*done)(void *, size_t) = s->once_done;

	if (!s->once || s->once_left > 0 || done == NULL)
		return;
	s->once_done = NULL;
	done(s->once_arg, s->once_failed);
}

/*
 * A poll holds its connection slot until its transfer ends, not until its
 * batch is written: the limits are about the network.
 */
static void
slot_release(struct sched *s, struct pollctx *c)
{
	if (!c->holding)
		return;
	c->holding = false;
	s->in_flight--;
	s->hosts[c->host].in_flight--;
	if (c->ahead) {
		/* It may have started late: the gap counts from its end. */
		s->hosts[c->host].ahead = false;
		s->hosts[c->host].last_start_ms = now_ms();
	}
	host_released(s, c->host);
}

static void
on_fetched(void *arg)
{
	struct pollctx *c = arg;

	slot_release(c->s, c);
	kick(c->s);
}

/* A poll written into the batch at hand (or the store, without one). */
static void
note_written(struct sched *s, const struct store_feed *feed,
    const struct poll_outcome *o, bool store_failed, bool counted_failed)
{
	struct written *w;

	s->written = xreallocarray(s->written, s->nwritten + 1,
	    sizeof(*s->written));
	w = &s->written[s->nwritten++];
	memset(w, 0, sizeof(*w));
	w->feed_id = feed->id;
	w->label = store_failed ? "store_error" : poll_result_label(o);
	w->bytes = o->bytes;
	w->seconds = (double)o->duration_ms / 1000.0;
	w->stored = o->new_count;
	w->updated = o->updated_count;
	w->duplicate = o->duplicate_count;
	w->failed = counted_failed;
	w->store_failed = store_failed;
	w->url = s->once ? xstrdup(feed->url) : NULL;
}

/* The feed of a poll the database lost: polled again after step. */
static void
retry_soon(struct sched *s, int64_t feed_id, int64_t step)
{
	struct sfeed *f = find(s, feed_id);
	size_t idx;

	if (f == NULL || f->ctx != NULL || f->ready || s->once)
		return;
	idx = (size_t)(f - s->feeds);
	plan_remove(s, idx);
	f->due_ms = now_ms() + step * 1000 + rnd(step * 100);
	plan_add(s, idx);
}

void
sched_batch_done(struct sched *s, bool ok)
{
	struct store_health h;
	bool round_ok = ok;
	size_t lost = 0;
	char dur[32];

	if (s->nwritten == 0)
		return;
	for (size_t i = 0; i < s->nwritten; i++)
		if (s->written[i].store_failed)
			round_ok = false;
	if (round_ok)
		s->store_failures = 0;
	else if (s->store_failures == 0 || now_ms() - s->store_failed_ms >=
	    s->store_retry_s * 1000) {
		/*
		 * The step grows per retry that fails again, not per group
		 * a burst of polls happened to be stored in.
		 */
		s->store_failures++;
		s->store_retry_s = store_step(s);
		s->store_failed_ms = now_ms();
	}
	store_health_get(s->store, &h);
	for (size_t i = 0; i < s->nwritten; i++) {
		struct written *w = &s->written[i];

		/* Network facts stand whether or not the poll was stored. */
		if (!w->pushed) {
			metric_add(s->m_bytes, (double)w->bytes);
			metric_observe(s->m_poll_seconds, w->seconds);
		}
		if (ok && !w->store_failed) {
			if (!w->pushed)
				metric_add(s->m_polls, 1, w->label);
			metric_add(s->m_entries, (double)w->stored, "stored");
			metric_add(s->m_entries, (double)w->updated, "updated");
			metric_add(s->m_entries, (double)w->duplicate,
			    "duplicate");
		} else {
			/*
			 * A push the database lost is not sent again by its
			 * hub: the feed's own poll, soon, brings the news.
			 */
			if (!w->pushed)
				metric_add(s->m_polls, 1, "store_error");
			lost++;
			retry_soon(s, w->feed_id, s->store_retry_s);
			/* --once: counted as a success when it was written. */
			if (s->once && !w->failed) {
				s->once_failed++;
				once_failure(s, w->url, h.failing ? h.error :
				    "the database did not store it");
			}
		}
		free(w->url);
	}
	s->nwritten = 0;
	if (!round_ok) {
		units_format_duration(s->store_retry_s, dur, sizeof(dur));
		log_warnx("sched: %zu %s not stored (%s); %s again in %s, "
		    "then less often while the database fails", lost,
		    lost == 1 ? "poll was" : "polls were", h.failing ? h.error :
		    "the database failed", s->once ? "not polled" : "polled",
		    dur);
		kick(s);
	}
}

/*
 * Content a hub pushed was read, or not: the feed's plan and record stay
 * as they are (sched_push).
 */
static void
pushed_done(struct sched *s, const struct store_feed *feed, struct sfeed *f,
    const struct poll_outcome *o)
{
	int64_t now = time(NULL);

	/* Written into the batch: if its commit fails, polled soon. */
	note_written(s, feed, o, false, o->result == POLL_FAILED);
	s->written[s->nwritten - 1].pushed = true;
	if (o->result == POLL_FAILED)
		log_warnx("websub: content pushed for '%s' not read: %s",
		    feed->url, o->error != NULL ? o->error : "failed");
	else
		log_info("websub: content pushed for '%s': %zu new %s",
		    feed->url, o->new_count, o->new_count == 1 ? "entry" :
		    "entries");
	if (o->new_count > 0 && s->cb.on_new_entries != NULL)
		s->cb.on_new_entries(s->cb.arg, feed->id, o->new_ids,
		    o->new_count);
	if (f != NULL && f->ctx == NULL) {
		if (f->again && !s->once) {
			f->again = false;
			f->due_ms = now * 1000;
			store_feed_set_next_poll(s->store, feed->id, now);
		}
		if (!s->once && !f->ready && f->heap_pos == NOT_PLANNED)
			plan_add(s, (size_t)(f - s->feeds));
	}
	if (s->batch == NULL)
		sched_batch_done(s, true);
}

static void
on_polled(const struct poll_outcome *o, void *arg)
{
	struct pollctx *c = arg;
	struct sched *s = c->s;
	const struct store_feed *feed = &c->feed;
	struct store_poll_result pr;
	struct sfeed *f;
	int64_t now = time(NULL), delay, ra;
	char dur[32];
	struct plan plan = { 0 };
	bool failed = o->result == POLL_FAILED, stored;

	if ((f = find(s, feed->id)) != NULL && f->ctx == c)
		f->ctx = NULL;
	slot_release(s, c);
	if (o->fetch_status == FETCH_CANCELLED)
		goto out;
	if (o->pushed && !o->store_failed) {
		pushed_done(s, feed, f, o);
		goto out;
	}
	if (o->store_failed) {
		/* Not the feed's doing: recorded nowhere, tried again soon. */
		log_warnx("poll: '%s': %s; polled again once the database "
		    "takes writes", feed->url, o->error);
		note_written(s, feed, o, true, true);
		s->written[s->nwritten - 1].pushed = o->pushed;
		if (s->cb.on_polled != NULL)
			s->cb.on_polled(s->cb.arg, feed->id, o->error, 0);
		if (f != NULL && f->ctx == NULL && f->once_pending) {
			f->once_pending = false;
			s->once_left--;
			s->once_failed++;
			once_failure(s, feed->url, o->error);
		}
		if (f != NULL && f->ctx == NULL && !s->once && !f->ready &&
		    f->heap_pos == NOT_PLANNED)
			plan_add(s, (size_t)(f - s->feeds));
		if (s->batch == NULL)
			sched_batch_done(s, true);
		goto out;
	}

	memset(&pr, 0, sizeof(pr));
	pr.started = o->started;
	pr.http_status = (int)o->http_code;
	pr.etag = o->etag;
	pr.last_modified = o->last_modified;
	pr.body_hash = o->body_hash;
	pr.bytes = o->bytes;
	pr.duration_ms = o->duration_ms;
	pr.new_entries = (int64_t)o->new_count;
	pr.set_repairs = o->parsed && !failed;
	pr.repairs = o->repairs;
	pr.repair_note = o->repair_note;
	if (!failed) {
		plan_interval(s, feed, o, &plan);
		delay = plan.iv;
		pr.cur_interval_s = delay;
		pr.interval_note = plan.note;
		pr.interval_base_s = plan.base_s;
		pr.interval_base_note = plan.base_note;
		pr.interval_hint_s = plan.hint_s;
		delay = jitter(s, delay);
		pr.state = STORE_FEED_OK;
		/* The page announced a feed, read in its place: it is that. */
		pr.new_url = o->moved_to;
		if (o->permanent_url != NULL) {
			pr.redirect_url = o->permanent_url;
			pr.redirect_count = feed->redirect_url != NULL &&
			    strcmp(feed->redirect_url, o->permanent_url) == 0 ?
			    feed->redirect_count + 1 : 1;
			if (pr.redirect_count >= MOVE_CONFIRMATIONS) {
				log_notice("poll: '%s' moved permanently to "
				    "'%s'", feed->url, o->permanent_url);
				pr.new_url = o->permanent_url;
				pr.state = STORE_FEED_MOVED;
				pr.redirect_url = NULL;
				pr.redirect_count = 0;
			}
		}
	} else {
		delay = backoff(s, feed->error_count + 1);
		if (o->retry_after_s >= 0 && (o->http_code == 429 ||
		    o->http_code == 503)) {
			ra = o->retry_after_s < RETRY_AFTER_MAX_S ?
			    o->retry_after_s : RETRY_AFTER_MAX_S;
			pr.retry_after_until = now + ra;
			if (ra > delay)
				delay = ra;
		}
		pr.cur_interval_s = delay;
		pr.error = o->error != NULL ? o->error : "failed";
		pr.state = o->fail_state;
		/* A failure neither confirms nor breaks a pending move. */
		pr.redirect_url = feed->redirect_url;
		pr.redirect_count = feed->redirect_count;
		units_format_duration(delay, dur, sizeof(dur));
		log_warnx("poll: '%s': %s, retrying in %s", feed->url,
		    pr.error, dur);
	}
	pr.next_poll = now + delay;
	if (!failed)
		log_debug("poll: '%s': %s, %zu new, next in %llds", feed->url,
		    o->result == POLL_NEW ? "parsed" : o->result ==
		    POLL_NOT_MODIFIED ? "not modified" : "unchanged",
		    o->new_count, (long long)delay);
	stored = store_feed_poll_done(s->store, feed->id, &pr) == 0;
	note_written(s, feed, o, !stored, failed);
	if (o->new_count > 0 && s->cb.on_new_entries != NULL)
		s->cb.on_new_entries(s->cb.arg, feed->id, o->new_ids,
		    o->new_count);
	if (s->cb.on_polled != NULL)
		s->cb.on_polled(s->cb.arg, feed->id, failed ? pr.error : NULL,
		    o->new_count);
	if (o->parsed && !failed && stored && s->cb.on_hub != NULL)
		s->cb.on_hub(s->cb.arg, feed->id, feed->url, o->hub, o->self);
	if ((f = find(s, feed->id)) != NULL && f->ctx == NULL) {
		f->discover = false;
		f->due_ms = pr.next_poll * 1000;
		if (pr.new_url != NULL)
			f->host = host_index(s, pr.new_url);
		if (f->once_pending) {
			f->once_pending = false;
			s->once_left--;
			if (failed) {
				s->once_failed++;
				once_failure(s, feed->url, pr.error);
			}
		}
		if (f->again && !s->once) {
			f->again = false;
			f->due_ms = now * 1000;
			store_feed_set_next_poll(s->store, feed->id, now);
		}
		if (!s->once && !f->ready && f->heap_pos == NOT_PLANNED)
			plan_add(s, (size_t)(f - s->feeds));
	}
	/* Without a batch the poll's writes were committed on their own. */
	if (s->batch == NULL)
		sched_batch_done(s, true);
out:
	plan_clear(&plan);
	pollctx_free(c);
	kick(s);
}

/* prefetched (taken): the response to read; no slot, no fetch. */
static void
start_poll(struct sched *s, struct sfeed *f, int64_t now,
    struct fetch_result *prefetched, bool pushed)
{
	struct poll_options po = { .prefetched = prefetched, .base = s->base,
	    .pushed = pushed, .worker = s->worker, .may_wait = true };
	struct pollctx *c;
	int rc;

	c = xcalloc(1, sizeof(*c));
	c->s = s;
	if ((rc = store_feed_get(s->store, f->id, &c->feed)) != 1) {
		/* Removed meanwhile, or a database error (logged there). */
		free(c);
		if (f->once_pending) {
			f->once_pending = false;
			s->once_left--;
			s->once_failed++;
		}
		if (rc == -1 && !s->once) {
			f->due_ms = now + 60 * 1000;
			plan_add(s, (size_t)(f - s->feeds));
		}
		fetch_result_free(prefetched);
		return;
	}
	f->ctx = c;
	s->npolls++;
	c->host = f->host;
	if (prefetched == NULL) {
		c->holding = true;
		/*
		 * Beyond max_connections it waits its turn in the fetch: on
		 * a host with a gap, it then holds the host until it ends.
		 */
		if (s->in_flight >= s->o.max_connections &&
		    host_gapped(s, &s->hosts[f->host])) {
			c->ahead = true;
			s->hosts[f->host].ahead = true;
		}
		s->in_flight++;
		s->hosts[f->host].in_flight++;
		s->hosts[f->host].last_start_ms = now;
	}
	if (f->discover)
		po.discover = s->discover;
	/*
	 * While every host's connection fits in libcurl's cache (4 per
	 * transfer it may run at once, its default size), all are kept:
	 * the next poll of a host, this cycle or the next, reuses its
	 * connection (over HTTP/2, one for all its feeds). Beyond that,
	 * libcurl 7.88 evicts with a walk over every host it ever held a
	 * connection to (74% of a cold poll's CPU at 20,000 hosts), so a
	 * connection is kept only if the host has more to fetch and its
	 * turn comes back before that of max_connections other hosts.
	 * (Called with the feed taken off its host's queue already.)
	 */
	po.last_to_host = s->nhosts > 4 * (size_t)s->o.max_connections &&
	    (!host_has_work(&s->hosts[f->host]) ||
	    s->tlen + s->ngaps >= (size_t)s->o.max_connections);
	log_debug("poll: '%s' starting%s", c->feed.url, prefetched != NULL ?
	    " with the response already fetched" : "");
	c->poll = poll_start(s->fetch, s->store, s->batch, &c->feed, &po,
	    on_fetched, on_polled, c);
}

/* Gives a waiting slot its turn (see sched_slot_request). */
static void
slot_grant(struct sched *s, size_t hi, int64_t now)
{
	struct host *h = &s->hosts[hi];
	struct sched_slot *g = h->ghead;

	if ((h->ghead = g->next) == NULL)
		h->gtail = NULL;
	g->next = NULL;
	g->granted = true;
	s->in_flight++;
	h->in_flight++;
	h->last_start_ms = now;
	host_wake(s, hi);
	/* It starts a transfer and returns; s->hosts may move meanwhile. */
	g->granted_cb(g->arg);
}

/*
 * How many due feeds this worker may claim now: enough to keep its
 * connections busy, not more, so that the others get their share. What
 * counts is what runs and what could start now (the hosts whose turn
 * comes): feeds queued behind a host's gap or its max_per_host would
 * otherwise hold back the claims of other hosts' feeds. It claims again
 * only once fewer than max_connections count, and then up to twice
 * that: a statement claims dozens, not one per poll ended.
 */
static size_t
claim_room(const struct sched *s)
{
	size_t conns = (size_t)s->o.max_connections;
	size_t busy = (size_t)s->in_flight + s->tlen;

	return busy < conns ? 2 * conns - busy : 0;
}

/*
 * Shared store: what is due is claimed in one statement before it is
 * queued. A feed another worker holds, or polled meanwhile, goes back in
 * the plan at the time the store gives (its new next_poll, or when that
 * worker's lease runs out); one the database could not answer for, a
 * little later.
 */
static void
claim_due(struct sched *s, int64_t now)
{
	size_t room = claim_room(s), n = 0, idx, i;
	struct sfeed *f;

	if (s->nclaims < 2 * (size_t)s->o.max_connections) {
		s->nclaims = 2 * (size_t)s->o.max_connections;
		s->claims = xreallocarray(s->claims, s->nclaims,
		    sizeof(*s->claims));
	}
	while (n < room && s->nheap > 0 &&
	    s->feeds[s->heap[0]].due_ms <= now) {
		idx = s->heap[0];
		plan_remove(s, idx);
		s->claims[n].id = s->feeds[idx].id;
		/* --once polls every feed, due or not, unless another has it. */
		s->claims[n].force = s->once;
		n++;
	}
	if (n == 0)
		return;
	if (store_claim_feeds(s->store, s->o.lease_s, now / 1000, s->claims,
	    n) == -1)
		for (i = 0; i < n; i++) {
			s->claims[i].granted = false;
			s->claims[i].retry_at = now / 1000 + SCHED_STORE_RETRY_S;
		}
	for (i = 0; i < n; i++) {
		if ((f = find(s, s->claims[i].id)) == NULL)
			continue;
		idx = (size_t)(f - s->feeds);
		if (s->claims[i].granted) {
			ready_push(s, idx);
			continue;
		}
		/* Gone from the store: the reload its removal brings drops it. */
		f->due_ms = s->claims[i].retry_at > 0 ?
		    s->claims[i].retry_at * 1000 + rnd(1000) :
		    now + s->o.lease_s * 1000;
		if (f->once_pending) {
			/* --once: another worker polls it. */
			f->once_pending = false;
			s->once_left--;
			continue;
		}
		plan_add(s, idx);
	}
}

/*
 * Shared store: host_gap holds across workers. A start another worker
 * made there lately sends the host to the gap heap for what is left.
 */
static bool
host_claimed(struct sched *s, size_t hi, int64_t now)
{
	struct host *h = &s->hosts[hi];
	int64_t wait;

	if (!s->shared || h->name[0] == '\0' || s->o.host_gap_ms <= 0)
		return true;
	/* A database that does not answer fails the poll's store anyway. */
	if (store_claim_host(s->store, h->name, s->o.host_gap_ms, &wait) != 0)
		return true;
	gap_push(s, hi, now + wait);
	return false;
}

/* Starts what is due within the limits, and sleeps until the next due. */
static void
pump(struct sched *s)
{
	int64_t now = now_ms(), wake = NEVER, at;
	struct timeval tv;
	struct host *h;
	size_t hi, idx;

	if (!s->running)
		return;
	if (s->shared)
		claim_due(s, now);
	else
		while (s->nheap > 0 && s->feeds[s->heap[0]].due_ms <= now) {
			idx = s->heap[0];
			plan_remove(s, idx);
			ready_push(s, idx);
		}
	/* Hosts whose gap has passed take their turns again. */
	while (s->ngaps > 0 && s->hosts[s->gaps[0]].gap_until_ms <= now)
		host_wake(s, gap_pop(s));
	/*
	 * One start per host per turn, hosts in rotation; beyond
	 * max_connections, only on hosts with nothing in flight.
	 */
	while (s->tlen > 0 && s->in_flight < s->o.max_connections *
	    (1 + SCHED_AHEAD_FACTOR)) {
		hi = turn_pop(s);
		h = &s->hosts[hi];
		if (!host_has_work(h))
			continue;
		if (h->in_flight >= host_limit(s, h) || h->ahead) {
			h->wait = HOST_HELD;
			continue;
		}
		if (host_gapped(s, h) &&
		    now < (at = h->last_start_ms + s->o.host_gap_ms)) {
			gap_push(s, hi, at);
			continue;
		}
		/*
		 * A person waits on those: they go first, and start at once
		 * even beyond max_connections (fetch_options's extra).
		 */
		if (h->ghead != NULL) {
			slot_grant(s, hi, now);
			continue;
		}
		if (!host_claimed(s, hi, now))
			continue;
		idx = ready_pop(s, h);
		s->feeds[idx].ready = false;
		/* Its next turn comes after every other host's. */
		host_wake(s, hi);
		/* Started meanwhile with a response in hand. */
		if (s->feeds[idx].ctx != NULL)
			continue;
		start_poll(s, &s->feeds[idx], now, NULL, false);
	}
	if (s->nheap > 0)
		wake = s->feeds[s->heap[0]].due_ms;
	/*
	 * Due feeds left unclaimed for want of room wait for a poll to end
	 * (which kicks), or for the next look if other workers take them.
	 */
	if (s->shared && wake <= now && claim_room(s) == 0)
		wake = now + 1000;
	if (s->ngaps > 0 && s->hosts[s->gaps[0]].gap_until_ms < wake)
		wake = s->hosts[s->gaps[0]].gap_until_ms;
	/* Hosts held back by in-flight limits are woken by completions. */
	evtimer_del(s->timer);
	if (wake != NEVER) {
		at = wake > now ? wake - now : 0;
		tv.tv_sec = at / 1000;
		tv.tv_usec = (at % 1000) * 1000;
		evtimer_add(s->timer, &tv);
	}
	/*
	 * No transfer left to join the group: waiting out the batch window
	 * would only delay the end of a cycle (and of --once) by it.
	 */
	if (s->in_flight == 0 && s->batch != NULL)
		batch_idle(s->batch);
	finish_once(s);
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	pump(arg);
}

static void
apply_options(struct sched *s, const struct sched_options *opts)
{
	struct sched_options *o = &s->o;

	*o = *opts;
	if (o->default_interval_s <= 0)
		o->default_interval_s = SCHED_DEFAULT_INTERVAL_S;
	if (o->min_interval_s <= 0)
		o->min_interval_s = SCHED_DEFAULT_MIN_INTERVAL_S;
	if (o->max_interval_s <= 0)
		o->max_interval_s = SCHED_DEFAULT_MAX_INTERVAL_S;
	if (o->max_interval_s < o->min_interval_s)
		o->max_interval_s = o->min_interval_s;
	if (o->max_connections <= 0)
		o->max_connections = SCHED_DEFAULT_MAX_CONNECTIONS;
	if (o->max_per_host <= 0)
		o->max_per_host = SCHED_DEFAULT_MAX_PER_HOST;
	if (o->host_gap_ms < 0)
		o->host_gap_ms = 0;
	if (o->lease_s <= 0)
		o->lease_s = SCHED_DEFAULT_LEASE_S;
}

struct sched *
sched_new(struct event_base *base, struct store *store, struct fetch *fetch,
    struct batch *batch, const struct sched_options *opts,
    const struct sched_callbacks *cb)
{
	struct sched *s;

	s = xcalloc(1, sizeof(*s));
	s->base = base;
	s->store = store;
	s->fetch = fetch;
	s->batch = batch;
	s->shared = store_shared(store);
	if (cb != NULL)
		s->cb = *cb;
	apply_options(s, opts);
	s->timer = evtimer_new(base, on_wake, s);
	s->kick = event_new(base, -1, 0, on_wake, s);
	if (s->timer == NULL || s->kick == NULL) {
		log_errx("sched: cannot create events");
		sched_free(s);
		return NULL;
	}
	return s;
}

void
sched_reload_options(struct sched *s, const struct sched_options *opts)
{
	apply_options(s, opts);
	turns_rebuild(s);
	kick(s);
}

static int
load(struct sched *s, bool spread)
{
	struct store_feed *list;
	struct sfeed *nf, *old;
	size_t n, i, j;
	int64_t now = now_ms(), window;

	if (store_feed_list(s->store, &list, &n) == -1)
		return -1;
	window = s->o.startup_spread_s > 0 ? s->o.startup_spread_s * 1000 :
	    (int64_t)n * 50 < 60000 ? (int64_t)n * 50 : 60000;
	nf = xcalloc(n > 0 ? n : 1, sizeof(*nf));
	for (i = 0; i < n; i++) {
		nf[i].id = list[i].id;
		nf[i].host = host_index(s, list[i].url);
		nf[i].due_ms = list[i].next_poll * 1000;
		if ((old = find(s, list[i].id)) != NULL) {
			/* A running poll is counted against its old host. */
			if (old->ctx != NULL)
				nf[i].host = old->host;
			/*
			 * Our plan, unless the store now wants it sooner
			 * (a changed URL resets the feed, "poll now").
			 */
			if (old->due_ms < nf[i].due_ms)
				nf[i].due_ms = old->due_ms;
			nf[i].ctx = old->ctx;
			nf[i].again = old->again;
			nf[i].discover = old->discover;
			nf[i].once_pending = old->once_pending;
			old->ctx = NULL;
			old->once_pending = false;
		} else if (spread && nf[i].due_ms <= now)
			nf[i].due_ms = now + rnd(window);
	}
	/* Feeds that went away: stop their polls. */
	for (j = 0; j < s->nfeeds; j++) {
		old = &s->feeds[j];
		if (old->once_pending)
			s->once_left--;
		if (old->ctx != NULL) {
			poll_cancel(old->ctx->poll);
			slot_release(s, old->ctx);
			pollctx_free(old->ctx);
		}
	}
	store_feed_list_free(list, n);
	free(s->feeds);
	s->feeds = nf;
	s->nfeeds = n;
	/* store_feed_list promises id order; find() relies on it. */
	for (i = 1; i < n; i++)
		if (nf[i - 1].id >= nf[i].id) {
			log_errx("sched: feeds not in id order");
			return -1;
		}
	queues_clear(s);
	s->heap = xreallocarray(s->heap, n > 0 ? n : 1, sizeof(*s->heap));
	for (i = 0; i < n; i++) {
		nf[i].heap_pos = NOT_PLANNED;
		nf[i].ready = false;
		if (nf[i].ctx != NULL)
			continue;
		if (!s->once)
			plan_add(s, i);
		else if (nf[i].once_pending)
			ready_push(s, i);
	}
	return 0;
}

int
sched_start(struct sched *s)
{
	if (load(s, true) == -1)
		return -1;
	s->running = true;
	log_info("sched: %zu feeds, next polls spread over start-up",
	    s->nfeeds);
	kick(s);
	return 0;
}

int
sched_reload_feeds(struct sched *s)
{
	if (load(s, false) == -1)
		return -1;
	kick(s);
	return 0;
}

int
sched_reload_feeds_spread(struct sched *s)
{
	if (load(s, true) == -1)
		return -1;
	kick(s);
	return 0;
}

int
sched_poll_now(struct sched *s, int64_t feed_id)
{
	struct sfeed *f;
	int64_t now = time(NULL);
	size_t idx;

	if ((f = find(s, feed_id)) == NULL) {
		if (sched_reload_feeds(s) == -1 ||
		    (f = find(s, feed_id)) == NULL)
			return -1;
	}
	idx = (size_t)(f - s->feeds);
	/*
	 * A poll already running (or fetched and waiting for its batch)
	 * may have asked before the change the user wants to see: poll
	 * again as soon as it is recorded.
	 */
	if (f->ctx != NULL)
		f->again = true;
	else if (!f->ready) {
		plan_remove(s, idx);
		f->due_ms = now * 1000;
		ready_push(s, idx);
		store_feed_set_next_poll(s->store, feed_id, now);
	}
	kick(s);
	return 0;
}

/*
 * A poll is planned before the matches of its entries are stored (in the
 * same group), so its plan did not count them. Once they are, the feed
 * is planned again as after a poll that parsed nothing, from its last
 * poll, when that comes sooner: a feed relaxed for having no hits, say,
 * that just carried a topic. Not a feed whose publisher's hints raised
 * its interval (the HTTP ones are not kept between polls), nor one that
 * is failing, polled right now or due.
 */
static void
replan_hits(struct sched *s, int64_t feed_id, int64_t now)
{
	struct store_feed feed;
	struct poll_outcome o;
	struct plan plan;
	struct sfeed *f = find(s, feed_id);
	int64_t due;

	if (f == NULL || f->ctx != NULL || f->ready ||
	    f->heap_pos == NOT_PLANNED ||
	    store_feed_get(s->store, feed_id, &feed) != 1)
		return;
	if (feed.state != STORE_FEED_OK || feed.error_count > 0 ||
	    feed.last_poll == 0 || feed.retry_after_until > now ||
	    (feed.interval_note != NULL &&
	    strstr(feed.interval_note, NOTE_HINT) != NULL)) {
		store_feed_clear(&feed);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.week_entries = -1;
	o.retry_after_s = o.max_age_s = o.expires_s = -1;
	plan_interval(s, &feed, &o, &plan);
	if (plan.iv < feed.cur_interval_s) {
		due = feed.last_poll + jitter(s, plan.iv);
		if (due < now)
			due = now;
		if (due * 1000 < f->due_ms) {
			plan_remove(s, (size_t)(f - s->feeds));
			f->due_ms = due * 1000;
			plan_add(s, (size_t)(f - s->feeds));
			store_feed_set_plan(s->store, feed_id, due, plan.iv,
			    plan.note);
		}
	}
	plan_clear(&plan);
	store_feed_clear(&feed);
}

/* How many polls bursts may still bring forward in the hour to now. */
static size_t
burst_budget(struct sched *s, int64_t now)
{
	while (s->nburst > 0 && s->burst_at[s->burst_head] <= now - 3600) {
		s->burst_head = (s->burst_head + 1) % SCHED_BURST_PER_HOUR;
		s->nburst--;
	}
	return SCHED_BURST_PER_HOUR - s->nburst;
}

static void
burst_spend(struct sched *s, int64_t now)
{
	s->burst_at[(s->burst_head + s->nburst++) % SCHED_BURST_PER_HOUR] =
	    now;
}

size_t
sched_topic_matched(struct sched *s, int64_t topic_id, const char *topic,
    const int64_t *matched, size_t nmatched)
{
	int64_t now = time(NULL), *ids = NULL, at, news_id = INT64_MAX;
	int64_t feed_id, last_feed = 0;
	size_t n = 0, moved = 0, budget;
	struct sfeed *f;
	char within[32], quiet[32];

	/* Entry ids grow: the news are the matched entries from the least. */
	for (size_t i = 0; i < nmatched; i++)
		if (matched[i] < news_id)
			news_id = matched[i];
	if (!s->running || s->once || nmatched == 0)
		return 0;
	for (size_t i = 0; i < nmatched; i++)
		if (store_entry_feed(s->store, matched[i], &feed_id) == 1 &&
		    feed_id != last_feed)
			replan_hits(s, last_feed = feed_id, now);
	budget = burst_budget(s, now);
	if (store_topic_burst_feeds(s->store, topic_id,
	    now - SCHED_BURST_HISTORY_S, now - SCHED_BURST_QUIET_S, news_id,
	    now, now - s->o.min_interval_s, budget > 0 ? budget : 1, &ids,
	    &n) == -1)
		return 0;
	units_format_duration(SCHED_BURST_QUIET_S, quiet, sizeof(quiet));
	if (budget == 0 && n > 0) {
		log_info("sched: topic '%s' matched after %s without, but "
		    "bursts brought %d polls forward in the last hour "
		    "already: none now", topic, quiet, SCHED_BURST_PER_HOUR);
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		if ((f = find(s, ids[i])) == NULL || f->ctx != NULL ||
		    f->ready)
			continue;
		/* Spread over the window, so a host's feeds do not queue. */
		at = now * 1000 + rnd(SCHED_BURST_WITHIN_S * 1000);
		if (f->due_ms <= at)
			continue;
		plan_remove(s, (size_t)(f - s->feeds));
		f->due_ms = at;
		plan_add(s, (size_t)(f - s->feeds));
		store_feed_set_next_poll(s->store, f->id, at / 1000);
		burst_spend(s, now);
		moved++;
	}
	free(ids);
	if (moved > 0) {
		units_format_duration(SCHED_BURST_WITHIN_S, within,
		    sizeof(within));
		log_info("sched: topic '%s' matched after %s without: %zu %s "
		    "that carried it before polled within %s", topic, quiet,
		    moved, moved == 1 ? "feed" : "feeds", within);
		kick(s);
	}
	return moved;
}

int
sched_run_once(struct sched *s, void (*done)(void *, size_t), void *arg)
{
	size_t i;

	s->once = true;
	if (load(s, false) == -1)
		return -1;
	s->once_done = done;
	s->once_arg = arg;
	s->once_failed = 0;
	s->once_left = s->nfeeds;
	queues_clear(s);
	for (i = 0; i < s->nfeeds; i++) {
		s->feeds[i].heap_pos = NOT_PLANNED;
		s->feeds[i].once_pending = true;
		/* Shared: through the plan, so that each is claimed first. */
		if (s->shared) {
			s->feeds[i].due_ms = now_ms();
			plan_add(s, i);
		} else
			ready_push(s, i);
	}
	s->running = true;
	kick(s);
	return 0;
}

/* The feed's entry, reloading the list once if it is new. */
static struct sfeed *
find_or_load(struct sched *s, int64_t feed_id)
{
	struct sfeed *f;

	if ((f = find(s, feed_id)) == NULL && sched_reload_feeds(s) == 0)
		f = find(s, feed_id);
	return f;
}

int
sched_poll_fetched(struct sched *s, int64_t feed_id, struct fetch_result *r)
{
	struct sfeed *f;

	if (!s->running || (f = find_or_load(s, feed_id)) == NULL) {
		fetch_result_free(r);
		return -1;
	}
	if (f->ctx != NULL) {
		/* Already polling: it will poll again when recorded. */
		fetch_result_free(r);
		f->again = true;
		kick(s);
		return 0;
	}
	plan_remove(s, (size_t)(f - s->feeds));
	start_poll(s, f, now_ms(), r, false);
	kick(s);
	return 0;
}

int
sched_push(struct sched *s, int64_t feed_id, struct fetch_result *r)
{
	struct sfeed *f;

	if (!s->running || (f = find_or_load(s, feed_id)) == NULL) {
		fetch_result_free(r);
		return -1;
	}
	if (f->ctx != NULL) {
		/* Its poll runs: the next one brings the same news. */
		fetch_result_free(r);
		f->again = true;
		kick(s);
		return 0;
	}
	plan_remove(s, (size_t)(f - s->feeds));
	start_poll(s, f, now_ms(), r, true);
	kick(s);
	return 0;
}

int
sched_discover_pages(struct sched *s, int64_t feed_id)
{
	struct sfeed *f;

	if ((f = find_or_load(s, feed_id)) == NULL)
		return -1;
	f->discover = true;
	return 0;
}

void
sched_set_discover(struct sched *s, struct discover *d)
{
	s->discover = d;
}

void
sched_set_worker(struct sched *s, struct worker *w)
{
	s->worker = w;
}

struct sched_slot *
sched_slot_request(struct sched *s, const char *url,
    void (*granted)(void *arg), void *arg)
{
	struct sched_slot *g = xcalloc(1, sizeof(*g));
	struct host *h;

	g->s = s;
	g->host = host_index(s, url);
	g->granted_cb = granted;
	g->arg = arg;
	h = &s->hosts[g->host];
	if (h->gtail != NULL)
		h->gtail->next = g;
	else
		h->ghead = g;
	h->gtail = g;
	host_wake(s, g->host);
	kick(s);
	return g;
}

void
sched_slot_release(struct sched_slot *g)
{
	struct sched *s;
	struct host *h;
	struct sched_slot **pp;

	if (g == NULL)
		return;
	s = g->s;
	h = &s->hosts[g->host];
	if (g->granted) {
		s->in_flight--;
		h->in_flight--;
		host_released(s, g->host);
		kick(s);
	} else {
		for (pp = &h->ghead; *pp != NULL; pp = &(*pp)->next)
			if (*pp == g) {
				*pp = g->next;
				break;
			}
		h->gtail = NULL;
		for (struct sched_slot *t = h->ghead; t != NULL; t = t->next)
			h->gtail = t;
	}
	free(g);
}

size_t
sched_in_flight(const struct sched *s)
{
	return (size_t)s->in_flight;
}

void
sched_counts(const struct sched *s, struct sched_counts *ret)
{
	size_t running = s->npolls;

	/* Kept as they change: a status request walks no feed list. */
	memset(ret, 0, sizeof(*ret));
	ret->feeds = s->nfeeds;
	ret->in_flight = (size_t)s->in_flight;
	ret->due = s->nready;
	ret->storing = running > ret->in_flight ? running - ret->in_flight :
	    0;
	if (ret->due > 0 || running > 0)
		ret->next_due = (int64_t)time(NULL);
	else if (s->nheap > 0)
		ret->next_due = (s->feeds[s->heap[0]].due_ms + 999) / 1000;
	ret->store_failures = s->store_failures;
	ret->store_retry_s = s->store_failures > 0 ? s->store_retry_s : 0;
}

int
sched_feed_due(const struct sched *s, int64_t feed_id, int64_t *ret_due)
{
	const struct sfeed *f = find((struct sched *)s, feed_id);
	int64_t now = (int64_t)time(NULL);

	if (f == NULL || (f->heap_pos == NOT_PLANNED && !f->ready &&
	    f->ctx == NULL))
		return 0;
	if (f->ctx != NULL) {
		*ret_due = now;
		return 2;
	}
	*ret_due = f->ready || f->due_ms / 1000 < now ? now :
	    (f->due_ms + 999) / 1000;
	return 1;
}

const struct sched_failure *
sched_once_failures(const struct sched *s, size_t *ret_n)
{
	*ret_n = s->nfailures;
	return s->failures;
}

void
sched_set_metrics(struct sched *s, struct metrics *m)
{
	static const double bounds[] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
	    30, 60, 120 };

	s->m_polls = metrics_counter(m, "feedd_polls_total", "Polls "
	    "recorded, by result (store_error: fetched, but the database "
	    "did not store it).", "result");
	for (size_t i = 0; poll_result_labels[i] != NULL; i++)
		metric_add(s->m_polls, 0, poll_result_labels[i]);
	s->m_poll_seconds = metrics_histogram(m, "feedd_poll_duration_seconds",
	    "How long a poll's transfer took.", NULL, bounds,
	    sizeof(bounds) / sizeof(*bounds));
	s->m_bytes = metrics_counter(m, "feedd_fetched_bytes_total",
	    "Bytes of feed documents received (after decompression).", NULL);
	s->m_entries = metrics_counter(m, "feedd_ingested_entries_total",
	    "Entries read from polled documents, by what the store did with "
	    "them: stored (new), updated (changed in place), duplicate "
	    "(known already).", "result");
	metric_add(s->m_entries, 0, "stored");
	metric_add(s->m_entries, 0, "updated");
	metric_add(s->m_entries, 0, "duplicate");
}

void
sched_stop(struct sched *s)
{
	struct sfeed *f;
	size_t i;

	s->running = false;
	if (s->timer != NULL)
		evtimer_del(s->timer);
	/* Polls already fetched are stored, not thrown away. */
	if (s->batch != NULL)
		batch_flush(s->batch);
	for (i = 0; i < s->nfeeds; i++) {
		f = &s->feeds[i];
		if (f->ctx == NULL)
			continue;
		poll_cancel(f->ctx->poll);
		slot_release(s, f->ctx);
		pollctx_free(f->ctx);
		f->ctx = NULL;
	}
}

void
sched_free(struct sched *s)
{
	size_t i;

	if (s == NULL)
		return;
	sched_stop(s);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->kick != NULL)
		event_free(s->kick);
	for (i = 0; i < s->nhosts; i++) {
		free(s->hosts[i].name);
		free(s->hosts[i].ready);
	}
	free(s->hosts);
	free(s->turns);
	free(s->gaps);
	free(s->host_slots);
	free(s->heap);
	free(s->claims);
	free(s->feeds);
	for (i = 0; i < s->nwritten; i++)
		free(s->written[i].url);
	free(s->written);
	for (i = 0; i < s->nfailures; i++) {
		free(s->failures[i].url);
		free(s->failures[i].error);
	}
	free(s->failures);
	free(s);
}
