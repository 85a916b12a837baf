/*
 * vocab: what the names in a feed mean. Namespace URIs (and, for feeds
 * that forget to declare them, the usual prefixes) map to a small enum;
 * an element is known by its namespace class and local name, never by its
 * prefix. The core vocabularies (no namespace, RSS 0.90/1.0, the RSS 2.0
 * namespaces of the early 2000s, Atom 0.3 and 1.0, and whatever namespace
 * the root element uses) share one set of local names, as feedparser
 * reads them.
 */
#ifndef FEEDD_VOCAB_H
#define FEEDD_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

enum vocab_ns {
	VOCAB_NS_OTHER,
	VOCAB_NS_NONE,
	VOCAB_NS_ATOM10,
	VOCAB_NS_ATOM03,
	VOCAB_NS_RSS10,
	VOCAB_NS_RSS090,
	VOCAB_NS_RSS_OLD,	/* userland/harvard RSS 2.0 namespaces */
	VOCAB_NS_ROOT,		/* the root element's unknown namespace */
	VOCAB_NS_RDF,
	VOCAB_NS_DC,
	VOCAB_NS_DCTERMS,
	VOCAB_NS_CONTENT,
	VOCAB_NS_MEDIA,
	VOCAB_NS_ITUNES,
	VOCAB_NS_XHTML,
	VOCAB_NS_SY,
	VOCAB_NS_XML,
};

enum vocab_el {
	VOCAB_EL_OTHER,
	VOCAB_EL_AUTHOR, VOCAB_EL_BODY, VOCAB_EL_CATEGORY, VOCAB_EL_CHANNEL,
	VOCAB_EL_CONTENT, VOCAB_EL_CREATOR, VOCAB_EL_DATE,
	VOCAB_EL_DESCRIPTION, VOCAB_EL_DIV, VOCAB_EL_ENCLOSURE,
	VOCAB_EL_ENCODED, VOCAB_EL_ENTRY, VOCAB_EL_FEED, VOCAB_EL_GUID,
	VOCAB_EL_ID, VOCAB_EL_ISSUED, VOCAB_EL_ITEM,
	VOCAB_EL_LANGUAGE, VOCAB_EL_LASTBUILDDATE, VOCAB_EL_LINK,
	VOCAB_EL_MANAGINGEDITOR, VOCAB_EL_MODIFIED, VOCAB_EL_NAME,
	VOCAB_EL_PUBDATE, VOCAB_EL_PUBLISHED, VOCAB_EL_RDF, VOCAB_EL_RSS,
	VOCAB_EL_SUBJECT, VOCAB_EL_SUBTITLE, VOCAB_EL_SUMMARY,
	VOCAB_EL_TAGLINE, VOCAB_EL_TITLE, VOCAB_EL_TTL, VOCAB_EL_UPDATED,
	VOCAB_EL_UPDATEFREQUENCY, VOCAB_EL_UPDATEPERIOD,
};

/* A namespace URI we know; VOCAB_NS_NONE for "", else VOCAB_NS_OTHER. */
enum vocab_ns	vocab_ns_from_uri(const char *uri);
/* The namespace an undeclared prefix conventionally means, or OTHER. */
enum vocab_ns	vocab_ns_from_prefix(const char *prefix, size_t len);
bool		vocab_is_core(enum vocab_ns ns);
/* The element (ns, local) is, VOCAB_EL_OTHER if none we read. */
enum vocab_el	vocab_element(enum vocab_ns ns, const char *local);

#endif
