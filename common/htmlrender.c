#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "buf.h"
#include "htmlrender.h"
#include "htmltext.h"
#include "log.h"
#include "termwidth.h"
#include "url.h"
#include "xmalloc.h"

#define RENDER_PRE_INDENT	"    "
#define RENDER_RULE_MAX		40	/* an <hr> is at most this wide */
#define RENDER_TAB		8
/*
 * gumbo's time grows with the square of the open elements' depth (40 000
 * nested <div> take seconds): markup nested deeper than this is shown as
 * its words only (htmltext.h), wrapped, which costs linear time.
 */
#define RENDER_MAX_DEPTH	1000

/* A block that prefixes its lines: a list item, a quote, <pre>. */
struct level {
	char		*first;		/* on the block's first line */
	char		*rest;		/* on the lines after it */
	bool		 started;
};

/* An open <ul> or <ol>: the number its next item gets. */
struct list {
	bool		 ordered;
	long		 next;
};

/* A node being walked, and the next of its children to visit. */
struct frame {
	GumboNode	*node;
	unsigned int	 next;
};

struct render {
	struct buf	 out;
	struct buf	 word;		/* the word being read */
	struct buf	 line;		/* the line being filled, prefix first */
	size_t		 line_w;	/* its width in columns */
	bool		 line_open;	/* the prefix is on the line */
	bool		 line_words;	/* and a word after it */
	bool		 blank;		/* a blank line is owed before text */
	int		 width;
	int		 pre;		/* depth of <pre> */
	struct level	*levels;
	size_t		 nlevels;
	struct list	*lists;
	size_t		 nlists;
	char		**links;	/* absolute targets, by number - 1 */
	size_t		 nlinks;
	const char	*base;
	const char	*href;		/* of the <a> being read, or NULL */
	struct buf	 atext;		/* that <a>'s text */
};

static void
rtrim(struct buf *b)
{
	while (b->len > 0 && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
}

/* Starts a line: the blank line owed, then every level's prefix. */
static void
line_start(struct render *r)
{
	size_t i;

	if (r->blank && r->out.len > 0) {
		/* A blank line inside a quote keeps its "> " marks. */
		buf_reset(&r->line);
		for (i = 0; i < r->nlevels; i++)
			if (r->levels[i].started)
				buf_puts(&r->line, r->levels[i].rest);
		rtrim(&r->line);
		buf_append(&r->out, r->line.data, r->line.len);
		buf_putc(&r->out, '\n');
	}
	r->blank = false;
	buf_reset(&r->line);
	for (i = 0; i < r->nlevels; i++) {
		buf_puts(&r->line, r->levels[i].started ? r->levels[i].rest :
		    r->levels[i].first);
		r->levels[i].started = true;
	}
	r->line_w = termwidth_str(r->line.data);
	r->line_open = true;
	r->line_words = false;
}

static void
line_end(struct render *r)
{
	if (!r->line_open)
		return;
	rtrim(&r->line);
	buf_append(&r->out, r->line.data, r->line.len);
	buf_putc(&r->out, '\n');
	r->line_open = false;
	r->line_words = false;
}

/* Puts the word read so far on the line, wrapping before it if needed. */
static void
word_flush(struct render *r)
{
	size_t w;

	if (r->word.len == 0)
		return;
	w = termwidth_str(r->word.data);
	if (r->line_words && r->width > 0 &&
	    r->line_w + 1 + w > (size_t)r->width)
		line_end(r);
	if (!r->line_open)
		line_start(r);
	else if (r->line_words) {
		buf_putc(&r->line, ' ');
		r->line_w++;
	}
	buf_append(&r->line, r->word.data, r->word.len);
	r->line_w += w;
	r->line_words = true;
	buf_reset(&r->word);
}

/* Ends the line; blank: and owes a blank line before the next text. */
static void
block(struct render *r, bool blank)
{
	word_flush(r);
	line_end(r);
	if (blank)
		r->blank = true;
}

static bool
is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
	    cp == '\f';
}

/* Characters that are dropped: controls and invisible break hints. */
static bool
is_dropped(uint32_t cp)
{
	return (cp < 0x20 && !is_space(cp)) || cp == 0x7f ||
	    (cp >= 0x80 && cp < 0xa0) || cp == 0xad || cp == 0x200b ||
	    cp == 0xfeff;
}

