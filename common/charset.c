/*
 * charset: byte order marks, the XML declaration, iconv tables and
 * streams, and the UTF-8 repair filter.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "xmalloc.h"

static bool
label_in(const char *label, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcasecmp(label, *set) == 0)
			return true;
	return false;
}

/* The value of encoding="..." in an ASCII-compatible XML declaration. */
static bool
declared_encoding(const char *p, size_t len, char *out, size_t outlen)
{
	const char *end, *q;
	char quote;
	size_t n;

	if (len < 6 || memcmp(p, "<?xml", 5) != 0 ||
	    !isspace((unsigned char)p[5]))
		return false;
	for (end = p + 5; end + 1 < p + len; end++)
		if (end[0] == '?' && end[1] == '>')
			break;
	for (q = p + 5; q + 8 <= end; q++)
		if (memcmp(q, "encoding", 8) == 0)
			break;
	if (q + 8 > end)
		return false;
	q += 8;
	while (q < end && isspace((unsigned char)*q))
		q++;
	if (q >= end || *q++ != '=')
		return false;
	while (q < end && isspace((unsigned char)*q))
		q++;
	if (q >= end || (*q != '"' && *q != '\''))
		return false;
	quote = *q++;
	for (n = 0; q + n < end && q[n] != quote; n++)
		if (!isalnum((unsigned char)q[n]) && strchr("-_.:", q[n]) ==
		    NULL)
			return false;
	if (q + n >= end || n == 0 || n >= outlen)
		return false;
	memcpy(out, q, n);
	out[n] = '\0';
	return true;
}

void
charset_sniff(const void *head, size_t len, struct charset_choice *ret)
{
	static const char *const utf8[] = { "utf-8", "utf8", "us-ascii",
	    "ascii", "ansi_x3.4-1968", "iso-646.irv:1991", NULL };
	static const char *const latin1[] = { "iso-8859-1", "iso8859-1",
	    "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819",
	    "windows-1252", "cp1252", "x-cp1252", NULL };
	const unsigned char *b = head;
	int map[256];
	iconv_t cd;

	memset(ret, 0, sizeof(*ret));
	ret->road = CHARSET_UTF8;
	/*
	 * The same bytes however the input came: a body pushed whole must
	 * not find a "?>" (and an encoding) that a pushed one would not.
	 */
	if (len > CHARSET_SNIFF_LEN)
		len = CHARSET_SNIFF_LEN;
	if (len >= 4 && ((b[0] == 0xff && b[1] == 0xfe && b[2] == 0 &&
	    b[3] == 0) || (b[0] == '<' && b[1] == 0 && b[2] == 0 &&
	    b[3] == 0))) {
		ret->road = CHARSET_TRANSCODE;
		strcpy(ret->name, "UTF-32LE");
		return;
	}
	if (len >= 4 && b[0] == 0 && b[1] == 0 && ((b[2] == 0xfe &&
	    b[3] == 0xff) || (b[2] == 0 && b[3] == '<'))) {
		ret->road = CHARSET_TRANSCODE;
		strcpy(ret->name, "UTF-32BE");
		return;
	}
	if (len >= 2 && ((b[0] == 0xfe && b[1] == 0xff) || (b[0] == 0xff &&
	    b[1] == 0xfe))) {
		ret->road = CHARSET_UTF16;
		strcpy(ret->name, "UTF-16");	/* Expat reads the BOM */
		return;
	}
	if (len >= 2 && ((b[0] == '<' && b[1] == 0) || (b[0] == 0 &&
	    b[1] == '<'))) {
		/* No BOM: say which, whatever label the declaration has. */
		ret->road = CHARSET_UTF16;
		strcpy(ret->name, b[0] == 0 ? "UTF-16BE" : "UTF-16LE");
		return;
	}
	if (len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) {
		ret->bom = true;
		return;		/* a UTF-8 byte order mark beats any label */
	}
	if (!declared_encoding(head, len, ret->declared,
	    sizeof(ret->declared)))
		return;
	if (label_in(ret->declared, utf8) ||
	    strncasecmp(ret->declared, "utf-16", 6) == 0 ||
	    strncasecmp(ret->declared, "utf-32", 6) == 0 ||
	    strncasecmp(ret->declared, "ucs-", 4) == 0)
		return;		/* an 8-bit document mislabelled as wide */
	if (label_in(ret->declared, latin1)) {
		/* What browsers do: C1 bytes in "Latin-1" are windows-1252. */
		ret->road = CHARSET_SINGLE_BYTE;
		strcpy(ret->name, "WINDOWS-1252");
		return;
	}
	if (charset_single_byte_map(ret->declared, map) == 0) {
		ret->road = CHARSET_SINGLE_BYTE;
		strcpy(ret->name, ret->declared);
		return;
	}
	if ((cd = iconv_open("UTF-8", ret->declared)) != (iconv_t)-1) {
		iconv_close(cd);
		ret->road = CHARSET_TRANSCODE;
		strcpy(ret->name, ret->declared);
	}
	/* A label iconv does not know: read it as UTF-8, repaired. */
}

