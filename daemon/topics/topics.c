/*
 * topics: the in-memory view of the stored topics (plus what only the
 * configuration knows: a config topic's feed subset), matching after each
 * poll, back-fill from a timer, and handing new matches to hooks.
 *
 * A feed subset (config feed names, API feed ids, a category) is resolved
 * here into the ids of the feeds it takes in, again whenever the feeds
 * change (topics_feeds_changed), so matching never asks the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "category.h"
#include "feedd.h"
#include "log.h"
#include "metrics.h"
#include "strv.h"
#include "topics.h"
#include "topics_filter.h"
#include "xmalloc.h"

#define TOPICS_BACKFILL_GAP_MS	5	/* between two batches */
#define TOPICS_RETRY_S		30	/* after a store failure */
#define TOPICS_LIST_PAGE	1000

struct topic {
	int64_t		 id;
	char		*name;
	char		*query;
	enum store_origin origin;
	char		*hook;		/* the hook notify names, or NULL */
	/* The subset as defined; none of the three: every feed. */
	char		**feed_names;	/* config feed names, or NULL */
	int64_t		*given_ids;	/* API feed ids, or NULL */
	size_t		 ngiven_ids;
	char		*category;	/* with its sub-categories, or NULL */
	int64_t		*feed_ids;	/* the subset resolved, ascending */
	size_t		 nfeed_ids;
	int64_t		 bf_next;	/* next id to back-fill */
	int64_t		 bf_end;	/* last id to back-fill */
	int64_t		 bf_matches;
	int		 filter_id;	/* topics_filter handle */
};

/* What the configuration says about a config topic beyond the store. */
struct topic_spec {
	char		*name;
	char		**feeds;
	char		*category;
};

/* A poll's new entries and the topics that may match them. */
struct topics_pending {
	int64_t		 feed_id;
	int64_t		 lo, hi;
	int64_t		*topic_ids;
	size_t		 ntopics;
};

/* New matches recorded in the open batch, announced once it commits. */
struct topics_hit {
	int64_t		 topic_id;
	int64_t		*ids;
	size_t		 n;
};

struct topics {
	struct feedd	*d;
	struct store	*store;
	struct topics_callbacks cb;
	struct topics_filter *filter;	/* NULL: ask the store directly */
	struct event	*ev_backfill;
	struct topic	*v;
	size_t		 n;
	struct topic_spec *specs;
	size_t		 nspecs;
	size_t		 bf_turn;
	struct topics_hit *hits;
	size_t		 nhits;
	struct topics_pending *pending;
	size_t		 npending;
	uint64_t	 cap_seq;	/* ingests that handed us tokens */
	bool		 capturing;	/* the store hands tokens over */
	bool		 sink_set;	/* the store was told either way */
	uint64_t	 noted_seq;	/* cap_seq when last noted */
	struct metric	*m_matches;	/* metrics.h */
};

static void
topic_clear(struct topic *tp)
{
	free(tp->name);
	free(tp->query);
	free(tp->hook);
	strv_free(tp->feed_names);
	free(tp->given_ids);
	free(tp->category);
	free(tp->feed_ids);
	memset(tp, 0, sizeof(*tp));
}

static void
specs_clear(struct topics *t)
{
	for (size_t i = 0; i < t->nspecs; i++) {
		free(t->specs[i].name);
		strv_free(t->specs[i].feeds);
		free(t->specs[i].category);
	}
	free(t->specs);
	t->specs = NULL;
	t->nspecs = 0;
}

static bool
needs_backfill(const struct topic *tp)
{
	return tp->bf_next <= tp->bf_end;
}

static void
arm_backfill(struct topics *t, int64_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
	    .tv_usec = (ms % 1000) * 1000 };

	if (t->ev_backfill != NULL && !evtimer_pending(t->ev_backfill, NULL))
		evtimer_add(t->ev_backfill, &tv);
}

