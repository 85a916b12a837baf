/*
 * weblinks: the links of an HTTP Link header (RFC 8288), as WebSub
 * discovery reads them (W3C WebSub 4: rel="hub" and rel="self").
 *
 * Promises: a value that does not parse stops the reading there, never
 * past the string; a rel parameter with several relation types (rel="hub
 * self") counts for each; the target is resolved against base.
 */
#ifndef FEEDD_WEBLINKS_H
#define FEEDD_WEBLINKS_H

/*
 * The first link of value whose relation types include rel (compared
 * without case), made absolute against base (may be NULL); NULL when
 * there is none. The caller frees it.
 */
char	*weblinks_find(const char *value, const char *rel, const char *base);

#endif
