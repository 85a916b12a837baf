#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "htmltext.h"

/* Tags that sit inside a word; every other tag separates words. */
static const char *const inline_tags[] = {
	"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn",
	"em", "font", "i", "ins", "kbd", "mark", "q", "s", "samp", "small",
	"span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var",
	"wbr",
};

/* The named entities feeds really use; the rest stay as written. */
static const struct {
	const char	*name;
	uint32_t	 cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", ' ' }, { "mdash", 0x2014 },
	{ "ndash", 0x2013 }, { "hellip", 0x2026 }, { "laquo", 0xab },
	{ "raquo", 0xbb }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "ldquo", 0x201c }, { "rdquo", 0x201d }, { "bdquo", 0x201e },
	{ "copy", 0xa9 }, { "reg", 0xae }, { "trade", 0x2122 },
	{ "euro", 0x20ac }, { "middot", 0xb7 }, { "bull", 0x2022 },
	{ "times", 0xd7 }, { "deg", 0xb0 }, { "shy", 0xad },
};

struct out {
	struct buf	*b;
	size_t		 start;		/* where this call's text begins */
	bool		 space;		/* a separator is pending */
};

static void
put_space(struct out *o)
{
	o->space = true;
}

static void
put_bytes(struct out *o, const char *s, size_t len)
{
	if (o->space && o->b->len > o->start)
		buf_putc(o->b, ' ');
	o->space = false;
	buf_append(o->b, s, len);
}

static void
put_cp(struct out *o, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
	    cp == 0xa0) {
		put_space(o);
		return;
	}
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		u[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = 0xc0 | (cp >> 6);
		u[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = 0xe0 | (cp >> 12);
		u[1] = 0x80 | ((cp >> 6) & 0x3f);
		u[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		u[0] = 0xf0 | (cp >> 18);
		u[1] = 0x80 | ((cp >> 12) & 0x3f);
		u[2] = 0x80 | ((cp >> 6) & 0x3f);
		u[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	put_bytes(o, u, n);
}

/* Decodes the reference at s[0] == '&'; returns bytes used, 0 if none. */
static size_t
entity(struct out *o, const char *s, size_t len)
{
	size_t i, end, k;
	uint32_t cp = 0;
	int base = 10, digits = 0, d;

	for (end = 1; end < len && end < 12 && s[end] != ';'; end++)
		;
	if (end >= len || s[end] != ';' || end == 1)
		return 0;
	if (s[1] == '#') {
		i = 2;
		if (i < end && (s[i] == 'x' || s[i] == 'X')) {
			base = 16;
			i++;
		}
		for (; i < end; i++, digits++) {
			if (s[i] >= '0' && s[i] <= '9')
				d = s[i] - '0';
			else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
				d = s[i] - 'a' + 10;
			else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
				d = s[i] - 'A' + 10;
			else
				return 0;
			if (cp <= 0x10ffff)
				cp = cp * base + d;
		}
		if (digits == 0)
			return 0;
		put_cp(o, cp);
		return end + 1;
	}
	for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
		if (strlen(entities[k].name) == end - 1 &&
		    memcmp(entities[k].name, s + 1, end - 1) == 0) {
			put_cp(o, entities[k].cp);
			return end + 1;
		}
	}
	return 0;
}

static bool
is_alpha(char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static bool
is_inline(const char *name, size_t len)
{
	size_t k;

	for (k = 0; k < sizeof(inline_tags) / sizeof(inline_tags[0]); k++)
		if (strlen(inline_tags[k]) == len &&
		    strncasecmp(inline_tags[k], name, len) == 0)
			return true;
	return false;
}

static const char *
find_ci(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; s + n <= end; s++)
		if (strncasecmp(s, needle, n) == 0)
			return s;
	return NULL;
}

/* The end of the tag starting at p ('<'), quotes respected. */
static const char *
tag_end(const char *p, const char *end)
{
	char quote = 0;

	for (p++; p < end; p++) {
		if (quote != 0) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'')
			quote = *p;
		else if (*p == '>')
			return p + 1;
	}
	return end;
}

/* Bytes that end a run of plain text (as '\f' and '\v' do not). */
static const bool run_stops[256] = {
	['<'] = true, ['&'] = true, [' '] = true, ['\n'] = true,
	['\t'] = true, ['\r'] = true, [0xc2] = true,
};

static bool
run_stop(unsigned char c)
{
	return run_stops[c];
}

/*
 * Where the run of plain bytes from p ends. A space followed by a byte
 * that would start a run itself is taken in, as the word after it would
 * be appended after one space; a run goes on past room (the run's length
 * that leaves no room for more) only to the end of its word, as the word
 * by word appends it replaces did.
 */
static const char *
run_end(const char *p, const char *end, size_t room)
{
	const char *start = p - 1;
	unsigned char n;

	for (;;) {
		while (p < end && !run_stop(*p))
			p++;
		if (p + 1 >= end || *p != ' ' || (size_t)(p - start) > room)
			return p;
		n = p[1];
		if (run_stop(n) || n == '\f' || n == '\v')
			return p;
		p += 2;
	}
}

void
htmltext_append(struct buf *out, const char *html, size_t len)
{
	htmltext_append_max(out, html, len, SIZE_MAX);
}

void
htmltext_append_max(struct buf *out, const char *html, size_t len,
    size_t max)
{
	struct out o = { out, out->len, false };
	const char *p = html, *end = html + len, *q, *name;
	size_t n, namelen, used;
	bool closing;

	/* What was put stays as it is: a pending space comes before more. */
	while (p < end && out->len - o.start < max) {
		unsigned char c = *p;

		if (c == '<' && p + 1 < end && p[1] == '!') {
			if (p + 3 < end && p[2] == '-' && p[3] == '-') {
				q = find_ci(p + 4, end, "-->");
				p = q != NULL ? q + 3 : end;
			} else
				p = tag_end(p, end);
			put_space(&o);
			continue;
		}
		if (c == '<' && p + 1 < end && (p[1] == '/' || p[1] == '?' ||
		    is_alpha(p[1]))) {
			closing = p[1] == '/';
			name = p + 1 + closing;
			for (namelen = 0; name + namelen < end &&
			    (is_alpha(name[namelen]) ||
			    (name[namelen] >= '0' && name[namelen] <= '9'));
			    namelen++)
				;
			q = tag_end(p, end);
			if (!closing && namelen == 6 &&
			    strncasecmp(name, "script", 6) == 0) {
				q = find_ci(q, end, "</script");
				q = q != NULL ? tag_end(q, end) : end;
			} else if (!closing && namelen == 5 &&
			    strncasecmp(name, "style", 5) == 0) {
				q = find_ci(q, end, "</style");
				q = q != NULL ? tag_end(q, end) : end;
			}
			if (!is_inline(name, namelen))
				put_space(&o);
			p = q;
			continue;
		}
		if (c == '&' && (n = entity(&o, p, end - p)) > 0) {
			p += n;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			put_space(&o);
			p++;
			continue;
		}
		if (c == 0xc2 && p + 1 < end && (unsigned char)p[1] == 0xa0) {
			put_space(&o);	/* U+00A0 */
			p += 2;
			continue;
		}
		/*
		 * A run of plain bytes in one append, with the single spaces
		 * between its words: one copy per run, not two per word (the
		 * index's text of a whole feed goes through here).
		 */
		used = out->len - o.start + (o.space && out->len > o.start);
		q = run_end(p + 1, end, used < max ? max - used - 1 : 0);
		put_bytes(&o, p, q - p);
		p = q;
	}
}

char *
htmltext_dup(const char *html)
{
	struct buf b;

	if (html == NULL)
		return NULL;
	buf_init(&b);
	htmltext_append(&b, html, strlen(html));
	return buf_detach(&b);
}

/* An ASCII letter or digit, or a byte that may be part of a letter. */
static bool
word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') ||
	    ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* len less one trailing ellipsis and the space before it. */
static size_t
ellipsis_cut(const char *s, size_t len)
{
	/* The bracketed forms first, so their bracket goes too. */
	static const char *const tails[] = { "[\xe2\x80\xa6]", "[...]",
	    "\xe2\x80\xa6", "..." };
	size_t i, n;

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		n = strlen(tails[i]);
		if (len >= n && memcmp(s + len - n, tails[i], n) == 0) {
			len -= n;
			if (len > 0 && s[len - 1] == ' ')
				len--;
			break;
		}
	}
	return len;
}

