/*
 * pg_store_entry: reading entries back on PostgreSQL, one or a listing,
 * each with the names of the topics that matched it (as store_entry.c).
 *
 * A listing's statement is built for its combination of filters from
 * fixed fragments (values are always parameters), prepared on first use
 * and kept. A search is the query's tsquery (pg_fts.h) against the
 * entries' fts column.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "log.h"
#include "pg_fts.h"
#include "pg_store.h"
#include "pg_store_int.h"
#include "store_keys.h"
#include "xmalloc.h"

#define LIST_DEFAULT	100
#define LIST_MAX	1000

/*
 * The columns entry_view() reads, in its order: then the content (or
 * NULL), read, starred, and the ids of the topics that list the entry.
 */
#define ENTRY_COLS \
	"e.id, e.guid, e.feed_id, COALESCE(f.user_title, f.doc_title)," \
	" e.title, e.link, e.norm_link, e.published, e.updated, e.fetched," \
	" e.author, e.summary, COALESCE(e.categories, '[]')," \
	" COALESCE(e.enclosures, '[]')"
#define ENTRY_TOPICS \
	", ARRAY(SELECT tm.topic_id FROM topic_matches tm" \
	" WHERE tm.entry_id = e.id ORDER BY tm.topic_id)"


/* The names of the topics, read once per listing. */
struct names {
	bool	 loaded;
	PGresult *r;		/* id, name by id */
};

static const char *
name_of(const struct names *nm, int64_t id)
{
	int lo = 0, hi = PQntuples(nm->r), mid;
	int64_t v;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		v = pg_col_int(nm->r, mid, 0);
		if (v == id)
			return PQgetvalue(nm->r, mid, 1);
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * PostgreSQL's array text of topic ids ("{3,7}") as the JSON array of
 * their names, jansson's compact text like the SQLite store's. NULL on
 * error (logged).
 */
static char *
topics_json(struct pg_store *s, struct names *nm, const char *ids)
{
	static const struct pg_sql sql = {
	    "SELECT id, name FROM topics ORDER BY id" };
	const char *p = ids + (ids[0] == '{');
	json_t *a;
	char *end, *text;
	const char *name;
	int64_t id;

	if (strcmp(ids, "{}") == 0)
		return xstrdup("[]");
	if (!nm->loaded) {
		if ((nm->r = pg_run(s, &sql, NULL,
		    "reading topic names")) == NULL)
			return NULL;
		nm->loaded = true;
	}
	a = json_array();
	while (*p != '\0' && *p != '}') {
		id = strtoll(p, &end, 10);
		if (end == p)
			break;
		if ((name = name_of(nm, id)) != NULL)
			json_array_append_new(a, json_string(name));
		p = *end == ',' ? end + 1 : end;
	}
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (text == NULL)
		log_warnx("store: cannot encode the topics of an entry");
	return text;
}

/* Row i as an entry whose strings are r's, and topics (owned by caller). */
static int
entry_view(struct pg_store *s, struct names *nm, const PGresult *r, int i,
    struct store_entry *e, bool with_content)
{
	memset(e, 0, sizeof(*e));
	e->id = pg_col_int(r, i, 0);
	e->guid = pg_col_view(r, i, 1);
	e->feed_id = pg_col_int(r, i, 2);
	e->feed_title = pg_col_view(r, i, 3);
	e->title = pg_col_view(r, i, 4);
	e->link = pg_col_view(r, i, 5);
	e->norm_link = pg_col_view(r, i, 6);
	e->published = pg_col_time(r, i, 7);
	e->updated = pg_col_time(r, i, 8);
	e->fetched = pg_col_int(r, i, 9);
	e->author = pg_col_view(r, i, 10);
	e->summary = pg_col_view(r, i, 11);
	e->categories_json = pg_col_view(r, i, 12);
	e->enclosures_json = pg_col_view(r, i, 13);
	if (with_content)
		e->content = pg_col_view(r, i, 14);
	e->read = pg_col_bool(r, i, 15);
	e->starred = pg_col_bool(r, i, 16);
	return (e->topics_json = topics_json(s, nm, PQgetvalue(r, i, 17))) ==
	    NULL ? -1 : 0;
}

int
pg_store_entry_get(struct pg_store *s, int64_t id, struct store_entry *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " ENTRY_COLS ", e.content, false, false" ENTRY_TOPICS
	    " FROM entries e JOIN feeds f ON f.id = e.feed_id"
	    " WHERE e.id = $1" };
	struct pg_params p = { 0 };
	struct names nm = { 0 };
	struct store_entry v;
	PGresult *r;
	int rc = 0;

	memset(ret, 0, sizeof(*ret));
	pg_p_int(&p, id);
	if ((r = pg_run(s, &sql, &p, "reading an entry")) == NULL)
		return -1;
	if (PQntuples(r) > 0) {
		if (entry_view(s, &nm, r, 0, &v, true) == 0) {
			store_entry_copy(&v, ret);
			free(v.topics_json);	/* the view's own */
			rc = 1;
		} else
			rc = -1;
	}
	PQclear(r);
	PQclear(nm.r);
	return rc;
}

