/*
 * feedlinks: the feeds an HTML page points to, for autodiscovery.
 *
 * The page is read by gumbo, the HTML5 parser htmlrender.c already uses:
 * it builds the tree a browser would, so <link> and <a> elements are
 * found wherever broken markup puts them, attributes are unquoted and
 * decoded, and <base> is the one the page really has. (libxml2's HTML
 * parser, the other candidate, follows HTML 4 error recovery and moves or
 * drops elements of modern pages.) No string search over markup.
 *
 * What counts, in the order discovery tries them:
 *   - FEEDLINKS_LINK: <link rel="alternate" (or "feed")> with an RSS,
 *     Atom, RDF or JSON Feed media type (or text/xml, application/xml);
 *     never WordPress's REST (application/json) or oEmbed links;
 *   - FEEDLINKS_ANCHOR: <a href> whose target looks like a feed's
 *     (feedlinks_feedish), same site first.
 * Each href is made absolute against the page's <base>, itself resolved
 * against the page's URL. Only the first FEEDLINKS_MAX_HTML bytes of a
 * page are read (the links that matter are in its head), and markup
 * nested too deep for gumbo to be quick is read up to its </head>.
 */
#ifndef FEEDD_FEEDLINKS_H
#define FEEDD_FEEDLINKS_H

#include <stdbool.h>
#include <stddef.h>

#define FEEDLINKS_MAX_HTML	(1024 * 1024)
#define FEEDLINKS_MAX_EACH	16	/* links, and anchors, kept at most */

enum feedlinks_via {
	FEEDLINKS_LINK,
	FEEDLINKS_ANCHOR,
};

struct feedlinks_item {
	char	*url;		/* absolute */
	char	*title;		/* the link's title, the anchor's text; or NULL */
	char	*type;		/* the link's media type; NULL for anchors */
	enum feedlinks_via via;
};

struct feedlinks {
	char	*title;		/* the page's <title>, or NULL */
	char	*base;		/* what hrefs were resolved against */
	struct feedlinks_item *items;	/* links first, then anchors */
	size_t	 nitems;
};

/*
 * True if a body is an HTML page by its bytes (a byte order mark, white
 * space, comments and an XML declaration may come first): "<!DOCTYPE
 * html" or "<html". Feeds served as text/html exist, so the label does
 * not decide.
 */
bool	feedlinks_is_html(const char *body, size_t len);

/*
 * Reads page (len bytes, in the charset its Content-Type content_type
 * or its <meta> says; UTF-8 and windows-1252 for stray bytes otherwise)
 * fetched from page_url. 0, or -1 if the HTML parser failed (logged).
 * Free with feedlinks_clear.
 */
int	feedlinks_read(const char *page, size_t len, const char *content_type,
	    const char *page_url, struct feedlinks *ret);
void	feedlinks_clear(struct feedlinks *l);

/*
 * True if url looks like a feed's: a last path segment such as "feed",
 * "rss", "atom.xml", "index.xml", "feed.json", a .rss/.rdf/.atom file, a
 * /feeds/posts/ path (Blogger), a feeds.* host (FeedBurner), or a query such
 * as ?feed=rss2 (WordPress without pretty links).
 */
bool	feedlinks_feedish(const char *url);

/*
 * True if a feed is a page's comments feed rather than its posts, by its
 * URL (WordPress's /comments/feed/, Blogger's /feeds/comments/) or its
 * title ("Comments Feed", "Kommentar-Feed", "Flux des commentaires",
 * "Лента комментариев" ...).
 */
bool	feedlinks_comments(const char *url, const char *title);

/* The usual feed paths, tried on a page's site when it announces none. */
extern const char *const feedlinks_guesses[];

#endif
