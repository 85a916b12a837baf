/*
 * metrics: a registry of families, each a list of series found by their
 * label values, and the text exposition format. A family holds a few
 * dozen series at most (routes by status, polls by result), so a series
 * is found by walking the list.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

enum metric_kind {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
};

struct series {
	char	*labels[METRICS_MAX_LABELS];
	double	 value;		/* counter, gauge; a histogram's sum */
	double	 count;		/* a histogram's observations */
	double	*buckets;	/* a histogram's, per bound (not cumulative) */
};

struct metric {
	enum metric_kind kind;
	char		*name;
	char		*help;
	char		*label_names[METRICS_MAX_LABELS];
	size_t		 nlabels;
	double		*bounds;
	size_t		 nbounds;
	struct series	*series;
	size_t		 nseries;
};

struct metrics {
	struct metric	**families;
	size_t		 n;
};

struct metrics *
metrics_new(void)
{
	return xcalloc(1, sizeof(struct metrics));
}

static void
series_clear(const struct metric *f, struct series *s)
{
	for (size_t i = 0; i < f->nlabels; i++)
		free(s->labels[i]);
	free(s->buckets);
}

void
metric_clear(struct metric *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nseries; i++)
		series_clear(f, &f->series[i]);
	free(f->series);
	f->series = NULL;
	f->nseries = 0;
}

static void
family_free(struct metric *f)
{
	metric_clear(f);
	for (size_t i = 0; i < f->nlabels; i++)
		free(f->label_names[i]);
	free(f->name);
	free(f->help);
	free(f->bounds);
	free(f);
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		family_free(m->families[i]);
	free(m->families);
	free(m);
}

/* [a-zA-Z_][a-zA-Z0-9_]*, and ':' too in a metric's name. */
static bool
name_ok(const char *s, bool colon)
{
	if (*s == '\0' || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' ||
		    (colon && *s == ':')))
			return false;
	return true;
}

/* "a,b" into names; the count, or -1 if one is not a label name. */
static int
split_labels(const char *labels, enum metric_kind kind,
    char *names[METRICS_MAX_LABELS])
{
	size_t n = 0, len;
	const char *p = labels;

	if (labels == NULL || *labels == '\0')
		return 0;
	for (;;) {
		len = strcspn(p, ",");
		if (n == METRICS_MAX_LABELS)
			goto bad;
		names[n] = xstrndup(p, len);
		if (!name_ok(names[n], false) ||
		    strncmp(names[n], "__", 2) == 0 ||
		    (kind == METRIC_HISTOGRAM && strcmp(names[n], "le") == 0)) {
			n++;
			goto bad;
		}
		n++;
		if (p[len] == '\0')
			return (int)n;
		p += len + 1;
	}
bad:
	while (n > 0)
		free(names[--n]);
	return -1;
}

static struct metric *
family_find(const struct metrics *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->families[i]->name, name) == 0)
			return m->families[i];
	return NULL;
}

static bool
same_labels(const struct metric *f, char *const *names, size_t n)
{
	if (f->nlabels != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(f->label_names[i], names[i]) != 0)
			return false;
	return true;
}

static struct series *series_find(struct metric *f, const char *const *v);

