/*
 * store_entry: reading entries back, one (store_entry_get) or a listing
 * (store_entry_each, store_entry_list), each with the names of the topics
 * that matched it.
 *
 * A listing hands its rows on without copies. The topics of its entries
 * come from a second statement that walks topic_matches in entry order
 * beside the listing and seeks only across gaps: a correlated subquery
 * per row (one index descent each) was a third of a 1000-entry page.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "buf.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"
#include "xmalloc.h"

#define LIST_DEFAULT	100
#define LIST_MAX	1000

/* The columns entry_view() reads, in its order (then the content). */
#define ENTRY_COLS \
	"e.id, e.guid, e.feed_id, COALESCE(f.user_title, f.doc_title)," \
	" e.title, e.link, e.norm_link, e.published, e.updated, e.fetched," \
	" e.author, e.summary, COALESCE(e.categories, '[]')," \
	" COALESCE(e.enclosures, '[]')"

/* Matches stepped over before the walk seeks (an index descent) instead. */
#define WALK_STEPS	16
/* Distinct topic sets of one listing kept encoded, and their size limit. */
#define WALK_SETS	8
#define WALK_SET_MAX	16

struct topic_name {
	int64_t	 id;
	char	*name;
};

struct topic_set {
	size_t	 n;
	int64_t	 ids[WALK_SET_MAX];
	char	*json;
};

/* The topics of ascending entry ids, for one listing or one entry. */
struct topic_walk {
	struct sqlite_store	*s;
	sqlite3_stmt	*st;		/* walk_to()'s, from ->start on */
	bool		 on;		/* st was started at ->start */
	bool		 done;		/* and has no more rows */
	int64_t		 start;
	int64_t		 entry_id;	/* st's row */
	int64_t		 topic_id;
	int64_t		*ids;		/* the current entry's topics */
	size_t		 nids;
	size_t		 capids;
	struct topic_name *names;	/* by id, read on first need */
	size_t		 nnames;
	bool		 named;
	struct topic_set sets[WALK_SETS];
	size_t		 nsets;
	char		*spill;		/* the last set beyond sets */
};

static void
walk_init(struct topic_walk *w, struct sqlite_store *s)
{
	memset(w, 0, sizeof(*w));
	w->s = s;
}

static void
walk_clear(struct topic_walk *w)
{
	size_t i;

	if (w->st != NULL)
		sqlite3_reset(w->st);
	for (i = 0; i < w->nnames; i++)
		free(w->names[i].name);
	free(w->names);
	for (i = 0; i < w->nsets; i++)
		free(w->sets[i].json);
	free(w->spill);
	free(w->ids);
	memset(w, 0, sizeof(*w));
}

static int
walk_step(struct topic_walk *w)
{
	int rc = sqlite3_step(w->st);

	if (rc == SQLITE_ROW) {
		w->entry_id = sqlite3_column_int64(w->st, 0);
		w->topic_id = sqlite3_column_int64(w->st, 1);
		return 0;
	}
	w->done = true;
	return rc == SQLITE_DONE ? 0 :
	    store_fail(w->s, "reading the topics of entries");
}

/* Puts the walk on the first match of entry id or after it. 0 / -1. */
static int
walk_to(struct topic_walk *w, int64_t id)
{
	static const struct store_sql sql = { ST_ENTRY_TOPICS,
	    "SELECT entry_id, topic_id FROM topic_matches"
	    " WHERE entry_id >= ?1 ORDER BY entry_id, topic_id" };
	int i;

	/* The walk has passed every match from start on, in order. */
	if (w->on && w->start <= id) {
		for (i = 0; !w->done && w->entry_id < id; i++) {
			if (i == WALK_STEPS)
				goto seek;
			if (walk_step(w) == -1)
				return -1;
		}
		return 0;
	}
seek:
	if (w->st == NULL && (w->st = store_stmt(w->s, &sql)) == NULL)
		return -1;
	sqlite3_reset(w->st);
	sqlite3_bind_int64(w->st, 1, id);
	w->on = true;
	w->done = false;
	w->start = id;
	return walk_step(w);
}