/* A back-fill of everything stored so far, remembered in the store. */
static void
backfill_start(struct topics *t, struct topic *tp)
{
	int64_t last = store_last_entry_id(t->store);

	tp->bf_next = 1;
	tp->bf_end = last > 0 ? last : 0;
	tp->bf_matches = 0;
	if (store_cursor_set(t->store, TOPICS_BF_END_CLIENT, tp->id,
	    tp->bf_end) == -1 || store_cursor_set(t->store, TOPICS_BF_CLIENT,
	    tp->id, 0) == -1)
		log_warnx("topics: '%s': cannot record the back-fill plan; "
		    "it restarts with the daemon", tp->name);
	if (needs_backfill(tp))
		log_info("topics: '%s': back-filling from %lld stored entries",
		    tp->name, (long long)tp->bf_end);
}

/*
 * A topic another worker added: what this worker stored since that
 * worker planned its back-fill, before it heard of the topic, is
 * back-filled too (up to this worker's last entry), not left unmatched.
 */
static void
backfill_extend(struct topics *t, struct topic *tp)
{
	int64_t last = store_last_entry_id(t->store);

	if (last <= tp->bf_end)
		return;
	tp->bf_end = last;
	if (store_cursor_set(t->store, TOPICS_BF_END_CLIENT, tp->id,
	    tp->bf_end) == -1)
		log_warnx("topics: '%s': cannot record the back-fill plan",
		    tp->name);
}

/* Resumes the stored plan; a topic without one gets a fresh back-fill. */
static void
backfill_load(struct topics *t, struct topic *tp)
{
	int64_t done = 0, end = 0;

	if (store_cursor_get(t->store, TOPICS_BF_END_CLIENT, tp->id,
	    &end) != 1) {
		backfill_start(t, tp);
		return;
	}
	if (store_cursor_get(t->store, TOPICS_BF_CLIENT, tp->id, &done) != 1)
		done = 0;
	tp->bf_next = done + 1;
	tp->bf_end = end;
	if (needs_backfill(tp))
		log_info("topics: '%s': resuming the back-fill at entry %lld "
		    "of %lld", tp->name, (long long)tp->bf_next,
		    (long long)tp->bf_end);
}

static const struct topic_spec *
spec_find(const struct topics *t, const char *name)
{
	for (size_t i = 0; i < t->nspecs; i++)
		if (strcmp(t->specs[i].name, name) == 0)
			return &t->specs[i];
	return NULL;
}

