/*
 * htmlrender: an entry's HTML as text to read on a terminal, the way
 * w3m -dump shows a page. The HTML is read by a real HTML5 parser (gumbo),
 * so broken markup reads as a browser would show it and every character
 * reference is decoded.
 *
 * The text promises:
 *   - paragraphs, headings, block quotes, lists, tables' rows and <pre>
 *     stand apart: one blank line between paragraphs, none inside a list;
 *   - lines are wrapped at whole words to at most `width` columns, counted
 *     as a terminal shows UTF-8 (termwidth.h); a word longer than the
 *     width gets a line of its own, never split; width 0: no wrapping;
 *   - block quotes are prefixed "> ", list items "  * " or "  1. " (their
 *     continuation lines indented to match), <pre> is kept line for line,
 *     indented four columns, and never wrapped;
 *   - links read as their text followed by "[N]", numbered in order of
 *     first appearance (one number per target), and listed at the end
 *     under "Links:" made absolute against base_url; a link whose text is
 *     its own address gets no number;
 *   - images show their alt text as "[image: ALT]" (none without one);
 *     scripts, styles and control characters are dropped;
 *   - the text ends with one newline and has no trailing blanks;
 *   - time stays linear in the input: markup nested too deep for the parser
 *     to be quick (see RENDER_MAX_DEPTH) is shown as its words, wrapped.
 */
#ifndef FEEDD_HTMLRENDER_H
#define FEEDD_HTMLRENDER_H

#include <stddef.h>

/*
 * The text of html[0..len) to free(); base_url (may be NULL) resolves
 * relative links. NULL only when the parser could not run (logged).
 */
char	*htmlrender_text(const char *html, size_t len, const char *base_url,
	    int width);

#endif
