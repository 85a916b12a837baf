/*
 * topics_filter: never a false negative. Every query below is run by SQLite
 * FTS5 over every document below (same columns, same tokenizer as the
 * store); wherever FTS5 finds a match, the filter must say "may match".
 * The filter must also rule out what plainly cannot match, or it would be
 * useless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "htmltext.h"
#include "log.h"
#include "store.h"
#include "tap.h"
#include "topics_filter.h"

static const char *const docs[][4] = {
	/* title, summary, content (HTML), author */
	{ "Zelensky arrives in Paris, meets Macron ahead of security "
	    "guarantees summit with 'Coalition of the Willing'",
	    "Leaders discuss guarantees.", "<p>The <b>coalition</b> of the "
	    "willing met.</p>", "Kyiv Independent" },
	{ "«Коаліція охочих» збереться в Парижі", "Лідери обговорять "
	    "гарантії безпеки.", "<p>Засідання коаліції охочих.</p>", NULL },
	{ "Коалиция желающих", "О коалиции желающих спорят", NULL, NULL },
	{ "Café owners in ATHENS", "Αθήνα tourism", "<p>naïve résumé</p>",
	    "Ёжик" },
	{ "Weather in Lviv", "Rain and wind", "<p>Storm warning: "
	    "e-mail alerts</p>", "Desk" },
	{ "Drone strike near the grid", "Energy grid damaged", NULL, NULL },
	{ "and or not near", "Keywords as words", NULL, NULL },
	{ "Kyiv’s “Coalition” talks—guarantees", "ZELENSKY’S visit;x_y",
	    "<p>A&amp;B 100km naïve-Ёжик αβγ123 ABC_def</p>", "Ω" },
	{ "ЇЖАК, ҐАНОК, ЄВРОПА, ЎЗДЫМ, ЁЛКА Й ІСТОРІЯ", "«Заява» — МЗС…",
	    "<p>Ӂук, Ѣ, ӀӀ, Ә, пʼять, п'ять, slovo slovo</p>", NULL },
};
#define NDOCS	(sizeof(docs) / sizeof(docs[0]))

static const char *const queries[] = {
	"coalition",
	"\"coalition of the willing\"",
	"\"coalition of the\" + willing",
	"коаліці* охоч*",
	"коаліці* AND охоч*",
	"коалици* OR коаліці*",
	"title: коаліція",
	"summary: coalition",
	"{title summary}: guarant*",
	"- title: willing",
	"-{title author}: coalition",
	"NEAR(drone grid, 3)",
	"NEAR(drone grid)",
	"NEAR(\"security guarantees\" summit, 10)",
	"grid NOT drone",
	"weather NOT (rain OR snow)",
	"cafe OR athens",
	"αθηνα",
	"ежик",
	"naive resume",
	"\"e-mail\"",
	"email",
	"^weather",
	"^lviv",
	"lviv AND (storm OR flood) NOT sunny",
	"\"and\" \"or\"",
	"\"near\"",
	"near",
	"paris macron OR rain wind",
	"(paris OR lviv) (macron OR storm)",
	"\"a \"\"quoted\"\" word\"",
	"nothing*",
	"zz* OR coal*",
	"title:weather",
	"\"\"",
	"missing AND coalition",
	"kyiv", "s", "coalition talks", "zelensky", "x", "y", "x_y",
	"100km", "km", "naive", "ёжик", "αβγ123", "αβγ*", "abc", "def",
	"\"abc def\"", "ω", "a b", "kyiv*",
	"їжак", "ґанок", "європа", "ўздым", "ёлка", "й", "історія",
	"заява", "мзс", "жук", "ж*", "ѣ", "ә", "пʼять", "п", "ять",
	"slovo", "\"slovo slovo\"", "ИСТОРИЯ", "ёлк*",
};
#define NQUERIES	(sizeof(queries) / sizeof(queries[0]))

/*
 * The daemon's way: the store's ingest hands the filter the tokens its
 * index was given. Each document is stored as one poll of its own, and
 * the filter must decide exactly as when it tokenizes the entry itself.
 */
static void
sink_begin(void *arg)
{
	topics_filter_begin(arg);
}

static void
sink_token(void *arg, const char *tok, int len)
{
	topics_filter_token(arg, tok, (size_t)len);
}

