/*
 * xmlfix: bare '&' and '<' escaped, outside CDATA, comments and PIs.
 */
#include <string.h>
#include <strings.h>

#include "xmlfix.h"

enum {
	XF_TEXT,
	XF_CDATA,
	XF_COMMENT,
	XF_PI,
};

/* Longest entity name we look ahead for; longer is no reference. */
#define XF_NAME_MAX	64

void
xmlfix_init(struct xmlfix *f)
{
	f->state = XF_TEXT;
	buf_init(&f->carry);
}

void
xmlfix_clear(struct xmlfix *f)
{
	buf_free(&f->carry);
}

static bool
name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    c == ':' || c >= 0x80;
}

static bool
name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '.' ||
	    c == '-';
}

static bool
hex_digit(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* XML 1.0 production [2]: what a character reference may name. */
static bool
xml_char(unsigned long c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 &&
	    c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 &&
	    c <= 0x10ffff);
}

/*
 * Length of the reference starting at s[0] == '&' including ';', 0 if it
 * is none, -1 if more input is needed to tell. *ret_bad is set for a
 * character reference to a character XML does not allow ("&#0;").
 */
static int
reference(const unsigned char *s, size_t n, bool *ret_bad)
{
	unsigned long c = 0;
	size_t j = 1;

	*ret_bad = false;
	if (j >= n)
		return -1;
	if (s[j] == '#') {
		j++;
		if (j >= n)
			return -1;
		if (s[j] == 'x') {
			for (j++; j < n && j < XF_NAME_MAX &&
			    hex_digit(s[j]); j++)
				if (c <= 0x10ffff)
					c = c * 16 + (s[j] <= '9' ? s[j] - '0' :
					    (s[j] | 0x20) - 'a' + 10);
			if (j == 3 && j < n)
				return 0;
		} else {
			for (; j < n && j < XF_NAME_MAX && s[j] >= '0' &&
			    s[j] <= '9'; j++)
				if (c <= 0x10ffff)
					c = c * 10 + (s[j] - '0');
			if (j == 2 && j < n)
				return 0;
		}
		*ret_bad = !xml_char(c);
	} else {
		if (!name_start(s[j]))
			return 0;
		for (j++; j < n && j < XF_NAME_MAX && name_char(s[j]); j++)
			;
	}
	if (j >= XF_NAME_MAX)
		return 0;
	if (j >= n)
		return -1;
	return s[j] == ';' ? (int)j + 1 : 0;
}

/* Where the section ends ("]]>", "-->", "?>"): index past it, or 0. */
static size_t
section_end(const char *s, size_t n, const char *term)
{
	size_t tl = strlen(term), i;

	for (i = 0; i + tl <= n; i++)
		if (s[i] == term[0] && memcmp(s + i, term, tl) == 0)
			return i + tl;
	return 0;
}

/*
 * At s[0] == '<': an HTML void element's tag, mended into out. Returns the
 * bytes used, 0 if it is no such tag, -1 if more input is needed.
 */
static int
void_tag(const char *s, size_t n, bool final, struct buf *out)
{
	static const char *const voids[] = { "area", "br", "col", "embed",
	    "hr", "img", "input", "meta", "param", "track", "wbr", NULL };
	const char *const *v;
	size_t j, name, namelen;
	char quote = 0;
	bool closing = s[1] == '/';

	name = closing ? 2 : 1;
	for (j = name; j < n && j - name < 8 && ((s[j] >= 'a' && s[j] <= 'z') ||
	    (s[j] >= 'A' && s[j] <= 'Z')); j++)
		;
	if (j == n)
		return final ? 0 : -1;
	namelen = j - name;
	if (s[j] != '>' && s[j] != '/' && s[j] != ' ' && s[j] != '\t' &&
	    s[j] != '\n' && s[j] != '\r')
		return 0;
	for (v = voids; *v != NULL; v++)
		if (strlen(*v) == namelen && strncasecmp(*v, s + name,
		    namelen) == 0)
			break;
	if (*v == NULL)
		return 0;
	/* The end of the tag, quotes respected. */
	for (; j < n && j < XMLFIX_TAG_MAX; j++) {
		if (quote != 0) {
			if (s[j] == quote)
				quote = 0;
		} else if (s[j] == '"' || s[j] == '\'')
			quote = s[j];
		else if (s[j] == '>')
			break;
	}
	if (j >= XMLFIX_TAG_MAX)
		return 0;
	if (j == n)
		return final ? 0 : -1;
	if (!closing) {
		buf_append(out, s, j);
		buf_puts(out, s[j - 1] == '/' ? ">" : "/>");
	}
	return (int)j + 1;
}

static size_t
fix(struct xmlfix *f, const char *s, size_t n, bool final, struct buf *out)
{
	static const char *const terms[] = { "", "]]>", "-->", "?>" };
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run, e, keep;
	bool bad;
	int r;

	while (i < n) {
		if (f->state != XF_TEXT) {
			e = section_end(s + i, n - i, terms[f->state]);
			if (e == 0) {
				/* Keep what could start the terminator. */
				keep = final ? 0 : strlen(terms[f->state]) - 1;
				if (keep > n - i)
					keep = n - i;
				buf_append(out, s + i, n - i - keep);
				return n - keep;
			}
			buf_append(out, s + i, e);
			i += e;
			f->state = XF_TEXT;
			continue;
		}
		for (run = i; run < n && s[run] != '&' && s[run] != '<'; run++)
			;
		buf_append(out, s + i, run - i);
		i = run;
		if (i == n)
			break;
		if (s[i] == '&') {
			if ((r = reference(u + i, n - i, &bad)) < 0 && !final)
				return i;	/* decide with more input */
			if (r > 0) {
				/* "&#0;" and the like name nothing: drop them. */
				if (!bad)
					buf_append(out, s + i, r);
				i += r;
			} else {
				buf_puts(out, "&amp;");
				i++;
			}
			continue;
		}
		/* '<' */
		if (n - i < 9 && !final)
			return i;
		if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
			buf_append(out, s + i, 9);
			i += 9;
			f->state = XF_CDATA;
		} else if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
			buf_append(out, s + i, 4);
			i += 4;
			f->state = XF_COMMENT;
		} else if (n - i >= 2 && s[i + 1] == '?') {
			buf_append(out, s + i, 2);
			i += 2;
			f->state = XF_PI;
		} else if (n - i >= 2 && (name_start(u[i + 1]) ||
		    s[i + 1] == '/')) {
			if ((r = void_tag(s + i, n - i, final, out)) < 0)
				return i;	/* decide with more input */
			if (r > 0) {
				i += r;
				continue;
			}
			buf_putc(out, '<');
			i++;
		} else if (n - i >= 2 && s[i + 1] == '!') {
			buf_putc(out, '<');
			i++;
		} else {
			buf_puts(out, "&lt;");
			i++;
		}
	}
	return n;
}

void
xmlfix_push(struct xmlfix *f, const char *in, size_t len, bool final,
    struct buf *out)
{
	struct buf join;
	size_t used;

	if (f->carry.len == 0) {
		used = fix(f, in, len, final, out);
		if (used < len)
			buf_append(&f->carry, in + used, len - used);
		return;
	}
	/* Rejoin the undecided bytes (a reference or a tag, bounded). */
	join = f->carry;
	buf_init(&f->carry);
	buf_append(&join, in, len);
	used = fix(f, join.data, join.len, final, out);
	if (used < join.len)
		buf_append(&f->carry, join.data + used, join.len - used);
	buf_free(&join);
}
