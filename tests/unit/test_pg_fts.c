/*
 * pg_fts: FTS5 queries translated to tsquery find on a real PostgreSQL
 * (FEEDD_TEST_PG, started by with_pg.py) exactly the rows the original
 * finds with SQLite's FTS5 (in memory, the store's columns and tokenizer),
 * over one corpus in English, Ukrainian and Russian. Constructs with no
 * equivalent are refused with a clear message; queries FTS5 refuses keep
 * SQLite's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "buf.h"
#include "htmltext.h"
#include "pg_fts.h"
#include "pg_schema.h"
#include "pgtest.h"
#include "store.h"
#include "store_int.h"
#include "tap.h"

static const struct doc {
	const char *title, *summary, *content, *author;
} corpus[] = {
	{ "Coalition of the willing meets in Paris",
	  "Leaders discuss security guarantees for Ukraine",
	  "<p>The <b>coalition</b> of the willing met on Thursday.</p>",
	  "Jane Doe" },
	{ "Коаліція охочих зібралася в Парижі",
	  "Гарантії безпеки для України",
	  "<p>Лідери <i>коаліції</i> охочих обговорили гарантії "
	  "безпеки.</p>", "Олена Коваль" },
	{ "Коаліційна угода підписана", "Партії домовилися",
	  "<p>Коаліційна угода набуде чинності.</p>", "Іван Петренко" },
	{ "Drone attack on the power grid", "Grid operators report outages",
	  "<p>A drone hit a substation; the grid is stable.</p>",
	  "John Smith" },
	{ "Café culture in Kyiv", "A naïve guide to coffee",
	  "<p>Kyiv's caf&eacute;s stay open, e-mail us your "
	  "favourites.</p>", "Zoë Müller" },
	{ "Зеленський зустрівся з Макроном", "Переговори у Парижі",
	  "<p>Зеленський і Макрон провели переговори про гарантії.</p>",
	  "Редакція" },
	{ "Macron and Merz at the summit", "Berlin and Paris agree",
	  "<p>The summit ended with a statement on drones.</p>",
	  "Paris Desk" },
	{ "Зеленский встретился с Мерцем", "коалиция желающих",
	  "<p>О коалиции желающих говорили в Берлине.</p>", "Ёжик Туманов" },
	{ "The willing coalition", "of the words in another order",
	  "<p>willing of the coalition</p>", "Doe Jane" },
	{ "Summit", NULL, NULL, NULL },
	{ "News from Paris", "Summit ends in Berlin", "<p>NEAR the end</p>",
	  "AND Press" },
	{ "КОАЛІЦІЯ ОХОЧИХ", "«Коаліція охочих» знову", "", "" },
};
#define NDOCS	(sizeof(corpus) / sizeof(corpus[0]))

/* Queries both stores must answer alike. */
static const char *const queries[] = {
	"coalition", "COALITION", "\"coalition of the willing\"",
	"\"willing coalition\"", "coalition willing", "coalition AND willing",
	"coalition OR drone", "grid NOT drone", "drone NOT grid", "guarant*",
	"коаліці*", "коаліці* охоч*", "коаліці* + охоч*", "\"коаліці охоч\"*",
	"коаліція", "КОАЛІЦІЯ", "\"Коаліція охочих\"", "гаранті* безпек*",
	"зеленськ* OR зеленск*", "переговор*", "коалици* желающ*",
	"title: summit", "TITLE:summit", "title:summit OR summary:summit",
	"{title summary}: paris", "- content: kyiv", "-{content author}: paris",
	"- title : paris", "author: doe", "author:(jane OR zoe)",
	"content:(drone* AND grid)", "title: (summary: paris)",
	"{title content}:({content author}:coalition)",
	"(paris OR berlin) AND summit",
	"(macron OR зеленськ*) NOT (merz OR мерц*)",
	"cafe", "CAFÉ", "naive", "zoe", "ежик", "ёжик", "\"e-mail\"", "e_mail",
	"\"kyiv's cafés\"", "\"paris summit\"", "paris summit",
	"paris + summit", "summit + ends", "\"-\" paris", "\"-\"",
	"paris AND \"-\"", "\"-\" AND paris", "paris OR \"-\"",
	"paris NOT \"-\"", "\"-\" NOT paris", "paris \"-\" NOT macron",
	"\"-\" \"-\"", "\"-\" \"-\" OR drone", "title:\"-\" paris",
	"macron AND merz OR drone NOT grid", "drone OR paris summit",
	"paris summit NOT macron", "coalition NOT willing NOT paris",
	"NEAR OR paris", "NEAR", "\"AND\"", "\"OR\" press",
	"title:\"power grid\"",
	"\"the grid\"", "summit*", "s*", "к*", "\"of the\"",
	"the NOT (of OR on)", "лідер*", "коаліц* NOT (title:коаліційна)",
	"paris*summit", "\"the\" + \"power grid\"", "the+power+gri*",
	"willing OR (drone AND (grid OR summit) AND NOT_A_WORD)",
	"\"\"\"quoted\"\"\"",
};