/* ---- listings ---- */

/*
 * The listing's text for mask (when sql is not NULL) and its parameters
 * (when p is not NULL), numbered in the same order.
 */
static void
list_build(unsigned mask, const struct store_entry_query *q,
    const char *tsquery, size_t limit, struct buf *sql, struct pg_params *p)
{
	int n = 0;

#define PARAM(fmt, set) do {						\
	n++;								\
	if (sql != NULL)						\
		buf_printf(sql, fmt, n);				\
	if (p != NULL)							\
		set;							\
} while (0)

	if (sql != NULL) {
		if (mask & STORE_LQ_LATEST)
			buf_puts(sql, "SELECT * FROM (");
		buf_puts(sql, "SELECT " ENTRY_COLS);
		buf_puts(sql, mask & STORE_LQ_CONTENT ? ", e.content" : ", NULL");
		buf_puts(sql, mask & STORE_LQ_STATE ? ", COALESCE(u.read, false),"
		    " COALESCE(u.starred, false)" : ", false, false");
		buf_puts(sql, ENTRY_TOPICS " FROM entries e"
		    " JOIN feeds f ON f.id = e.feed_id");
	}
	if (mask & STORE_LQ_TOPIC)
		PARAM(" JOIN topic_matches m0 ON m0.entry_id = e.id"
		    " AND m0.topic_id = $%d AND NOT m0.dup",
		    pg_p_int(p, q->topic_id));
	if (mask & STORE_LQ_STATE)
		PARAM(" LEFT JOIN entry_state u ON u.user_id = $%d"
		    " AND u.entry_id = e.id", pg_p_int(p, q->user_id));
	PARAM(" WHERE e.id > $%d", pg_p_int(p, q->since_id));
	if (mask & STORE_LQ_FTS)
		PARAM(" AND e.fts @@ $%d::tsquery", pg_p_text(p, tsquery));
	if (mask & STORE_LQ_FEED)
		PARAM(" AND e.feed_id = $%d", pg_p_int(p, q->feed_id));
	if (sql != NULL) {
		if (mask & STORE_LQ_READ)
			buf_puts(sql, " AND u.read");
		if (mask & STORE_LQ_UNREAD)
			buf_puts(sql, " AND u.read IS NOT TRUE");
		if (mask & STORE_LQ_STARRED)
			buf_puts(sql, " AND u.starred");
		if (mask & STORE_LQ_UNSTARRED)
			buf_puts(sql, " AND u.starred IS NOT TRUE");
	}
	/* category.h's rule: the category or one below it. */
	if (mask & STORE_LQ_CATEGORY) {
		PARAM(" AND (f.category = $%d", pg_p_text(p, q->category));
		if (sql != NULL)
			buf_printf(sql, " OR starts_with(f.category, $%d"
			    " || '/'))", n);
	}
	if (mask & STORE_LQ_BEFORE)
		PARAM(" AND e.id < $%d", pg_p_int(p, q->before_id));
	if (mask & STORE_LQ_NEWER)
		PARAM(" AND COALESCE(e.published, e.fetched) >= $%d",
		    pg_p_int(p, q->newer_than));
	if (mask & STORE_LQ_OLDER)
		PARAM(" AND COALESCE(e.published, e.fetched) < $%d",
		    pg_p_int(p, q->older_than));
	if (mask & STORE_LQ_LATEST)
		PARAM(" ORDER BY e.id DESC LIMIT $%d) x ORDER BY 1",
		    pg_p_int(p, (int64_t)limit));
	else if (mask & STORE_LQ_DESC)
		PARAM(" ORDER BY e.id DESC LIMIT $%d",
		    pg_p_int(p, (int64_t)limit));
	else
		PARAM(" ORDER BY e.id LIMIT $%d",
		    pg_p_int(p, (int64_t)limit));
