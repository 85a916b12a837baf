/*
 * feed: the neutral model every RSS, Atom and JSON Feed variant is mapped
 * onto, and the push parser that produces it (implemented in
 * feed_parse.c, with jsonfeed.c for JSON).
 *
 * What a document is, is told by its content, never by its URL: a body
 * whose first character (after white space and a byte order mark) is '{'
 * or '[' is JSON, anything else XML; a Content-Type of
 * application/feed+json (feed_parser_set_content_type) makes it JSON
 * whatever it starts with, so that its error says where the JSON broke.
 *
 * The parser takes bytes as they come (feed_parser_push), calls on_header
 * once, just before the first entry (or at the end of a document without
 * entries), and on_entry once per completed entry. Objects handed to the
 * callbacks are borrowed for the duration of the call: copy what you keep.
 * Strings are valid UTF-8 or NULL, trimmed, entities decoded, HTML kept as
 * an HTML string; links are absolute when a base is known; dates are Unix
 * seconds (UTC) or FEED_TIME_NONE. The parser never loads external entities
 * or DTDs, keeps Expat's amplification limits, and bounds its memory
 * (depth, field length, entry count, token length). No global state: one
 * parser per document, any number at once.
 *
 * Chunking: any split of the input gives the same result. Pushing the whole
 * (capped) body once, with final=true, is the fastest (bench/parse: about
 * 1.5x the throughput of 4 KB pushes); pushing chunks as they arrive is
 * safe too: a single 10 MB token in 4 KB pushes stays linear even on Expat
 * 2.5 builds without the CVE-2023-52425 fix, because the parser holds input
 * back until it doubles what Expat is still holding.
 *
 * Encodings: see charset.h (BOM, declaration, iconv; undeclared bytes that
 * are not UTF-8 are read as windows-1252).
 *
 * Broken documents: entries completed before the break are delivered and
 * feed_parser_error() says where it stopped. A break xmlfix.h can mend (a
 * bare '&' or '<', "&#0;", an unclosed "<br>") makes the parser read the
 * document again through it, delivering only the entries not delivered
 * yet. For that it keeps a copy of input pushed in pieces, up to
 * FEED_MAX_KEEP (a larger body pushed in pieces is not mended); a body
 * pushed whole is not copied.
 */
#ifndef FEEDD_FEED_H
#define FEEDD_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEED_TIME_NONE	INT64_MIN

/*
 * Bounds on what one document can make the parser hold. Past them an
 * over-long field is cut (at a character boundary), extra categories and
 * enclosures are dropped, and too deep nesting, too many entries or a
 * single token longer than FEED_MAX_TOKEN stop the parse with an error.
 */
#define FEED_MAX_DEPTH		256
#define FEED_MAX_TEXT		(4 * 1024 * 1024)
#define FEED_MAX_ENTRIES	50000
#define FEED_MAX_LIST		256
#define FEED_MAX_TOKEN		(64 * 1024 * 1024)
/* Input kept for a second, mended reading when pushed in pieces. */
#define FEED_MAX_KEEP		(16 * 1024 * 1024)
/* JSON is read whole (jansson builds the document): at most this much. */
#define FEED_MAX_JSON		FEED_MAX_KEEP

enum feed_format {
	FEED_FORMAT_UNKNOWN = 0,
	FEED_FORMAT_RSS20,
	FEED_FORMAT_RSS10,
	FEED_FORMAT_RSS09X,
	FEED_FORMAT_ATOM10,
	FEED_FORMAT_ATOM03,
	FEED_FORMAT_JSON10,
	FEED_FORMAT_JSON11,
};

struct feed_enclosure {
	char	*url;
	char	*type;
	int64_t	 length;	/* -1 when unknown */
};

struct feed_entry {
	char	*id;		/* guid / atom:id / rdf:about, as written */
	char	*title;
	char	*link;		/* absolute */
	int64_t	 published;
	int64_t	 updated;
	char	*summary;
	char	*content;	/* HTML string */
	char	*author;
	char	**categories;
	size_t	 ncategories;
	struct feed_enclosure *enclosures;
	size_t	 nenclosures;
};