static struct topic *
topic_find(struct topic *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/*
 * Whether the topic follows only some feeds (tp->feed_ids). Such a topic
 * is matched poll by poll (topics_match) and back-filled through
 * match_subset: an id span taken across polls or the archive would take
 * in the other feeds too. Decided by the definition, not by what it
 * resolves to: a category no feed is filed under yet follows no feed,
 * not every feed.
 */
static bool
topic_has_subset(const struct topic *tp)
{
	return tp->feed_names != NULL || tp->ngiven_ids > 0 ||
	    tp->category != NULL;
}

static bool
feed_named(const struct topic *tp, const char *name)
{
	for (size_t k = 0; name != NULL && tp->feed_names != NULL &&
	    tp->feed_names[k] != NULL; k++)
		if (strcmp(tp->feed_names[k], name) == 0)
			return true;
	return false;
}

static bool
feed_given(const struct topic *tp, int64_t id)
{
	for (size_t k = 0; k < tp->ngiven_ids; k++)
		if (tp->given_ids[k] == id)
			return true;
	return false;
}

/*
 * The subset into feed ids, from feeds (ascending by id, as listed).
 * warn: say which config feed names the store does not know (skipped).
 */
static void
resolve_subset(struct topic *tp, const struct store_feed *feeds,
    size_t nfeeds, bool warn)
{
	free(tp->feed_ids);
	tp->feed_ids = NULL;
	tp->nfeed_ids = 0;
	if (!topic_has_subset(tp))
		return;
	tp->feed_ids = xcalloc(nfeeds > 0 ? nfeeds : 1, sizeof(*tp->feed_ids));
	for (size_t j = 0; j < nfeeds; j++)
		if (feed_named(tp, feeds[j].config_name) ||
		    feed_given(tp, feeds[j].id) ||
		    category_within(feeds[j].category, tp->category))
			tp->feed_ids[tp->nfeed_ids++] = feeds[j].id;
	for (size_t k = 0; warn && tp->feed_names != NULL &&
	    tp->feed_names[k] != NULL; k++) {
		bool found = false;

		for (size_t j = 0; j < nfeeds && !found; j++)
			found = feeds[j].config_name != NULL &&
			    strcmp(feeds[j].config_name,
			    tp->feed_names[k]) == 0;
		if (!found)
			log_warnx("topics: '%s': no stored feed named '%s', "
			    "ignoring it", tp->name, tp->feed_names[k]);
	}
}

/* The store's feeds if a topic needs them to resolve its subset. 0 / -1. */
static int
subset_feeds(struct topics *t, bool needed, struct store_feed **feeds,
    size_t *nfeeds)
{
	*feeds = NULL;
	*nfeeds = 0;
	if (!needed)
		return 0;
	return store_feed_list(t->store, feeds, nfeeds);
}

/*
 * Re-reads the stored topics, keeping back-fill progress. 0 / -1.
 * others: another worker changed them (topics_reload).
 */
static void	sink_set(struct topics *);

static int
refresh_topics(struct topics *t, bool others)
{
	struct store_topic *st = NULL;
	struct store_feed *feeds = NULL;
	struct topic *nv;
	size_t ns = 0, nfeeds = 0, i;
	bool any_subset = false, work = false;

	if (store_topic_list(t->store, &st, &ns) == -1)
		return -1;
	for (i = 0; i < t->nspecs; i++)
		if (t->specs[i].feeds != NULL || t->specs[i].category != NULL)
			any_subset = true;
	for (i = 0; i < ns; i++)
		if (st[i].nfeed_ids > 0 || st[i].category != NULL)
			any_subset = true;
	if (subset_feeds(t, any_subset, &feeds, &nfeeds) == -1) {
		store_topic_list_free(st, ns);
		return -1;
	}
	nv = xcalloc(ns > 0 ? ns : 1, sizeof(*nv));
	for (i = 0; i < ns; i++) {
		struct topic *tp = &nv[i], *old;
		const struct topic_spec *spec;

		tp->id = st[i].id;
		tp->name = xstrdup(st[i].name);
		tp->query = xstrdup(st[i].query);
		metric_add(t->m_matches, 0, tp->name);	/* shown from 0 */
		tp->origin = st[i].origin;
		if (st[i].notify != NULL)
			tp->hook = xstrdup(st[i].notify);
		if (tp->origin == STORE_ORIGIN_CONFIG &&
		    (spec = spec_find(t, tp->name)) != NULL) {
			if (spec->feeds != NULL)
				tp->feed_names = strv_dup(spec->feeds);
			if (spec->category != NULL)
				tp->category = xstrdup(spec->category);
		} else if (tp->origin == STORE_ORIGIN_API) {
			if (st[i].nfeed_ids > 0) {
				tp->given_ids = xreallocarray(NULL,
				    st[i].nfeed_ids, sizeof(*tp->given_ids));
				memcpy(tp->given_ids, st[i].feed_ids,
				    st[i].nfeed_ids * sizeof(*tp->given_ids));
				tp->ngiven_ids = st[i].nfeed_ids;
			}
			if (st[i].category != NULL)
				tp->category = xstrdup(st[i].category);
		}
		resolve_subset(tp, feeds, nfeeds, true);
		old = topic_find(t->v, t->n, tp->id);
		if (old != NULL && strcmp(old->query, tp->query) == 0) {
			tp->bf_next = old->bf_next;
			tp->bf_end = old->bf_end;
			tp->bf_matches = old->bf_matches;
		} else if (old != NULL)
			backfill_start(t, tp);	/* matches were dropped */
		else {
			backfill_load(t, tp);
			if (others)
				backfill_extend(t, tp);
		}
		if (needs_backfill(tp))
			work = true;
	}
	store_topic_list_free(st, ns);
	store_feed_list_free(feeds, nfeeds);
	for (i = 0; i < t->n; i++)
		topic_clear(&t->v[i]);
	free(t->v);
	t->v = nv;
	t->n = ns;
	if (t->filter != NULL) {
		topics_filter_reset(t->filter);
		for (i = 0; i < ns; i++)
			nv[i].filter_id = topics_filter_add(t->filter,
			    nv[i].query);
	}
	sink_set(t);
	if (work)
		arm_backfill(t, 0);
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static bool
topic_has_feed(const struct topic *tp, int64_t feed_id)
{
	if (!topic_has_subset(tp))
		return true;
	return tp->nfeed_ids > 0 && bsearch(&feed_id, tp->feed_ids,
	    tp->nfeed_ids, sizeof(*tp->feed_ids), cmp_id) != NULL;
}

void
topics_reload(struct topics *t)
{
	if (t != NULL && refresh_topics(t, true) == -1)
		log_warnx("topics: cannot read the topics another worker "
		    "changed; they apply here from the next reload");
}

void
topics_feeds_changed(struct topics *t)
{
	struct store_feed *feeds;
	size_t nfeeds, i;
	bool any_subset = false;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		if (topic_has_subset(&t->v[i]))
			any_subset = true;
	if (subset_feeds(t, any_subset, &feeds, &nfeeds) == -1) {
		log_warnx("topics: cannot read the feeds; feed subsets stay as "
		    "they were until the next change or reload");
		return;
	}
	for (i = 0; i < t->n; i++)
		resolve_subset(&t->v[i], feeds, nfeeds, false);
	store_feed_list_free(feeds, nfeeds);
}

/*
 * New listed matches from a poll, to the topic's hook. The hook is looked
 * up in the configuration in force: one gone in a reload (warned about
 * then) notifies nobody until it is declared again.
 */
/* Puts the poll's entries lo..hi into the filter. 0, or -1. */
static int
filter_load(struct topics *t, int64_t feed_id, int64_t lo, int64_t hi)
{
	struct store_entry_query q = { .since_id = lo - 1, .feed_id = feed_id,
	    .limit = TOPICS_LIST_PAGE, .content = true };
	struct store_entry *e = NULL, *all = NULL;
	size_t n, nall = 0;
	char err[256];
	int rc = -1;

	for (;;) {
		if (store_entry_list(t->store, &q, &e, &n, err,
		    sizeof(err)) != 0)
			goto out;
		all = xreallocarray(all, nall + n + 1, sizeof(*all));
		for (size_t i = 0; i < n; i++)
			if (e[i].id <= hi)
				all[nall++] = e[i];
			else
				store_entry_clear(&e[i]);
		free(e);
		if (n < TOPICS_LIST_PAGE || nall == 0 || all[nall - 1].id >= hi)
			break;
		q.since_id = all[nall - 1].id;
	}
	rc = topics_filter_load(t->filter, all, nall);
out:
	store_entry_list_free(all, nall);
	return rc;
}

static void
hit_add(struct topics *t, int64_t topic_id, int64_t *ids, size_t n)
{
	struct topics_hit *h;

	t->hits = xreallocarray(t->hits, t->nhits + 1, sizeof(*t->hits));
	h = &t->hits[t->nhits++];
	h->topic_id = topic_id;
	h->ids = ids;
	h->n = n;
}

/* The topic's new listed matches among lo..hi, appended to *ids. 0 / -1. */
static int
match_range(struct topics *t, const struct topic *tp, int64_t lo,
    int64_t hi, int64_t **ids, size_t *n)
{
	int64_t *mids = NULL;
	size_t mn = 0;
	char err[256];
	int rc;

	rc = store_topic_match(t->store, tp->id, lo, hi, &mids, &mn, err,
	    sizeof(err));
	if (rc == STORE_EQUERY)
		log_warnx("topics: '%s': %s", tp->name, err);
	if (rc >= 0 && mn > 0) {
		*ids = xreallocarray(*ids, *n + mn, sizeof(**ids));
		memcpy(*ids + *n, mids, mn * sizeof(*mids));
		*n += mn;
	}
	free(mids);
	return rc < 0 ? -1 : 0;
}

/* Store sink: the tokens of the poll being ingested go to the filter. */
static void
on_ingest_begin(void *arg)
{
	struct topics *t = arg;

	topics_filter_begin(t->filter);
	t->cap_seq++;
}

static void
on_ingest_token(void *arg, const char *tok, int len)
{
	struct topics *t = arg;

	topics_filter_token(t->filter, tok, (size_t)len);
}

static void
on_ingest_indexed(void *arg, int64_t feed_id, const int64_t *ids, size_t n)
{
	topics_note(arg, feed_id, ids, n);
}

/*
 * Each poll is noted once its entries are in the index; its tokens are
 * handed over as they are indexed only while some topic may use them:
 * without topics, a cold poll spent 2% of its CPU relaying them.
 */
static void
sink_set(struct topics *t)
{
	struct store_token_sink sink = { NULL, NULL, t, on_ingest_indexed };
	bool capture = t->filter != NULL && t->n > 0;

	if (capture == t->capturing && t->sink_set)
		return;
	if (capture) {
		sink.begin = on_ingest_begin;
		sink.token = on_ingest_token;
	}
	store_set_token_sink(t->store, &sink);
	t->capturing = capture;
	t->sink_set = true;
}

/*
 * Poll by poll, even inside one batch: a poll's few entries rule out most
 * topics in the filter, where a whole batch's thousands rule out none, and
 * each topic sent to the store costs in proportion to the archive. The
 * filter is decided here, right after the poll's ingest handed it the
 * tokens it indexed; only when it did not (no sink) are the entries read
 * back and tokenized again.
 */
void
topics_note(struct topics *t, int64_t feed_id, const int64_t *ids, size_t n)
{
	struct topics_pending *p;
	bool filtered = false;

	if (t == NULL || t->n == 0 || n == 0)
		return;
	if (t->filter != NULL) {
		if (t->cap_seq != t->noted_seq)
			filtered = true;
		else
			filtered = filter_load(t, feed_id, ids[0],
			    ids[n - 1]) == 0;
		t->noted_seq = t->cap_seq;
	}
	t->pending = xreallocarray(t->pending, t->npending + 1,
	    sizeof(*t->pending));
	p = &t->pending[t->npending++];
	p->feed_id = feed_id;
	p->lo = ids[0];
	p->hi = ids[n - 1];
	p->topic_ids = xcalloc(t->n, sizeof(*p->topic_ids));
	p->ntopics = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct topic *tp = &t->v[i];

		if (!topic_has_feed(tp, feed_id))
			continue;
		if (filtered && !topics_filter_may_match(t->filter,
		    tp->filter_id))
			continue;
		p->topic_ids[p->ntopics++] = tp->id;
	}
}

void
topics_match(struct topics *t)
{
	struct range { int64_t lo, hi; } *r;
	struct { int64_t *ids; size_t n; } *acc;

	if (t == NULL || t->npending == 0)
		return;
	/*
	 * One query per topic over the span of its candidate polls: the
	 * filter never misses, so a match outside them cannot exist, and a
	 * query costs about the same for one poll's ids as for a batch's.
	 */
	r = xcalloc(t->n > 0 ? t->n : 1, sizeof(*r));
	acc = xcalloc(t->n > 0 ? t->n : 1, sizeof(*acc));
	for (size_t k = 0; k < t->npending; k++) {
		struct topics_pending *p = &t->pending[k];

		for (size_t j = 0; j < p->ntopics; j++) {
			struct topic *tp = topic_find(t->v, t->n,
			    p->topic_ids[j]);
			size_t i;

			if (tp == NULL)
				continue;
			i = (size_t)(tp - t->v);
			/* A feed subset: the span would take in other feeds. */
			if (topic_has_subset(tp)) {
				match_range(t, tp, p->lo, p->hi, &acc[i].ids,
				    &acc[i].n);
				continue;
			}
			if (r[i].hi == 0 || p->lo < r[i].lo)
				r[i].lo = p->lo;
			if (p->hi > r[i].hi)
				r[i].hi = p->hi;
		}
		free(p->topic_ids);
	}
	t->npending = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (r[i].hi != 0)
			match_range(t, &t->v[i], r[i].lo, r[i].hi, &acc[i].ids,
			    &acc[i].n);
		if (acc[i].n > 0) {
			/* Stored with the matches, in their transaction. */
			if (t->cb.on_recorded != NULL)
				t->cb.on_recorded(t->cb.arg, t->v[i].name,
				    t->v[i].hook, acc[i].ids, acc[i].n);
			hit_add(t, t->v[i].id, acc[i].ids, acc[i].n);
		} else
			free(acc[i].ids);
	}
	free(acc);
	free(r);
}

