/*
 * test_charset: a small feed in every encoding family reaches the model as
 * the right UTF-8: UTF-8 (with and without BOM), UTF-16 and UTF-32 (both
 * byte orders, with and without BOM), ISO-8859-x and windows-125x through
 * Expat's unknown-encoding handler, KOI8-R/U, multi-byte East Asian
 * charsets through whole-stream transcoding, and the undeclared or
 * mislabelled Latin-1 that is read byte by byte as windows-1252. Every
 * document is also pushed one byte at a time.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "feed.h"
#include "tap.h"

/* Converts UTF-8 s to charset cs; false if iconv cannot. */
static bool
encode(const char *cs, const char *s, struct buf *out)
{
	char *in = (char *)s, *o;
	size_t inleft = strlen(s), outleft;
	iconv_t cd;

	if ((cd = iconv_open(cs, "UTF-8")) == (iconv_t)-1)
		return false;
	buf_reserve(out, inleft * 4 + 16);
	o = out->data + out->len;
	outleft = out->cap - out->len - 1;
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		iconv_close(cd);
		return false;
	}
	out->len = o - out->data;
	iconv_close(cd);
	return true;
}

struct result {
	char	*title;
	char	*item;
	char	*error;
};

static void
parse(const struct buf *doc, size_t chunk, struct result *r)
{
	struct feed_doc *d;

	d = feed_doc_parse_chunked(doc->data, doc->len, NULL, chunk);
	r->title = d->header.title != NULL ? strdup(d->header.title) : NULL;
	r->item = d->nentries > 0 && d->entries[d->nentries - 1].title !=
	    NULL ? strdup(d->entries[d->nentries - 1].title) : NULL;
	r->error = d->error != NULL ? strdup(d->error) : NULL;
	feed_doc_free(d);
}

static void
result_free(struct result *r)
{
	free(r->title);
	free(r->item);
	free(r->error);
}

/* Builds the feed in charset cs (label in the declaration), checks both. */
static void
family(const char *cs, const char *label, const char *bom, size_t bomlen,
    const char *title, const char *item)
{
	struct buf doc, xml;
	struct result r;
	size_t chunk;
	char *src;

	buf_init(&xml);
	if (label != NULL)
		buf_printf(&xml, "<?xml version=\"1.0\" encoding=\"%s\"?>\n",
		    label);
	buf_printf(&xml, "<rss version=\"2.0\"><channel><title>%s</title>"
	    "<item><title>%s</title></item></channel></rss>\n", title, item);
	src = buf_detach(&xml);
	buf_init(&doc);
	buf_append(&doc, bom, bomlen);
	if (!encode(cs, src, &doc)) {
		ok(true, "%s # SKIP iconv cannot encode it", cs);
		free(src);
		buf_free(&doc);
		return;
	}
	for (chunk = doc.len; chunk > 0; chunk = chunk == 1 ? 0 : 1) {
		parse(&doc, chunk, &r);
		if (!ok(r.error == NULL, "%s (%s), %s: parses", cs,
		    label ? label : "undeclared", chunk == 1 ? "byte by byte" :
		    "one push"))
			diag("%s", r.error);
		is_str(r.title, title, "channel title");
		is_str(r.item, item, "item title");
		result_free(&r);
	}
	free(src);
	buf_free(&doc);
}

/* Raw bytes, for documents no encoder would write. */
static void
raw(const char *what, const char *bytes, const char *want_title)
{
	struct buf doc;
	struct result r;

	buf_init(&doc);
	buf_puts(&doc, bytes);
	parse(&doc, doc.len, &r);
	if (!ok(r.error == NULL, "%s: parses", what))
		diag("%s", r.error);
	is_str(r.title, want_title, what);
	result_free(&r);
	parse(&doc, 1, &r);
	is_str(r.title, want_title, "... byte by byte");
	result_free(&r);
	buf_free(&doc);
}

