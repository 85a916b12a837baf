/*
 * password_prompt: a password for feedctl, typed at the terminal without
 * echo (twice, to catch a typo) or read from the first line of stdin, so
 * that it never appears on a command line, where ps shows it.
 */
#ifndef FEEDD_PASSWORD_PROMPT_H
#define FEEDD_PASSWORD_PROMPT_H

#include <stdbool.h>

/*
 * from_stdin: the first line of stdin; else /dev/tty with echo off (and
 * stdin when there is no terminal). NULL after a message on stderr.
 * Wipe and free() the result with password_prompt_free.
 */
char	*password_prompt(const char *user, bool from_stdin);
void	 password_prompt_free(char *pw);

#endif
