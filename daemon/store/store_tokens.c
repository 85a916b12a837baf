/*
 * store_tokens: the full-text index's tokenizer, wrapped so that ingest can
 * show what it indexed (store_set_token_sink), and on its own for reading
 * text the way the index does (store_tokenizer_new).
 *
 * The store's connection gets its own "unicode61": the real one (found
 * through fts5_api before it is replaced) with a pass-through that also
 * hands every document token to the sink while store_ingest runs. The
 * schema keeps naming unicode61 and the tokens are the real tokenizer's,
 * so other connections (the sqlite3 shell, backups) see the same index.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"
#include "xmalloc.h"

struct wrap_module {
	fts5_tokenizer	 inner;
	void		*inner_ud;
	struct sqlite_store	*store;
};

struct wrap {
	struct wrap_module *m;
	Fts5Tokenizer	*inner;
};

struct relay {
	struct sqlite_store	*store;
	void		*ctx;
	int		(*xToken)(void *, int, const char *, int, int, int);
};

static int
wrap_create(void *ud, const char **argv, int argc, Fts5Tokenizer **ret)
{
	struct wrap_module *m = ud;
	struct wrap *w = xcalloc(1, sizeof(*w));
	int rc;

	w->m = m;
	if ((rc = m->inner.xCreate(m->inner_ud, argv, argc, &w->inner)) !=
	    SQLITE_OK) {
		free(w);
		return rc;
	}
	*ret = (Fts5Tokenizer *)w;
	return SQLITE_OK;
}

static void
wrap_delete(Fts5Tokenizer *t)
{
	struct wrap *w = (struct wrap *)t;

	w->m->inner.xDelete(w->inner);
	free(w);
}

static int
relay_token(void *arg, int flags, const char *tok, int n, int start, int end)
{
	struct relay *r = arg;
	const struct store_token_sink *k = r->store->sink;

	k->token(k->arg, tok, n);
	return r->xToken(r->ctx, flags, tok, n, start, end);
}

static int
wrap_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text,
    int len, int (*xToken)(void *, int, const char *, int, int, int))
{
	struct wrap *w = (struct wrap *)t;
	struct sqlite_store *s = w->m->store;
	struct relay r = { s, ctx, xToken };

	/* Queries and everything outside store_ingest pass straight on. */
	if (!s->capturing || s->sink == NULL || s->sink->token == NULL ||
	    (flags & FTS5_TOKENIZE_DOCUMENT) == 0)
		return w->m->inner.xTokenize(w->inner, ctx, flags, text, len,
		    xToken);
	return w->m->inner.xTokenize(w->inner, &r, flags, text, len,
	    relay_token);
}

/* db's FTS5 interface (to reach its tokenizers), or NULL. */
static fts5_api *
fts5_api_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

int
store_tokens_wrap(struct sqlite_store *s)
{
	static const char name[] = "unicode61";
	struct wrap_module *m;
	fts5_tokenizer wrapped = { wrap_create, wrap_delete, wrap_tokenize };
	fts5_api *api;

	if ((api = fts5_api_of(s->db)) == NULL || api->iVersion < 2)
		return -1;
	m = xcalloc(1, sizeof(*m));
	m->store = s;
	if (api->xFindTokenizer(api, name, &m->inner_ud, &m->inner) !=
	    SQLITE_OK) {
		free(m);
		return -1;
	}
	/* FTS5 looks tokenizers up newest first, and frees m with itself. */
	if (api->xCreateTokenizer(api, name, m, &wrapped, free) !=
	    SQLITE_OK) {
		free(m);
		return -1;
	}
	return 0;
}

void
sqlite_store_set_token_sink(struct sqlite_store *s,
    const struct store_token_sink *sink)
{
	free(s->sink);
	s->sink = NULL;
	if (sink != NULL) {
		s->sink = xmalloc(sizeof(*s->sink));
		*s->sink = *sink;
	}
}

/* ---- the tokenizer on its own ---- */

struct store_tokenizer {
	sqlite3		*db;		/* FTS5 lives in a connection */
	fts5_tokenizer	 tok;
	Fts5Tokenizer	*inst;
};

struct token_relay {
	store_token_fn	*fn;
	void		*arg;
};

static int
relay_own(void *arg, int flags, const char *tok, int n, int start, int end)
{
	struct token_relay *r = arg;

	return r->fn(r->arg, tok, (size_t)n) == 0 ? SQLITE_OK : SQLITE_ERROR;
}

struct store_tokenizer *
store_tokenizer_new(void)
{
	/* The schema's tokenize='unicode61 remove_diacritics 2'. */
	static const char *args[] = { "remove_diacritics", "2" };
	struct store_tokenizer *t = xcalloc(1, sizeof(*t));
	fts5_api *api;
	void *ud = NULL;

	if (sqlite3_open_v2(":memory:", &t->db, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK || (api = fts5_api_of(t->db)) == NULL ||
	    api->xFindTokenizer(api, "unicode61", &ud, &t->tok) !=
	    SQLITE_OK || t->tok.xCreate(ud, args, 2, &t->inst) != SQLITE_OK) {
		log_warnx("store: cannot reach SQLite's unicode61 tokenizer");
		t->inst = NULL;
		store_tokenizer_free(t);
		return NULL;
	}
	return t;
}

void
store_tokenizer_free(struct store_tokenizer *t)
{
	if (t == NULL)
		return;
	if (t->inst != NULL)
		t->tok.xDelete(t->inst);
	sqlite3_close(t->db);
	free(t);
}

int
store_tokenize(struct store_tokenizer *t, enum store_tokenize kind,
    const char *text, size_t len, store_token_fn *fn, void *arg)
{
	struct token_relay r = { fn, arg };

	return t->tok.xTokenize(t->inst, &r, kind == STORE_TOKENIZE_QUERY ?
	    FTS5_TOKENIZE_QUERY : FTS5_TOKENIZE_DOCUMENT, text, (int)len,
	    relay_own) == SQLITE_OK ? 0 : -1;
}
