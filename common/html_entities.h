/*
 * html_entities: the HTML 4.01 named entities (&nbsp; &mdash; &rsquo; ...)
 * that feeds use as if XML defined them. The parser asks Expat to skip
 * undeclared entities instead of failing (foreign DTD, NOTES.md 3.5) and
 * puts in the text of the ones named here; any other name is dropped.
 * Nothing is ever read from disk or the network, and no DTD is parsed.
 */
#ifndef FEEDD_HTML_ENTITIES_H
#define FEEDD_HTML_ENTITIES_H

/* The entity's text as UTF-8, or NULL if HTML 4.01 has no such name. */
const char *html_entity_lookup(const char *name);

#endif