void
topics_deliver(struct topics *t, bool committed)
{
	if (t == NULL)
		return;
	if (!committed && t->nhits > 0)
		log_warnx("topics: the matches of %zu %s were not recorded",
		    t->nhits, t->nhits == 1 ? "topic" : "topics");
	for (size_t i = 0; i < t->nhits; i++) {
		struct topics_hit *h = &t->hits[i];
		const struct topic *tp = topic_find(t->v, t->n, h->topic_id);

		if (committed && tp != NULL) {
			log_info("topics: '%s': %zu new %s", tp->name, h->n,
			    h->n == 1 ? "match" : "matches");
			metric_add(t->m_matches, (double)h->n, tp->name);
			t->cb.on_matches(t->cb.arg, tp->id, tp->name,
			    tp->hook, h->ids, h->n);
		}
		free(h->ids);
	}
	free(t->hits);
	t->hits = NULL;
	t->nhits = 0;
}

void
topics_on_new_entries(void *arg, int64_t feed_id, const int64_t *ids,
    size_t n)
{
	struct topics *t = arg;
	bool batch;

	if (t == NULL || n == 0)
		return;
	/* Noted already: the store told the sink once it indexed them. */
	batch = store_batch_begin(t->store) == 0;
	topics_match(t);
	topics_deliver(t, batch ? store_batch_commit(t->store) == 0 : true);
}