int
charset_single_byte_map(const char *name, int map[256])
{
	iconv_t cd;
	int b, rc = 0;

	if ((cd = iconv_open("UTF-32LE", name)) == (iconv_t)-1)
		return -1;
	for (b = 0; b < 256 && rc == 0; b++) {
		char in = (char)b, *inp = &in;
		unsigned char out[8];
		char *outp = (char *)out;
		size_t inleft = 1, outleft = sizeof(out);

		iconv(cd, NULL, NULL, NULL, NULL);
		if (iconv(cd, &inp, &inleft, &outp, &outleft) == (size_t)-1) {
			if (errno == EINVAL)
				rc = -1;	/* a lead byte: multi-byte */
			map[b] = -1;
		} else if (outleft != sizeof(out) - 4)
			rc = -1;
		else
			map[b] = out[0] | out[1] << 8 | out[2] << 16 |
			    out[3] << 24;
		if (rc == 0 && b < 0x80 && map[b] != b)
			rc = -1;
		if (rc == 0 && map[b] > 0xffff)
			rc = -1;
	}
	iconv_close(cd);
	return rc;
}

int
charset_expat_handler(void *data, const XML_Char *name, XML_Encoding *info)
{
	int i;

	if (charset_single_byte_map(name, info->map) == -1)
		return XML_STATUS_ERROR;
	for (i = 0; i < 256; i++)
		if (info->map[i] == -1)
			info->map[i] = 0xfffd;
	info->data = NULL;
	info->convert = NULL;
	info->release = NULL;
	return XML_STATUS_OK;
}

/*
 * Length of the valid UTF-8 sequence at s (1..4), 0 if invalid, or -n if
 * the n available bytes are a valid but truncated start.
 */