static struct metric *
family_new(struct metrics *m, enum metric_kind kind, const char *name,
    const char *help, const char *labels, const double *bounds,
    size_t nbounds)
{
	char *names[METRICS_MAX_LABELS];
	struct metric *f;
	int n;

	if (m == NULL)
		return NULL;
	if (!name_ok(name, true) ||
	    (n = split_labels(labels, kind, names)) == -1) {
		log_errx("metrics: '%s' {%s}: not a valid name or labels",
		    name, labels != NULL ? labels : "");
		return NULL;
	}
	if ((f = family_find(m, name)) != NULL) {
		if (f->kind != kind || !same_labels(f, names, (size_t)n)) {
			log_errx("metrics: '%s' is registered already, as "
			    "another kind or with other labels", name);
			f = NULL;
		}
		while (n > 0)
			free(names[--n]);
		return f;
	}
	for (size_t i = 1; i < nbounds; i++)
		if (!(bounds[i - 1] < bounds[i])) {
			log_errx("metrics: '%s': buckets not ascending", name);
			while (n > 0)
				free(names[--n]);
			return NULL;
		}
	f = xcalloc(1, sizeof(*f));
	f->kind = kind;
	f->name = xstrdup(name);
	f->help = xstrdup(help != NULL ? help : "");
	memcpy(f->label_names, names, (size_t)n * sizeof(*names));
	f->nlabels = (size_t)n;
	if (nbounds > 0) {
		f->bounds = xreallocarray(NULL, nbounds, sizeof(*bounds));
		memcpy(f->bounds, bounds, nbounds * sizeof(*bounds));
		f->nbounds = nbounds;
	}
	m->families = xreallocarray(m->families, m->n + 1,
	    sizeof(*m->families));
	m->families[m->n++] = f;
	/* A family without labels has its one series from the start, at 0. */
	if (n == 0)
		series_find(f, NULL);
	return f;
}

struct metric *
metrics_counter(struct metrics *m, const char *name, const char *help,
    const char *labels)
{
	return family_new(m, METRIC_COUNTER, name, help, labels, NULL, 0);
}

struct metric *
metrics_gauge(struct metrics *m, const char *name, const char *help,
    const char *labels)
{
	return family_new(m, METRIC_GAUGE, name, help, labels, NULL, 0);
}

struct metric *
metrics_histogram(struct metrics *m, const char *name, const char *help,
    const char *labels, const double *bounds, size_t nbounds)
{
	return family_new(m, METRIC_HISTOGRAM, name, help, labels, bounds,
	    nbounds);
}

/* The series of f with the label values v, made if new. */
static struct series *
series_find(struct metric *f, const char *const *v)
{
	struct series *s;
	size_t i, j;

	for (i = 0; i < f->nseries; i++) {
		s = &f->series[i];
		for (j = 0; j < f->nlabels; j++)
			if (strcmp(s->labels[j], v[j]) != 0)
				break;
		if (j == f->nlabels)
			return s;
	}
	f->series = xreallocarray(f->series, f->nseries + 1,
	    sizeof(*f->series));
	s = &f->series[f->nseries++];
	memset(s, 0, sizeof(*s));
	for (j = 0; j < f->nlabels; j++)
		s->labels[j] = xstrdup(v[j]);
	if (f->kind == METRIC_HISTOGRAM)
		s->buckets = xcalloc(f->nbounds + 1, sizeof(*s->buckets));
	return s;
}

/* The series of f with the label values in ap. */
static struct series *
series_get(struct metric *f, va_list ap)
{
	const char *v[METRICS_MAX_LABELS];

	for (size_t i = 0; i < f->nlabels; i++) {
		v[i] = va_arg(ap, const char *);
		if (v[i] == NULL)
			v[i] = "";
	}
	return series_find(f, v);
}

void
metric_add(struct metric *f, double v, ...)
{
	va_list ap;
	struct series *s;

	if (f == NULL || f->kind == METRIC_HISTOGRAM ||
	    (f->kind == METRIC_COUNTER && !(v >= 0)))
		return;
	va_start(ap, v);
	s = series_get(f, ap);
	va_end(ap);
	s->value += v;
}

void
metric_set(struct metric *f, double v, ...)
{
	va_list ap;
	struct series *s;

	if (f == NULL || f->kind != METRIC_GAUGE)
		return;
	va_start(ap, v);
	s = series_get(f, ap);
	va_end(ap);
	s->value = v;
}