/* <pre> text: line for line, tabs expanded, never wrapped. */
static void
text_pre(struct render *r, const unsigned char *p, size_t n, uint32_t cp)
{
	if (cp == '\n') {
		if (!r->line_open)
			line_start(r);
		line_end(r);
		return;
	}
	if (!r->line_open)
		line_start(r);
	if (cp == '\t') {
		do {
			buf_putc(&r->line, ' ');
			r->line_w++;
		} while ((r->line_w - strlen(RENDER_PRE_INDENT)) %
		    RENDER_TAB != 0);
		return;
	}
	if (cp == '\r' || cp == '\f')
		return;
	buf_append(&r->line, p, n);
	r->line_w += (size_t)termwidth_char(cp);
	r->line_words = true;
}

static void
text(struct render *r, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n;

	if (r->href != NULL)
		buf_puts(&r->atext, s);
	while (*p != '\0') {
		n = termwidth_next(p, &cp);
		if (r->pre > 0 && !is_dropped(cp))
			text_pre(r, p, n, cp);
		else if (is_space(cp))
			word_flush(r);
		else if (cp == 0xa0)
			buf_putc(&r->word, ' ');	/* no break, one space */
		else if (cp == 0xfffd && n == 1)
			buf_puts(&r->word, "\xef\xbf\xbd");
		else if (!is_dropped(cp))
			buf_append(&r->word, p, n);
		p += n;
	}
}

static void
level_push(struct render *r, const char *first, const char *rest)
{
	r->levels = xreallocarray(r->levels, r->nlevels + 1,
	    sizeof(*r->levels));
	r->levels[r->nlevels].first = xstrdup(first);
	r->levels[r->nlevels].rest = xstrdup(rest);
	r->levels[r->nlevels].started = false;
	r->nlevels++;
}

static void
level_pop(struct render *r)
{
	if (r->nlevels == 0)
		return;
	r->nlevels--;
	free(r->levels[r->nlevels].first);
	free(r->levels[r->nlevels].rest);
}

static const char *
attr(GumboNode *n, const char *name)
{
	GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes,
	    name);

	return a != NULL ? a->value : NULL;
}

/* The number of a link target, given one the first time it is seen. */
static size_t
link_number(struct render *r, const char *target)
{
	for (size_t i = 0; i < r->nlinks; i++)
		if (strcmp(r->links[i], target) == 0)
			return i + 1;
	r->links = xreallocarray(r->links, r->nlinks + 1, sizeof(*r->links));
	r->links[r->nlinks++] = xstrdup(target);
	return r->nlinks;
}

/* Links worth a number: not to a spot of the same page, nor scripts. */
static bool
link_wanted(const char *href)
{
	return href != NULL && href[0] != '\0' && href[0] != '#' &&
	    strncasecmp(href, "javascript:", 11) != 0;
}

static void
link_end(struct render *r)
{
	char *target = url_resolve(r->base, r->href), *label;
	struct buf t;

	/* The text, its white space collapsed, compared with the address. */
	buf_init(&t);
	for (const char *p = r->atext.data; p != NULL && *p != '\0'; p++)
		if (!is_space((unsigned char)*p))
			buf_putc(&t, *p);
	/* No text, nothing to follow; the address as text, nothing to add. */
	if (t.len > 0 && strcmp(t.data, target) != 0 &&
	    strcmp(t.data, r->href) != 0) {
		label = xasprintf("[%zu]", link_number(r, target));
		buf_puts(&r->word, label);
		free(label);
	}
	buf_free(&t);
	free(target);
	r->href = NULL;
}

static bool
is_heading(GumboTag tag)
{
	return tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2 ||
	    tag == GUMBO_TAG_H3 || tag == GUMBO_TAG_H4 ||
	    tag == GUMBO_TAG_H5 || tag == GUMBO_TAG_H6;
}

/* Blocks set apart by a blank line. */
static bool
is_paragraph(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_P: case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE:
	case GUMBO_TAG_DL: case GUMBO_TAG_TABLE: case GUMBO_TAG_FIGURE:
	case GUMBO_TAG_ADDRESS: case GUMBO_TAG_DETAILS:
		return true;
	default:
		return is_heading(tag);
	}
}

