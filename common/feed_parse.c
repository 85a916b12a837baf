/*
 * feed_parse: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through Expat into the
 * neutral model; JSON Feed, told apart by its first character, goes to
 * jsonfeed.c whole.
 *
 * Expat runs without its namespace processing: a feed that uses a prefix it
 * never declared (media:, itunes:) is fatal under it, and feeds do that. The
 * parser keeps its own stack of xmlns bindings instead and asks vocab.c
 * what each namespace and element means.
 *
 * Input goes through charset.c (to UTF-8), is held back against Expat
 * 2.5's quadratic rescans, and, when Expat finds a bare '&' or '<', the
 * document is read a second time through xmlfix.c without delivering
 * anything twice.
 *
 * A field is only read from a direct child of its container (channel or
 * feed, item or entry, Atom person), so the titles of <image>, <textInput>
 * and Atom <source> never leak into the feed or the entry.
 */
#define XML_DTD 1	/* expat <= 2.5 hides the amplification setters */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>

#include "buf.h"
#include "charset.h"
#include "date.h"
#include "feed.h"
#include "feed_repair.h"
#include "feedtext.h"
#include "html_entities.h"
#include "jsonfeed.h"
#include "url.h"
#include "vocab.h"
#include "xmlfix.h"
#include "xmalloc.h"

enum field {
	F_NONE,
	F_TITLE, F_LINK, F_SUBTITLE, F_SUMMARY, F_CONTENT, F_ID, F_GUID,
	F_PUBLISHED, F_UPDATED, F_AUTHOR, F_NAME, F_CATEGORY, F_LANGUAGE,
	F_TTL, F_SY_PERIOD, F_SY_FREQ, F_ALTLINK,
};

/* Which value wins when a field appears twice: slot per field. */
enum slot {
	S_TITLE, S_SUBTITLE, S_CONTENT, S_ID, S_PUBLISHED, S_UPDATED,
	S_AUTHOR, S_LANGUAGE, S_MAX
};

/* Priorities: fallbacks (iTunes, Media RSS, xml:lang) lose to the rest. */
#define PRIO_FALLBACK	1
#define PRIO_NORMAL	2

enum role { R_NONE, R_ROOT, R_FEED, R_ENTRY, R_PERSON };
enum scope { SC_FEED, SC_ENTRY };

enum mode { M_PLAIN, M_MARKUP, M_BASE64 };

struct binding {
	char	*prefix;	/* "" for the default namespace */
	enum vocab_ns	 ns;
	int	 depth;
};

struct frame {
	char	*base;		/* effective base URL; may be NULL */
	bool	 own_base;
	bool	 xml_base;	/* an xml:base is in scope */
	char	*lang;
	bool	 own_lang;
	enum role role;
	enum scope person_scope;
	unsigned char endtag;	/* serialised content: 0 none, 1 raw, 2 local */
};

/* Links seen in a feed or entry, resolved; chosen when it ends. */
struct links {
	char	*text;		/* RSS <link> */
	char	*alt_html;	/* first alternate of an HTML type */
	char	*alt_any;	/* first alternate */
	char	*guid;		/* permalink guid */
	char	*about;		/* rdf:about */
};

struct capture {
	enum field field;
	enum scope scope;
	int	 depth;
	enum mode mode;
	int	 prio;
	bool	 may_markup;	/* plain text that may hold naked markup */
	bool	 strip_wrapper;	/* Atom 1.0 xhtml: drop the outer div */
	bool	 html_div;	/* Atom 1.0 text/html wrapped in a div */
	bool	 wrapper_seen;
	bool	 permalink;
	bool	 truncated;
	unsigned long line;	/* of its start tag, for the warnings */
	const char *base;	/* borrowed from the field's frame */
	bool	 xml_base;
};

struct feed_parser {
	XML_Parser xp;
	struct feed_parser_cb cb;
	void	*arg;
	char	*doc_url;

	/* input stage */
	enum { K_UNDECIDED, K_XML, K_JSON } kind;
	bool	 json_forced;	/* Content-Type: application/feed+json */
	struct buf json;	/* a JSON document, until the final push */
	bool	 started;
	struct buf head;	/* bytes held back until the charset is known */
	struct charset_choice cs;
	struct charset_repair repair;
	struct charset_conv *conv;
	struct buf convbuf;
	struct buf pending;	/* deferred input, see xml_feed() */
	size_t	 defer;
	uint64_t fed;
	bool	 subset_read;

	/* document state */
	enum feed_format format;
	bool	 atomish;
	bool	 rdf;
	char	*root_uri;
	struct binding *bind;
	size_t	 nbind, bindcap;
	struct frame *frames;
	int	 depth;
	int	 framecap;

	struct feed_header header;
	unsigned char hprio[S_MAX];
	struct links hlinks;
	bool	 header_sent;
	int64_t	 sy_period_s;
	int64_t	 sy_freq;

	bool	 in_entry;
	int	 entry_depth;
	struct feed_entry entry;
	unsigned char eprio[S_MAX];
	struct links elinks;
	size_t	 nentries;

	struct capture cap;
	bool	 capturing;
	struct buf text;

	/* second reading with xmlfix, after Expat found the first broken */
	struct buf kept;	/* input so far, while a retry is possible */
	bool	 keep_off;	/* too much to keep, or already retried */
	bool	 retry;		/* the failure is one xmlfix may mend */
	bool	 fixing;
	struct xmlfix xfix;
	struct buf fixbuf;
	size_t	 skip_entries;	/* delivered by the first reading */
	bool	 skip_header;

	struct feed_repairs rep;
	char	**warnings;	/* feed_parser_warnings(), made once */
	size_t	 nwarnings;
	bool	 warned;

	bool	 root_closed;
	bool	 done;		/* the root element closed, ignore the rest */
	bool	 failed;
	bool	 caller_stop;	/* on_entry said stop: not a repair */
	const char *stop_reason;
	char	 reason[128];
	char	*error;
};

static void	stop(struct feed_parser *, const char *);

/* ---- small helpers ---------------------------------------------------- */

static size_t
trimmed_len(const struct buf *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->len; i++)
		if (!feedtext_is_space(b->data[i]))
			n++;
	return n;
}

static const char *
attr(const XML_Char **atts, const char *name)
{
	const char *colon;

	for (; atts[0] != NULL; atts += 2) {
		if (strcmp(atts[0], name) == 0)
			return atts[1];
		/* rdf:about, atom:href ... whatever the prefix */
		if ((colon = strchr(atts[0], ':')) != NULL &&
		    strcmp(colon + 1, name) == 0 &&
		    strncmp(atts[0], "xml", 3) != 0)
			return atts[1];
	}
	return NULL;
}

/* xml:lang as a language: NULL when absent or empty (xml:lang=""). */
static char *
lang_dup(const char *lang)
{
	return lang != NULL && *lang != '\0' ? xstrdup(lang) : NULL;
}

static void
replace(char **slot, char *value)
{
	free(*slot);
	*slot = value;
}

/* Sets a string field by priority; takes value. */
static void
set_text(char **slot, unsigned char *prio, char *value, int p,
    bool last_wins)
{
	if (value == NULL)
		return;
	if (p > *prio || (p == *prio && last_wins)) {
		replace(slot, value);
		*prio = (unsigned char)p;
	} else
		free(value);
}

static void
set_date(int64_t *slot, unsigned char *prio, int64_t t, int p)
{
	if (t == FEED_TIME_NONE || p < *prio)
		return;
	*slot = t;
	*prio = (unsigned char)p;
}

