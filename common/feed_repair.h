/*
 * feed_repair: what the parsers mended to read a document, counted by
 * kind, and said in a few lines: the "warnings" of `feedctl parse` and the
 * repairs a feed's status counts. A repair loses nothing that could have
 * been read otherwise; it is reported so that a publisher's mistake (or
 * a limit of ours) never goes unseen.
 *
 * The counts depend only on the document, never on how it was pushed in
 * pieces, so the lines do not either (the parser's tests hold it to that).
 */
#ifndef FEEDD_FEED_REPAIR_H
#define FEEDD_FEED_REPAIR_H

#include <stddef.h>
#include <stdint.h>

enum feed_repair {
	FEED_REPAIR_CUT,	/* a field longer than FEED_MAX_TEXT cut */
	FEED_REPAIR_LIST,	/* categories or enclosures past FEED_MAX_LIST */
	FEED_REPAIR_LATIN1,	/* undeclared and not UTF-8: windows-1252 */
	FEED_REPAIR_BYTES,	/* stray bytes that are not UTF-8 */
	FEED_REPAIR_BADSEQ,	/* invalid in the declared charset: U+FFFD
				   (said without a count, see feed_repair.c) */
	FEED_REPAIR_CONTROL,	/* NUL and other control characters dropped */
	FEED_REPAIR_MARKUP,	/* bare '&' or '<', unclosed <br> (xmlfix.h) */
	FEED_REPAIR_TRAILING,	/* text after the end of the document */
	FEED_REPAIR_STOPPED,	/* broken or over a limit: entries before kept */
	FEED_REPAIR_KINDS,
};

struct feed_repairs {
	uint64_t	 count[FEED_REPAIR_KINDS];
	unsigned long	 line[FEED_REPAIR_KINDS];	/* the first; 0: unknown */
};

/* n more repairs of kind k; line of the first, if known (else 0). */
void	feed_repairs_note(struct feed_repairs *r, enum feed_repair k,
	    uint64_t n, unsigned long line);
/* Repairs of every kind together. */
uint64_t feed_repairs_total(const struct feed_repairs *r);
/*
 * One line per kind that occurred, in the order of the enum, as new
 * strings in a new array (*ret NULL when there is none); returns how
 * many. Free with feed_repairs_lines_free.
 */
size_t	feed_repairs_lines(const struct feed_repairs *r, char ***ret);
void	feed_repairs_lines_free(char **lines, size_t n);

#endif