static inline int
utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	uint32_t cp;
	int n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	cp = c & (0x3f >> (n - 1));
	for (i = 1; i < n; i++) {
		if ((size_t)i >= avail)
			return -i;
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
		/* overlong, surrogate or out of range, as early as possible */
		if (i == 1 && ((n == 3 && cp < 0x20) || (n == 3 &&
		    cp >= 0x360 && cp < 0x380) || (n == 4 && cp < 0x10) ||
		    (n == 4 && cp > 0x10f)))
			return 0;
	}
	/* U+FFFE and U+FFFF are not XML characters. */
	if (cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

static bool
forbidden_control(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Any byte >= 0x80, or < 0x20, in an 8-byte word. */
#define HIGH_BITS	0x8080808080808080ULL
#define SPACE_BYTES	0x2020202020202020ULL

size_t
charset_utf8_clean_prefix(const unsigned char *s, size_t len)
{
	bool mb;

	return charset_utf8_clean_prefix_mb(s, len, &mb);
}

size_t
charset_utf8_clean_prefix_mb(const unsigned char *s, size_t len,
    bool *ret_multibyte)
{
	const unsigned char *p = s, *end;
	uint64_t w, m;
	int n;

	*ret_multibyte = false;
	if (len == 0)
		return 0;	/* s may be NULL (a final empty push) */
	end = s + len;
	while (p < end) {
		if (*p < 0x80) {
			if (*p < 0x20 && forbidden_control(*p))
				return p - s;
			p++;
			/* Markup and Latin text: 8 ASCII bytes a step. */
			while (end - p >= 8) {
				memcpy(&w, p, 8);
				if ((w & HIGH_BITS) != 0)
					break;
				/*
				 * Bytes below 0x20 (may over-report above a
				 * real one): newlines and tabs are fine.
				 */
				m = (w - SPACE_BYTES) & ~w & HIGH_BITS;
				for (; m != 0; m &= m - 1)
					if (forbidden_control(p[
					    __builtin_ctzll(m) >> 3]))
						return p - s +
						    (__builtin_ctzll(m) >> 3);
				p += 8;
			}
			continue;
		}
		/* Two-byte sequences (Latin, Cyrillic, Greek...) inline. */
		if (*p >= 0xc2 && *p <= 0xdf) {
			if (end - p < 2 || (p[1] & 0xc0) != 0x80)
				return p - s;
			p += 2;
			*ret_multibyte = true;
			continue;
		}
		if ((n = utf8_seq(p, end - p)) <= 0)
			return p - s;
		p += n;
		*ret_multibyte = true;
	}
	return len;
}

void
charset_repair_init(struct charset_repair *r)
{
	memset(r, 0, sizeof(*r));
}

static void
put_utf8(struct buf *out, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		buf_putc(out, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_append(out, u, 2);
	} else {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_append(out, u, 3);
	}
}

static void
repair_bytes(struct charset_repair *r, const unsigned char *s, size_t len,
    bool final, struct buf *out)
{
	size_t i = 0, clean;
	bool mb;
	int n;

	while (i < len) {
		if (r->latin1) {
			if (s[i] >= 0x80)
				goto map;
			if (!forbidden_control(s[i]))
				buf_putc(out, (char)s[i]);
			else
				r->dropped++;
			i++;
			continue;
		}
		clean = charset_utf8_clean_prefix_mb(s + i, len - i, &mb);
		buf_append(out, s + i, clean);
		r->seen_utf8 |= mb;
		i += clean;
		if (i == len)
			break;
		n = utf8_seq(s + i, len - i);
		if (n < 0 && !final) {
			/* Cut by the chunk boundary: finish it next time. */
			memcpy(r->tail, s + i, len - i);
			r->ntail = len - i;
			return;
		}
		if (forbidden_control(s[i])) {
			r->dropped++;
			i++;
			continue;
		}
		if (r->undeclared && !r->seen_utf8)
			r->latin1 = true;
map:
		if (!r->have_map) {
			if (charset_single_byte_map("WINDOWS-1252",
			    r->cp1252) == -1)
				memset(r->cp1252, 0xff, sizeof(r->cp1252));
			r->have_map = true;
		}
		/* Bytes windows-1252 leaves undefined keep their C1 value. */
		put_utf8(out, r->cp1252[s[i]] > 0 ? (uint32_t)r->cp1252[s[i]] :
		    s[i]);
		r->mapped++;
		i++;
	}
}

void
charset_repair_push(struct charset_repair *r, const void *in, size_t len,
    bool final, struct buf *out)
{
	struct buf join;

	if (r->ntail == 0) {
		repair_bytes(r, in, len, final, out);
		return;
	}
	/* A sequence the previous chunk cut: rejoin it (rare, small). */
	buf_init(&join);
	buf_append(&join, r->tail, r->ntail);
	buf_append(&join, in, len);
	r->ntail = 0;
	repair_bytes(r, (unsigned char *)join.data, join.len, final, out);
	buf_free(&join);
}

struct charset_conv {
	iconv_t	 cd;
	char	 tail[16];
	size_t	 ntail;
	uint64_t replaced;
};

struct charset_conv *
charset_conv_new(const char *from)
{
	struct charset_conv *cv;
	iconv_t cd;

	if ((cd = iconv_open("UTF-8", from)) == (iconv_t)-1)
		return NULL;
	cv = xcalloc(1, sizeof(*cv));
	cv->cd = cd;
	return cv;
}

static void
conv_run(struct charset_conv *cv, const char *in, size_t len, bool final,
    struct buf *out)
{
	char *inp = (char *)in, *outp;
	size_t inleft = len, outleft, r;

	if (final) {
		/* Stateful charsets (ISO-2022-*) end with a reset sequence. */
		conv_run(cv, in, len, false, out);
		if (cv->ntail > 0) {
			buf_append(out, "\xef\xbf\xbd", 3);
			cv->replaced++;
			cv->ntail = 0;
		}
		buf_reserve(out, 16);
		outp = out->data + out->len;
		outleft = out->cap - out->len - 1;
		iconv(cv->cd, NULL, NULL, &outp, &outleft);
		out->len = outp - out->data;
		out->data[out->len] = '\0';
		return;
	}
	while (inleft > 0) {
		buf_reserve(out, inleft * 4 + 16);
		outp = out->data + out->len;
		outleft = out->cap - out->len - 1;
		r = iconv(cv->cd, &inp, &inleft, &outp, &outleft);
		out->len = outp - out->data;
		out->data[out->len] = '\0';
		if (r != (size_t)-1)
			continue;
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL && !final && inleft < sizeof(cv->tail)) {
			memcpy(cv->tail, inp, inleft);
			cv->ntail = inleft;
			return;
		}
		/* EILSEQ, or truncated at the very end */
		buf_append(out, "\xef\xbf\xbd", 3);
		cv->replaced++;
		inp++;
		inleft--;
	}
}

void
charset_conv_push(struct charset_conv *cv, const void *in, size_t len,
    bool final, struct buf *out)
{
	struct buf join;

	if (cv->ntail == 0) {
		conv_run(cv, in, len, final, out);
		return;
	}
	buf_init(&join);
	buf_append(&join, cv->tail, cv->ntail);
	buf_append(&join, in, len);
	cv->ntail = 0;
	conv_run(cv, join.data, join.len, final, out);
	buf_free(&join);
}

uint64_t
charset_conv_replaced(const struct charset_conv *cv)
{
	return cv != NULL ? cv->replaced : 0;
}

void
charset_conv_free(struct charset_conv *cv)
{
	if (cv == NULL)
		return;
	iconv_close(cv->cd);
	free(cv);
}