static void
links_clear(struct links *l)
{
	free(l->text);
	free(l->alt_html);
	free(l->alt_any);
	free(l->guid);
	free(l->about);
	memset(l, 0, sizeof(*l));
}

static char *
links_choose(const struct links *l)
{
	if (l->text != NULL)
		return xstrdup(l->text);
	if (l->alt_html != NULL)
		return xstrdup(l->alt_html);
	if (l->alt_any != NULL)
		return xstrdup(l->alt_any);
	if (l->guid != NULL)
		return xstrdup(l->guid);
	return NULL;
}

/* ---- namespaces ------------------------------------------------------- */

static enum vocab_ns
ns_from_uri(struct feed_parser *p, const char *uri)
{
	enum vocab_ns ns = vocab_ns_from_uri(uri);

	if (ns != VOCAB_NS_OTHER)
		return ns;
	if (p->root_uri != NULL && strcmp(uri, p->root_uri) == 0)
		return VOCAB_NS_ROOT;
	/* The root element's namespace is read as the core vocabulary. */
	if (p->depth == 1 && p->root_uri == NULL) {
		p->root_uri = xstrdup(uri);
		return VOCAB_NS_ROOT;
	}
	return VOCAB_NS_OTHER;
}

static void
bind_push(struct feed_parser *p, const char *prefix, const char *uri)
{
	if (p->nbind == p->bindcap) {
		p->bindcap = p->bindcap ? p->bindcap * 2 : 16;
		p->bind = xreallocarray(p->bind, p->bindcap,
		    sizeof(*p->bind));
	}
	p->bind[p->nbind].prefix = xstrdup(prefix);
	p->bind[p->nbind].ns = ns_from_uri(p, uri);
	p->bind[p->nbind].depth = p->depth;
	p->nbind++;
}

static enum vocab_ns
ns_lookup(struct feed_parser *p, const char *prefix, size_t len)
{
	size_t i;

	for (i = p->nbind; i > 0; i--) {
		const char *bp = p->bind[i - 1].prefix;

		if (strlen(bp) == len && memcmp(bp, prefix, len) == 0)
			return p->bind[i - 1].ns;
	}
	if (len == 0)
		return VOCAB_NS_NONE;
	return vocab_ns_from_prefix(prefix, len);
}

/* Splits "prefix:local"; returns the namespace, *local points into name. */
static enum vocab_ns
resolve(struct feed_parser *p, const char *name, const char **local)
{
	const char *colon = strchr(name, ':');

	if (colon == NULL) {
		*local = name;
		return ns_lookup(p, "", 0);
	}
	*local = colon + 1;
	return ns_lookup(p, name, colon - name);
}

/* ---- text capture ----------------------------------------------------- */

static void
text_add(struct feed_parser *p, const char *s, size_t len)
{
	size_t room;

	if (p->cap.truncated)
		return;
	room = FEED_MAX_TEXT - p->text.len;
	if (len > room) {
		/* Cut at a character boundary. */
		while (room > 0 && ((unsigned char)s[room] & 0xc0) == 0x80)
			room--;
		len = room;
		p->cap.truncated = true;
		feed_repairs_note(&p->rep, FEED_REPAIR_CUT, 1, p->cap.line);
	}
	buf_append(&p->text, s, len);
}

static void
text_add_escaped(struct feed_parser *p, const char *s, size_t len,
    bool in_attr)
{
	size_t i, start = 0;
	const char *rep;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = in_attr ? "&quot;" : NULL;
			break;
		default:
			rep = NULL;
		}
		if (rep == NULL)
			continue;
		text_add(p, s + start, i - start);
		text_add(p, rep, strlen(rep));
		start = i + 1;
	}
	text_add(p, s + start, len - start);
}

static void
capture_start(struct feed_parser *p, enum field f, enum scope sc,
    enum mode mode, bool may_markup, int prio)
{
	struct frame *fr = &p->frames[p->depth - 1];

	memset(&p->cap, 0, sizeof(p->cap));
	p->cap.field = f;
	p->cap.scope = sc;
	p->cap.depth = p->depth;
	p->cap.mode = mode;
	p->cap.may_markup = may_markup;
	p->cap.prio = prio;
	p->cap.base = fr->base;
	p->cap.xml_base = fr->xml_base;
	p->cap.line = (unsigned long)XML_GetCurrentLineNumber(p->xp);
	p->capturing = true;
	buf_reset(&p->text);
}

/* Atom text constructs: type="text|html|xhtml|MIME", 0.3 mode="...". */
static void
capture_text_construct(struct feed_parser *p, enum field f, enum scope sc,
    const XML_Char **atts, enum vocab_ns ns, int prio)
{
	const char *type = attr(atts, "type"), *mode = attr(atts, "mode");
	bool atom10 = ns == VOCAB_NS_ATOM10 || (ns != VOCAB_NS_ATOM03 &&
	    p->format == FEED_FORMAT_ATOM10);
	size_t tl;

	if (mode != NULL && strcasecmp(mode, "base64") == 0) {
		capture_start(p, f, sc, M_BASE64, false, prio);
		return;
	}
	if (type != NULL && (strcasecmp(type, "xhtml") == 0 || (atom10 &&
	    strcasecmp(type, "application/xhtml+xml") == 0))) {
		capture_start(p, f, sc, M_MARKUP, false, prio);
		p->cap.strip_wrapper = atom10;
		return;
	}
	if (mode != NULL || type == NULL) {
		capture_start(p, f, sc, M_PLAIN, true, prio);
		p->cap.html_div = atom10;
		return;
	}
	tl = strlen(type);
	if (strcasecmp(type, "text") == 0 ||
	    strcasecmp(type, "html") == 0 ||
	    strncasecmp(type, "text/", 5) == 0) {
		capture_start(p, f, sc, M_PLAIN, true, prio);
		p->cap.html_div = atom10;
	}
	else if ((tl > 4 && strcasecmp(type + tl - 4, "+xml") == 0) ||
	    (tl > 4 && strcasecmp(type + tl - 4, "/xml") == 0))
		capture_start(p, f, sc, atom10 ? M_MARKUP : M_PLAIN, !atom10,
		    prio);
	else if (atom10)
		capture_start(p, f, sc, M_BASE64, false, prio);
	else
		capture_start(p, f, sc, M_PLAIN, true, prio);
}

static void
add_category(struct feed_parser *p, char *term)
{
	struct feed_entry *e = &p->entry;

	if (term == NULL)
		return;
	if (e->ncategories >= FEED_MAX_LIST) {
		feed_repairs_note(&p->rep, FEED_REPAIR_LIST, 1,
		    (unsigned long)XML_GetCurrentLineNumber(p->xp));
		free(term);
		return;
	}
	e->categories = xreallocarray(e->categories, e->ncategories + 1,
	    sizeof(*e->categories));
	e->categories[e->ncategories++] = term;
}

