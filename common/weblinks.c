#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "url.h"
#include "weblinks.h"
#include "xmalloc.h"

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * A parameter's value at p: a token or a quoted-string (its escapes
 * undone) into out; returns what follows, or NULL when it is broken.
 */
static const char *
param_value(const char *p, struct buf *out)
{
	buf_reset(out);
	if (*p != '"') {
		while (*p != '\0' && *p != ';' && *p != ',' && *p != ' ' &&
		    *p != '\t')
			buf_putc(out, *p++);
		return p;
	}
	for (p++; *p != '"'; p++) {
		if (*p == '\0')
			return NULL;
		if (*p == '\\' && p[1] != '\0')
			p++;
		buf_putc(out, *p);
	}
	return p + 1;
}

/* Does the space-separated list of relation types hold rel? */
static bool
has_rel(const char *types, const char *rel)
{
	size_t n = strlen(rel), len;

	while (*types != '\0') {
		types += strspn(types, " \t");
		len = strcspn(types, " \t");
		if (len == n && strncasecmp(types, rel, n) == 0)
			return true;
		types += len;
	}
	return false;
}

char *
weblinks_find(const char *value, const char *rel, const char *base)
{
	struct buf name, val;
	const char *p = value, *end;
	char *target = NULL, *found = NULL;
	bool match, seen_rel;

	if (value == NULL)
		return NULL;
	buf_init(&name);
	buf_init(&val);
	while (found == NULL) {
		p = skip_ws(p);
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p != '<' || (end = strchr(p + 1, '>')) == NULL)
			break;
		free(target);
		target = xstrndup(p + 1, (size_t)(end - p - 1));
		p = end + 1;
		match = seen_rel = false;
		for (;;) {
			p = skip_ws(p);
			if (*p != ';')
				break;
			p = skip_ws(p + 1);
			buf_reset(&name);
			while (*p != '\0' && *p != '=' && *p != ';' &&
			    *p != ',' && *p != ' ' && *p != '\t')
				buf_putc(&name, *p++);
			p = skip_ws(p);
			buf_reset(&val);
			if (*p == '=' &&
			    (p = param_value(skip_ws(p + 1), &val)) == NULL)
				goto out;
			/* Only the first rel counts (RFC 8288 3.3). */
			if (strcasecmp(name.data, "rel") == 0 && !seen_rel) {
				seen_rel = true;
				match = has_rel(val.data, rel);
			}
		}
		if (match)
			found = base != NULL ? url_resolve(base, target) :
			    xstrdup(target);
		if (*p != ',')
			break;
	}
out:
	free(target);
	buf_free(&name);
	buf_free(&val);
	return found;
}