/*
 * A feed subset: the topic's query over lo..hi, then each hit of a feed
 * of the subset recorded. One walk of the index for the whole subset: a
 * walk per feed would read the matches of every other feed once per feed
 * of a category.
 */
static int
match_subset(struct topics *t, const struct topic *tp, int64_t lo,
    int64_t hi, char *err, size_t errlen)
{
	struct store_entry_query q = { .since_id = lo - 1, .fts = tp->query,
	    .limit = TOPICS_LIST_PAGE };
	int count = 0;

	if (tp->nfeed_ids == 0)
		return 0;
	for (;;) {
		struct store_entry *e;
		size_t n, i;
		bool more;
		int rc;

		if ((rc = store_entry_list(t->store, &q, &e, &n, err,
		    errlen)) != 0)
			return rc;
		for (i = 0; i < n && e[i].id <= hi; i++) {
			if (!topic_has_feed(tp, e[i].feed_id))
				continue;
			rc = store_topic_match(t->store, tp->id, e[i].id,
			    e[i].id, NULL, NULL, err, errlen);
			if (rc < 0) {
				store_entry_list_free(e, n);
				return rc;
			}
			count += rc;
		}
		more = n == TOPICS_LIST_PAGE && i == n;
		if (n > 0)
			q.since_id = e[n - 1].id;
		store_entry_list_free(e, n);
		if (!more)
			break;
	}
	return count;
}