static void
add_enclosure(struct feed_parser *p, const char *url, const char *type,
    const char *length)
{
	struct feed_entry *e = &p->entry;
	struct feed_enclosure *enc;
	char *abs, *end;
	long long n;
	size_t i;

	if (url == NULL || *url == '\0')
		return;
	abs = url_resolve(p->frames[p->depth - 1].base, url);
	for (i = 0; i < e->nenclosures; i++) {
		if (strcmp(e->enclosures[i].url, abs) == 0) {
			/* Media RSS repeating an <enclosure>: fill gaps. */
			if (e->enclosures[i].type == NULL && type != NULL &&
			    *type != '\0')
				e->enclosures[i].type = xstrdup(type);
			free(abs);
			return;
		}
	}
	if (e->nenclosures >= FEED_MAX_LIST) {
		feed_repairs_note(&p->rep, FEED_REPAIR_LIST, 1,
		    (unsigned long)XML_GetCurrentLineNumber(p->xp));
		free(abs);
		return;
	}
	e->enclosures = xreallocarray(e->enclosures, e->nenclosures + 1,
	    sizeof(*e->enclosures));
	enc = &e->enclosures[e->nenclosures++];
	enc->url = abs;
	enc->type = type != NULL && *type != '\0' ? xstrdup(type) : NULL;
	enc->length = -1;
	if (length != NULL) {
		n = strtoll(length, &end, 10);
		if (end != length && n >= 0)
			enc->length = n;
	}
}

static bool
html_type(const char *type)
{
	return type == NULL || strcasecmp(type, "text/html") == 0 ||
	    strcasecmp(type, "application/xhtml+xml") == 0;
}

/* Atom <link rel= type= href=>. */
static void
atom_link(struct feed_parser *p, enum scope sc, const XML_Char **atts)
{
	const char *rel = attr(atts, "rel"), *type = attr(atts, "type");
	const char *href = attr(atts, "href");
	struct links *l = sc == SC_ENTRY ? &p->elinks : &p->hlinks;

	if (href == NULL)
		return;
	if (rel != NULL && strcasecmp(rel, "enclosure") == 0) {
		if (sc == SC_ENTRY)
			add_enclosure(p, href, type, attr(atts, "length"));
		return;
	}
	/* WebSub discovery (W3C WebSub 4): the first hub, and self. */
	if (rel != NULL && sc != SC_ENTRY && strcasecmp(rel, "hub") == 0) {
		if (p->header.hub == NULL)
			p->header.hub = url_resolve(
			    p->frames[p->depth - 1].base, href);
		return;
	}
	if (rel != NULL && sc != SC_ENTRY && strcasecmp(rel, "self") == 0) {
		if (p->header.self == NULL)
			p->header.self = url_resolve(
			    p->frames[p->depth - 1].base, href);
		return;
	}
	if (rel != NULL && strcasecmp(rel, "alternate") != 0)
		return;
	if (l->alt_any == NULL)
		l->alt_any = url_resolve(p->frames[p->depth - 1].base, href);
	if (l->alt_html == NULL && html_type(type))
		l->alt_html = url_resolve(p->frames[p->depth - 1].base, href);
}

static void
capture_end(struct feed_parser *p)
{
	struct capture *c = &p->cap;
	bool entry = c->scope == SC_ENTRY;
	unsigned char *prio = entry ? p->eprio : p->hprio;
	struct feed_entry *e = &p->entry;
	struct feed_header *h = &p->header;
	struct links *l = entry ? &p->elinks : &p->hlinks;
	char *v, *end;
	long long n;

	p->capturing = false;
	if (c->mode == M_BASE64)
		feedtext_base64_decode(&p->text);
	v = feedtext_trim(p->text.data, p->text.len);
	if (v == NULL)
		return;
	switch (c->field) {
	case F_TITLE:
		set_text(entry ? &e->title : &h->title, &prio[S_TITLE], v,
		    c->prio, true);
		break;
	case F_SUBTITLE:
		set_text(&h->subtitle, &prio[S_SUBTITLE], v, c->prio, true);
		break;
	case F_SUMMARY:
		set_text(&e->summary, &prio[S_SUBTITLE], v, c->prio, true);
		break;
	case F_CONTENT:
		set_text(&e->content, &prio[S_CONTENT], v, c->prio, false);
		break;
	case F_LINK:
		replace(&l->text, url_resolve(c->base, v));
		free(v);
		break;
	case F_ALTLINK:
		/* Atom link with its URL as text: an alternate all the same. */
		if (l->alt_any == NULL)
			l->alt_any = url_resolve(c->base, v);
		if (l->alt_html == NULL)
			l->alt_html = url_resolve(c->base, v);
		free(v);
		break;
	case F_ID:
		/* An Atom id that is a web address doubles as the link. */
		if (strncasecmp(v, "http://", 7) == 0 ||
		    strncasecmp(v, "https://", 8) == 0)
			replace(&l->guid, xstrdup(v));
		set_text(&e->id, &prio[S_ID], v, c->prio, true);
		break;
	case F_GUID:
		/* Permalinks are URLs, relative to xml:base if anything. */
		if (c->permalink && c->xml_base)
			replace(&v, url_resolve(c->base, v));
		if (c->permalink && url_has_scheme(v))
			replace(&l->guid, xstrdup(v));
		set_text(&e->id, &prio[S_ID], v, c->prio, true);
		break;
	case F_PUBLISHED:
		if (entry)
			set_date(&e->published, &prio[S_PUBLISHED],
			    date_parse(v), c->prio);
		free(v);
		break;
	case F_UPDATED:
		set_date(entry ? &e->updated : &h->updated, &prio[S_UPDATED],
		    date_parse(v), c->prio);
		free(v);
		break;
	case F_AUTHOR:
		set_text(entry ? &e->author : &h->author, &prio[S_AUTHOR],
		    feedtext_author_name(v), c->prio, false);
		break;
	case F_NAME:
		set_text(entry ? &e->author : &h->author, &prio[S_AUTHOR], v,
		    c->prio, false);
		break;
	case F_CATEGORY:
		add_category(p, v);
		break;
	case F_LANGUAGE:
		set_text(&h->language, &prio[S_LANGUAGE], v, c->prio, true);
		break;
	case F_TTL:
		n = strtoll(v, &end, 10);
		if (end != v && n > 0 && n < INT64_MAX / 60)
			h->ttl_s = n * 60;
		free(v);
		break;
	case F_SY_PERIOD:
		if (strcasecmp(v, "hourly") == 0)
			p->sy_period_s = 3600;
		else if (strcasecmp(v, "daily") == 0)
			p->sy_period_s = 86400;
		else if (strcasecmp(v, "weekly") == 0)
			p->sy_period_s = 7 * 86400;
		else if (strcasecmp(v, "monthly") == 0)
			p->sy_period_s = 30 * 86400;
		else if (strcasecmp(v, "yearly") == 0)
			p->sy_period_s = 365 * 86400;
		free(v);
		break;
	case F_SY_FREQ:
		n = strtoll(v, &end, 10);
		if (end != v && n > 0 && n < 1000000)
			p->sy_freq = n;
		free(v);
		break;
	case F_NONE:
		free(v);
		break;
	}
}

/* ---- header and entries ----------------------------------------------- */

static void
header_finish(struct feed_parser *p)
{
	struct feed_header *h = &p->header;

	h->format = p->format;
	replace(&h->link, links_choose(&p->hlinks));
	if (p->sy_period_s > 0)
		h->update_period_s = p->sy_period_s /
		    (p->sy_freq > 0 ? p->sy_freq : 1);
}

static void
header_emit(struct feed_parser *p)
{
	if (p->header_sent || p->format == FEED_FORMAT_UNKNOWN)
		return;
	p->header_sent = true;
	header_finish(p);
	if (p->cb.on_header != NULL && !p->skip_header)
		p->cb.on_header(&p->header, p->arg);
}

