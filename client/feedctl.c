#include <sys/ioctl.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "apiclient.h"
#include "feedctl.h"
#include "units.h"

static int	cmd_status(struct feedctl *, int, char **);

static const struct feedctl_cmd commands[] = {
	{ "status", cmd_status, "status",
	    "show the daemon's version, uptime, feeds and database" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f, "usage: feedctl [--socket PATH] [--json] COMMAND [ARGS]\n"
	    "\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-34s %s\n", commands[i].usage, commands[i].help);
	fprintf(f, "\noptions:\n"
	    "  --socket PATH   daemon socket (default: $FEEDD_SOCKET, else "
	    "/run/feedd/feedd.sock,\n"
	    "                  else $XDG_RUNTIME_DIR/feedd/feedd.sock)\n"
	    "  --json          print the API's JSON instead of a table\n"
	    "  --version       print the version\n"
	    "  feedctl COMMAND --help shows a command's own options.\n");
}

static int
cmd_status(struct feedctl *ctl, int argc, char **argv)
{
	struct apiclient_resp r;
	char up[32];
	json_t *doc;
	int code = FEEDCTL_OK;

	if (argc > 1) {
		fprintf(stderr, "usage: feedctl status\n");
		return FEEDCTL_USAGE;
	}
	if (apiclient_request(ctl->socket, "GET", "/v1/status", NULL, &r) == -1)
		return FEEDCTL_FAIL;
	doc = r.doc;
	if (r.status != 200 || doc == NULL) {
		apiclient_print_error(&r);
		code = FEEDCTL_FAIL;
	} else if (ctl->json) {
		printf("%s", r.raw);
	} else {
		units_format_duration(json_integer_value(
		    json_object_get(doc, "uptime")), up, sizeof(up));
		printf("feedd %s, up %s (pid %lld)\n",
		    json_string_value(json_object_get(doc, "version")), up,
		    (long long)json_integer_value(json_object_get(doc, "pid")));
		printf("database  %s (%.1f MiB)\n",
		    json_string_value(json_object_get(doc, "database")),
		    (double)json_integer_value(json_object_get(doc,
		    "db_size")) / (1024.0 * 1024.0));
		printf("config    %s\n",
		    json_string_value(json_object_get(doc, "config")));
		printf("socket    %s\n", ctl->socket);
		printf("feeds     %lld configured\n", (long long)
		    json_integer_value(json_object_get(doc,
		    "feeds_configured")));
		printf("topics    %lld configured\n", (long long)
		    json_integer_value(json_object_get(doc,
		    "topics_configured")));
	}
	apiclient_resp_clear(&r);
	return code;
}

static int
terminal_columns(void)
{
	struct winsize ws;
	const char *e = getenv("COLUMNS");

	if (e != NULL && atoi(e) > 0)
		return atoi(e);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

int
main(int argc, char **argv)
{
	enum { OPT_SOCKET = 256, OPT_JSON, OPT_VERSION };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct feedctl ctl = { 0 };
	const char *socket = NULL;
	int ch, code;

	/* "+": stop at the command so its own options reach it. */
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_SOCKET: socket = optarg; break;
		case OPT_JSON: ctl.json = true; break;
		case OPT_VERSION:
			printf("feedctl %s\n", FEEDD_VERSION);
			return FEEDCTL_OK;
		case 'h':
			usage(stdout);
			return FEEDCTL_OK;
		default:
			usage(stderr);
			return FEEDCTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return FEEDCTL_USAGE;
	}
	ctl.socket = apiclient_socket_path(socket);
	ctl.color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	ctl.columns = terminal_columns();
	argc -= optind;
	argv += optind;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			printf("usage: feedctl %s\n\n%s\n", commands[i].usage,
			    commands[i].help);
			return FEEDCTL_OK;
		}
		/* Per-command options may follow; --json may come late too. */
		for (int k = 1; k < argc; k++)
			if (strcmp(argv[k], "--json") == 0) {
				ctl.json = true;
				memmove(&argv[k], &argv[k + 1],
				    (size_t)(argc - k) * sizeof(*argv));
				argc--;
				k--;
			}
		curl_global_init(CURL_GLOBAL_DEFAULT);
		code = commands[i].run(&ctl, argc, argv);
		curl_global_cleanup();
		return code;
	}
	fprintf(stderr, "feedctl: unknown command '%s' (feedctl --help lists "
	    "them)\n", argv[0]);
	return FEEDCTL_USAGE;
}
