/*
 * metrics: the daemon's counters, gauges and histograms, and their text in
 * the Prometheus exposition format (text/plain version 0.0.4) for
 * GET /metrics.
 *
 * A module that counts something registers its series once, keeps the
 * handles, and bumps them where things happen:
 *
 *	m_polls = metrics_counter(m, "feedd_polls_total",
 *	    "Polls finished, by result.", "result");
 *	...
 *	metric_add(m_polls, 1, "not_modified");
 *
 * That is all a new series takes: the name, one line of help, the names
 * of its labels (comma-separated, at most METRICS_MAX_LABELS; NULL for
 * none), then one label value per name after the number at each bump, in
 * the order of the names. Values that are read rather than counted (feeds
 * by state, the database's size) are gauges set with metric_set() just
 * before metrics_render(), by whoever renders (api_metrics.c).
 *
 * Names follow Prometheus's conventions: "feedd_" first, snake_case, base
 * units in the name (_seconds, _bytes), counters ending in _total.
 * metrics_render() writes families in the order they were registered and
 * each family's series in the order they first appeared; label values are
 * free text (escaped there). Registering a name again returns the family
 * already registered (same kind and label names: anything else is a bug,
 * logged, and gives NULL).
 *
 * Every function takes NULL for the registry or a handle and then does
 * nothing, so code that runs without a registry (unit tests, --once)
 * bumps its handles all the same. One registry per process, used from the
 * event loop only.
 */
#ifndef FEEDD_METRICS_H
#define FEEDD_METRICS_H

#include <stddef.h>

struct buf;
struct metrics;
struct metric;

#define METRICS_MAX_LABELS	4
/* What GET /metrics answers with. */
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct metrics	*metrics_new(void);
void		 metrics_free(struct metrics *m);

/* A counter: only ever goes up (metric_add with v >= 0). */
struct metric	*metrics_counter(struct metrics *m, const char *name,
		    const char *help, const char *labels);
/* A gauge: set or moved either way. */
struct metric	*metrics_gauge(struct metrics *m, const char *name,
		    const char *help, const char *labels);
/*
 * A histogram of observations (durations in seconds, say): bounds are the
 * buckets' upper limits, ascending (+Inf is added), copied.
 */
struct metric	*metrics_histogram(struct metrics *m, const char *name,
		    const char *help, const char *labels, const double *bounds,
		    size_t nbounds);

/*
 * After v, one const char * per label name (NULL reads as ""). metric_add
 * is for counters and gauges (metric_add(c, 0, ...) makes a series appear
 * at 0, so that rates work from the start), metric_set for gauges,
 * metric_observe for histograms.
 */
void	metric_add(struct metric *c, double v, ...);
void	metric_set(struct metric *g, double v, ...);
void	metric_observe(struct metric *h, double v, ...);
/* Forgets a family's series (a gauge whose label values come and go). */
void	metric_clear(struct metric *g);

/* Every family, in the text format, appended to out. */
void	metrics_render(const struct metrics *m, struct buf *out);

#endif
