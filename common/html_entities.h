/*
 * html_entities: a built-in DTD fragment declaring the HTML 4.01 named
 * entities (&nbsp; &mdash; &rsquo; ...), which feeds use as if they were
 * XML. The parser hands it to Expat as the external DTD subset; nothing is
 * ever read from disk or the network.
 */
#ifndef FEEDD_HTML_ENTITIES_H
#define FEEDD_HTML_ENTITIES_H

extern const char html_entities_dtd[];
extern const unsigned long html_entities_dtd_len;

#endif
