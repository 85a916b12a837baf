/*
 * pg_fts: full text for the PostgreSQL store, the same words as the SQLite
 * store's FTS5 index.
 *
 * PostgreSQL's own parser (even with the 'simple' configuration) cuts text
 * otherwise than FTS5's unicode61: it keeps "user@example.org", "3.5" and
 * "e-mail" whole, and folds no accents ("café" is not "cafe"). So both
 * sides are cut here, by the SQLite store's tokenizer (store_tokenize:
 * unicode61, remove_diacritics 2), and handed to PostgreSQL as tsvector
 * and tsquery text, whose lexemes PostgreSQL takes as they are: a query
 * finds on PostgreSQL exactly the entries it finds on SQLite.
 *
 * The document: one tsvector over title (weight A), summary (B), the
 * content's text (C) and author (D); a summary that leads the content
 * is left out (htmltext_leads), as on SQLite. A column filter (title:,
 * {title summary}:, -content:) becomes the weights of its words (:A, :AB,
 * :ABD).
 * Each column's positions are kept one apart from the next column's, so a
 * phrase (<->) never spans two columns, as in FTS5.
 *
 * What PostgreSQL cannot hold: a word longer than 2,047 bytes (left out of
 * the vector), positions past 16,383 (PostgreSQL counts them all as
 * 16,383) and more than 256 positions of one word (the rest are dropped),
 * so a phrase deep in a very long text may be missed.
 */
#ifndef FEEDD_PG_FTS_H
#define FEEDD_PG_FTS_H

#include <stddef.h>

struct store_tokenizer;

/*
 * The tsquery text of query, an FTS5 query as topics and searches are
 * written (README, "Query syntax"): phrases ("a b", a + b) become <->,
 * prefixes (коаліці*) :*, AND & , OR |, NOT & !, column filters weights.
 * Returns 0 with *ret set (free() it; "" when the query can match no entry,
 * as FTS5 reads a query whose only phrases hold no word), STORE_EQUERY
 * with the reason in err for a query FTS5 refuses (SQLite's own message)
 * or one PostgreSQL has no equivalent for (NEAR, ^ at the start of a
 * column), or -1 when memory or the tokenizer failed (err says).
 */
int	pg_fts_query(struct store_tokenizer *tok, const char *query,
	    char **ret, char *err, size_t errlen);

/*
 * The tsvector text of an entry's indexed columns, NULL columns being
 * empty (summary and content as text: htmltext.h). NULL when the
 * tokenizer failed.
 */
char	*pg_fts_document(struct store_tokenizer *tok, const char *title,
	    const char *summary_text, const char *content_text,
	    const char *author);

/*
 * The same for an entry as stored, its summary and content HTML: they are
 * indexed as their text, and a summary that leads the content not at all
 * (htmltext_entry), as the SQLite store indexes them (its schema steps 16
 * and 17). The texts indexed are left in summary_text and content_text
 * (the caller's scratch; empty for a NULL column and a summary left out).
 */
struct buf;
char	*pg_fts_entry_document(struct store_tokenizer *tok,
	    const char *title, const char *summary, const char *content,
	    const char *author, struct buf *summary_text,
	    struct buf *content_text);

/*
 * The same from the text and tokens made ahead of the store
 * (store_index_texts_make), with the title and author as they are.
 */
struct store_index_text;
char	*pg_fts_made_document(struct store_tokenizer *tok, const char *title,
	    const struct store_index_text *t, const char *author);

/*
 * What pg_fts_entry_document makes; a database whose documents were made
 * otherwise (meta 'fts_doc') has them made again when it is opened.
 * 2: the summary as text. 3: a summary that leads the content left out.
 * Moves with HTMLTEXT_VERSION too.
 */
#define PG_FTS_DOC_VERSION	3
/* Its meta key; the target's own when a SQLite store is migrated. */
#define PG_FTS_DOC_KEY		"fts_doc"

#endif
