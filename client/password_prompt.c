/*
 * password_prompt: reading a password (password_prompt.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "password_prompt.h"

#define LINE_MAX_PW	4096

/* One line of f without its newline; NULL at end of file. */
static char *
read_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if ((n = getline(&line, &cap, f)) <= 0 || n > LINE_MAX_PW) {
		if (line != NULL)
			explicit_bzero(line, cap);
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

/* A line typed at tty with echo off, after the prompt. */
static char *
ask(FILE *tty, const char *prompt)
{
	struct termios old, quiet;
	bool restore;
	char *line;

	fprintf(tty, "%s", prompt);
	fflush(tty);
	restore = tcgetattr(fileno(tty), &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	line = read_line(tty);
	if (restore)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	return line;
}

char *
password_prompt(const char *user, bool from_stdin)
{
	char prompt[160], *pw, *again;
	FILE *tty;

	if (from_stdin || (tty = fopen("/dev/tty", "r+")) == NULL) {
		if ((pw = read_line(stdin)) == NULL)
			fprintf(stderr, "feedctl: no password on stdin\n");
		return pw;
	}
	snprintf(prompt, sizeof(prompt), "password for %s: ", user);
	pw = ask(tty, prompt);
	again = pw != NULL ? ask(tty, "again: ") : NULL;
	fclose(tty);
	if (pw == NULL || again == NULL || strcmp(pw, again) != 0) {
		fprintf(stderr, "feedctl: %s\n", pw == NULL || again == NULL ?
		    "no password given" : "the two passwords differ");
		password_prompt_free(pw);
		pw = NULL;
	}
	password_prompt_free(again);
	return pw;
}

void
password_prompt_free(char *pw)
{
	if (pw == NULL)
		return;
	explicit_bzero(pw, strlen(pw));
	free(pw);
}