static void
on_backfill(evutil_socket_t fd, short what, void *arg)
{
	struct topics *t = arg;
	struct topic *tp = NULL;
	char err[256];
	int64_t hi;
	int rc;

	for (size_t k = 0; k < t->n && tp == NULL; k++) {
		struct topic *c = &t->v[(t->bf_turn + k) % t->n];

		if (needs_backfill(c))
			tp = c;
	}
	if (tp == NULL)
		return;
	t->bf_turn++;
	hi = tp->bf_next + TOPICS_BACKFILL_BATCH - 1;
	if (hi > tp->bf_end)
		hi = tp->bf_end;
	if (topic_has_subset(tp))
		rc = match_subset(t, tp, tp->bf_next, hi, err, sizeof(err));
	else
		rc = store_topic_match(t->store, tp->id, tp->bf_next, hi,
		    NULL, NULL, err, sizeof(err));
	if (rc == STORE_EQUERY) {
		log_warnx("topics: '%s': %s; not back-filling it", tp->name,
		    err);
		hi = tp->bf_end;
	} else if (rc < 0) {
		log_warnx("topics: '%s': back-fill paused, retrying in %d s",
		    tp->name, TOPICS_RETRY_S);
		arm_backfill(t, TOPICS_RETRY_S * 1000);
		return;
	} else
		tp->bf_matches += rc;
	tp->bf_next = hi + 1;
	if (store_cursor_set(t->store, TOPICS_BF_CLIENT, tp->id, hi) == -1)
		log_warnx("topics: '%s': cannot record back-fill progress",
		    tp->name);
	if (!needs_backfill(tp))
		log_info("topics: '%s': back-fill done, %lld matches",
		    tp->name, (long long)tp->bf_matches);
	arm_backfill(t, TOPICS_BACKFILL_GAP_MS);
}

