/*
 * vocab: namespace and element tables.
 */
#include <stdlib.h>
#include <string.h>

#include "vocab.h"

static const struct {
	const char *uri;
	enum vocab_ns ns;
} ns_uris[] = {
	{ "http://www.w3.org/2005/Atom", VOCAB_NS_ATOM10 },
	{ "http://purl.org/atom/ns#", VOCAB_NS_ATOM03 },
	{ "http://purl.org/rss/1.0/", VOCAB_NS_RSS10 },
	{ "http://my.netscape.com/rdf/simple/0.9/", VOCAB_NS_RSS090 },
	{ "http://backend.userland.com/rss", VOCAB_NS_RSS_OLD },
	{ "http://backend.userland.com/rss2", VOCAB_NS_RSS_OLD },
	{ "http://blogs.law.harvard.edu/tech/rss", VOCAB_NS_RSS_OLD },
	{ "http://www.w3.org/1999/02/22-rdf-syntax-ns#", VOCAB_NS_RDF },
	{ "http://purl.org/dc/elements/1.1/", VOCAB_NS_DC },
	{ "http://purl.org/dc/elements/1.0/", VOCAB_NS_DC },
	{ "http://purl.org/dc/terms/", VOCAB_NS_DCTERMS },
	{ "http://purl.org/rss/1.0/modules/content/", VOCAB_NS_CONTENT },
	{ "http://search.yahoo.com/mrss/", VOCAB_NS_MEDIA },
	{ "http://search.yahoo.com/mrss", VOCAB_NS_MEDIA },
	{ "http://www.itunes.com/dtds/podcast-1.0.dtd", VOCAB_NS_ITUNES },
	{ "http://www.w3.org/1999/xhtml", VOCAB_NS_XHTML },
	{ "http://purl.org/rss/1.0/modules/syndication/", VOCAB_NS_SY },
	{ "http://www.w3.org/XML/1998/namespace", VOCAB_NS_XML },
};

/* What an undeclared prefix almost always means in a feed. */
static const struct {
	const char *prefix;
	enum vocab_ns ns;
} ns_prefixes[] = {
	{ "atom", VOCAB_NS_ATOM10 },
	{ "content", VOCAB_NS_CONTENT },
	{ "dc", VOCAB_NS_DC },
	{ "dcterms", VOCAB_NS_DCTERMS },
	{ "itunes", VOCAB_NS_ITUNES },
	{ "media", VOCAB_NS_MEDIA },
	{ "rdf", VOCAB_NS_RDF },
	{ "sy", VOCAB_NS_SY },
	{ "xhtml", VOCAB_NS_XHTML },
	{ "xml", VOCAB_NS_XML },
};

bool
vocab_is_core(enum vocab_ns ns)
{
	return ns >= VOCAB_NS_NONE && ns <= VOCAB_NS_ROOT;
}

/* ns class + local name -> element; sorted by class, then name. */
enum cls { C_CORE, C_CONTENT, C_DC, C_DCTERMS, C_ITUNES, C_MEDIA, C_RDF,
	C_SY, C_XHTML, C_NONE };