/* The topic ids of entry id, ascending, into w->ids. 0 / -1. */
static int
walk_collect(struct topic_walk *w, int64_t id)
{
	w->nids = 0;
	if (walk_to(w, id) == -1)
		return -1;
	while (!w->done && w->entry_id == id) {
		if (w->nids == w->capids) {
			w->capids = w->capids == 0 ? 8 : w->capids * 2;
			w->ids = xreallocarray(w->ids, w->capids,
			    sizeof(*w->ids));
		}
		w->ids[w->nids++] = w->topic_id;
		if (walk_step(w) == -1)
			return -1;
	}
	return 0;
}

static void
name_read(sqlite3_stmt *st, void *row)
{
	struct topic_name *n = row;

	n->id = sqlite3_column_int64(st, 0);
	n->name = store_col_dup(st, 1);
}

static void
name_clear(void *row)
{
	free(((struct topic_name *)row)->name);
}

static const char *
walk_name(const struct topic_walk *w, int64_t id)
{
	size_t lo = 0, hi = w->nnames, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w->names[mid].id == id)
			return w->names[mid].name;
		if (w->names[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * w->ids as a JSON array of names, jansson's compact text (like the stored
 * categories), owned by w until walk_clear(). A name that is not UTF-8
 * makes the array [], as parsing SQLite's json_group_array() of it did.
 * NULL on error.
 */
static const char *
walk_json(struct topic_walk *w)
{
	static const struct store_sql sql_names = { ST_TOPIC_NAMES,
	    "SELECT id, name FROM topics ORDER BY id" };
	struct topic_set *set = NULL;
	json_t *a;
	const char *name;
	char *text;
	size_t i;

	if (w->nids == 0)
		return "[]";
	for (i = 0; i < w->nsets; i++)
		if (w->sets[i].n == w->nids && memcmp(w->sets[i].ids, w->ids,
		    w->nids * sizeof(*w->ids)) == 0)
			return w->sets[i].json;
	if (!w->named) {
		if (store_all_rows(w->s, store_stmt(w->s, &sql_names),
		    sizeof(*w->names), name_read, name_clear,
		    (void **)&w->names, &w->nnames, "reading topic names") ==
		    -1)
			return NULL;
		w->named = true;
	}
	a = json_array();
	for (i = 0; a != NULL && i < w->nids; i++)
		if ((name = walk_name(w, w->ids[i])) != NULL &&
		    json_array_append_new(a, json_string(name)) == -1) {
			json_array_clear(a);
			break;
		}
	text = a != NULL ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	if (text == NULL) {
		log_warnx("store: cannot encode the topics of an entry");
		return NULL;
	}
	if (w->nsets < WALK_SETS && w->nids <= WALK_SET_MAX) {
		set = &w->sets[w->nsets++];
		set->n = w->nids;
		memcpy(set->ids, w->ids, w->nids * sizeof(*w->ids));
		set->json = text;
	} else {
		free(w->spill);
		w->spill = text;
	}
	return text;
}

/* ---- rows ---- */

static char *
col_text(sqlite3_stmt *st, int i)
{
	/* Borrowed: SQLite's until the next step. */
	return (char *)sqlite3_column_text(st, i);
}

/*
 * The row's columns, and its topics from w, as an entry whose strings are
 * SQLite's and w's (no copies). 0 / -1.
 */
static int
entry_view(sqlite3_stmt *st, struct topic_walk *w, struct store_entry *e,
    bool with_content)
{
	const char *topics;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	e->guid = col_text(st, 1);
	e->feed_id = sqlite3_column_int64(st, 2);
	e->feed_title = col_text(st, 3);
	e->title = col_text(st, 4);
	e->link = col_text(st, 5);
	e->norm_link = col_text(st, 6);
	e->published = store_col_time(st, 7);
	e->updated = store_col_time(st, 8);
	e->fetched = sqlite3_column_int64(st, 9);
	e->author = col_text(st, 10);
	e->summary = col_text(st, 11);
	e->categories_json = col_text(st, 12);
	e->enclosures_json = col_text(st, 13);
	if (with_content)
		e->content = col_text(st, 14);
	if (sqlite3_column_count(st) > 16) {
		e->read = sqlite3_column_int(st, 15) != 0;
		e->starred = sqlite3_column_int(st, 16) != 0;
	}
	if (walk_collect(w, e->id) == -1 || (topics = walk_json(w)) == NULL)
		return -1;
	e->topics_json = (char *)topics;
	return 0;
}

void
store_entry_clear(struct store_entry *e)
{
	if (e == NULL)
		return;
	free(e->guid);
	free(e->feed_title);
	free(e->title);
	free(e->link);
	free(e->norm_link);
	free(e->author);
	free(e->summary);
	free(e->categories_json);
	free(e->enclosures_json);
	free(e->topics_json);
	free(e->content);
	memset(e, 0, sizeof(*e));
}

void
store_entry_list_free(struct store_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_entry_clear(&e[i]);
	free(e);
}

int
sqlite_store_entry_get(struct sqlite_store *s, int64_t id,
    struct store_entry *ret)
{
	static const struct store_sql sql = { ST_ENTRY_GET,
	    "SELECT " ENTRY_COLS ", e.content FROM entries e"
	    " JOIN feeds f ON f.id = e.feed_id WHERE e.id = ?" };
	struct topic_walk w;
	struct store_entry v;
	sqlite3_stmt *st;
	int rc;

	memset(ret, 0, sizeof(*ret));
	if ((st = store_bound_id(s, &sql, id)) == NULL)
		return -1;
	walk_init(&w, s);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (entry_view(st, &w, &v, true) == 0) {
			store_entry_copy(&v, ret);
			rc = 1;
		} else
			rc = -1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = store_fail(s, "reading an entry");
	sqlite3_reset(st);
	walk_clear(&w);
	return rc;
}

/* ---- listings ---- */

/* The parameters of a listing statement, bound by number. */
enum {
	LP_SINCE = 1, LP_FEED, LP_TOPIC, LP_FTS, LP_LIMIT, LP_USER,
	LP_CATEGORY, LP_BEFORE, LP_NEWER, LP_OLDER,
};


/* The SQL of the listing statement for mask, from fixed fragments. */
static void
list_sql(struct buf *sql, unsigned mask)
{
	const char *key;
	bool by_state = (mask & (STORE_LQ_READ | STORE_LQ_STARRED)) &&
	    !(mask & (STORE_LQ_FTS | STORE_LQ_TOPIC));

	/*
	 * The newest matches, found from the top down, come out ascending
	 * like every listing, so rows can be handed on as they are read.
	 */
	if (mask & STORE_LQ_LATEST)
		buf_puts(sql, "SELECT * FROM (");
	buf_puts(sql, "SELECT " ENTRY_COLS);
	buf_puts(sql, mask & STORE_LQ_CONTENT ? ", e.content" : ", NULL");
	buf_puts(sql, mask & STORE_LQ_STATE ?
	    ", COALESCE(u.read, 0), COALESCE(u.starred, 0)" : ", 0, 0");
	/*
	 * A search walks the FTS index in rowid order and stops at the
	 * limit: 0.3 ms instead of 45 ms for a common word over 90,000
	 * entries, where "e.id IN (SELECT rowid ... MATCH)" collects every
	 * match first. Read or starred entries are few beside all: their
	 * state rows (a partial index each) drive the walk.
	 */
	if (mask & STORE_LQ_FTS) {
		buf_puts(sql, " FROM entries_fts x"
		    " JOIN entries e ON e.id = x.rowid");
		key = "x.rowid";
	} else if (by_state) {
		buf_puts(sql, " FROM entry_state u"
		    " JOIN entries e ON e.id = u.entry_id");
		key = "u.entry_id";
	} else if (mask & STORE_LQ_TOPIC) {
		buf_puts(sql, " FROM topic_matches m0"
		    " JOIN entries e ON e.id = m0.entry_id");
		key = "m0.entry_id";
	} else {
		buf_puts(sql, " FROM entries e");
		key = "e.id";
	}
	buf_puts(sql, " JOIN feeds f ON f.id = e.feed_id");
	if ((mask & STORE_LQ_TOPIC) && strcmp(key, "m0.entry_id") != 0)
		buf_puts(sql, " JOIN topic_matches m0 ON m0.entry_id = e.id"
		    " AND m0.topic_id = ?3 AND m0.dup = 0");
	if ((mask & STORE_LQ_STATE) && !by_state)
		buf_puts(sql, " LEFT JOIN entry_state u ON u.user_id = ?6"
		    " AND u.entry_id = e.id");
	buf_printf(sql, " WHERE %s > ?1", key);
	if (mask & STORE_LQ_FTS)
		buf_puts(sql, " AND entries_fts MATCH ?4");
	if (strcmp(key, "m0.entry_id") == 0)
		buf_puts(sql, " AND m0.topic_id = ?3 AND m0.dup = 0");
	if (by_state)
		buf_puts(sql, " AND u.user_id = ?6");
	if (mask & STORE_LQ_FEED)
		buf_puts(sql, " AND e.feed_id = ?2");
	if (mask & STORE_LQ_READ)
		buf_puts(sql, " AND u.read = 1");
	if (mask & STORE_LQ_UNREAD)
		buf_puts(sql, " AND u.read IS NOT 1");
	if (mask & STORE_LQ_STARRED)
		buf_puts(sql, " AND u.starred = 1");
	if (mask & STORE_LQ_UNSTARRED)
		buf_puts(sql, " AND u.starred IS NOT 1");
	if (mask & STORE_LQ_CATEGORY)
		buf_puts(sql, " AND category_within(f.category, ?7)");
	if (mask & STORE_LQ_BEFORE)
		buf_printf(sql, " AND %s < ?8", key);
	if (mask & STORE_LQ_NEWER)
		buf_puts(sql, " AND COALESCE(e.published, e.fetched) >= ?9");
	if (mask & STORE_LQ_OLDER)
		buf_puts(sql, " AND COALESCE(e.published, e.fetched) < ?10");
	/* Order by the driving table's key, or SQLite sorts every row. */
	buf_printf(sql, " ORDER BY %s", key);
	if (mask & STORE_LQ_LATEST)
		buf_puts(sql, " DESC LIMIT ?5) ORDER BY 1");
	else
		buf_puts(sql, mask & STORE_LQ_DESC ? " DESC LIMIT ?5" :
		    " LIMIT ?5");
}

/*
 * The listing statement for one combination of filters, built from fixed
 * fragments (values are always bound) and kept while in use: the least
 * recently used makes room.
 */
static sqlite3_stmt *
list_stmt(struct sqlite_store *s, unsigned mask)
{
	struct store_list_stmt *slot = &s->list_stmt[0];
	struct buf sql;
	size_t i;

	for (i = 0; i < STORE_LQ_CACHE; i++) {
		struct store_list_stmt *c = &s->list_stmt[i];

		if (c->st != NULL && c->mask == mask) {
			c->used = ++s->list_clock;
			return c->st;
		}
		if (c->st == NULL ? slot->st != NULL : (slot->st != NULL &&
		    c->used < slot->used))
			slot = c;
	}
	sqlite3_finalize(slot->st);
	slot->st = NULL;
	buf_init(&sql);
	list_sql(&sql, mask);
	if (sqlite3_prepare_v3(s->db, sql.data, -1, SQLITE_PREPARE_PERSISTENT,
	    &slot->st, NULL) != SQLITE_OK) {
		log_errx("store: preparing listing %#x: %s", mask,
		    sqlite3_errmsg(s->db));
		slot->st = NULL;
	}
	buf_free(&sql);
	slot->mask = mask;
	slot->used = ++s->list_clock;
	return slot->st;
}

static size_t
list_limit(const struct store_entry_query *q)
{
	if (q->limit == 0)
		return LIST_DEFAULT;
	return q->limit > LIST_MAX ? LIST_MAX : q->limit;
}

static void
list_bind(sqlite3_stmt *st, unsigned mask, const struct store_entry_query *q,
    size_t limit)
{
	sqlite3_bind_int64(st, LP_SINCE, q->since_id);
	if (mask & STORE_LQ_FEED)
		sqlite3_bind_int64(st, LP_FEED, q->feed_id);
	if (mask & STORE_LQ_TOPIC)
		sqlite3_bind_int64(st, LP_TOPIC, q->topic_id);
	if (mask & STORE_LQ_FTS)
		sqlite3_bind_text(st, LP_FTS, q->fts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, LP_LIMIT, (int64_t)limit);
	if (mask & STORE_LQ_STATE)
		sqlite3_bind_int64(st, LP_USER, q->user_id);
	if (mask & STORE_LQ_CATEGORY)
		sqlite3_bind_text(st, LP_CATEGORY, q->category, -1,
		    SQLITE_STATIC);
	if (mask & STORE_LQ_BEFORE)
		sqlite3_bind_int64(st, LP_BEFORE, q->before_id);
	if (mask & STORE_LQ_NEWER)
		sqlite3_bind_int64(st, LP_NEWER, q->newer_than);
	if (mask & STORE_LQ_OLDER)
		sqlite3_bind_int64(st, LP_OLDER, q->older_than);
}

int
sqlite_store_entry_each(struct sqlite_store *s,
    const struct store_entry_query *q,
    store_entry_fn fn, void *arg, size_t *ret_n, char *err, size_t errlen)
{
	struct topic_walk w;
	struct store_entry v;
	sqlite3_stmt *st;
	unsigned mask = store_list_mask(q);
	size_t n = 0, limit = list_limit(q);
	int rc = SQLITE_DONE;

	*ret_n = 0;
	if (q->fts != NULL && q->fts[0] == '\0') {
		snprintf(err, errlen, "empty search query");
		return STORE_EQUERY;
	}
	if ((st = list_stmt(s, mask)) == NULL)
		return -1;
	list_bind(st, mask, q, limit);
	walk_init(&w, s);
	while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* Its own failures are logged; fn's are fn's to tell. */
		if (entry_view(st, &w, &v, q->content) == -1 ||
		    fn(&v, arg) == -1) {
			rc = -1;
			break;
		}
		n++;
	}
	if (n == limit && rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	if (rc == -1)
		;
	else if (rc != SQLITE_DONE) {
		if ((mask & STORE_LQ_FTS) && (rc & 0xff) == SQLITE_ERROR) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
			rc = STORE_EQUERY;
		} else
			rc = store_fail(s, "listing entries");
	} else
		rc = 0;
	walk_clear(&w);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	*ret_n = n;
	return rc;
}

struct list_ctx {
	struct store_entry *e;
	size_t	 n;
};

static int
list_add(const struct store_entry *v, void *arg)
{
	struct list_ctx *c = arg;

	store_entry_copy(v, &c->e[c->n++]);
	return 0;
}

int
sqlite_store_entry_list(struct sqlite_store *s,
    const struct store_entry_query *q,
    struct store_entry **ret, size_t *ret_n, char *err, size_t errlen)
{
	struct list_ctx c;
	size_t n;
	int rc;

	*ret = NULL;
	*ret_n = 0;
	c.e = xcalloc(list_limit(q), sizeof(*c.e));
	c.n = 0;
	if ((rc = sqlite_store_entry_each(s, q, list_add, &c, &n, err,
	    errlen)) != 0) {
		store_entry_list_free(c.e, c.n);
		return rc;
	}
	*ret = c.e;
	*ret_n = c.n;
	return 0;
}
