#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"
#include "xmalloc.h"

#define SUGGEST_MAX_LEN	64	/* longer names are no typos of a name */

/* Optimal string alignment distance between a and b (case ignored). */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best;
	size_t *d = xcalloc((la + 1) * (lb + 1), sizeof(*d));
	size_t w = lb + 1;

	for (i = 0; i <= la; i++)
		d[i * w] = i;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);

			best = d[(i - 1) * w + j] + 1;
			if (d[i * w + j - 1] + 1 < best)
				best = d[i * w + j - 1] + 1;
			if (d[(i - 1) * w + j - 1] + cost < best)
				best = d[(i - 1) * w + j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] &&
			    d[(i - 2) * w + j - 2] + 1 < best)
				best = d[(i - 2) * w + j - 2] + 1;
			d[i * w + j] = best;
		}
	best = d[la * w + lb];
	free(d);
	return best;
}

const char *
suggest_nearest(const char *typed, const char *const *names, size_t n)
{
	size_t len = strlen(typed), limit, best = (size_t)-1, dist;
	const char *pick = NULL;

	if (len == 0 || len > SUGGEST_MAX_LEN)
		return NULL;
	limit = len / 3 > 1 ? len / 3 : 1;
	for (size_t i = 0; i < n; i++) {
		if (strlen(names[i]) > SUGGEST_MAX_LEN)
			continue;
		dist = distance(typed, names[i]);
		if (dist <= limit && dist < best) {
			best = dist;
			pick = names[i];
		}
	}
	return pick;
}