struct topics *
topics_new(struct feedd *d, const struct topics_callbacks *cb)
{
	struct topics *t = xcalloc(1, sizeof(*t));

	t->d = d;
	t->cb = *cb;
	t->store = d->store;
	t->m_matches = metrics_counter(d->metrics, "feedd_topic_matches_total",
	    "New matches of each topic, as polls stored them (back-filled "
	    "ones are not counted).", "topic");
	if ((t->filter = topics_filter_new()) == NULL)
		log_warnx("topics: matching without a filter (slower)");
	sink_set(t);
	if ((t->ev_backfill = evtimer_new(d->base, on_backfill, t)) == NULL) {
		log_errx("topics: cannot set up the event loop");
		topics_free(t);
		return NULL;
	}
	return t;
}

/*
 * API topics name hooks of the configuration they were added under; a
 * reload (or a restart) may have taken one away.
 */
static void
warn_missing_hooks(const struct topics *t, const struct config *cfg)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].hook != NULL &&
		    config_hook_find(cfg, t->v[i].hook) == NULL)
			log_warnx("topics: '%s': no hook \"%s\" is declared in "
			    "%s; its matches notify nobody until it is",
			    t->v[i].name, t->v[i].hook, cfg->path);
}

int
topics_reconcile(struct topics *t, const struct config *cfg)
{
	struct store_config_topic *ct;
	struct store_reconcile_result res = { 0 };
	char err[512];
	size_t i;
	int rc;

	ct = xcalloc(cfg->ntopics > 0 ? cfg->ntopics : 1, sizeof(*ct));
	for (i = 0; i < cfg->ntopics; i++) {
		ct[i].name = cfg->topics[i].name;
		ct[i].query = cfg->topics[i].query;
		ct[i].notify = cfg->topics[i].notify;
	}
	rc = store_topics_reconcile(t->store, ct, cfg->ntopics, &res, err,
	    sizeof(err));
	free(ct);
	if (rc == STORE_EQUERY) {
		log_errx("%s: %s", cfg->path, err);
		return -1;
	}
	if (rc != 0)
		return -1;
	specs_clear(t);
	t->specs = xcalloc(cfg->ntopics > 0 ? cfg->ntopics : 1,
	    sizeof(*t->specs));
	for (i = 0; i < cfg->ntopics; i++) {
		t->specs[i].name = xstrdup(cfg->topics[i].name);
		t->specs[i].feeds = strv_dup(cfg->topics[i].feeds);
		if (cfg->topics[i].category != NULL)
			t->specs[i].category = xstrdup(cfg->topics[i].category);
	}
	t->nspecs = cfg->ntopics;
	if (res.added + res.updated + res.removed > 0)
		log_info("topics: %zu added, %zu changed, %zu removed, "
		    "%zu unchanged", res.added, res.updated, res.removed,
		    res.unchanged);
	if (refresh_topics(t, false) == -1)
		return -1;
	warn_missing_hooks(t, cfg);
	return 0;
}