/* Blocks that only start on a line of their own. */
static bool
is_line_block(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_DIV: case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE:
	case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER: case GUMBO_TAG_MAIN:
	case GUMBO_TAG_ASIDE: case GUMBO_TAG_NAV: case GUMBO_TAG_LI:
	case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_TR:
	case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_CAPTION:
	case GUMBO_TAG_SUMMARY: case GUMBO_TAG_FORM: case GUMBO_TAG_FIELDSET:
	case GUMBO_TAG_CENTER: case GUMBO_TAG_HGROUP: case GUMBO_TAG_BODY:
		return true;
	default:
		return false;
	}
}

/* Elements whose content is not text to read. */
static bool
is_skipped(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_HEAD: case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE:
	case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_NOSCRIPT:
	case GUMBO_TAG_IFRAME: case GUMBO_TAG_SVG: case GUMBO_TAG_MATH:
	case GUMBO_TAG_OBJECT: case GUMBO_TAG_BUTTON: case GUMBO_TAG_SELECT:
	case GUMBO_TAG_TEXTAREA:
		return true;
	default:
		return false;
	}
}

/* A list whose items are inside another list's item starts no paragraph. */
static void
list_open(struct render *r, GumboNode *n, bool ordered)
{
	const char *start = attr(n, "start");

	block(r, r->nlists == 0);
	r->lists = xreallocarray(r->lists, r->nlists + 1, sizeof(*r->lists));
	r->lists[r->nlists].ordered = ordered;
	r->lists[r->nlists].next = start != NULL ? strtol(start, NULL, 10) : 1;
	r->nlists++;
}

static void
item_open(struct render *r)
{
	struct list *l = r->nlists > 0 ? &r->lists[r->nlists - 1] : NULL;
	char first[32], rest[32];

	block(r, false);
	if (l != NULL && l->ordered)
		snprintf(first, sizeof(first), "  %ld. ", l->next++);
	else
		snprintf(first, sizeof(first), "  * ");
	memset(rest, ' ', strlen(first));
	rest[strlen(first)] = '\0';
	level_push(r, first, rest);
}

static void
rule(struct render *r)
{
	size_t n;

	block(r, true);
	line_start(r);
	n = r->width > 0 && (size_t)r->width > r->line_w ?
	    (size_t)r->width - r->line_w : RENDER_RULE_MAX;
	if (n > RENDER_RULE_MAX)
		n = RENDER_RULE_MAX;
	while (n-- > 0)
		buf_putc(&r->line, '-');
	r->line_words = true;
	line_end(r);
	r->blank = true;
}

/* An element's start: false when its content is to be skipped. */
static bool
open_element(struct render *r, GumboNode *n)
{
	GumboTag tag = n->v.element.tag;
	const char *alt;

	if (is_skipped(tag))
		return false;
	switch (tag) {
	case GUMBO_TAG_UL: case GUMBO_TAG_MENU:
		list_open(r, n, false);
		return true;
	case GUMBO_TAG_OL:
		list_open(r, n, true);
		return true;
	case GUMBO_TAG_LI:
		item_open(r);
		return true;
	case GUMBO_TAG_BLOCKQUOTE:
		block(r, true);
		level_push(r, "> ", "> ");
		return true;
	case GUMBO_TAG_DD:
		block(r, false);
		level_push(r, "    ", "    ");
		return true;
	case GUMBO_TAG_PRE:
		block(r, true);
		level_push(r, RENDER_PRE_INDENT, RENDER_PRE_INDENT);
		r->pre++;
		return true;
	case GUMBO_TAG_BR:
		word_flush(r);
		if (r->line_open)
			line_end(r);
		else if (r->out.len > 0)
			r->blank = true;
		return false;
	case GUMBO_TAG_HR:
		rule(r);
		return false;
	case GUMBO_TAG_IMG:
		if ((alt = attr(n, "alt")) != NULL && *alt != '\0') {
			text(r, "[image: ");
			text(r, alt);
			text(r, "]");
		}
		return false;
	case GUMBO_TAG_A:
		if (r->href == NULL && link_wanted(attr(n, "href"))) {
			r->href = attr(n, "href");
			buf_reset(&r->atext);
		}
		return true;
	case GUMBO_TAG_TD: case GUMBO_TAG_TH:
		word_flush(r);
		return true;
	default:
		if (is_paragraph(tag) || is_line_block(tag))
			block(r, is_paragraph(tag));
		return true;
	}
}

