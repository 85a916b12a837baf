/*
 * apiload: a small HTTP/1.1 load client for feedd's Unix socket (wrk only
 * speaks TCP). C keep-alive connections, one thread, poll(2); each
 * connection sends a GET, reads the answer (Content-Length framing), and
 * sends the next, optionally paced to a total rate. Prints requests,
 * rate, errors and latency percentiles.
 *
 *   apiload -s SOCKET [-c CONNS] [-d SECONDS] [-r RATE] PATH...
 *
 * PATHs are used in turn; "%d" in a path is replaced by a random number
 * from 1 to the -m value (default 1000000), e.g. "/v1/entries/%d".
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS	256
#define BUF_SIZE	(8 * 1024 * 1024)

struct conn {
	int	 fd;
	char	*buf;
	size_t	 len;
	double	 sent_at;
	bool	 busy;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dial(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Length of a complete response in c->buf, or 0 if not complete yet. */
static size_t
complete(struct conn *c, int *status)
{
	char *end, *cl;
	size_t hlen, blen = 0;

	if (c->len < 12)
		return 0;
	c->buf[c->len] = '\0';
	if ((end = strstr(c->buf, "\r\n\r\n")) == NULL)
		return 0;
	hlen = (size_t)(end - c->buf) + 4;
	*status = atoi(c->buf + 9);
	if ((cl = strcasestr(c->buf, "\r\nContent-Length:")) != NULL &&
	    cl < end)
		blen = strtoul(cl + 17, NULL, 10);
	return c->len >= hlen + blen ? hlen + blen : 0;
}

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	struct conn conns[MAX_CONNS];
	struct pollfd pfd[MAX_CONNS];
	int nconns = 8, duration = 10, ch, npaths, next_path = 0;
	long max_rand = 1000000;
	double rate = 0, start, deadline, *lat;
	size_t nlat = 0, cap = 1 << 20, errors = 0, non2xx = 0;
	char **paths;

	while ((ch = getopt(argc, argv, "s:c:d:r:m:")) != -1) {
		switch (ch) {
		case 's': sock = optarg; break;
		case 'c': nconns = atoi(optarg); break;
		case 'd': duration = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'm': max_rand = atol(optarg); break;
		default: goto usage;
		}
	}
	paths = argv + optind;
	npaths = argc - optind;
	if (sock == NULL || npaths == 0 || nconns < 1 || nconns > MAX_CONNS) {
usage:
		fprintf(stderr, "usage: apiload -s SOCKET [-c CONNS] "
		    "[-d SECONDS] [-r RATE] [-m MAX] PATH...\n");
		return 2;
	}
	lat = malloc(cap * sizeof(*lat));
	for (int i = 0; i < nconns; i++) {
		conns[i].buf = malloc(BUF_SIZE + 1);
		conns[i].len = 0;
		conns[i].busy = false;
		if ((conns[i].fd = dial(sock)) == -1) {
			fprintf(stderr, "apiload: cannot connect to %s: %s\n",
			    sock, strerror(errno));
			return 1;
		}
	}
	srandom((unsigned)time(NULL));
	start = now();
	deadline = start + duration;
	for (;;) {
		double t = now();
		size_t sent_total = nlat + errors;
		bool may_send = rate <= 0 ||
		    (double)sent_total < (t - start) * rate;

		if (t >= deadline)
			break;
		for (int i = 0; i < nconns; i++) {
			struct conn *c = &conns[i];
			char req[1024], path[512], *pct;
			int n;

			if (c->busy || !may_send)
				continue;
			snprintf(path, sizeof(path), "%s", paths[next_path++ %
			    npaths]);
			if ((pct = strstr(path, "%d")) != NULL) {
				char tail[512];

				snprintf(tail, sizeof(tail), "%s", pct + 2);
				snprintf(pct, sizeof(path) - (size_t)(pct - path),
				    "%ld%s", 1 + random() % max_rand, tail);
			}
			n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n"
			    "Host: localhost\r\n\r\n", path);
			if (write(c->fd, req, (size_t)n) != n) {
				errors++;
				close(c->fd);
				c->fd = dial(sock);
				continue;
			}
			c->busy = true;
			c->len = 0;
			c->sent_at = now();
			if (rate > 0) {
				sent_total++;
				may_send = (double)sent_total <
				    (now() - start) * rate;
			}
		}
		for (int i = 0; i < nconns; i++) {
			pfd[i].fd = conns[i].fd;
			pfd[i].events = conns[i].busy ? POLLIN : 0;
		}
		if (poll(pfd, (nfds_t)nconns, rate > 0 ? 1 : 100) == -1)
			break;
		for (int i = 0; i < nconns; i++) {
			struct conn *c = &conns[i];
			ssize_t r;
			size_t done;
			int status = 0;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(c->fd, c->buf + c->len, BUF_SIZE - c->len);
			if (r <= 0) {
				errors++;
				close(c->fd);
				c->fd = dial(sock);
				c->busy = false;
				continue;
			}
			c->len += (size_t)r;
			if ((done = complete(c, &status)) == 0)
				continue;
			if (status < 200 || status > 299)
				non2xx++;
			if (nlat == cap)
				lat = realloc(lat, (cap *= 2) * sizeof(*lat));
			lat[nlat++] = now() - c->sent_at;
			c->busy = false;
			c->len = 0;
		}
	}
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	printf("requests %zu in %.1f s: %.0f/s, errors %zu, non-2xx %zu\n",
	    nlat, now() - start, (double)nlat / (now() - start), errors,
	    non2xx);
	if (nlat > 0)
		printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
		    lat[nlat / 2] * 1e3, lat[nlat * 9 / 10] * 1e3,
		    lat[nlat * 99 / 100] * 1e3, lat[nlat - 1] * 1e3);
	return errors > 0 || non2xx > 0;
}
