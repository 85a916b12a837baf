/*
 * test_url: url_check() (which URLs may be fetched as feeds, and why not)
 * and url_host_key() (the host per-host limits count a URL under);
 * url_redacted() and url_secret_parts() (what of a hook's URL may be shown,
 * and what is as good as a password), url_path() and url_with_path().
 */
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "tap.h"
#include "url.h"

/* url for a test's name: control characters would break the TAP line. */
static const char *
shown(const char *url)
{
	static char buf[128];
	size_t i = 0;

	for (; *url != '\0' && i + 5 < sizeof(buf); url++)
		if ((unsigned char)*url < 0x20)
			i += (size_t)snprintf(buf + i, sizeof(buf) - i, "\\x%02x",
			    (unsigned)*url);
		else
			buf[i++] = *url;
	if (*url != '\0')
		i += (size_t)snprintf(buf + i, sizeof(buf) - i, "...");
	buf[i] = '\0';
	return buf;
}

/* url passes under flags. */
static void
good(const char *url, int flags)
{
	char why[256] = "";

	if (!ok(url_check(url, flags, why, sizeof(why)) == 0, "ok%s: %s",
	    flags & URL_FILE_OK ? " (file allowed)" : "", shown(url)))
		diag("refused: %s", why);
}

/* url is refused under flags, with a reason that contains want. */
static void
bad(const char *url, int flags, const char *want)
{
	char why[256] = "";
	int rc = url_check(url, flags, why, sizeof(why));

	if (!ok(rc == -1 && strstr(why, want) != NULL, "refused%s: '%s' is %s",
	    flags & URL_FILE_OK ? " (file allowed)" : "", shown(url), why))
		diag("want -1 and a reason with '%s'; got %d", want, rc);
}

static void
key(const char *url, const char *want)
{
	char *got = url_host_key(url);

	is_str(got, want, *url != '\0' ? url : "(empty)");
	free(got);
}

static void
test_check(void)
{
	char *s, why[16];
	size_t n;

	/* The schemes, and which caller may use file://. */
	good("http://example.org/feed.xml", 0);
	good("https://example.org/feed.xml", 0);
	good("https://example.org:8443/feed?a=1&b=2#top", 0);
	good("HTTPS://Example.ORG/feed", 0);
	good("http://[::1]:8080/feed", 0);
	good("https://user:pw@example.org/feed", 0);
	good("https://пример.рф/rss", 0);
	good("https://example.org/feed.xml", URL_FILE_OK);
	good("file:///var/lib/feeds/a.xml", URL_FILE_OK);
	good("FILE:///var/lib/feeds/a.xml", URL_FILE_OK);
	good("file://localhost/var/lib/feeds/a.xml", URL_FILE_OK);
	bad("file:///var/lib/feeds/a.xml", 0, "not an http:// or https:// URL");
	bad("ftp://example.org/f", 0, "not an http:// or https:// URL");
	bad("ftp://example.org/f", URL_FILE_OK,
	    "not an http://, https:// or file:// URL");
	bad("gopher://example.org/", URL_FILE_OK, "not an http://");
	bad("mailto:news@example.org", 0, "not an http:// or https:// URL");
	bad("tag:example.org,2026:feed", 0, "not an http:// or https:// URL");
	bad("httpx://example.org/", 0, "not an http:// or https:// URL");
	bad("https-proxy://example.org/", 0, "not an http:// or https:// URL");

	/* No scheme: relative, bare host, empty. */
	bad("/relative/path", 0, "not an absolute URL (expected http://... "
	    "or https://...)");
	bad("example.org/feed.xml", 0, "not an absolute URL");
	bad("example.org/feed.xml", URL_FILE_OK, "or file://...)");
	bad("", 0, "not an absolute URL");
	bad("://example.org/", 0, "not an absolute URL");
	bad("1http://example.org/", 0, "not an absolute URL");

	/* No host. */
	bad("http://", 0, "host");
	bad("https://:443/feed", 0, "host");
	bad("http://user@/feed", 0, "host");
	bad("https://?q=1", 0, "host");

	/* White space anywhere, even where libcurl might take it. */
	bad("not a url", 0, "white space");
	bad(" https://example.org/", 0, "white space");
	bad("https://example.org/ ", 0, "white space");
	bad("https://example.org/a b", 0, "white space");
	bad("https://exa mple.org/", 0, "white space");
	bad("https://example.org/\tx", 0, "white space");
	bad("https://example.org/\n", 0, "white space");
	bad("https://example.org/\r\nX-Injected: 1", 0, "white space");

	/* What libcurl cannot read. */
	bad("http://example.org:99999/", 0, "not a valid URL");
	bad("http:example.org", 0, "not a valid URL");
	bad("https://exa<mple.org/", 0, "not a valid URL");
	bad("file://otherhost/a.xml", URL_FILE_OK, "not a valid URL");

	/* The length limit: URL_MAX bytes pass, one more does not. */
	n = URL_MAX;
	s = malloc(n + 2);
	memcpy(s, "https://example.org/", 20);
	memset(s + 20, 'a', n - 20);
	s[n] = '\0';
	good(s, 0);
	s[n] = 'a';
	s[n + 1] = '\0';
	bad(s, 0, "too long (over 4096 bytes)");
	bad(s, URL_FILE_OK, "too long");
	free(s);

	/* A short buffer gets a cut but terminated reason. */
	memset(why, 'x', sizeof(why));
	ok(url_check("ftp://x/", 0, why, sizeof(why)) == -1 &&
	    strlen(why) == sizeof(why) - 1, "short buffer: '%s'", why);
}