static void
close_element(struct render *r, GumboNode *n)
{
	GumboTag tag = n->v.element.tag;

	switch (tag) {
	case GUMBO_TAG_UL: case GUMBO_TAG_MENU: case GUMBO_TAG_OL:
		if (r->nlists > 0)
			r->nlists--;
		block(r, r->nlists == 0);
		return;
	case GUMBO_TAG_LI: case GUMBO_TAG_DD:
		block(r, false);
		level_pop(r);
		return;
	case GUMBO_TAG_BLOCKQUOTE:
		block(r, false);
		level_pop(r);
		r->blank = true;
		return;
	case GUMBO_TAG_PRE:
		block(r, false);
		level_pop(r);
		r->pre--;
		r->blank = true;
		return;
	case GUMBO_TAG_A:
		if (r->href != NULL && r->href == attr(n, "href"))
			link_end(r);
		return;
	case GUMBO_TAG_TD: case GUMBO_TAG_TH:
		word_flush(r);
		return;
	default:
		if (is_paragraph(tag) || is_line_block(tag))
			block(r, is_paragraph(tag));
		return;
	}
}

/* Depth first without recursion: nesting in a feed has no bound. */
static void
walk(struct render *r, GumboNode *root)
{
	struct frame *stack = NULL;
	size_t depth = 0, cap = 0;
	GumboNode *n;

	stack = xreallocarray(stack, cap = 64, sizeof(*stack));
	stack[depth++] = (struct frame){ root, 0 };
	while (depth > 0) {
		struct frame *f = &stack[depth - 1];
		GumboVector *kids = &f->node->v.element.children;

		if (f->next >= kids->length) {
			if (f->node != root)
				close_element(r, f->node);
			depth--;
			continue;
		}
		n = kids->data[f->next++];
		if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA ||
		    n->type == GUMBO_NODE_WHITESPACE)
			text(r, n->v.text.text);
		else if ((n->type == GUMBO_NODE_ELEMENT ||
		    n->type == GUMBO_NODE_TEMPLATE) && open_element(r, n)) {
			if (depth == cap)
				stack = xreallocarray(stack, cap *= 2,
				    sizeof(*stack));
			stack[depth++] = (struct frame){ n, 0 };
		}
	}
	free(stack);
}

static void
list_links(struct render *r)
{
	if (r->nlinks == 0)
		return;
	buf_puts(&r->out, r->out.len > 0 ? "\nLinks:\n" : "Links:\n");
	for (size_t i = 0; i < r->nlinks; i++)
		buf_printf(&r->out, "[%zu] %s\n", i + 1, r->links[i]);
}

char *
htmlrender_text(const char *html, size_t len, const char *base_url,
    int width)
{
	GumboOptions opts = kGumboDefaultOptions;
	GumboOutput *doc = NULL;
	struct render r;

	memset(&r, 0, sizeof(r));
	buf_init(&r.out);
	buf_init(&r.word);
	buf_init(&r.line);
	buf_init(&r.atext);
	r.width = width;
	r.base = base_url;
	if (htmltext_depth_bound(html, len) > RENDER_MAX_DEPTH) {
		struct buf words;

		buf_init(&words);
		htmltext_append(&words, html, len);
		text(&r, words.data);
		buf_free(&words);
	} else {
		/* Parse errors are not ours to report: keep none. */
		opts.max_errors = 0;
		if ((doc = gumbo_parse_with_options(&opts, html, len)) ==
		    NULL) {
			log_err("htmlrender: the HTML parser failed");
			buf_free(&r.word);
			buf_free(&r.line);
			buf_free(&r.atext);
			buf_free(&r.out);
			return NULL;
		}
		walk(&r, doc->root);
	}
	block(&r, false);
	/* Blank lines owed at the end are not owed any more. */
	while (r.out.len > 1 && r.out.data[r.out.len - 1] == '\n' &&
	    r.out.data[r.out.len - 2] == '\n')
		r.out.data[--r.out.len] = '\0';
	list_links(&r);
	if (doc != NULL)
		gumbo_destroy_output(&opts, doc);
	while (r.nlevels > 0)
		level_pop(&r);
	for (size_t i = 0; i < r.nlinks; i++)
		free(r.links[i]);
	free(r.links);
	free(r.levels);
	free(r.lists);
	buf_free(&r.word);
	buf_free(&r.line);
	buf_free(&r.atext);
	return buf_detach(&r.out);
}
