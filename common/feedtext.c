/*
 * feedtext: trimming, RSS author names, base64.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "feedtext.h"
#include "xmalloc.h"

bool
feedtext_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Trims XML white space; returns a new string or NULL when empty. */
char *
feedtext_trim(const char *s, size_t len)
{
	while (len > 0 && feedtext_is_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && feedtext_is_space(s[len - 1]))
		len--;
	return len > 0 ? xstrndup(s, len) : NULL;
}

static bool
email_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' ||
	    c == '+';
}

/*
 * The name in an RSS author string: "me@example.com (Name)",
 * "Name (me@example.com)", "Name <me@example.com>" and "Name
 * me@example.com" all give "Name" (feedparser's rule: drop the address,
 * then the brackets around it). A bare address stays as it is.
 */
char *
feedtext_author_name(char *s)
{
	char *at, *start, *end, *name;
	struct buf b;
	size_t i, len;

	if ((at = strchr(s, '@')) == NULL || at == s)
		return s;
	for (start = at; start > s && email_char(start[-1]); start--)
		;
	for (end = at + 1; email_char(*end); end++)
		;
	if (start == at || end == at + 1 || memchr(at, '.', end - at) == NULL)
		return s;
	buf_init(&b);
	if (start - s >= 7 && strncasecmp(start - 7, "mailto:", 7) == 0)
		start -= 7;
	buf_append(&b, s, start - s);
	buf_puts(&b, end);
	/* Remove the brackets the address sat in. */
	for (i = 0; i + 1 < b.len; i++) {
		if ((b.data[i] == '(' && b.data[i + 1] == ')') ||
		    (b.data[i] == '<' && b.data[i + 1] == '>')) {
			memmove(b.data + i, b.data + i + 2, b.len - i - 1);
			b.len -= 2;
			break;
		}
	}
	name = b.data;
	len = b.len;
	while (len > 0 && feedtext_is_space(*name)) {
		name++;
		len--;
	}
	while (len > 0 && feedtext_is_space(name[len - 1]))
		len--;
	if (len > 0 && *name == '(') {
		name++;
		len--;
	}
	if (len > 0 && name[len - 1] == ')')
		len--;
	name = feedtext_trim(name, len);
	buf_free(&b);
	if (name == NULL)
		return s;
	free(s);
	return name;
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Base64 in place; false if s is not base64 (then s is unchanged). */
bool
feedtext_base64_decode(struct buf *b)
{
	struct buf out;
	uint32_t acc = 0;
	int bits = 0, v;
	size_t i;

	buf_init(&out);
	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		if (feedtext_is_space((char)c))
			continue;
		if (c == '=')
			break;
		if ((v = b64val(c)) < 0) {
			buf_free(&out);
			return false;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(&out, (char)(acc >> bits & 0xff));
		}
	}
	/* Decoded bytes must be text: keep the original otherwise. */
	if (charset_utf8_clean_prefix((unsigned char *)out.data, out.len) !=
	    out.len) {
		buf_free(&out);
		return false;
	}
	buf_free(b);
	*b = out;
	return true;
}

