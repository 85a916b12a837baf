/*
 * feed_repair: counting and wording the repairs of one document.
 */
#include <stdio.h>
#include <stdlib.h>

#include "feed.h"
#include "feed_repair.h"
#include "xmalloc.h"

void
feed_repairs_note(struct feed_repairs *r, enum feed_repair k, uint64_t n,
    unsigned long line)
{
	if (n == 0)
		return;
	if (r->count[k] == 0 || (r->line[k] == 0 && line != 0))
		r->line[k] = line;
	r->count[k] += n;
}

uint64_t
feed_repairs_total(const struct feed_repairs *r)
{
	uint64_t n = 0;

	for (int k = 0; k < FEED_REPAIR_KINDS; k++)
		n += r->count[k];
	return n;
}

static const char *
plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static char *
line_of(enum feed_repair k, uint64_t n)
{
	switch (k) {
	case FEED_REPAIR_CUT:
		return xasprintf("%llu %s cut at the limit of %d MiB",
		    (unsigned long long)n, plural(n, "field", "fields"),
		    FEED_MAX_TEXT / (1024 * 1024));
	case FEED_REPAIR_LIST:
		return xasprintf("%llu %s past the first %d of an entry dropped",
		    (unsigned long long)n, plural(n, "category or enclosure",
		    "categories or enclosures"), FEED_MAX_LIST);
	case FEED_REPAIR_LATIN1:
		return xasprintf("not UTF-8 and no encoding declared: read as "
		    "windows-1252 (%llu %s)", (unsigned long long)n,
		    plural(n, "byte", "bytes"));
	case FEED_REPAIR_BYTES:
		return xasprintf("%llu %s that %s not UTF-8 read as "
		    "windows-1252", (unsigned long long)n, plural(n, "byte",
		    "bytes"), plural(n, "is", "are"));
	case FEED_REPAIR_BADSEQ:
		/*
		 * No count: how a stateful decoder (ISO-2022, UTF-7) gets
		 * back in step after a bad byte depends on where its input
		 * was cut, and the line must not.
		 */
		return xstrdup("bytes invalid in the declared encoding "
		    "replaced by U+FFFD");
	case FEED_REPAIR_CONTROL:
		return xasprintf("%llu NUL or other control %s dropped",
		    (unsigned long long)n, plural(n, "character",
		    "characters"));
	case FEED_REPAIR_MARKUP:
		return xstrdup("not well-formed: read again with a bare '&' or "
		    "'<' taken as text and unclosed HTML tags closed");
	case FEED_REPAIR_TRAILING:
		return xstrdup("text after the end of the document ignored");
	case FEED_REPAIR_STOPPED:
		return xasprintf("the document could not be read to its end "
		    "(see the error): the %llu %s before that point kept",
		    (unsigned long long)n, plural(n, "entry", "entries"));
	default:
		return xstrdup("repaired");
	}
}

size_t
feed_repairs_lines(const struct feed_repairs *r, char ***ret)
{
	char **lines = NULL, *s;
	size_t n = 0;

	for (int k = 0; k < FEED_REPAIR_KINDS; k++) {
		if (r->count[k] == 0)
			continue;
		s = line_of((enum feed_repair)k, r->count[k]);
		if (r->line[k] != 0) {
			char *t = xasprintf("line %lu: %s", r->line[k], s);

			free(s);
			s = t;
		}
		lines = xreallocarray(lines, n + 1, sizeof(*lines));
		lines[n++] = s;
	}
	*ret = lines;
	return n;
}

void
feed_repairs_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