static void
entry_begin(struct feed_parser *p, const XML_Char **atts)
{
	const char *about;

	header_emit(p);
	if (p->nentries >= FEED_MAX_ENTRIES) {
		stop(p, "too many entries");
		return;
	}
	p->in_entry = true;
	p->entry_depth = p->depth;
	feed_entry_clear(&p->entry);
	memset(p->eprio, 0, sizeof(p->eprio));
	links_clear(&p->elinks);
	if ((about = attr(atts, "about")) != NULL && *about != '\0')
		p->elinks.about = xstrdup(about);
}

static void
entry_end(struct feed_parser *p)
{
	struct feed_entry *e = &p->entry;

	p->in_entry = false;
	p->nentries++;
	replace(&e->link, links_choose(&p->elinks));
	if (e->id == NULL && p->elinks.about != NULL)
		e->id = xstrdup(p->elinks.about);
	if (p->cb.on_entry != NULL && p->nentries > p->skip_entries &&
	    !p->cb.on_entry(e, p->arg)) {
		p->caller_stop = true;
		stop(p, "stopped by the caller");
	}
	feed_entry_clear(e);
	links_clear(&p->elinks);
}

/* ---- Expat handlers --------------------------------------------------- */

static void
stop(struct feed_parser *p, const char *why)
{
	if (p->stop_reason == NULL)
		p->stop_reason = why;
	XML_StopParser(p->xp, XML_FALSE);
}

static bool
root_element(struct feed_parser *p, enum vocab_ns ns, const char *local,
    const XML_Char **atts)
{
	struct frame *fr = &p->frames[0];
	const char *version;

	if (strcmp(local, "rss") == 0 && vocab_is_core(ns)) {
		version = attr(atts, "version");
		p->format = version != NULL && strncmp(version, "0.9", 3) ==
		    0 ? FEED_FORMAT_RSS09X : FEED_FORMAT_RSS20;
		fr->role = R_ROOT;
	} else if (strcmp(local, "RDF") == 0 && (ns == VOCAB_NS_RDF ||
	    vocab_is_core(ns))) {
		p->format = ns_lookup(p, "", 0) == VOCAB_NS_RSS090 ?
		    FEED_FORMAT_RSS09X : FEED_FORMAT_RSS10;
		p->rdf = true;
		fr->role = R_ROOT;
	} else if (strcmp(local, "feed") == 0 && vocab_is_core(ns)) {
		p->format = ns == VOCAB_NS_ATOM10 ? FEED_FORMAT_ATOM10 :
		    FEED_FORMAT_ATOM03;
		p->atomish = true;
		fr->role = R_FEED;
		set_text(&p->header.language, &p->hprio[S_LANGUAGE],
		    lang_dup(fr->lang), PRIO_FALLBACK, true);
	} else if (strcmp(local, "channel") == 0 && vocab_is_core(ns)) {
		/* A bare RSS 0.9x channel without the <rss> wrapper. */
		p->format = FEED_FORMAT_RSS09X;
		fr->role = R_FEED;
	} else {
		snprintf(p->reason, sizeof(p->reason), "not an RSS or Atom "
		    "feed (root element <%.64s>)", local);
		stop(p, p->reason);
		return false;
	}
	return true;
}

/* Serialises a start tag into the captured text. */
static void
serialise_start(struct feed_parser *p, struct frame *fr, enum vocab_ns ns,
    const char *name, const char *local, const XML_Char **atts)
{
	static const char *const voids[] = { "area", "base", "br", "col",
	    "embed", "hr", "img", "input", "link", "meta", "param", "source",
	    "track", "wbr", NULL };
	const char *const *v;
	const char *out = ns == VOCAB_NS_XHTML ? local : name;
	bool is_void = false;

	text_add(p, "<", 1);
	text_add(p, out, strlen(out));
	for (; atts[0] != NULL; atts += 2) {
		if (strcmp(atts[0], "xmlns") == 0 ||
		    strncmp(atts[0], "xmlns:", 6) == 0)
			continue;
		text_add(p, " ", 1);
		text_add(p, atts[0], strlen(atts[0]));
		text_add(p, "=\"", 2);
		text_add_escaped(p, atts[1], strlen(atts[1]), true);
		text_add(p, "\"", 1);
	}
	for (v = voids; *v != NULL; v++)
		if (strcasecmp(out, *v) == 0)
			is_void = true;
	if (is_void) {
		text_add(p, " />", 3);
		fr->endtag = 0;
	} else {
		text_add(p, ">", 1);
		fr->endtag = ns == VOCAB_NS_XHTML ? 2 : 1;
	}
}

static void
on_start_in_capture(struct feed_parser *p, struct frame *fr, enum vocab_ns ns,
    const char *name, const char *local, const XML_Char **atts)
{
	struct capture *c = &p->cap;

	if (c->mode == M_PLAIN && c->html_div && !c->wrapper_seen &&
	    p->depth == c->depth + 1 && ns == VOCAB_NS_XHTML &&
	    strcmp(local, "div") == 0 && trimmed_len(&p->text) == 0) {
		/* TypePad: escaped HTML in an xhtml div; read through it. */
		c->wrapper_seen = true;
		return;
	}
	if (c->mode == M_PLAIN && c->may_markup) {
		/* Naked markup: what was text so far becomes escaped text. */
		struct buf old = p->text;

		buf_init(&p->text);
		c->mode = M_MARKUP;
		text_add_escaped(p, old.data, old.len, false);
		buf_free(&old);
	}
	if (c->mode != M_MARKUP)
		return;
	if (c->strip_wrapper && !c->wrapper_seen && p->depth == c->depth + 1 &&
	    ns == VOCAB_NS_XHTML && strcmp(local, "div") == 0) {
		c->wrapper_seen = true;
		return;
	}
	serialise_start(p, fr, ns, name, local, atts);
}

/*
 * Elements that are plain text fields with nothing to decide: which field
 * they fill in a feed and in an entry (F_NONE: not read there).
 */
static const struct simple {
	enum vocab_el	 el;
	enum field feed;
	enum field entry;
	enum mode mode;
	bool	 may_markup;
} simples[] = {
	{ VOCAB_EL_BODY, F_NONE, F_CONTENT, M_MARKUP, false },
	{ VOCAB_EL_CREATOR, F_AUTHOR, F_AUTHOR, M_PLAIN, false },
	{ VOCAB_EL_DATE, F_UPDATED, F_UPDATED, M_PLAIN, false },
	{ VOCAB_EL_ENCODED, F_NONE, F_CONTENT, M_PLAIN, true },
	{ VOCAB_EL_ID, F_NONE, F_ID, M_PLAIN, false },
	{ VOCAB_EL_ISSUED, F_NONE, F_PUBLISHED, M_PLAIN, false },
	{ VOCAB_EL_LANGUAGE, F_LANGUAGE, F_NONE, M_PLAIN, false },
	{ VOCAB_EL_LASTBUILDDATE, F_UPDATED, F_NONE, M_PLAIN, false },
	{ VOCAB_EL_MANAGINGEDITOR, F_AUTHOR, F_NONE, M_PLAIN, false },
	{ VOCAB_EL_MODIFIED, F_UPDATED, F_UPDATED, M_PLAIN, false },
	{ VOCAB_EL_PUBDATE, F_NONE, F_PUBLISHED, M_PLAIN, false },
	{ VOCAB_EL_PUBLISHED, F_NONE, F_PUBLISHED, M_PLAIN, false },
	{ VOCAB_EL_SUBJECT, F_NONE, F_CATEGORY, M_PLAIN, false },
	{ VOCAB_EL_TTL, F_TTL, F_NONE, M_PLAIN, false },
	{ VOCAB_EL_UPDATED, F_UPDATED, F_UPDATED, M_PLAIN, false },
	{ VOCAB_EL_UPDATEFREQUENCY, F_SY_FREQ, F_NONE, M_PLAIN, false },
	{ VOCAB_EL_UPDATEPERIOD, F_SY_PERIOD, F_NONE, M_PLAIN, false },
};