static void
test_host_key(void)
{
	/* Case: one host, one key. */
	key("https://Example.ORG/feed", "example.org");
	key("HTTP://EXAMPLE.ORG/Feed", "example.org");
	/* Ports and schemes: every port of a host counts against it. */
	key("http://example.org:8080/a", "example.org");
	key("https://example.org:443/a", "example.org");
	key("https://example.org/a", "example.org");
	/* User info is not part of the host. */
	key("https://user:secret@Example.org/feed", "example.org");
	key("http://user@example.org:81/", "example.org");
	/* IP literals; IPv6 keeps its brackets, loses its zone. */
	key("http://127.0.0.1:8790/feed", "127.0.0.1");
	key("http://[::1]:8080/feed", "[::1]");
	key("http://[2001:DB8::1]/feed", "[2001:db8::1]");
	key("http://[fe80::1%25eth0]/feed", "[fe80::1]");
	/* Names are taken as libcurl reads them. */
	key("http://h%41st/", "hast");
	key("https://xn--e1afmkfd.xn--p1ai/rss", "xn--e1afmkfd.xn--p1ai");
	key("https://пример.рф/rss", "пример.рф");
	key("https://example.org./feed", "example.org.");
	/* No host: file:// and what cannot be read share "". */
	key("file:///var/lib/feeds/a.xml", "");
	key("file://localhost/var/lib/feeds/a.xml", "");
	key("not a url", "");
	key("/relative", "");
	key("", "");
}

static void
redacted(const char *url, const char *want)
{
	char *got = url_redacted(url);

	is_str(got, want, url);
	free(got);
}

static void
test_secrets(void)
{
	char **p, *s;

	redacted("https://hooks.slack.com/services/T0/B0/XXXX",
	    "https://hooks.slack.com/\u2026");
	redacted("https://user:pw@ntfy.example.org:8443/alerts?auth=x",
	    "https://ntfy.example.org:8443/\u2026");
	redacted("http://127.0.0.1:8080/", "http://127.0.0.1:8080/");
	redacted("https://gotify.example.org", "https://gotify.example.org/");
	redacted("https://[::1]:443/x", "https://[::1]/\u2026");
	redacted("not a url", "(unreadable URL)");
	p = url_secret_parts("https://bob:s3cr3tpw@h.example/services/T0/"
	    "B0/abcdefghijklmnopqrstuvwx?token=AbCdEf123&x=1", 6, 16);
	ok(strv_len(p) == 3 && strcmp(p[0], "s3cr3tpw") == 0 &&
	    strcmp(p[1], "AbCdEf123") == 0 &&
	    strcmp(p[2], "abcdefghijklmnopqrstuvwx") == 0,
	    "secret parts: the password, a long query value, a long segment "
	    "(%zu)", strv_len(p));
	strv_free(p);
	ok(url_secret_parts("https://h.example/a/b?x=1", 6, 16) == NULL,
	    "none in a plain URL");
	s = url_path("https://h.example/a/b%20c?q=1#f");
	is_str(s, "/a/b%20c", "url_path keeps the path as written");
	free(s);
	s = url_path("https://h.example");
	is_str(s, "/", "an empty path is /");
	free(s);
	s = url_with_path("https://h.example/a?token=1#frag", "/b/message");
	is_str(s, "https://h.example/b/message?token=1",
	    "url_with_path keeps the query, drops the fragment");
	free(s);
}

int
main(void)
{
	test_check();
	test_host_key();
	test_secrets();
	return tap_done();
}
