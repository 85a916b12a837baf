/*
 * bench_topics: what following topics costs the poll pipeline.
 *
 *   bench_topics [-p1bk] [-f FEEDS] [-e ENTRIES] [-n NEW] [-t TOPICS]
 *                [-d DIR] [-g FEEDS]
 *
 * The same generated corpus is ingested twice into fresh databases, first
 * with no topic, then with TOPICS topics: FEEDS feeds, each polled once
 * with ENTRIES entries (the first poll of a new subscription), then once
 * more with NEW new entries on top (a steady-state poll). The polls go
 * through the daemon's group commit (batch.c) as a --once poll does: a
 * batch is written when its entries reach BATCH_MAX_WEIGHT, or every
 * FEEDS polls with -g (-g 1: one transaction per poll). On the clock:
 * the batch's writes, commit and topic matching (topics_match and
 * topics_deliver, timed apart); generating the entries is not timed. With
 * -p each poll is an RSS 2.0 document that feed_doc_parse() reads first,
 * and the parse is on the clock too (ingest as the daemon does it, minus
 * the HTTP transfer). With -1 only the run with topics is made, for
 * valgrind --tool=callgrind: compare the inclusive cost of topics_match
 * with that of store_ingest and feed_doc_parse.
 * Topics name no hook (spawning processes is not matching). With -b the
 * topics are broad, the kind people do follow ("ukraine", "election OR
 * vote"): common names, each topic matching about a quarter of the
 * entries, so that the cost of recording a match dominates. With -k the
 * database with topics stays in DIR (bench-topics-TOPICS.db), to be
 * looked into.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "batch.h"
#include "buf.h"
#include "config.h"
#include "feed.h"
#include "feedd.h"
#include "log.h"
#include "store.h"
#include "topics.h"
#include "xmalloc.h"

/*
 * Text: a fifth function words, the rest drawn from NAMES synthetic words
 * (Latin and Cyrillic syllables) with Zipf-like ranks (log-uniform), the
 * shape of real news vocabulary; one entry in 50 carries a topic phrase.
 */
#define NAMES	20000

static const char *const function_words[] = {
	"the", "a", "of", "in", "on", "for", "with", "from", "by", "after",
	"to", "and", "is", "was", "said", "will", "has", "at", "as", "over",
	"у", "в", "на", "з", "і", "та", "що", "до", "за", "про",
	"и", "не", "по", "от", "для", "это", "как", "его", "их", "уже",
};
#define NFUNCTION	(sizeof(function_words) / sizeof(function_words[0]))

static const char *const syllables[] = {
	"ka", "lo", "mi", "ne", "ru", "sta", "vo", "ter", "gra", "pol",
	"an", "ber", "din", "es", "fur", "go", "hel", "is", "jor", "kin",
	"ко", "ла", "мі", "не", "ру", "ста", "во", "тер", "гра", "пол",
};
#define NSYLL	(sizeof(syllables) / sizeof(syllables[0]))

static const char *const phrases[] = {
	"Coalition of the Willing", "«Коаліція охочих»", "коаліції охочих",
	"коалиции желающих", "security guarantees",
};
#define NPHRASES	(sizeof(phrases) / sizeof(phrases[0]))

struct corpus {
	char		*name[NAMES];
	uint64_t	 state;
};

static uint64_t
next_rand(struct corpus *c)
{
	/* splitmix64 */
	uint64_t z = (c->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
uniform(struct corpus *c)
{
	return (double)(next_rand(c) >> 11) / 9007199254740992.0;
}

static void
corpus_init(struct corpus *c, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->state = seed;
	for (size_t i = 0; i < NAMES; i++) {
		struct buf b;
		size_t k = 2 + i % 3;

		buf_init(&b);
		/* Cyrillic and Latin syllables do not mix inside a word. */
		for (size_t j = 0, base = (i % 3 == 2) ? 20 : 0; j < k; j++)
			buf_puts(&b, syllables[base + (size_t)(next_rand(c) %
			    (base != 0 ? 10 : 20))]);
		buf_printf(&b, "%05zx", i);	/* unique, never a prefix */
		buf_putc(&b, '\0');
		c->name[i] = buf_detach(&b);
	}
}

/* Rank r has probability ~ 1/r (log-uniform over 1..NAMES). */
static const char *
word(struct corpus *c)
{
	size_t r;

	if (next_rand(c) % 5 == 0)
		return function_words[next_rand(c) % NFUNCTION];
	r = (size_t)exp(uniform(c) * log((double)NAMES));
	return c->name[r > 0 ? r - 1 : 0];
}

static char *
text(struct corpus *c, size_t count, const char *open, const char *close)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, open);
	for (size_t i = 0; i < count; i++)
		buf_printf(&b, "%s%s", i > 0 ? " " : "", word(c));
	if (next_rand(c) % 50 == 0)
		buf_printf(&b, " %s", phrases[next_rand(c) % NPHRASES]);
	buf_puts(&b, close);
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

static void
gen_entries(struct corpus *c, int feed, int first, int n,
    struct feed_entry *e)
{
	for (int j = 0; j < n; j++) {
		int k = first + n - 1 - j;	/* newest first, as feeds do */

		memset(&e[j], 0, sizeof(e[j]));
		e[j].id = xasprintf("urn:bench:%d:%d", feed, k);
		e[j].link = xasprintf("https://news%d.example/%d/story-%d",
		    feed % 700, feed, k);
		e[j].title = text(c, 10, "", "");
		e[j].summary = text(c, 35, "", "");
		e[j].content = text(c, 120, "<p>", "</p>");
		e[j].author = xstrdup("Desk");
		e[j].published = 1756900000 + (int64_t)k * 60;
		e[j].updated = FEED_TIME_NONE;
	}
}

static void
xml_text(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '&')
			buf_puts(b, "&amp;");
		else if (*s == '<')
			buf_puts(b, "&lt;");
		else if (*s == '>')
			buf_puts(b, "&gt;");
		else
			buf_putc(b, *s);
	}
}