struct feed_header {
	enum feed_format format;
	char	*title;
	char	*link;
	char	*subtitle;
	char	*language;
	int64_t	 updated;
	char	*author;
	/* Polling hints from the document, 0 when absent (seconds). */
	int64_t	 ttl_s;			/* RSS <ttl> */
	int64_t	 update_period_s;	/* sy:updatePeriod / updateFrequency */
	/*
	 * WebSub discovery: the first <link rel="hub"> and the
	 * <link rel="self"> of the feed (absolute), or NULL.
	 */
	char	*hub;
	char	*self;
};

struct feed_parser_cb {
	void	(*on_header)(const struct feed_header *h, void *arg);
	/* Return false to stop parsing (e.g. the caller's own limit). */
	bool	(*on_entry)(const struct feed_entry *e, void *arg);
};

struct feed_parser;

/* base_url: the document's URL, for resolving relative links; may be NULL. */
struct feed_parser *feed_parser_new(const char *base_url,
	    const struct feed_parser_cb *cb, void *arg);
/*
 * Feeds the next len bytes; final=true with the last chunk (len may be 0).
 * Returns 0, or -1 once the document is not well-formed or a limit was hit;
 * entries completed before that point were already delivered.
 */
int	feed_parser_push(struct feed_parser *p, const void *data, size_t len,
	    bool final);
/*
 * The response's Content-Type, before the first push (may be NULL):
 * application/feed+json reads the body as JSON Feed.
 */
void	feed_parser_set_content_type(struct feed_parser *p, const char *type);
/* NULL, or where and why the document stopped ("line 12, column 4: ..."). */
const char *feed_parser_error(const struct feed_parser *p);
/*
 * After the final push: what was mended to read the document, one line
 * per kind (feed_repair.h), borrowed until feed_parser_free; returns
 * how many.
 */
size_t	feed_parser_warnings(struct feed_parser *p, char *const **ret);
/*
 * The feed header as read so far. on_header fires before the first entry,
 * so channel fields that a document puts after its items only show here
 * (after the final push).
 */
const struct feed_header *feed_parser_header(struct feed_parser *p);
void	feed_parser_free(struct feed_parser *p);

/* A whole parsed document, for feedctl parse and tests. */
struct feed_doc {
	struct feed_header header;
	struct feed_entry *entries;
	size_t	 nentries;
	char	*error;
	char	**warnings;	/* feed_parser_warnings(), copied */
	size_t	 nwarnings;
};

/* Parses a complete buffer; always a document (error set on failure). */
struct feed_doc *feed_doc_parse(const void *data, size_t len,
	    const char *base_url);
/*
 * The same, pushing the buffer in pieces of chunk bytes (0: in one push).
 * The result never depends on chunk, except perhaps the wording of an
 * error; the tests and the fuzzer hold the parser to that.
 */
struct feed_doc *feed_doc_parse_chunked(const void *data, size_t len,
	    const char *base_url, size_t chunk);
void	feed_doc_free(struct feed_doc *d);

/* Deep copies and frees for callers that keep what a callback lent them. */
void	feed_entry_copy(struct feed_entry *dst, const struct feed_entry *src);
void	feed_entry_clear(struct feed_entry *e);
void	feed_header_copy(struct feed_header *dst,
	    const struct feed_header *src);
void	feed_header_clear(struct feed_header *h);

const char *feed_format_name(enum feed_format f);	/* "rss2.0", ... */

/*
 * When an entry is from: its published date, else its updated one (RSS
 * 1.0's dc:date, an Atom entry with only <updated>); FEED_TIME_NONE when
 * it has neither. Listings and the scheduler's publishing rate use this.
 */
int64_t	feed_entry_date(const struct feed_entry *e);

#endif
