/*
 * category: normal form and containment of category paths.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "category.h"


int
category_norm(const char *s, char **ret, const char **why)
{
	struct buf b;
	const char *p, *e, *end;

	*ret = NULL;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "a category cannot hold control characters";
			return -1;
		}
	buf_init(&b);
	for (p = s; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = p + strcspn(p, "/");
		end = e;
		while (p < end && *p == ' ')
			p++;
		while (end > p && end[-1] == ' ')
			end--;
		if (end == p)
			continue;
		if (b.len > 0)
			buf_putc(&b, '/');
		buf_append(&b, p, (size_t)(end - p));
	}
	if (b.len > CATEGORY_MAX) {
		buf_free(&b);
		*why = "a category is at most 200 bytes long";
		return -1;
	}
	if (b.len == 0) {
		buf_free(&b);
		return 0;
	}
	*ret = buf_detach(&b);
	return 0;
}

bool
category_within(const char *cat, const char *parent)
{
	size_t n;

	if (cat == NULL || parent == NULL)
		return false;
	n = strlen(parent);
	return strncmp(cat, parent, n) == 0 && (cat[n] == '\0' ||
	    cat[n] == '/');
}