static void
simple_field(struct feed_parser *p, enum vocab_el el, enum scope sc)
{
	const struct simple *f;
	enum field field;
	size_t i;

	for (i = 0; i < sizeof(simples) / sizeof(simples[0]); i++) {
		f = &simples[i];
		if (f->el != el)
			continue;
		field = sc == SC_ENTRY ? f->entry : f->feed;
		if (field != F_NONE)
			capture_start(p, field, sc, f->mode, f->may_markup,
			    PRIO_NORMAL);
		return;
	}
}

static void
field_element(struct feed_parser *p, enum vocab_el el, enum vocab_ns ns,
    enum scope sc, const XML_Char **atts)
{
	bool entry = sc == SC_ENTRY;
	bool atom = ns == VOCAB_NS_ATOM10 || ns == VOCAB_NS_ATOM03 ||
	    (p->atomish && vocab_is_core(ns));
	const char *v;

	switch (el) {
	case VOCAB_EL_TITLE:
		if (ns == VOCAB_NS_DC)
			capture_start(p, F_TITLE, sc, M_PLAIN, true,
			    PRIO_NORMAL);
		else
			capture_text_construct(p, F_TITLE, sc, atts, ns,
			    PRIO_NORMAL);
		break;
	case VOCAB_EL_LINK:
		v = attr(atts, "rel");
		if (attr(atts, "href") != NULL)
			atom_link(p, sc, atts);
		else if (v != NULL && strcasecmp(v, "alternate") != 0)
			break;	/* an enclosure or self link without href */
		else if (atom)
			capture_start(p, F_ALTLINK, sc, M_PLAIN, false,
			    PRIO_NORMAL);
		else if (vocab_is_core(ns))
			capture_start(p, F_LINK, sc, M_PLAIN, false,
			    PRIO_NORMAL);
		break;
	case VOCAB_EL_DESCRIPTION:
		if (ns == VOCAB_NS_MEDIA)
			break;	/* handled anywhere in the entry */
		capture_start(p, entry ? F_SUMMARY : F_SUBTITLE, sc, M_PLAIN,
		    true, PRIO_NORMAL);
		break;
	case VOCAB_EL_SUBTITLE:
	case VOCAB_EL_TAGLINE:
		if (entry)
			break;
		if (ns == VOCAB_NS_ITUNES)
			capture_start(p, F_SUBTITLE, sc, M_PLAIN, true,
			    PRIO_FALLBACK);
		else
			capture_text_construct(p, F_SUBTITLE, sc, atts, ns,
			    PRIO_NORMAL);
		break;
	case VOCAB_EL_SUMMARY:
		if (ns == VOCAB_NS_ITUNES)
			capture_start(p, entry ? F_SUMMARY : F_SUBTITLE, sc,
			    M_PLAIN, true, PRIO_FALLBACK);
		else if (entry && !atom)
			/* RSS has <description>; a <summary> is the body. */
			capture_start(p, F_CONTENT, sc, M_PLAIN, true,
			    PRIO_NORMAL);
		else if (entry)
			capture_text_construct(p, F_SUMMARY, sc, atts, ns,
			    PRIO_NORMAL);
		break;
	case VOCAB_EL_CONTENT:
		if (!entry || ns == VOCAB_NS_MEDIA)
			break;
		if ((v = attr(atts, "src")) != NULL)
			break;	/* out-of-line content: nothing to read */
		capture_text_construct(p, F_CONTENT, sc, atts, ns,
		    PRIO_NORMAL);
		break;
	case VOCAB_EL_GUID:
		if (!entry)
			break;
		capture_start(p, F_GUID, sc, M_PLAIN, false, PRIO_NORMAL);
		v = attr(atts, "isPermaLink");
		p->cap.permalink = v == NULL || strcasecmp(v, "false") != 0;
		break;
	case VOCAB_EL_AUTHOR:
		if (ns == VOCAB_NS_ITUNES)
			capture_start(p, F_AUTHOR, sc, M_PLAIN, false,
			    PRIO_FALLBACK);
		else if (atom) {
			p->frames[p->depth - 1].role = R_PERSON;
			p->frames[p->depth - 1].person_scope = sc;
		} else
			capture_start(p, F_AUTHOR, sc, M_PLAIN, false,
			    PRIO_NORMAL);
		break;
	case VOCAB_EL_CATEGORY:
		if (!entry)
			break;
		if ((v = attr(atts, "term")) != NULL)
			add_category(p, feedtext_trim(v, strlen(v)));
		else	/* RSS, or an Atom category written as text */
			capture_start(p, F_CATEGORY, sc, M_PLAIN, false,
			    PRIO_NORMAL);
		break;
	case VOCAB_EL_ENCLOSURE:
		if (entry)
			add_enclosure(p, attr(atts, "url"), attr(atts, "type"),
			    attr(atts, "length"));
		break;
	default:
		simple_field(p, el, sc);
		break;
	}
}

static void
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct feed_parser *p = ud;
	struct frame *fr, *parent;
	const char *local, *v;
	enum vocab_ns ns;
	enum vocab_el el;
	int i;

	if (p->stop_reason != NULL)
		return;
	if (p->depth >= FEED_MAX_DEPTH) {
		stop(p, "elements nested too deeply");
		return;
	}
	if (p->depth == p->framecap) {
		p->framecap = p->framecap ? p->framecap * 2 : 32;
		p->frames = xreallocarray(p->frames, p->framecap,
		    sizeof(*p->frames));
	}
	parent = p->depth > 0 ? &p->frames[p->depth - 1] : NULL;
	fr = &p->frames[p->depth++];
	memset(fr, 0, sizeof(*fr));
	fr->base = parent != NULL ? parent->base : p->doc_url;
	fr->xml_base = parent != NULL && parent->xml_base;
	fr->lang = parent != NULL ? parent->lang : NULL;

	for (i = 0; atts[i] != NULL; i += 2) {
		if (strncmp(atts[i], "xmlns", 5) == 0) {
			if (atts[i][5] == '\0')
				bind_push(p, "", atts[i + 1]);
			else if (atts[i][5] == ':')
				bind_push(p, atts[i] + 6, atts[i + 1]);
		} else if (strcmp(atts[i], "xml:base") == 0) {
			fr->base = url_resolve(fr->base, atts[i + 1]);
			fr->own_base = true;
			fr->xml_base = true;
		} else if (strcmp(atts[i], "xml:lang") == 0) {
			fr->lang = xstrdup(atts[i + 1]);
			fr->own_lang = true;
		}
	}
	ns = resolve(p, name, &local);

	if (p->capturing) {
		on_start_in_capture(p, fr, ns, name, local, atts);
		return;
	}
	if (parent == NULL) {
		root_element(p, ns, local, atts);
		return;
	}
	el = vocab_element(ns, local);
	if ((el == VOCAB_EL_ITEM || el == VOCAB_EL_ENTRY) && !p->in_entry &&
	    (parent->role == R_ROOT || parent->role == R_FEED) &&
	    vocab_is_core(ns)) {
		if (p->rdf && ns == VOCAB_NS_RSS090)
			p->format = FEED_FORMAT_RSS09X;
		fr->role = R_ENTRY;
		entry_begin(p, atts);
		return;
	}
	if (el == VOCAB_EL_CHANNEL && parent->role == R_ROOT &&
	    vocab_is_core(ns)) {
		if (p->rdf && ns == VOCAB_NS_RSS090)
			p->format = FEED_FORMAT_RSS09X;
		fr->role = R_FEED;
		set_text(&p->header.language, &p->hprio[S_LANGUAGE],
		    lang_dup(fr->lang), PRIO_FALLBACK, true);
		return;
	}
	if (p->in_entry && ns == VOCAB_NS_MEDIA) {
		/* Media RSS lives in <media:group> as often as not. */
		if (el == VOCAB_EL_CONTENT && (v = attr(atts, "url")) != NULL)
			add_enclosure(p, v, attr(atts, "type"),
			    attr(atts, "fileSize"));
		else if (el == VOCAB_EL_DESCRIPTION)
			capture_start(p, F_SUMMARY, SC_ENTRY, M_PLAIN, false,
			    PRIO_FALLBACK);
		return;
	}
	if (parent->role == R_FEED || parent->role == R_ENTRY) {
		field_element(p, el, ns, parent->role == R_ENTRY ? SC_ENTRY :
		    SC_FEED, atts);
		return;
	}
	if (parent->role == R_PERSON && el == VOCAB_EL_NAME) {
		capture_start(p, F_NAME, parent->person_scope, M_PLAIN, false,
		    PRIO_NORMAL);
	}
}