static const struct eldef {
	enum cls cls;
	const char *local;
	enum vocab_el el;
} eldefs[] = {
	{ C_CORE, "author", VOCAB_EL_AUTHOR },
	{ C_CORE, "category", VOCAB_EL_CATEGORY },
	{ C_CORE, "channel", VOCAB_EL_CHANNEL },
	{ C_CORE, "content", VOCAB_EL_CONTENT },
	{ C_CORE, "description", VOCAB_EL_DESCRIPTION },
	{ C_CORE, "enclosure", VOCAB_EL_ENCLOSURE },
	{ C_CORE, "entry", VOCAB_EL_ENTRY },
	{ C_CORE, "feed", VOCAB_EL_FEED },
	{ C_CORE, "fullitem", VOCAB_EL_ENCODED },
	{ C_CORE, "guid", VOCAB_EL_GUID },
	{ C_CORE, "id", VOCAB_EL_ID },
	{ C_CORE, "issued", VOCAB_EL_ISSUED },
	{ C_CORE, "item", VOCAB_EL_ITEM },
	{ C_CORE, "language", VOCAB_EL_LANGUAGE },
	{ C_CORE, "lastBuildDate", VOCAB_EL_LASTBUILDDATE },
	{ C_CORE, "link", VOCAB_EL_LINK },
	{ C_CORE, "managingEditor", VOCAB_EL_MANAGINGEDITOR },
	{ C_CORE, "modified", VOCAB_EL_MODIFIED },
	{ C_CORE, "name", VOCAB_EL_NAME },
	{ C_CORE, "pubDate", VOCAB_EL_PUBDATE },
	{ C_CORE, "published", VOCAB_EL_PUBLISHED },
	{ C_CORE, "rss", VOCAB_EL_RSS },
	{ C_CORE, "subtitle", VOCAB_EL_SUBTITLE },
	{ C_CORE, "summary", VOCAB_EL_SUMMARY },
	{ C_CORE, "tagline", VOCAB_EL_TAGLINE },
	{ C_CORE, "title", VOCAB_EL_TITLE },
	{ C_CORE, "ttl", VOCAB_EL_TTL },
	{ C_CORE, "updated", VOCAB_EL_UPDATED },
	{ C_CONTENT, "encoded", VOCAB_EL_ENCODED },
	{ C_DC, "author", VOCAB_EL_CREATOR },
	{ C_DC, "creator", VOCAB_EL_CREATOR },
	{ C_DC, "date", VOCAB_EL_DATE },
	{ C_DC, "description", VOCAB_EL_DESCRIPTION },
	{ C_DC, "language", VOCAB_EL_LANGUAGE },
	{ C_DC, "subject", VOCAB_EL_SUBJECT },
	{ C_DC, "title", VOCAB_EL_TITLE },
	{ C_DCTERMS, "issued", VOCAB_EL_ISSUED },
	{ C_DCTERMS, "modified", VOCAB_EL_MODIFIED },
	{ C_ITUNES, "author", VOCAB_EL_AUTHOR },
	{ C_ITUNES, "subtitle", VOCAB_EL_SUBTITLE },
	{ C_ITUNES, "summary", VOCAB_EL_SUMMARY },
	{ C_MEDIA, "content", VOCAB_EL_CONTENT },
	{ C_MEDIA, "description", VOCAB_EL_DESCRIPTION },
	{ C_RDF, "RDF", VOCAB_EL_RDF },
	{ C_SY, "updateFrequency", VOCAB_EL_UPDATEFREQUENCY },
	{ C_SY, "updatePeriod", VOCAB_EL_UPDATEPERIOD },
	{ C_XHTML, "body", VOCAB_EL_BODY },
	{ C_XHTML, "div", VOCAB_EL_DIV },
};

static enum cls
vocab_class(enum vocab_ns ns)
{
	switch (ns) {
	case VOCAB_NS_CONTENT:
		return C_CONTENT;
	case VOCAB_NS_DC:
		return C_DC;
	case VOCAB_NS_DCTERMS:
		return C_DCTERMS;
	case VOCAB_NS_ITUNES:
		return C_ITUNES;
	case VOCAB_NS_MEDIA:
		return C_MEDIA;
	case VOCAB_NS_RDF:
		return C_RDF;
	case VOCAB_NS_SY:
		return C_SY;
	case VOCAB_NS_XHTML:
		return C_XHTML;
	default:
		return vocab_is_core(ns) ? C_CORE : C_NONE;
	}
}

static int
eldef_cmp(const void *k, const void *e)
{
	const struct eldef *a = k, *b = e;

	if (a->cls != b->cls)
		return (int)a->cls - (int)b->cls;
	return strcmp(a->local, b->local);
}

enum vocab_el
vocab_element(enum vocab_ns ns, const char *local)
{
	struct eldef key, *d;

	key.cls = vocab_class(ns);
	if (key.cls == C_NONE)
		return VOCAB_EL_OTHER;
	key.local = local;
	d = bsearch(&key, eldefs, sizeof(eldefs) / sizeof(eldefs[0]),
	    sizeof(eldefs[0]), eldef_cmp);
	return d != NULL ? d->el : VOCAB_EL_OTHER;
}

enum vocab_ns
vocab_ns_from_uri(const char *uri)
{
	size_t i;

	if (*uri == '\0')
		return VOCAB_NS_NONE;
	for (i = 0; i < sizeof(ns_uris) / sizeof(ns_uris[0]); i++)
		if (strcmp(uri, ns_uris[i].uri) == 0)
			return ns_uris[i].ns;
	return VOCAB_NS_OTHER;
}

enum vocab_ns
vocab_ns_from_prefix(const char *prefix, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(ns_prefixes) / sizeof(ns_prefixes[0]); i++)
		if (strlen(ns_prefixes[i].prefix) == len &&
		    memcmp(ns_prefixes[i].prefix, prefix, len) == 0)
			return ns_prefixes[i].ns;
	return VOCAB_NS_OTHER;
}