bool
htmltext_leads(const char *summary, size_t slen, const char *content,
    size_t clen)
{
	slen = ellipsis_cut(summary, slen);
	if (slen == 0)
		return true;
	if (slen > clen || memcmp(summary, content, slen) != 0)
		return false;
	return slen == clen || !word_byte(content[slen]) ||
	    !word_byte(summary[slen - 1]);
}

bool
htmltext_entry(const char *summary, const char *content,
    struct buf *summary_text, struct buf *content_text)
{
	buf_reset(summary_text);
	buf_reset(content_text);
	if (content != NULL)
		htmltext_append(content_text, content, strlen(content));
	if (summary == NULL)
		return false;
	htmltext_append(summary_text, summary, strlen(summary));
	if (!htmltext_leads(summary_text->data, summary_text->len,
	    content_text->data, content_text->len))
		return true;
	buf_reset(summary_text);
	return false;
}

/* Elements that need no end tag: they add no depth. */
static bool
nests(const char *name, size_t n)
{
	static const char *const flat[] = { "area", "base", "br", "col",
	    "embed", "hr", "img", "input", "link", "meta", "source", "track",
	    "wbr", "p", "li", "dt", "dd", "td", "th", "tr", "option",
	    "tbody", "thead", "tfoot", "colgroup", "rb", "rt", "rp",
	    "optgroup", NULL };

	for (size_t i = 0; flat[i] != NULL; i++)
		if (strlen(flat[i]) == n && strncasecmp(name, flat[i], n) == 0)
			return false;
	return true;
}

/*
 * How deep html's elements nest, at most, read from its tags alone (a
 * start tag opens, an end tag closes): enough to tell markup that would
 * make the parser slow, in one pass.
 */
size_t
htmltext_depth_bound(const char *html, size_t len)
{
	size_t depth = 0, most = 0, i, n;

	for (i = 0; i + 1 < len; i++) {
		if (html[i] != '<')
			continue;
		if (html[i + 1] == '/') {
			depth -= depth > 0;
			continue;
		}
		for (n = 0; i + 1 + n < len && (isalnum((unsigned char)
		    html[i + 1 + n])); n++)
			;
		if (n > 0 && nests(html + i + 1, n) && ++depth > most)
			most = depth;
	}
	return most;
}