static void
on_end(void *ud, const XML_Char *name)
{
	struct feed_parser *p = ud;
	struct frame *fr;

	if (p->stop_reason != NULL || p->depth == 0)
		return;
	fr = &p->frames[p->depth - 1];
	if (p->capturing) {
		if (p->depth == p->cap.depth)
			capture_end(p);
		else if (fr->endtag != 0) {
			const char *out = name, *colon;

			if (fr->endtag == 2 && (colon = strchr(name, ':')) !=
			    NULL)
				out = colon + 1;
			text_add(p, "</", 2);
			text_add(p, out, strlen(out));
			text_add(p, ">", 1);
		}
	}
	if (fr->role == R_ENTRY && p->in_entry && p->entry_depth == p->depth)
		entry_end(p);
	while (p->nbind > 0 && p->bind[p->nbind - 1].depth == p->depth) {
		free(p->bind[p->nbind - 1].prefix);
		p->nbind--;
	}
	if (fr->own_base)
		free(fr->base);
	if (fr->own_lang)
		free(fr->lang);
	if (--p->depth == 0)
		p->root_closed = true;
}

static void
on_text(void *ud, const XML_Char *s, int len)
{
	struct feed_parser *p = ud;

	if (p->stop_reason != NULL || !p->capturing)
		return;
	if (p->cap.mode == M_MARKUP)
		text_add_escaped(p, s, (size_t)len, false);
	else
		text_add(p, s, (size_t)len);
}

/*
 * External entities (the DTD a DOCTYPE names, the foreign DTD we ask for,
 * SYSTEM entities) are never loaded. The external subset is "read" as an
 * empty document, once: Expat then knows a DTD might have declared what
 * it cannot see, and skips undeclared entities instead of failing.
 */
static int
on_external_entity(XML_Parser xp, const XML_Char *context,
    const XML_Char *base, const XML_Char *system_id,
    const XML_Char *public_id)
{
	struct feed_parser *p = XML_GetUserData(xp);
	XML_Parser ep;
	enum XML_Status rc;

	if (context != NULL || p->subset_read)
		return XML_STATUS_OK;
	p->subset_read = true;
	if ((ep = XML_ExternalEntityParserCreate(xp, NULL, NULL)) == NULL)
		return XML_STATUS_ERROR;
	rc = XML_Parse(ep, "", 0, XML_TRUE);
	XML_ParserFree(ep);
	return rc == XML_STATUS_ERROR ? XML_STATUS_ERROR : XML_STATUS_OK;
}

/* &nbsp; and friends in text; other undeclared names are dropped. */
static void
on_skipped_entity(void *ud, const XML_Char *name, int is_param)
{
	struct feed_parser *p = ud;
	const char *text;

	if (p->stop_reason != NULL || !p->capturing || is_param)
		return;
	if ((text = html_entity_lookup(name)) != NULL)
		text_add(p, text, strlen(text));
}

/* ---- input ------------------------------------------------------------ */

static void
set_error(struct feed_parser *p, const char *why)
{
	if (p->error != NULL)
		return;
	if (p->xp != NULL)
		p->error = xasprintf("line %lu, column %lu: %s",
		    (unsigned long)XML_GetCurrentLineNumber(p->xp),
		    (unsigned long)XML_GetCurrentColumnNumber(p->xp) + 1, why);
	else
		p->error = xstrdup(why);
}

static int
parser_setup(struct feed_parser *p, const void *head, size_t len)
{
	const char *enc = NULL;

	charset_sniff(head, len, &p->cs);
	switch (p->cs.road) {
	case CHARSET_UTF8:
		enc = "UTF-8";
		break;
	case CHARSET_UTF16:
	case CHARSET_SINGLE_BYTE:
		enc = p->cs.name;
		break;
	case CHARSET_TRANSCODE:
		enc = "UTF-8";
		if ((p->conv = charset_conv_new(p->cs.name)) == NULL) {
			set_error(p, "unsupported character encoding");
			return -1;
		}
		break;
	}
	charset_repair_init(&p->repair);
	p->repair.undeclared = p->cs.road == CHARSET_UTF8 && !p->cs.bom &&
	    p->cs.declared[0] == '\0';
	if ((p->xp = XML_ParserCreate(enc)) == NULL) {
		set_error(p, "out of memory");
		return -1;
	}
	XML_SetUserData(p->xp, p);
	XML_SetElementHandler(p->xp, on_start, on_end);
	XML_SetCharacterDataHandler(p->xp, on_text);
	XML_SetUnknownEncodingHandler(p->xp, charset_expat_handler, NULL);
	/*
	 * NOTES.md 3.5: a foreign DTD plus parameter entity parsing turns
	 * undefined entities into skipped ones instead of fatal errors; the
	 * HTML names among them are filled in by on_skipped_entity (cheaper
	 * than parsing a DTD of 248 declarations for every document).
	 * Expat's amplification limits stay on.
	 */
	XML_UseForeignDTD(p->xp, XML_TRUE);
	XML_SetParamEntityParsing(p->xp,
	    XML_PARAM_ENTITY_PARSING_UNLESS_STANDALONE);
	XML_SetExternalEntityRefHandler(p->xp, on_external_entity);
	XML_SetSkippedEntityHandler(p->xp, on_skipped_entity);
	return 0;
}

static int
xml_fail(struct feed_parser *p)
{
	if (p->root_closed && p->stop_reason == NULL) {
		/*
		 * Junk after the root element (a second document, a PHP
		 * warning): the feed itself was complete, nothing is lost.
		 */
		p->done = true;
		feed_repairs_note(&p->rep, FEED_REPAIR_TRAILING, 1, 0);
		return 0;
	}
	p->failed = true;
	p->retry = p->stop_reason == NULL && !p->fixing &&
	    p->cs.road != CHARSET_UTF16 &&
	    (XML_GetErrorCode(p->xp) == XML_ERROR_INVALID_TOKEN ||
	    XML_GetErrorCode(p->xp) == XML_ERROR_BAD_CHAR_REF ||
	    XML_GetErrorCode(p->xp) == XML_ERROR_TAG_MISMATCH);
	if (p->stop_reason != NULL)
		set_error(p, p->stop_reason);
	else
		set_error(p, XML_ErrorString(XML_GetErrorCode(p->xp)));
	header_emit(p);
	return -1;
}