void
metric_observe(struct metric *f, double v, ...)
{
	va_list ap;
	struct series *s;
	size_t i;

	if (f == NULL || f->kind != METRIC_HISTOGRAM || isnan(v))
		return;
	va_start(ap, v);
	s = series_get(f, ap);
	va_end(ap);
	for (i = 0; i < f->nbounds && v > f->bounds[i]; i++)
		;
	s->buckets[i]++;
	s->count++;
	s->value += v;
}

/* ---- the text format ---- */

/* The shortest decimal that reads back as v ("0.1", not 0.1000...01). */
static const char *
shortest(double v, char *tmp, size_t len)
{
	for (int prec = 15; prec < 17; prec++) {
		snprintf(tmp, len, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			return tmp;
	}
	snprintf(tmp, len, "%.17g", v);
	return tmp;
}

/* A sample value or a bucket bound as Prometheus reads floats. */
static void
put_number(struct buf *out, double v)
{
	char tmp[32];

	if (isnan(v))
		buf_puts(out, "NaN");
	else if (isinf(v))
		buf_puts(out, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		buf_printf(out, "%.0f", v);
	else
		buf_puts(out, shortest(v, tmp, sizeof(tmp)));
}

/* HELP text escapes \ and newline; label values " too. */
static void
put_escaped(struct buf *out, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_puts(out, "\\\\");
		else if (*s == '\n')
			buf_puts(out, "\\n");
		else if (quote && *s == '"')
			buf_puts(out, "\\\"");
		else
			buf_putc(out, *s);
	}
}

/* NAME{a="x",b="y"[,le="B"]} */
static void
put_sample_name(struct buf *out, const struct metric *f, const char *suffix,
    const struct series *s, const double *le)
{
	bool any = f->nlabels > 0 || le != NULL;

	buf_puts(out, f->name);
	buf_puts(out, suffix);
	if (!any)
		return;
	buf_putc(out, '{');
	for (size_t i = 0; i < f->nlabels; i++) {
		buf_printf(out, "%s%s=\"", i > 0 ? "," : "",
		    f->label_names[i]);
		put_escaped(out, s->labels[i], true);
		buf_putc(out, '"');
	}
	if (le != NULL) {
		buf_printf(out, "%sle=\"", f->nlabels > 0 ? "," : "");
		put_number(out, *le);
		buf_putc(out, '"');
	}
	buf_putc(out, '}');
}

static void
put_histogram(struct buf *out, const struct metric *f, const struct series *s)
{
	double cum = 0, inf = INFINITY;

	for (size_t i = 0; i <= f->nbounds; i++) {
		cum += s->buckets[i];
		put_sample_name(out, f, "_bucket", s, i < f->nbounds ?
		    &f->bounds[i] : &inf);
		buf_putc(out, ' ');
		put_number(out, cum);
		buf_putc(out, '\n');
	}
	put_sample_name(out, f, "_sum", s, NULL);
	buf_putc(out, ' ');
	put_number(out, s->value);
	buf_putc(out, '\n');
	put_sample_name(out, f, "_count", s, NULL);
	buf_putc(out, ' ');
	put_number(out, s->count);
	buf_putc(out, '\n');
}

void
metrics_render(const struct metrics *m, struct buf *out)
{
	static const char *const types[] = {
		[METRIC_COUNTER] = "counter",
		[METRIC_GAUGE] = "gauge",
		[METRIC_HISTOGRAM] = "histogram",
	};

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		const struct metric *f = m->families[i];

		buf_printf(out, "# HELP %s ", f->name);
		put_escaped(out, f->help, false);
		buf_printf(out, "\n# TYPE %s %s\n", f->name, types[f->kind]);
		for (size_t j = 0; j < f->nseries; j++) {
			const struct series *s = &f->series[j];

			if (f->kind == METRIC_HISTOGRAM) {
				put_histogram(out, f, s);
				continue;
			}
			put_sample_name(out, f, "", s, NULL);
			buf_putc(out, ' ');
			put_number(out, s->value);
			buf_putc(out, '\n');
		}
	}
}
