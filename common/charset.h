/*
 * charset: getting any feed's bytes to UTF-8 for Expat.
 *
 * charset_sniff() reads the start of a document (byte order mark, then the
 * XML declaration) and picks one of three roads:
 *  - UTF-8 (also undeclared, US-ASCII, and unknown labels): bytes go to
 *    Expat through the UTF-8 repair filter, which passes valid UTF-8
 *    untouched, reads each byte that is not valid UTF-8 as windows-1252
 *    (documents served as Latin-1 without saying so), and drops the C0
 *    control characters XML forbids;
 *  - UTF-16: Expat reads it natively;
 *  - a single-byte charset iconv knows (windows-125x, KOI8-R/U, ISO-8859-x,
 *    and ISO-8859-1 read as its superset windows-1252): Expat's
 *    unknown-encoding handler gets a 256-entry table built with iconv;
 *  - anything else iconv knows (UTF-32, Shift_JIS, EUC-*, GB18030, Big5):
 *    the whole stream is transcoded to UTF-8 with iconv first.
 * None of this logs; callers report.
 */
#ifndef FEEDD_CHARSET_H
#define FEEDD_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <expat.h>

#include "buf.h"

enum charset_road {
	CHARSET_UTF8,
	CHARSET_UTF16,
	CHARSET_SINGLE_BYTE,
	CHARSET_TRANSCODE,
};

struct charset_choice {
	enum charset_road road;
	char	name[48];	/* Expat's name for UTF16, iconv's otherwise */
	char	declared[48];	/* what the document said, "" if nothing */
	bool	bom;		/* it started with a byte order mark */
};

/* How many leading bytes charset_sniff() wants before it decides. */
#define CHARSET_SNIFF_LEN	1024

void	charset_sniff(const void *head, size_t len, struct charset_choice *ret);

/*
 * Fills map (code point per byte, -1 for bytes the charset leaves
 * undefined). 0 if name is a single-byte charset whose ASCII range is ASCII
 * (what Expat requires), -1 otherwise.
 */
int	charset_single_byte_map(const char *name, int map[256]);

/* XML_UnknownEncodingHandler for single-byte charsets. */
int	charset_expat_handler(void *data, const XML_Char *name,
	    XML_Encoding *info);

/*
 * Length of the longest prefix of s that the repair filter would pass
 * unchanged: valid UTF-8, no forbidden control characters, no truncated
 * sequence at the end.
 */
size_t	charset_utf8_clean_prefix(const unsigned char *s, size_t len);
/* The same; *ret_multibyte is set if the prefix holds non-ASCII. */
size_t	charset_utf8_clean_prefix_mb(const unsigned char *s, size_t len,
	    bool *ret_multibyte);

/*
 * In a document that declares nothing, the first byte that is not UTF-8
 * decides: if no valid multi-byte sequence came before it, the document is
 * taken to be windows-1252 from there on (Latin-1 served without a label,
 * where a pair like "é»" would otherwise pass for a CJK character);
 * otherwise it is UTF-8 with stray bytes, repaired one by one. Both depend
 * only on the byte order, never on how the input was chunked.
 */
struct charset_repair {
	unsigned char tail[4];	/* a sequence cut by a chunk boundary */
	size_t	 ntail;
	int	 cp1252[256];
	bool	 have_map;
	bool	 undeclared;	/* no BOM, no declaration */
	bool	 seen_utf8;	/* a valid multi-byte sequence went by */
	bool	 latin1;	/* decided: bytes >= 0x80 are windows-1252 */
	/* What it mended, for the parser's warnings. */
	uint64_t mapped;	/* bytes read as windows-1252 */
	uint64_t dropped;	/* control characters dropped */
};

void	charset_repair_init(struct charset_repair *r);
/* Appends the repaired bytes of in to out. */
void	charset_repair_push(struct charset_repair *r, const void *in,
	    size_t len, bool final, struct buf *out);

struct charset_conv;

/* NULL if iconv cannot convert from this charset. */
struct charset_conv *charset_conv_new(const char *from);
/* Appends in as UTF-8 to out; bad sequences become U+FFFD. */
void	charset_conv_push(struct charset_conv *cv, const void *in, size_t len,
	    bool final, struct buf *out);
/* How many bad sequences became U+FFFD so far. */
uint64_t charset_conv_replaced(const struct charset_conv *cv);
void	charset_conv_free(struct charset_conv *cv);

#endif