/* The entries as the RSS 2.0 document a feed would serve. */
static char *
rss_document(int feed, const struct feed_entry *e, int n, size_t *ret_len)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/"
	    "modules/content/\"><channel><title>News %d</title>"
	    "<link>https://news%d.example/</link><description>d</description>",
	    feed, feed % 700);
	for (int j = 0; j < n; j++) {
		time_t t = (time_t)e[j].published;
		struct tm tm;
		char date[64];

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		buf_printf(&b, "<item><guid isPermaLink=\"false\">%s</guid>"
		    "<title>", e[j].id);
		xml_text(&b, e[j].title);
		buf_printf(&b, "</title><link>%s</link><pubDate>%s</pubDate>"
		    "<author>%s</author><description>", e[j].link, date,
		    e[j].author);
		xml_text(&b, e[j].summary);
		buf_puts(&b, "</description><content:encoded>");
		xml_text(&b, e[j].content);
		buf_puts(&b, "</content:encoded></item>");
	}
	buf_puts(&b, "</channel></rss>\n");
	*ret_len = b.len;
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

static void
free_entries(struct feed_entry *e, int n)
{
	for (int j = 0; j < n; j++)
		feed_entry_clear(&e[j]);
}

/*
 * Topics of every kind FTS5 offers, about names of ranks 4000..20000:
 * each matches one entry in several hundred, like the people, places and
 * things a reader follows; the coalition topic matches one in 60.
 */
static char *
topic_query(struct corpus *c, int i)
{
	const char *a = c->name[4000 + (size_t)(i * 179) % 16000];
	const char *b = c->name[4000 + (size_t)(i * 337 + 7) % 16000];

	if (i == 0)
		return xstrdup("\"coalition of the willing\" OR "
		    "(коаліці* охоч*) OR (коалици* желающ*)");
	switch (i % 7) {
	case 0:
		return xasprintf("%s AND guarant*", a);
	case 1:
		return xasprintf("\"%s\"", a);
	case 2:
		return xasprintf("%s OR %s", a, b);
	case 3:
		return xasprintf("NEAR(%s %s, 20)", a, b);
	case 4:
		return xasprintf("title: %s", a);
	case 5:
		return xasprintf("%s NOT %s", a, b);
	default:
		return xasprintf("%s*", a);
	}
}

/*
 * Broad topics: names of ranks 5..300, which an entry of ~130 drawn
 * names carries with a probability of 4% to 70%.
 */
static char *
topic_query_broad(struct corpus *c, int i)
{
	const char *a = c->name[5 + (size_t)(i * 37) % 150];
	const char *b = c->name[40 + (size_t)(i * 53 + 11) % 260];

	switch (i % 4) {
	case 0:
		return xstrdup(a);
	case 1:
		return xasprintf("%s OR %s", a, b);
	case 2:
		return xasprintf("%s*", b);
	default:
		return xasprintf("title: %s OR %s", a, b);
	}
}