/*
 * Expat 2.5 rescans an unfinished token from its start on every call
 * (CVE-2023-52425), so a huge token arriving in small chunks costs
 * quadratic time. Like the reparse deferral of Expat 2.6, hold input back
 * until it at least doubles what Expat is still sitting on.
 */
static int
xml_feed(struct feed_parser *p, const char *data, size_t len, bool final)
{
	bool held = false;
	XML_Index at;
	size_t tail;

	if (p->fixing) {
		buf_reset(&p->fixbuf);
		xmlfix_push(&p->xfix, data, len, final, &p->fixbuf);
		data = p->fixbuf.data;
		len = p->fixbuf.len;
	}
	if (p->defer > 0 || p->pending.len > 0) {
		buf_append(&p->pending, data, len);
		if (!final && p->pending.len < p->defer)
			return 0;
		data = p->pending.data;
		len = p->pending.len;
		held = true;
	}
	while (len > INT_MAX / 2) {
		if (XML_Parse(p->xp, data, INT_MAX / 2, XML_FALSE) ==
		    XML_STATUS_ERROR)
			return xml_fail(p);
		data += INT_MAX / 2;
		len -= INT_MAX / 2;
		p->fed += INT_MAX / 2;
	}
	if (XML_Parse(p->xp, data, (int)len, final) == XML_STATUS_ERROR) {
		if (held)
			buf_reset(&p->pending);
		return xml_fail(p);
	}
	p->fed += len;
	if (held)
		buf_reset(&p->pending);
	p->defer = 0;
	if (!final && (at = XML_GetCurrentByteIndex(p->xp)) >= 0 &&
	    (uint64_t)at <= p->fed) {
		tail = (size_t)(p->fed - (uint64_t)at);
		if (tail > FEED_MAX_TOKEN) {
			p->stop_reason = "token too long";
			p->failed = true;
			set_error(p, p->stop_reason);
			return -1;
		}
		if (tail >= 65536)
			p->defer = tail;
	}
	if (p->stop_reason != NULL)
		return xml_fail(p);
	return 0;
}

/*
 * The input as Expat takes it (*data, *len): UTF-8 through the repair
 * filter, or transcoded by iconv; what either mends is counted.
 */
static void
decode(struct feed_parser *p, const char **data, size_t *len, bool final)
{
	bool mb;

	switch (p->cs.road) {
	case CHARSET_UTF8:
		if (!p->repair.latin1 && p->repair.ntail == 0 &&
		    charset_utf8_clean_prefix_mb((const unsigned char *)*data,
		    *len, &mb) == *len) {
			p->repair.seen_utf8 |= mb;
			return;
		}
		buf_reset(&p->convbuf);
		charset_repair_push(&p->repair, *data, *len, final,
		    &p->convbuf);
		break;
	case CHARSET_TRANSCODE:
		if (p->conv == NULL)	/* parser_setup failed */
			return;
		buf_reset(&p->convbuf);
		charset_conv_push(p->conv, *data, *len, final, &p->convbuf);
		break;
	default:
		return;
	}
	*data = p->convbuf.data;
	*len = p->convbuf.len;
}

static int
feed_bytes(struct feed_parser *p, const char *data, size_t len, bool final)
{
	decode(p, &data, &len, final);
	return xml_feed(p, data, len, final);
}

/*
 * Input that comes after the parse stopped (a break, or junk after the
 * root element) still goes through the charset filter, only to count what
 * it would mend: the warnings must not depend on where a push ended.
 */
static void
count_rest(struct feed_parser *p, const char *data, size_t len, bool final)
{
	if (p->kind == K_XML && p->started)
		decode(p, &data, &len, final);
}

/* ---- JSON ------------------------------------------------------------- */

static bool
is_json_start(char c)
{
	return c == '{' || c == '[';
}

/*
 * Which parser the document needs, from its first bytes (held in head
 * until one that is not white space shows, after a UTF-8 byte order
 * mark). K_UNDECIDED: not enough bytes yet.
 */