static void
test_store_sink(const struct store_entry *e)
{
	char dir[] = "/tmp/test_topics_filter.XXXXXX", path[64], err[256];
	struct topics_filter *own = topics_filter_new(), *fed =
	    topics_filter_new();
	struct store_token_sink sink = { sink_begin, sink_token, fed, NULL };
	int ho[NQUERIES], hf[NQUERIES], differ = 0, fed_polls = 0;
	struct store *s;
	int64_t feed_id;

	if (mkdtemp(dir) == NULL || own == NULL || fed == NULL)
		return;
	snprintf(path, sizeof(path), "%s/feedd.db", dir);
	if ((s = store_open(path, err, sizeof(err))) == NULL ||
	    store_feed_add(s, "https://example.org/feed", NULL, NULL, 0,
	    &feed_id) == -1) {
		ok(false, "store: %s", err);
		return;
	}
	store_set_token_sink(s, &sink);
	for (size_t k = 0; k < NQUERIES; k++) {
		ho[k] = topics_filter_add(own, queries[k]);
		hf[k] = topics_filter_add(fed, queries[k]);
	}
	for (size_t i = 0; i < NDOCS; i++) {
		struct feed_entry fe = { 0 };
		struct store_ingest_result r;
		char guid[16];

		snprintf(guid, sizeof(guid), "doc-%zu", i);
		fe.id = guid;
		fe.title = e[i].title;
		fe.summary = e[i].summary;
		fe.content = e[i].content;
		fe.author = e[i].author;
		fe.published = fe.updated = FEED_TIME_NONE;
		/* A sentinel: the store's begin() must clear it. */
		topics_filter_begin(fed);
		topics_filter_token(fed, "coalition", 9);
		if (store_ingest(s, feed_id, NULL, &fe, 1, &r) == -1 ||
		    r.new_count != 1)
			continue;
		store_ingest_result_clear(&r);
		fed_polls++;
		topics_filter_load(own, &e[i], 1);
		for (size_t k = 0; k < NQUERIES; k++)
			if (topics_filter_may_match(own, ho[k]) !=
			    topics_filter_may_match(fed, hf[k])) {
				differ++;
				diag("differs: doc %zu, query %s", i + 1,
				    queries[k]);
			}
	}
	ok(fed_polls == (int)NDOCS && differ == 0, "the store's own tokens "
	    "decide as the filter's tokenizing does (%d polls, %d differ)",
	    fed_polls, differ);
	store_set_token_sink(s, NULL);
	store_free(s);
	topics_filter_free(own);
	topics_filter_free(fed);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	struct topics_filter *f;
	struct store_entry e[NDOCS];
	sqlite3 *db;
	sqlite3_stmt *ins, *q;
	int handles[NQUERIES], misses = 0, ruled_out = 0, always = 0;

	log_init("test_topics_filter");
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, summary,"
	    " content, author, tokenize='unicode61 remove_diacritics 2')",
	    NULL, NULL, NULL) != SQLITE_OK)
		return 1;
	sqlite3_prepare_v2(db, "INSERT INTO t(rowid, title, summary, content,"
	    " author) VALUES (?, ?, ?, ?, ?)", -1, &ins, NULL);
	sqlite3_prepare_v2(db, "SELECT 1 FROM t WHERE t MATCH ? AND rowid = ?",
	    -1, &q, NULL);
	memset(e, 0, sizeof(e));
	for (size_t i = 0; i < NDOCS; i++) {
		char *text = htmltext_dup(docs[i][2]);

		sqlite3_bind_int64(ins, 1, (sqlite3_int64)i + 1);
		for (int c = 0; c < 4; c++)
			sqlite3_bind_text(ins, c + 2, c == 2 ? text :
			    docs[i][c], -1, SQLITE_TRANSIENT);
		if (sqlite3_step(ins) != SQLITE_DONE)
			return 1;
		sqlite3_reset(ins);
		free(text);
		e[i].id = (int64_t)i + 1;
		e[i].title = (char *)docs[i][0];
		e[i].summary = (char *)docs[i][1];
		e[i].content = (char *)docs[i][2];
		e[i].author = (char *)docs[i][3];
	}
	f = topics_filter_new();
	if (!ok(f != NULL, "the filter reaches SQLite's tokenizer"))
		return tap_done();
	for (size_t k = 0; k < NQUERIES; k++)
		if ((handles[k] = topics_filter_add(f, queries[k])) ==
		    TOPICS_FILTER_ALWAYS)
			always++;
	for (size_t i = 0; i < NDOCS; i++) {
		topics_filter_load(f, &e[i], 1);
		for (size_t k = 0; k < NQUERIES; k++) {
			bool truth, may;
			int rc;

			sqlite3_bind_text(q, 1, queries[k], -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 2, (sqlite3_int64)i + 1);
			rc = sqlite3_step(q);
			sqlite3_reset(q);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				continue;	/* FTS5 refuses it */
			truth = rc == SQLITE_ROW;
			may = topics_filter_may_match(f, handles[k]);
			if (truth && !may) {
				misses++;
				diag("missed: doc %zu, query %s", i + 1,
				    queries[k]);
			}
			if (!truth && !may)
				ruled_out++;
		}
	}
	ok(misses == 0, "no false negatives over %zu queries x %zu documents",
	    NQUERIES, NDOCS);
	ok(ruled_out > (int)(NQUERIES * NDOCS / 2), "the filter rules out "
	    "most non-matches (%d of %zu pairs)", ruled_out,
	    NQUERIES * NDOCS);
	ok(always <= 1, "it reads every query FTS5 reads (%d kept out)",
	    always);

	/* Several entries at once: a term in one, another in the other. */
	topics_filter_reset(f);
	handles[0] = topics_filter_add(f, "lviv AND drone");
	handles[1] = topics_filter_add(f, "lviv AND коаліці*");
	topics_filter_load(f, &e[4], 2);
	ok(topics_filter_may_match(f, handles[0]) &&
	    !topics_filter_may_match(f, handles[1]),
	    "a poll of several entries is tested as a whole");
	ok(topics_filter_add(f, "(unbalanced") == TOPICS_FILTER_ALWAYS,
	    "an unreadable query is always sent to the store");
	topics_filter_free(f);
	test_store_sink(e);
	sqlite3_finalize(ins);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return tap_done();
}