static bool	broad;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(getenv("BENCH_WALL") != NULL ? CLOCK_MONOTONIC :
	    CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct result {
	double	 ingest[2];	/* store_ingest, per round */
	double	 match[2];	/* topics_match + topics_deliver */
	size_t	 entries[2];
	size_t	 batches[2];
	int64_t	 matches;
};

static bool	parse_too, only_topics, keep;
static int	group;		/* -g: feeds per batch, 0: by weight */

/* The batch's hooks: time the topics' part of each flush. */
struct bstate {
	struct feedd	*d;
	struct result	*res;
	int		 round;
	double		 hook_s;
};

struct job {
	struct bstate	*bs;
	int64_t		 feed_id;
	struct feed_entry *e;
	int		 n;
	char		*xml;
	size_t		 xlen;
	struct feed_doc	*doc;
};

/* What poll.c's job does inside the batch: store, report the new ids. */
static void
job_write(void *arg)
{
	struct job *j = arg;
	struct bstate *bs = j->bs;
	struct store_ingest_result r;
	const struct feed_entry *in = j->doc != NULL ? j->doc->entries : j->e;
	size_t nin = j->doc != NULL ? j->doc->nentries : (size_t)j->n;

	/* The topics note it as the batch indexes it: counted as ingest. */
	if (store_ingest(bs->d->store, j->feed_id, NULL, in, nin, &r) == -1)
		exit(1);
	bs->res->entries[bs->round] += r.new_count;
	store_ingest_result_clear(&r);
	feed_doc_free(j->doc);
	free(j->xml);
	free_entries(j->e, j->n);
	free(j->e);
	free(j);
}

static void
on_written(void *arg)
{
	struct bstate *bs = arg;
	double t0 = now_s();

	topics_match(bs->d->topics);
	bs->hook_s += now_s() - t0;
}

static void
on_committed(void *arg, bool ok)
{
	struct bstate *bs = arg;
	double t0 = now_s();

	topics_deliver(bs->d->topics, ok);
	bs->hook_s += now_s() - t0;
}

/* Matches are counted from the store; nobody is told of them here. */
static void
on_matches(void *arg, int64_t topic_id, const char *topic, const char *hook,
    const int64_t *ids, size_t n)
{
}

static void
run(const char *dir, int nfeeds, int per_poll, int nnew, int ntopics,
    struct result *res)
{
	struct topics_callbacks cb = { .on_matches = on_matches };
	struct config cfg = { 0 };
	struct feedd d = { 0 };
	struct corpus c;
	struct bstate bs = { 0 };
	struct batch_options bo = { .window_ms = 3600 * 1000,
	    .max_weight = BATCH_MAX_WEIGHT };
	struct batch_hooks hooks = { on_written, on_committed, &bs };
	struct batch *b;
	struct store_topic *tl;
	int64_t *fid = xcalloc((size_t)nfeeds, sizeof(*fid));
	char *path = xasprintf("%s/bench-topics-%d.db", dir, ntopics);
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	char err[512];
	size_t ntl;

	memset(res, 0, sizeof(*res));
	unlink(path);
	unlink(wal);
	unlink(shm);
	corpus_init(&c, 20250903);
	d.base = event_base_new();
	if ((d.store = store_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_topics: %s\n", err);
		exit(1);
	}
	cfg.path = "bench";
	cfg.notify_max_parallel = 1;
	cfg.notify_timeout_s = 1;
	cfg.ntopics = (size_t)ntopics;
	cfg.topics = xcalloc(cfg.ntopics + 1, sizeof(*cfg.topics));
	for (int i = 0; i < ntopics; i++) {
		cfg.topics[i].name = xasprintf("topic%03d", i);
		cfg.topics[i].query = broad ? topic_query_broad(&c, i) :
		    topic_query(&c, i);
	}
	d.cfg = &cfg;
	if ((d.topics = topics_new(&d, &cb)) == NULL ||
	    topics_reconcile(d.topics, &cfg) == -1)
		exit(1);
	for (int f = 0; f < nfeeds; f++) {
		char *url = xasprintf("https://news%d.example/feed%d.xml",
		    f % 700, f);

		store_feed_add(d.store, url, NULL, NULL, 0, &fid[f]);
		free(url);
	}
	bs.d = &d;
	bs.res = res;
	b = batch_new(d.base, d.store, &bo, &hooks);
	for (int round = 0; round < 2; round++) {
		int n = round == 0 ? per_poll : nnew;
		int first = round == 0 ? 0 : per_poll;
		size_t weight = 0, queued = 0;

		bs.round = round;
		for (int f = 0; f < nfeeds; f++) {
			struct job *j = xcalloc(1, sizeof(*j));
			double t0;

			/* Round 2 documents hold only the NEW items. */
			j->bs = &bs;
			j->feed_id = fid[f];
			j->e = xcalloc((size_t)n, sizeof(*j->e));
			j->n = n;
			gen_entries(&c, f, first, n, j->e);
			if (parse_too)
				j->xml = rss_document(f, j->e, n, &j->xlen);
			t0 = now_s();
			if (parse_too)
				j->doc = feed_doc_parse(j->xml, j->xlen,
				    "https://news.example/feed.xml");
			res->ingest[round] += now_s() - t0;
			/* The batch's own rule (batch.c), or -g feeds. */
			weight += (parse_too ? j->doc->nentries :
			    (size_t)n) + 1;
			queued++;
			batch_add(b, job_write, j, 0);
			if (weight >= bo.max_weight || (group > 0 &&
			    queued >= (size_t)group) || f == nfeeds - 1) {
				t0 = now_s();
				batch_flush(b);
				res->ingest[round] += now_s() - t0 -
				    bs.hook_s;
				res->match[round] += bs.hook_s;
				res->batches[round]++;
				bs.hook_s = 0;
				weight = queued = 0;
			}
		}
	}
	batch_free(b);
	if (store_topic_list(d.store, &tl, &ntl) == 0) {
		for (size_t i = 0; i < ntl; i++) {
			res->matches += tl[i].match_count;
			if (getenv("BENCH_TOPICS") != NULL)
				printf("%6lld  %s\n",
				    (long long)tl[i].match_count, tl[i].query);
		}
		store_topic_list_free(tl, ntl);
	}
	topics_free(d.topics);
	store_free(d.store);
	event_base_free(d.base);
	for (int i = 0; i < ntopics; i++) {
		free(cfg.topics[i].name);
		free(cfg.topics[i].query);
	}
	free(cfg.topics);
	for (size_t i = 0; i < NAMES; i++)
		free(c.name[i]);
	if (!keep || ntopics == 0) {
		unlink(path);
		unlink(wal);
		unlink(shm);
	}
	free(path);
	free(wal);
	free(shm);
	free(fid);
}

static void
report(const char *what, int round, const struct result *base,
    const struct result *with)
{
	double b = base->ingest[round] + base->match[round];
	double w = with->ingest[round] + with->match[round];

	printf("%-28s %8zu entries %6zu batches  no topics %7.2f s  "
	    "with topics %7.2f s (matching %.2f s)  %+6.1f%%\n", what,
	    with->entries[round], with->batches[round], b, w,
	    with->match[round], (w - b) / b * 100.0);
}

int
main(int argc, char **argv)
{
	struct result base, with;
	const char *dir = "/tmp";
	int nfeeds = 5000, per_poll = 20, nnew = 2, ntopics = 100, ch;

	while ((ch = getopt(argc, argv, "p1bkf:e:n:t:d:g:")) != -1) {
		switch (ch) {
		case 'p': parse_too = true; break;
		case '1': only_topics = true; break;
		case 'b': broad = true; break;
		case 'k': keep = true; break;
		case 'f': nfeeds = atoi(optarg); break;
		case 'e': per_poll = atoi(optarg); break;
		case 'n': nnew = atoi(optarg); break;
		case 't': ntopics = atoi(optarg); break;
		case 'd': dir = optarg; break;
		case 'g': group = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench_topics [-p1bk] [-f FEEDS] "
			    "[-e ENTRIES] [-n NEW] [-t TOPICS] [-d DIR] "
			    "[-g FEEDS]\n");
			return 2;
		}
	}
	if (nfeeds < 1 || per_poll < 1 || nnew < 1 || ntopics < 1)
		return 2;
	log_init("bench_topics");
	log_set_level(LOG_LEVEL_WARNING);
	printf("%d feeds, %d entries on the first poll, %d new on the "
	    "second, %d topics; ingest = %s; %s time\n", nfeeds, per_poll,
	    nnew, ntopics, parse_too ? "parse + store" : "store",
	    getenv("BENCH_WALL") != NULL ? "wall-clock" : "CPU");
	run(dir, nfeeds, per_poll, nnew, ntopics, &with);
	if (only_topics) {
		printf("matches recorded: %lld\n", (long long)with.matches);
		return 0;
	}
	run(dir, nfeeds, per_poll, nnew, 0, &base);
	report("first poll of every feed", 0, &base, &with);
	report("second poll (new entries)", 1, &base, &with);
	{
		struct result sum_b = base, sum_w = with;

		sum_b.ingest[0] += base.ingest[1];
		sum_b.match[0] += base.match[1];
		sum_w.ingest[0] += with.ingest[1];
		sum_w.match[0] += with.match[1];
		sum_w.entries[0] += with.entries[1];
		sum_w.batches[0] += with.batches[1];
		report("both", 0, &sum_b, &sum_w);
	}
	printf("matches recorded: %lld (%.2f per entry)\n",
	    (long long)with.matches, (double)with.matches /
	    (double)(with.entries[0] + with.entries[1]));
	return 0;
}