static int
decide_kind(struct feed_parser *p, const char *data, size_t len, bool final)
{
	const char *b = p->head.len > 0 ? p->head.data : data;
	size_t n = p->head.len > 0 ? p->head.len : len, i = 0;

	if (p->json_forced)
		return K_JSON;
	if (n >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	else if (n < 3 && !final && (n == 0 ||
	    memcmp(b, "\xef\xbb\xbf", n) == 0))
		return K_UNDECIDED;
	while (i < n && feedtext_is_space(b[i]))
		i++;
	if (i < n)
		return is_json_start(b[i]) ? K_JSON : K_XML;
	return final || n >= CHARSET_SNIFF_LEN ? K_XML : K_UNDECIDED;
}

/* A whole JSON document: to UTF-8 if it needs mending, then jsonfeed. */
static int
json_finish(struct feed_parser *p, const char *data, size_t len)
{
	struct jsonfeed_result res;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (charset_utf8_clean_prefix((const unsigned char *)data, len) !=
	    len) {
		/* JSON is UTF-8 (RFC 8259): the same repair as for XML. */
		p->repair.undeclared = true;
		buf_reset(&p->convbuf);
		charset_repair_push(&p->repair, data, len, true, &p->convbuf);
		data = p->convbuf.data;
		len = p->convbuf.len;
	}
	feed_header_clear(&p->header);
	jsonfeed_read(data != NULL ? data : "", len, p->doc_url, &p->cb,
	    p->arg, &p->header, &p->rep, &res);
	p->format = p->header.format;
	p->header_sent = true;
	p->nentries = res.delivered;
	p->done = true;
	if (res.error == NULL)
		return 0;
	p->caller_stop = strcmp(res.error, "stopped by the caller") == 0;
	p->error = res.error;
	p->failed = true;
	return -1;
}

static int
json_push(struct feed_parser *p, const char *data, size_t len, bool final)
{
	if (!final || p->json.len > 0) {
		if (p->json.len + len > FEED_MAX_JSON) {
			p->failed = true;
			p->error = xasprintf("a JSON document is read whole, "
			    "and this one is larger than %d MiB",
			    FEED_MAX_JSON / (1024 * 1024));
			buf_free(&p->json);
			return -1;
		}
		buf_append(&p->json, data, len);
		if (!final)
			return 0;
		data = p->json.data;
		len = p->json.len;
	}
	return json_finish(p, data, len);
}

void
feed_parser_set_content_type(struct feed_parser *p, const char *type)
{
	size_t n;

	if (type == NULL)
		return;
	while (*type == ' ' || *type == '\t')
		type++;
	n = strcspn(type, "; \t");
	p->json_forced = n == strlen("application/feed+json") &&
	    strncasecmp(type, "application/feed+json", n) == 0;
}

/* ---- public API ------------------------------------------------------- */

static void
parser_init(struct feed_parser *p)
{
	buf_init(&p->head);
	buf_init(&p->json);
	buf_init(&p->convbuf);
	buf_init(&p->pending);
	buf_init(&p->text);
	buf_init(&p->kept);
	buf_init(&p->fixbuf);
	xmlfix_init(&p->xfix);
	p->header.updated = FEED_TIME_NONE;
	p->entry.published = FEED_TIME_NONE;
	p->entry.updated = FEED_TIME_NONE;
}

/* Frees what one reading of the document built. */
static void
parser_release(struct feed_parser *p)
{
	size_t i;

	if (p->xp != NULL)
		XML_ParserFree(p->xp);
	while (p->depth > 0) {
		struct frame *fr = &p->frames[--p->depth];

		if (fr->own_base)
			free(fr->base);
		if (fr->own_lang)
			free(fr->lang);
	}
	free(p->frames);
	for (i = 0; i < p->nbind; i++)
		free(p->bind[i].prefix);
	free(p->bind);
	free(p->root_uri);
	charset_conv_free(p->conv);
	buf_free(&p->head);
	buf_free(&p->convbuf);
	buf_free(&p->pending);
	buf_free(&p->text);
	buf_free(&p->kept);
	buf_free(&p->fixbuf);
	buf_free(&p->json);
	feed_repairs_lines_free(p->warnings, p->nwarnings);
	xmlfix_clear(&p->xfix);
	feed_header_clear(&p->header);
	feed_entry_clear(&p->entry);
	links_clear(&p->hlinks);
	links_clear(&p->elinks);
	free(p->error);
}

struct feed_parser *
feed_parser_new(const char *base_url, const struct feed_parser_cb *cb,
    void *arg)
{
	struct feed_parser *p;

	p = xcalloc(1, sizeof(*p));
	if (cb != NULL)
		p->cb = *cb;
	p->arg = arg;
	p->doc_url = xstrdup_or_null(base_url);
	parser_init(p);
	return p;
}

static bool
sniff_ready(const struct buf *h, bool final)
{
	if (final || h->len >= CHARSET_SNIFF_LEN)
		return true;
	if (h->len < 5)
		return false;
	if (memcmp(h->data, "<?xml", 5) != 0)
		return true;
	return memmem(h->data, h->len, "?>", 2) != NULL;
}

static int	push(struct feed_parser *, const void *, size_t, bool);

/*
 * A second reading from the first byte, through xmlfix. The entries and
 * header the first reading delivered come out again identical (xmlfix
 * changes nothing before the first bare '&' or '<'), so they are not
 * delivered twice.
 */
static int
reread(struct feed_parser *p, const void *data, size_t len, bool final)
{
	struct feed_parser_cb cb = p->cb;
	size_t delivered = p->nentries;
	bool header = p->header_sent;
	char *doc_url = p->doc_url;
	void *arg = p->arg;

	parser_release(p);
	memset(p, 0, sizeof(*p));
	parser_init(p);
	p->cb = cb;
	p->arg = arg;
	p->doc_url = doc_url;
	p->keep_off = true;
	p->fixing = true;
	xmlfix_init(&p->xfix);
	p->skip_entries = delivered;
	p->skip_header = header;
	return push(p, data, len, final);
}

int
feed_parser_push(struct feed_parser *p, const void *data, size_t len,
    bool final)
{
	bool whole = !p->started && p->head.len == 0 && p->kept.len == 0 &&
	    final;
	struct buf all;
	int rc;

	/* Keep the input for a second reading, unless it comes whole. */
	if (!p->keep_off && !whole && !p->failed && !p->done) {
		if (p->kept.len + len > FEED_MAX_KEEP) {
			buf_free(&p->kept);
			p->keep_off = true;
		} else
			buf_append(&p->kept, data, len);
	}
	rc = push(p, data, len, final);
	if (rc == -1 && p->retry && !p->keep_off && !p->fixing) {
		if (whole)
			return reread(p, data, len, final);
		all = p->kept;
		buf_init(&p->kept);
		rc = reread(p, all.data, all.len, final);
		buf_free(&all);
	}
	return rc;
}

static int
push(struct feed_parser *p, const void *data, size_t len, bool final)
{
	int rc;

	if (p->failed) {
		count_rest(p, data, len, final);
		return -1;
	}
	if (p->done) {
		if (p->kind == K_JSON)
			return 0;
		count_rest(p, data, len, final);
		rc = 0;
		goto done;
	}
	/* White space before the XML declaration is common and harmless. */
	while (!p->started && p->head.len == 0 && len > 0 &&
	    feedtext_is_space(*(const char *)data)) {
		data = (const char *)data + 1;
		len--;
	}
	if (p->kind == K_UNDECIDED) {
		p->kind = decide_kind(p, data, len, final);
		if (p->kind == K_UNDECIDED) {
			buf_append(&p->head, data, len);
			return 0;
		}
		if (p->kind == K_JSON) {
			/* Read whole: no second reading to keep input for. */
			p->started = true;
			buf_free(&p->kept);
			p->keep_off = true;
			if (p->head.len > 0) {
				buf_append(&p->json, p->head.data,
				    p->head.len);
				buf_free(&p->head);
			}
		}
	}
	if (p->kind == K_JSON)
		return json_push(p, data, len, final);
	if (!p->started) {
		/* Hold the first bytes until the encoding can be decided. */
		if (p->head.len == 0 && len >= CHARSET_SNIFF_LEN) {
			p->started = true;
			if (parser_setup(p, data, len) == -1) {
				p->failed = true;
				return -1;
			}
		} else {
			buf_append(&p->head, data, len);
			if (!sniff_ready(&p->head, final))
				return 0;
			p->started = true;
			if (parser_setup(p, p->head.data, p->head.len) == -1) {
				p->failed = true;
				return -1;
			}
			rc = feed_bytes(p, p->head.data, p->head.len, final);
			buf_free(&p->head);
			goto done;
		}
	}
	rc = p->done ? 0 : feed_bytes(p, data, len, final);
done:
	if (rc == 0 && final) {
		if (p->format == FEED_FORMAT_UNKNOWN) {
			p->failed = true;
			set_error(p, "no feed in the document");
			return -1;
		}
		header_emit(p);
		header_finish(p);
	}
	return rc;
}

const char *
feed_parser_error(const struct feed_parser *p)
{
	return p->error;
}

const struct feed_header *
feed_parser_header(struct feed_parser *p)
{
	if (p->kind != K_JSON)
		header_finish(p);
	return &p->header;
}

size_t
feed_parser_warnings(struct feed_parser *p, char *const **ret)
{
	struct feed_repairs r;

	if (!p->warned) {
		r = p->rep;
		feed_repairs_note(&r, p->repair.latin1 ? FEED_REPAIR_LATIN1 :
		    FEED_REPAIR_BYTES, p->repair.mapped, 0);
		feed_repairs_note(&r, FEED_REPAIR_CONTROL, p->repair.dropped,
		    0);
		feed_repairs_note(&r, FEED_REPAIR_BADSEQ,
		    charset_conv_replaced(p->conv), 0);
		if (p->fixing)
			feed_repairs_note(&r, FEED_REPAIR_MARKUP, 1, 0);
		if (p->error != NULL && !p->caller_stop)
			feed_repairs_note(&r, FEED_REPAIR_STOPPED, p->nentries,
			    0);
		p->nwarnings = feed_repairs_lines(&r, &p->warnings);
		p->warned = true;
	}
	*ret = p->warnings;
	return p->nwarnings;
}

void
feed_parser_free(struct feed_parser *p)
{
	if (p == NULL)
		return;
	parser_release(p);
	free(p->doc_url);
	free(p);
}