int
topics_add(struct topics *t, const char *name, const char *query,
    const char *hook, const struct store_topic_subset *subset,
    int64_t *ret_id, char *err, size_t errlen)
{
	int rc;

	rc = store_topic_add(t->store, name, query, hook, subset,
	    STORE_ORIGIN_API, ret_id, err, errlen);
	if (rc == 0) {
		log_info("topics: '%s' added: %s", name, query);
		refresh_topics(t, false);
	}
	return rc;
}

int
topics_set_hook(struct topics *t, int64_t id, const char *hook)
{
	const struct topic *tp = topic_find(t->v, t->n, id);
	char err[256];
	int rc;

	if (tp == NULL)
		return 0;
	/* The same query: its matches and back-fill stay. */
	rc = store_topic_update(t->store, id, tp->query, hook, err,
	    sizeof(err));
	if (rc == STORE_EQUERY)
		log_warnx("topics: '%s': %s", tp->name, err);
	if (rc == 1)
		refresh_topics(t, false);
	return rc < 0 ? -1 : rc;
}

int
topics_remove(struct topics *t, int64_t id)
{
	int rc = store_topic_remove(t->store, id);

	if (rc == 1)
		refresh_topics(t, false);
	return rc;
}

bool
topics_info(struct topics *t, int64_t id, struct topics_info *ret)
{
	const struct topic *tp = topic_find(t->v, t->n, id);

	memset(ret, 0, sizeof(*ret));
	if (tp == NULL)
		return false;
	ret->feeds = tp->feed_names;
	ret->category = tp->category;
	ret->subset = topic_has_subset(tp);
	ret->feed_ids = tp->feed_ids;
	ret->nfeed_ids = tp->nfeed_ids;
	ret->backfilling = needs_backfill(tp);
	ret->backfill_done = tp->bf_next - 1;
	ret->backfill_end = tp->bf_end;
	return true;
}

void
topics_free(struct topics *t)
{
	if (t == NULL)
		return;
	if (t->ev_backfill != NULL)
		event_free(t->ev_backfill);
	store_set_token_sink(t->store, NULL);
	for (size_t i = 0; i < t->npending; i++)
		free(t->pending[i].topic_ids);
	free(t->pending);
	topics_deliver(t, false);
	topics_filter_free(t->filter);
	for (size_t i = 0; i < t->n; i++)
		topic_clear(&t->v[i]);
	free(t->v);
	specs_clear(t);
	free(t);
}