#undef PARAM
}

/* Each combination's statement, made once and kept for the process. */
static struct pg_sql list_sqls[STORE_LQ_ALL];

static const struct pg_sql *
list_sql(unsigned mask)
{
	struct buf sql;

	if (list_sqls[mask].text == NULL) {
		buf_init(&sql);
		list_build(mask, NULL, NULL, 0, &sql, NULL);
		list_sqls[mask].text = buf_detach(&sql);
	}
	return &list_sqls[mask];
}

static size_t
list_limit(const struct store_entry_query *q)
{
	if (q->limit == 0)
		return LIST_DEFAULT;
	return q->limit > LIST_MAX ? LIST_MAX : q->limit;
}

int
pg_store_entry_each(struct pg_store *s, const struct store_entry_query *q,
    store_entry_fn fn, void *arg, size_t *ret_n, char *err, size_t errlen)
{
	unsigned mask = store_list_mask(q);
	size_t limit = list_limit(q), n = 0;
	struct pg_params p = { 0 };
	struct names nm = { 0 };
	struct store_entry v;
	char *tsquery = NULL;
	PGresult *r;
	int i, rc = 0;

	*ret_n = 0;
	if (q->fts != NULL) {
		if (q->fts[0] == '\0') {
			snprintf(err, errlen, "empty search query");
			return STORE_EQUERY;
		}
		if ((rc = pg_fts_query(s->tok, q->fts, &tsquery, err,
		    errlen)) != 0)
			return rc;
		if (tsquery[0] == '\0') {
			/* A query whose phrases hold no word matches none. */
			free(tsquery);
			return 0;
		}
	}
	list_build(mask, q, tsquery, limit, NULL, &p);
	r = pg_run(s, list_sql(mask), &p, "listing entries");
	free(tsquery);
	if (r == NULL)
		return -1;
	for (i = 0; i < PQntuples(r) && n < limit; i++) {
		/* Its own failures are logged; fn's are fn's to tell. */
		if (entry_view(s, &nm, r, i, &v, q->content) == -1) {
			rc = -1;
			break;
		}
		rc = fn(&v, arg);
		free(v.topics_json);
		if (rc == -1)
			break;
		n++;
	}
	PQclear(r);
	PQclear(nm.r);
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
pg_store_entry_list(struct pg_store *s, const struct store_entry_query *q,
    struct store_entry **ret, size_t *ret_n, char *err, size_t errlen)
{
	struct list_ctx c;
	size_t n;
	int rc;

	*ret = NULL;
	*ret_n = 0;
	c.e = xcalloc(list_limit(q), sizeof(*c.e));
	c.n = 0;
	if ((rc = pg_store_entry_each(s, q, list_add, &c, &n, err,
	    errlen)) != 0) {
		store_entry_list_free(c.e, c.n);
		return rc;
	}
	*ret = c.e;
	*ret_n = c.n;
	return 0;
}