int
main(void)
{
	static const char ru[] = "Новый цитатник Рунета",
	    uk[] = "Коаліція охочих: ґанок, їжак, Єва",
	    de[] = "Grüße aus Köln – „Straße“",
	    fr[] = "Déjà vu, cœur à l’été",
	    pl[] = "Zażółć gęślą jaźń",
	    el[] = "Καλημέρα κόσμε",
	    ja[] = "日本語のニュース",
	    zh[] = "中文新闻标题",
	    zht[] = "中文新聞標題",
	    ko[] = "한국어 뉴스",
	    emoji[] = "emoji 🎉 and ✓";
	int map[256];
	bool mb = true;

	/* A final push without data: no arithmetic on its NULL pointer. */
	ok(charset_utf8_clean_prefix_mb(NULL, 0, &mb) == 0 && !mb,
	    "an empty, NULL chunk is a clean prefix of 0 bytes");

	family("UTF-8", NULL, "", 0, ru, emoji);
	family("UTF-8", "utf-8", "", 0, uk, emoji);
	family("UTF-8", "UTF-8", "\xef\xbb\xbf", 3, de, ja);
	family("UTF-16LE", "utf-16", "\xff\xfe", 2, ru, emoji);
	family("UTF-16BE", "utf-16", "\xfe\xff", 2, uk, emoji);
	family("UTF-16LE", "utf-16", "", 0, ja, ko);
	family("UTF-16BE", NULL, "", 0, zh, emoji);
	family("UTF-32LE", "utf-32", "\xff\xfe\0\0", 4, ru, emoji);
	family("UTF-32BE", "utf-32", "\0\0\xfe\xff", 4, ja, emoji);
	family("UTF-32LE", "utf-32", "", 0, uk, zh);
	family("ISO-8859-1", "iso-8859-1", "", 0, "Grüße aus Köln",
	    "Déjà vu");
	family("WINDOWS-1252", "iso-8859-1", "", 0, de, fr);
	family("WINDOWS-1252", "windows-1252", "", 0, de, fr);
	family("ISO-8859-2", "iso-8859-2", "", 0, pl, pl);
	family("WINDOWS-1250", "windows-1250", "", 0, pl, pl);
	family("ISO-8859-5", "iso-8859-5", "", 0, ru, ru);
	family("ISO-8859-7", "iso-8859-7", "", 0, el, el);
	family("ISO-8859-15", "ISO-8859-15", "", 0, "Prix 20 €", "Œuvre déjà vue");
	family("WINDOWS-1251", "windows-1251", "", 0, ru, uk);
	family("WINDOWS-1251", "Windows-1251", "", 0, uk, ru);
	family("KOI8-R", "koi8-r", "", 0, ru, ru);
	family("KOI8-U", "KOI8-U", "", 0, uk, uk);
	family("CP866", "cp866", "", 0, ru, ru);
	family("SHIFT_JIS", "Shift_JIS", "", 0, ja, ja);
	family("EUC-JP", "euc-jp", "", 0, ja, ja);
	family("ISO-2022-JP", "iso-2022-jp", "", 0, ja, ja);
	family("GB2312", "gb2312", "", 0, zh, zh);
	family("GBK", "gbk", "", 0, zh, zh);
	family("GB18030", "gb18030", "", 0, zh, emoji);
	family("BIG5", "big5", "", 0, zht, zht);
	family("EUC-KR", "euc-kr", "", 0, ko, ko);

	/* undeclared Latin-1: not UTF-8, read byte by byte as windows-1252 */
	raw("undeclared Latin-1",
	    "<rss><channel><title>Cr\xe8me br\xfbl\xe9" "e \x93quoted\x94"
	    "</title></channel></rss>", "Crème brûlée “quoted”");
	raw("undeclared Latin-1, a byte pair that looks like UTF-8 later",
	    "<rss><channel><title>Cr\xe8me \xab\xa0" "dou\xe9\xa0\xbb</title>"
	    "</channel></rss>", "Crème «\u00a0doué\u00a0»");
	raw("UTF-8 declared, Latin-1 bytes",
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel><title>"
	    "na\xefve caf\xe9</title></channel></rss>", "naïve café");
	raw("mixed UTF-8 and Latin-1",
	    "<rss><channel><title>caf\xc3\xa9 caf\xe9</title></channel></rss>",
	    "café café");
	raw("control characters XML forbids are dropped",
	    "<rss><channel><title>a\x01" "b\x0b" "c\x1f" "d</title></channel>"
	    "</rss>", "abcd");
	raw("unknown label: read as UTF-8",
	    "<?xml version=\"1.0\" encoding=\"x-no-such-charset\"?><rss>"
	    "<channel><title>ok \xc3\xa9</title></channel></rss>", "ok é");
	raw("UTF-16 label on an 8-bit document",
	    "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><channel><title>"
	    "plain</title></channel></rss>", "plain");

	ok(charset_single_byte_map("KOI8-R", map) == 0 && map[0xc1] ==
	    0x0430, "KOI8-R table: 0xC1 is U+0430");
	ok(charset_single_byte_map("SHIFT_JIS", map) == -1,
	    "Shift_JIS is not single-byte");
	ok(charset_single_byte_map("IBM037", map) == -1,
	    "EBCDIC is not ASCII-compatible");
	return tap_done();
}