/* Refused for PostgreSQL, with these words in the message. */
static const struct refused {
	const char *query, *words;
} refused[] = {
	{ "NEAR(coalition willing, 5)", "NEAR" },
	{ "NEAR(коаліці* охоч*, 2)", "NEAR" },
	{ "paris OR NEAR(drone grid)", "NEAR" },
	{ "^breaking", "^" },
	{ "title: ^summit", "^" },
	{ "paris OR (^summit)", "^" },
};

/* Refused by FTS5 itself: the translation gives SQLite's message. */
static const char *const invalid[] = {
	"paris AND", "\"unclosed", "nosuch: paris", "e-mail", "paris +",
	"(paris", "paris)", "AND", "{title}", "(paris OR berlin) summit",
};

/* "1,4,7": the ids a query finds in SQLite. */
static char *
sqlite_ids(sqlite3 *db, const char *query)
{
	sqlite3_stmt *st;
	struct buf b;

	buf_init(&b);
	if (sqlite3_prepare_v2(db, "SELECT rowid FROM entries_fts WHERE "
	    "entries_fts MATCH ? ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_printf(&b, "%s%lld", b.len ? "," : "",
		    (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	return buf_detach(&b);
}

/* The same from PostgreSQL, or "ERROR: ..." */
static char *
pg_ids(PGconn *c, const char *tsquery)
{
	const char *params[1] = { tsquery };
	PGresult *r;
	struct buf b;
	int i;

	buf_init(&b);
	r = PQexecParams(c, "SELECT id FROM entries WHERE fts @@ $1::tsquery"
	    " ORDER BY id", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		buf_printf(&b, "ERROR: %s", pgtest_line(PQerrorMessage(c)));
	else
		for (i = 0; i < PQntuples(r); i++)
			buf_printf(&b, "%s%s", i ? "," : "",
			    PQgetvalue(r, i, 0));
	PQclear(r);
	return buf_detach(&b);
}

static int
load(sqlite3 *db, PGconn *c, struct store_tokenizer *tok)
{
	sqlite3_stmt *st;
	PGresult *r;
	size_t i;
	int rc = 0;

	r = PQexec(c, "INSERT INTO feeds(id, url, origin, created)"
	    " VALUES (1, 'https://example.org/feed', 'api', 0)");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = -1;
	PQclear(r);
	if (sqlite3_exec(db, "CREATE VIRTUAL TABLE entries_fts USING fts5("
	    STORE_FTS_COLUMNS ")", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO entries_fts(rowid, title,"
	    " summary, content, author) VALUES (?, ?, ?, ?, ?)", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < NDOCS && rc == 0; i++) {
		const struct doc *d = &corpus[i];
		char id[24], *text = NULL, *vec;
		const char *params[3];
		struct buf b;

		/* The content is indexed as text, as html_text() makes it. */
		if (d->content != NULL) {
			buf_init(&b);
			htmltext_append(&b, d->content, strlen(d->content));
			text = buf_detach(&b);
		}
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(st, 2, d->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->summary, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, d->author, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(st);
		vec = pg_fts_document(tok, d->title, d->summary, text,
		    d->author);
		snprintf(id, sizeof(id), "%zu", i + 1);
		params[0] = id;
		params[1] = d->title;
		params[2] = vec;
		r = PQexecParams(c, "INSERT INTO entries(id, feed_id, key_hash,"
		    " content_hash, fetched, title, fts) VALUES ($1, 1, $1, 0,"
		    " 0, $2, $3::tsvector)", 3, NULL, params, NULL, NULL, 0);
		if (vec == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
			diag("entry %zu: %s", i + 1,
			    pgtest_line(PQerrorMessage(c)));
			rc = -1;
		}
		PQclear(r);
		free(vec);
		free(text);
	}
	sqlite3_finalize(st);
	return rc;
}

static void
test_document(struct store_tokenizer *tok)
{
	char *v;

	v = pg_fts_document(tok, "Café e-mail", NULL, NULL, NULL);
	is_str(v, "'cafe':1A 'e':2A 'mail':3A",
	    "document: words cut and folded as FTS5 does");
	free(v);
	v = pg_fts_document(tok, "a b", "c", "d", "e");
	is_str(v, "'a':1A 'b':2A 'e':4D 'c':6B 'd':8C",
	    "document: weights per column, a gap between columns");
	free(v);
	v = pg_fts_document(tok, NULL, "", NULL, NULL);
	is_str(v, "", "document: nothing to index");
	free(v);
	v = pg_fts_document(tok, "storm", "calm storm", NULL, NULL);
	is_str(v, "'storm':1A,4B 'calm':3B",
	    "document: a word once, with all its positions");
	free(v);
}

/*
 * An entry's document from the text and tokens made ahead of the store
 * (as a poll's digest makes them) is the one made from its HTML on the
 * writer's thread, for every entry of the corpus.
 */
static void
test_made_document(struct store_tokenizer *tok)
{
	struct store_index_text made;
	struct feed_entry e;
	struct buf st, ct;
	char *a, *b;
	size_t i, same = 0, replayed = 0;

	buf_init(&st);
	buf_init(&ct);
	for (i = 0; i < NDOCS; i++) {
		const struct doc *d = &corpus[i];

		memset(&e, 0, sizeof(e));
		e.title = (char *)d->title;
		e.summary = (char *)d->summary;
		e.content = (char *)d->content;
		e.author = (char *)d->author;
		store_index_text_make(&e, &made);
		replayed += made.summary_tokens != NULL ||
		    made.content_tokens != NULL;
		a = pg_fts_entry_document(tok, d->title, d->summary,
		    d->content, d->author, &st, &ct);
		b = pg_fts_made_document(tok, d->title, &made, d->author);
		if (a != NULL && b != NULL && strcmp(a, b) == 0)
			same++;
		else
			diag("entry %zu: '%s' against '%s'", i + 1, a, b);
		free(a);
		free(b);
		store_index_text_clear(&made);
	}
	buf_free(&st);
	buf_free(&ct);
	ok(same == NDOCS && replayed + 1 == NDOCS, "documents from tokens cut "
	    "ahead are the writer's own (%zu of %zu, %zu with tokens)", same,
	    NDOCS, replayed);
}

/*
 * tsvector's input refuses more than 1 MiB of words before it merges the
 * repeats: a 5 MiB content of few words is merged first, and stored.
 */
static void
test_long_document(PGconn *c, struct store_tokenizer *tok)
{
	struct buf b;
	const char *params[1];
	char *text, *v;
	PGresult *r;
	size_t i;

	buf_init(&b);
	for (i = 0; i < 480000; i++)
		buf_puts(&b, "calm words ");
	buf_puts(&b, "storm");
	text = buf_detach(&b);
	v = pg_fts_document(tok, "Large", NULL, text, NULL);
	ok(v != NULL && strlen(v) < 4 * 256 * 8,
	    "a 5 MiB document of three words: each once, 256 positions");
	params[0] = v;
	r = PQexecParams(c, "SELECT $1::tsvector @@ 'storm & calm'::tsquery",
	    1, NULL, params, NULL, NULL, 0);
	ok(PQresultStatus(r) == PGRES_TUPLES_OK &&
	    strcmp(PQgetvalue(r, 0, 0), "t") == 0,
	    "and PostgreSQL takes it and finds its words");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		diag("%s", pgtest_line(PQerrorMessage(c)));
	PQclear(r);
	free(v);
	free(text);
}

static void
test_translation(struct store_tokenizer *tok)
{
	static const struct {
		const char *query, *want;
	} cases[] = {
		{ "коаліці* охоч*", "('коаліці':* & 'охоч':*)" },
		{ "\"coalition of the willing\"",
		  "('coalition' <-> 'of' <-> 'the' <-> 'willing')" },
		{ "title: summit", "'summit':A" },
		{ "{title summary}: \"Kyiv's\"*", "('kyiv':AB <-> 's':*AB)" },
		{ "- content: kyiv", "'kyiv':ABD" },
		{ "grid NOT drone", "('grid' & !'drone')" },
		{ "a OR b c", "('a' | ('b' & 'c'))" },
		{ "a NOT b c", "('a' & !('b' & 'c'))" },
		{ "a AND b OR c NOT d", "(('a' & 'b') | ('c' & !'d'))" },
		{ "\"-\"", "" },
		{ "\"-\" OR paris", "'paris'" },
	};
	char err[256], *q;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = pg_fts_query(tok, cases[i].query, &q, err, sizeof(err));
		if (!ok(rc == 0, "translates %s", cases[i].query))
			diag("%s", err);
		else
			is_str(q, cases[i].want, cases[i].query);
		free(q);
	}
}

static void
test_same_rows(sqlite3 *db, PGconn *c, struct store_tokenizer *tok)
{
	char err[256], *q, *want, *got;
	size_t i, found = 0;
	int rc;

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		want = sqlite_ids(db, queries[i]);
		rc = pg_fts_query(tok, queries[i], &q, err, sizeof(err));
		if (!ok(rc == 0 && want != NULL, "translates %s", queries[i])) {
			diag("%s", rc != 0 ? err : sqlite3_errmsg(db));
			free(want);
			continue;
		}
		got = pg_ids(c, q);
		if (!ok(strcmp(want, got) == 0, "same rows: %s", queries[i]))
			diag("tsquery %s\n#   sqlite: [%s]\n#   postgresql: "
			    "[%s]",
			    q, want, got);
		if (want[0] != '\0')
			found++;
		free(want);
		free(got);
		free(q);
	}
	/* A corpus that matched nothing would prove nothing. */
	ok(found > sizeof(queries) / sizeof(queries[0]) * 2 / 3,
	    "most queries find rows (%zu)", found);
}

/* ---- random queries: precedence and nesting beyond the list above ---- */

static const char *const atoms[] = {
	"coalition", "willing", "paris", "summit", "коаліці*", "охоч*",
	"grid", "drone", "the", "of", "\"the grid\"", "kyiv", "cafe",
	"\"coalition of the willing\"", "гаранті*", "summit + ends",
	"\"-\"", "zoe", "berlin", "макрон*", "s*", "ends", "Зеленськ*",
};
static const char *const colsets[] = {
	"title", "summary", "content", "author", "{title summary}",
	"-content", "-{title author}",
};
static const char *const ops[] = { " AND ", " OR ", " NOT ", " " };

static unsigned long rnd_state = 20;

static size_t
rnd(size_t n)
{
	rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
	return (size_t)(rnd_state >> 33) % n;
}

#define PICK(a)	(a)[rnd(sizeof(a) / sizeof((a)[0]))]

static void
gen(struct buf *b, int depth)
{
	size_t k = depth > 3 ? 0 : rnd(6);

	if (k == 0 || k == 1) {
		if (rnd(4) == 0)
			buf_printf(b, "%s:", PICK(colsets));
		buf_puts(b, PICK(atoms));
	} else if (k == 2 || k == 3) {
		gen(b, depth + 1);
		buf_puts(b, PICK(ops));
		gen(b, depth + 1);
	} else {
		if (k == 5)
			buf_printf(b, "%s:", PICK(colsets));
		buf_putc(b, '(');
		gen(b, depth + 1);
		buf_putc(b, ')');
	}
}

static void
test_random(sqlite3 *db, PGconn *c, struct store_tokenizer *tok)
{
	char err[256], *q, *query, *want, *got;
	int i, compared = 0, differ = 0, found = 0;
	struct buf b;

	for (i = 0; i < 600; i++) {
		buf_init(&b);
		gen(&b, 0);
		query = buf_detach(&b);
		if (store_fts_check_query(query, err, sizeof(err)) != 0) {
			free(query);	/* FTS5 refuses it: no rows to compare */
			continue;
		}
		want = sqlite_ids(db, query);
		if (pg_fts_query(tok, query, &q, err, sizeof(err)) != 0) {
			diag("%s: %s", query, err);
			differ++;
		} else {
			got = pg_ids(c, q);
			if (strcmp(want, got) != 0) {
				diag("%s\n#   tsquery %s\n#   sqlite: [%s]\n"
				    "#   postgresql: [%s]", query, q, want, got);
				differ++;
			}
			free(got);
			free(q);
		}
		compared++;
		found += want[0] != '\0';
		free(want);
		free(query);
	}
	ok(compared > 200 && differ == 0 && found > compared / 4,
	    "%d random queries, %d finding rows: the same rows (%d differ)",
	    compared, found, differ);
}

static void
test_refused(struct store_tokenizer *tok)
{
	char err[256], want[256], *q;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err[0] = '\0';
		rc = pg_fts_query(tok, refused[i].query, &q, err, sizeof(err));
		ok(rc == STORE_EQUERY && q == NULL &&
		    strstr(err, refused[i].words) != NULL &&
		    strstr(err, "no equivalent") != NULL,
		    "refused: %s (%s)", refused[i].query, err);
		ok(store_fts_check_query(refused[i].query, want,
		    sizeof(want)) == 0, "FTS5 reads it: %s", refused[i].query);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		want[0] = '\0';
		ok(store_fts_check_query(invalid[i], want, sizeof(want)) ==
		    STORE_EQUERY, "FTS5 refuses %s", invalid[i]);
		err[0] = '\0';
		rc = pg_fts_query(tok, invalid[i], &q, err, sizeof(err));
		ok(rc == STORE_EQUERY && q == NULL, "refused: %s", invalid[i]);
		is_str(err, want, "with SQLite's message");
	}
}

int
main(void)
{
	struct store_tokenizer *tok;
	char err[512];
	sqlite3 *db;
	PGconn *c;

	if ((c = pgtest_connect(getenv("FEEDD_TEST_PG"))) == NULL)
		return 1;
	tok = store_tokenizer_new();
	if (!ok(tok != NULL, "the store's tokenizer"))
		return tap_done();
	test_document(tok);
	test_made_document(tok);
	test_translation(tok);
	test_refused(tok);
	test_long_document(c, tok);

	if (!ok(pg_schema_migrate(c, err, sizeof(err)) == 0,
	    "the PostgreSQL schema")) {
		diag("%s", err);
		return tap_done();
	}
	/* The GIN index answers, as it would with many entries. */
	PQclear(PQexec(c, "SET enable_seqscan = off"));
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    !ok(load(db, c, tok) == 0, "corpus loaded in both stores"))
		return tap_done();
	test_same_rows(db, c, tok);
	test_random(db, c, tok);

	sqlite3_close(db);
	store_tokenizer_free(tok);
	PQfinish(c);
	return tap_done();
}
