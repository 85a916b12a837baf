/*
 * test_metrics: the registry and its text. Counters, gauges and
 * histograms render exactly as the Prometheus text format has them (the
 * daemon's GET /metrics is parsed by a real parser in
 * tests/daemon/test_metrics.py); label values are escaped; names and
 * labels that Prometheus would refuse are refused at registration; a
 * NULL registry or handle is harmless.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "metrics.h"
#include "tap.h"

static char *
render(struct metrics *m)
{
	struct buf b;

	buf_init(&b);
	metrics_render(m, &b);
	return buf_detach(&b);
}

static void
test_kinds(void)
{
	static const double bounds[] = { 0.1, 1, 2.5 };
	struct metrics *m = metrics_new();
	struct metric *polls, *bytes, *feeds, *dur;
	char *text;

	polls = metrics_counter(m, "feedd_polls_total", "Polls, by result.",
	    "result");
	bytes = metrics_counter(m, "feedd_fetched_bytes_total",
	    "Bytes fetched.", NULL);
	feeds = metrics_gauge(m, "feedd_feeds", "Feeds by state.", "state");
	dur = metrics_histogram(m, "feedd_poll_duration_seconds",
	    "How long polls took.", NULL, bounds, 3);
	ok(polls != NULL && bytes != NULL && feeds != NULL && dur != NULL,
	    "registered");
	metric_add(polls, 1, "ok");
	metric_add(polls, 0, "not_modified");
	metric_add(polls, 2, "ok");
	metric_add(bytes, 1536);
	metric_set(feeds, 5, "ok");
	metric_set(feeds, 7, "ok");
	metric_set(feeds, 1, "new");
	metric_observe(dur, 0.05);
	metric_observe(dur, 0.1);
	metric_observe(dur, 2);
	metric_observe(dur, 30);
	text = render(m);
	is_str(text,
	    "# HELP feedd_polls_total Polls, by result.\n"
	    "# TYPE feedd_polls_total counter\n"
	    "feedd_polls_total{result=\"ok\"} 3\n"
	    "feedd_polls_total{result=\"not_modified\"} 0\n"
	    "# HELP feedd_fetched_bytes_total Bytes fetched.\n"
	    "# TYPE feedd_fetched_bytes_total counter\n"
	    "feedd_fetched_bytes_total 1536\n"
	    "# HELP feedd_feeds Feeds by state.\n"
	    "# TYPE feedd_feeds gauge\n"
	    "feedd_feeds{state=\"ok\"} 7\n"
	    "feedd_feeds{state=\"new\"} 1\n"
	    "# HELP feedd_poll_duration_seconds How long polls took.\n"
	    "# TYPE feedd_poll_duration_seconds histogram\n"
	    "feedd_poll_duration_seconds_bucket{le=\"0.1\"} 2\n"
	    "feedd_poll_duration_seconds_bucket{le=\"1\"} 2\n"
	    "feedd_poll_duration_seconds_bucket{le=\"2.5\"} 3\n"
	    "feedd_poll_duration_seconds_bucket{le=\"+Inf\"} 4\n"
	    "feedd_poll_duration_seconds_sum 32.15\n"
	    "feedd_poll_duration_seconds_count 4\n",
	    "counters, gauges and a histogram (cumulative buckets, "
	    "a bound counts as its bucket's)");
	free(text);
	metric_clear(feeds);
	metric_add(polls, -1, "ok");
	metric_set(polls, 0, "ok");
	metric_observe(polls, 1, "ok");
	metric_add(dur, 1);
	text = render(m);
	ok(strstr(text, "feedd_feeds{") == NULL &&
	    strstr(text, "# TYPE feedd_feeds gauge\n") != NULL,
	    "a cleared gauge keeps its family, not its series");
	ok(strstr(text, "feedd_polls_total{result=\"ok\"} 3\n") != NULL &&
	    strstr(text, "feedd_poll_duration_seconds_count 4\n") != NULL,
	    "a counter never goes down nor is set; each kind takes its own "
	    "calls only");
	free(text);
	metrics_free(m);
}

static void
test_labels(void)
{
	struct metrics *m = metrics_new();
	struct metric *req, *again, *h;
	static const double b[] = { 1 };
	char *text;

	req = metrics_counter(m, "feedd_api_requests_total", "Requests\\ "
	    "by route,\nand status.", "route,method,status");
	metric_add(req, 1, "/v1/feeds/*", "GET", "200");
	metric_add(req, 1, "a \"quoted\" \\ back\nslash", NULL, "404");
	again = metrics_counter(m, "feedd_api_requests_total", "other help",
	    "route,method,status");
	ok(again == req, "registering a name again gives the same family");
	metric_add(again, 1, "/v1/feeds/*", "GET", "200");
	h = metrics_histogram(m, "feedd_x_seconds", "x", "kind", b, 1);
	metric_observe(h, 0.5, "a");
	text = render(m);
	is_str(text,
	    "# HELP feedd_api_requests_total Requests\\\\ by route,\\nand "
	    "status.\n"
	    "# TYPE feedd_api_requests_total counter\n"
	    "feedd_api_requests_total{route=\"/v1/feeds/*\",method=\"GET\","
	    "status=\"200\"} 2\n"
	    "feedd_api_requests_total{route=\"a \\\"quoted\\\" \\\\ back\\nslash\","
	    "method=\"\",status=\"404\"} 1\n"
	    "# HELP feedd_x_seconds x\n"
	    "# TYPE feedd_x_seconds histogram\n"
	    "feedd_x_seconds_bucket{kind=\"a\",le=\"1\"} 1\n"
	    "feedd_x_seconds_bucket{kind=\"a\",le=\"+Inf\"} 1\n"
	    "feedd_x_seconds_sum{kind=\"a\"} 0.5\n"
	    "feedd_x_seconds_count{kind=\"a\"} 1\n",
	    "several labels, escaped values, NULL as \"\", le after them");
	free(text);

	diag("the next lines log refused registrations, as they should");
	ok(metrics_counter(m, "feedd_api_requests_total", "", "route") ==
	    NULL, "the same name with other labels: NULL");
	ok(metrics_gauge(m, "feedd_api_requests_total", "",
	    "route,method,status") == NULL,
	    "the same name as another kind: NULL");
	ok(metrics_counter(m, "9lives", "", NULL) == NULL &&
	    metrics_counter(m, "has-dash", "", NULL) == NULL &&
	    metrics_counter(m, "", "", NULL) == NULL,
	    "names Prometheus refuses are refused");
	ok(metrics_counter(m, "feedd_a", "", "ok,bad-label") == NULL &&
	    metrics_counter(m, "feedd_b", "", "__reserved") == NULL &&
	    metrics_counter(m, "feedd_c", "", "a,b,c,d,e") == NULL &&
	    metrics_histogram(m, "feedd_d", "", "le", b, 1) == NULL,
	    "bad label names, too many labels, le on a histogram: refused");
	ok(metrics_histogram(m, "feedd_e", "", NULL,
	    (const double[]){ 2, 1 }, 2) == NULL,
	    "buckets out of order: refused");
	text = render(m);
	ok(strstr(text, "TYPE feedd_a ") == NULL &&
	    strstr(text, "TYPE feedd_e ") == NULL &&
	    strstr(text, "9lives") == NULL,
	    "nothing refused is rendered");
	free(text);
	metrics_free(m);
}

static void
test_null(void)
{
	struct metrics *m = metrics_new();
	struct metric *c;
	char *text;

	ok(metrics_counter(NULL, "feedd_x_total", "", NULL) == NULL,
	    "no registry: NULL handles");
	metric_add(NULL, 1, "x");
	metric_set(NULL, 1);
	metric_observe(NULL, 1);
	metric_clear(NULL);
	metrics_render(NULL, NULL);
	metrics_free(NULL);
	ok(true, "and every call takes them");
	c = metrics_gauge(m, "feedd_up", "Whether it is up.", NULL);
	metric_set(c, NAN);
	text = render(m);
	is_str(text, "# HELP feedd_up Whether it is up.\n"
	    "# TYPE feedd_up gauge\nfeedd_up NaN\n",
	    "a family without labels shows from the start; NaN as NaN");
	free(text);
	metric_set(c, INFINITY);
	metric_set(c, -123456789012.5);
	text = render(m);
	ok(strstr(text, "feedd_up -123456789012.5\n") != NULL,
	    "a large fraction keeps its digits");
	free(text);
	metrics_free(m);
}

int
main(void)
{
	test_kinds();
	test_labels();
	test_null();
	return tap_done();
}
