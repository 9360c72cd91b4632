/*
 * A command sent on a pipe, as c-runner-launch and c-runner-sandbox both read it (`--command-fd`): strings each ended
 * by a NUL byte, then end of file. Included by both; nothing here is shared at run time.
 */
#ifndef C_RUNNER_COMMAND_H
#define C_RUNNER_COMMAND_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The most a command may take: far above any command line the server builds. */
#define COMMAND_MAX (1 << 20)

/*
 * Reads fd to its end and closes it. On success returns NULL and sets *strings to a NULL-ended array of the strings
 * (pointing into one buffer, never freed: exec follows) and *count to their number, 0 for end of file at once (the
 * server's "not needed"). On failure returns what went wrong, errno set where a call failed.
 */
static const char *read_command_strings(int fd, char ***strings, size_t *count)
{
	char *buffer = malloc(COMMAND_MAX);
	size_t length = 0;
	*strings = NULL;
	*count = 0;
	if (buffer == NULL)
		return "out of memory";
	for (;;) {
		ssize_t got = read(fd, buffer + length, COMMAND_MAX - length);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return "cannot read the command";
		if (got == 0)
			break;
		length += (size_t)got;
		if (length == COMMAND_MAX) {
			errno = 0;
			return "the command is too long";
		}
	}
	if (close(fd) != 0)
		return "cannot close the command's descriptor";
	if (length == 0)
		return NULL;
	if (buffer[length - 1] != '\0') {
		errno = 0;
		return "the command must be NUL-ended strings";
	}
	size_t found = 0;
	for (size_t i = 0; i < length; i++)
		found += buffer[i] == '\0';
	char **list = calloc(found + 1, sizeof *list);
	if (list == NULL)
		return "out of memory";
	char *next = buffer;
	for (size_t i = 0; i < found; i++) {
		list[i] = next;
		next += strlen(next) + 1;
	}
	*strings = list;
	*count = found;
	return NULL;
}

#endif
