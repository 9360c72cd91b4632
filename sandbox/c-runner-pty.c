/*
 * c-runner-pty: runs one program on a pseudo-terminal, for interactive runs. The sandbox helper starts it as its
 * command (`c-runner-pty -- PROGRAM [ARG...]`), so every limit, the report and the cleanup stay the helper's.
 *
 * The program's stdin and stdout are the terminal: glibc then line-buffers stdout and flushes it before each read,
 * so a prompt without a newline reaches the client before the program waits. stderr stays the pipe it was given
 * (unbuffered, kept apart from stdout). The terminal is canonical (line editing: erase, kill, end-of-file) with
 * no echo, no signal characters and no output processing: what the program writes is what the client gets.
 *
 * stdin of this relay carries frames from the server, so input, end-of-input and signals share one ordered pipe:
 *   'd' <4-byte big-endian length> <bytes>   input for the program
 *   'e'                                      end of input (the terminal's end-of-file)
 *   's' <1 byte: signal number>              a signal for the program's process group
 * Exits as the program did: the same exit code, or killed by the same signal. See README.md beside this file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define EXIT_INTERNAL 125
#define FRAME_MAX 65536
#define BUFFER_SIZE (FRAME_MAX + 5)

static void die(const char *format, ...)
{
	va_list args;
	fputs("c-runner-pty: ", stderr);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	_exit(EXIT_INTERNAL);
}

struct buffer {
	unsigned char data[BUFFER_SIZE];
	size_t length;
};

static void consume(struct buffer *buffer, size_t count)
{
	memmove(buffer->data, buffer->data + count, buffer->length - count);
	buffer->length -= count;
}

/* Writes what it can without blocking; 0 on success, -1 when the other end is gone. */
static int flush_some(int fd, struct buffer *buffer)
{
	ssize_t written = write(fd, buffer->data, buffer->length);
	if (written > 0)
		consume(buffer, (size_t)written);
	else if (written < 0 && errno != EAGAIN && errno != EINTR)
		return -1;
	return 0;
}

static void set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
		die("fcntl O_NONBLOCK: %s", strerror(errno));
}

/* Canonical input with line editing, nothing echoed, no signal characters, output passed through unchanged. */
static void set_terminal(int slave)
{
	struct termios terminal;
	if (tcgetattr(slave, &terminal) != 0)
		die("tcgetattr: %s", strerror(errno));
	terminal.c_iflag = ICRNL | IUTF8;
	terminal.c_oflag = 0;
	terminal.c_lflag = ICANON;
	terminal.c_cc[VEOF] = 4;
	terminal.c_cc[VERASE] = 0x7f;
	terminal.c_cc[VKILL] = 0x15;
	terminal.c_cc[VMIN] = 1;
	terminal.c_cc[VTIME] = 0;
	if (tcsetattr(slave, TCSANOW, &terminal) != 0)
		die("tcsetattr: %s", strerror(errno));
	struct winsize size = {.ws_row = 24, .ws_col = 80};
	if (ioctl(slave, TIOCSWINSZ, &size) != 0)
		die("TIOCSWINSZ: %s", strerror(errno));
}

static pid_t start_program(char **argv, int slave, const sigset_t *original_mask)
{
	pid_t child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child > 0)
		return child;
	sigprocmask(SIG_SETMASK, original_mask, NULL);
	/* Its own session with the terminal as controlling terminal: /dev/tty works, signals reach its group. */
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) != 0)
		die("controlling terminal: %s", strerror(errno));
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0)
		die("dup2: %s", strerror(errno));
	close_range(3, ~0U, 0);
	execv(argv[0], argv);
	die("exec %s: %s", argv[0], strerror(errno));
	return -1;
}

/* Frames in order; input waits while the terminal is full, and so does everything after it. */
static void move_frames(struct buffer *input, struct buffer *to_program, pid_t child, int *partial_line)
{
	while (input->length > 0) {
		unsigned char type = input->data[0];
		if (type == 'e') {
			if (BUFFER_SIZE - to_program->length < 2)
				return;
			to_program->data[to_program->length++] = 4;
			if (*partial_line)
				to_program->data[to_program->length++] = 4;
			*partial_line = 0;
			consume(input, 1);
		} else if (type == 's') {
			if (input->length < 2)
				return;
			/* The program's process group; before the child has made it (setsid, at once after the fork), the child
			 * itself: a signal sent as the run starts is never lost. */
			if (kill(-child, input->data[1]) != 0 && errno == ESRCH)
				kill(child, input->data[1]);
			consume(input, 2);
		} else if (type == 'd') {
			if (input->length < 5)
				return;
			size_t length = (size_t)input->data[1] << 24 | (size_t)input->data[2] << 16 | (size_t)input->data[3] << 8 | input->data[4];
			if (length > FRAME_MAX)
				die("input frame of %zu bytes", length);
			if (input->length < 5 + length || BUFFER_SIZE - to_program->length < length)
				return;
			memcpy(to_program->data + to_program->length, input->data + 5, length);
			to_program->length += length;
			if (length > 0)
				*partial_line = input->data[4 + length] != '\n';
			consume(input, 5 + length);
		} else {
			die("unknown frame type %d", type);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 3 || strcmp(argv[1], "--") != 0 || argv[2][0] != '/')
		die("usage: c-runner-pty -- PROGRAM [ARG...] (PROGRAM an absolute path)");
	/* The program runs under the same uid: it must not ptrace this process. */
	if (prctl(PR_SET_DUMPABLE, 0) != 0)
		die("prctl PR_SET_DUMPABLE: %s", strerror(errno));

	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
		die("pseudo-terminal: %s", strerror(errno));
	const char *slave_name = ptsname(master);
	int slave = slave_name == NULL ? -1 : open(slave_name, O_RDWR | O_NOCTTY);
	if (slave < 0)
		die("open %s: %s", slave_name == NULL ? "the terminal" : slave_name, strerror(errno));
	set_terminal(slave);

	sigset_t chld, original_mask;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &original_mask) != 0)
		die("sigprocmask: %s", strerror(errno));
	/* A reader that went away must not kill the relay before it reports how the program ended. */
	signal(SIGPIPE, SIG_IGN);
	int child_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (child_fd < 0)
		die("signalfd: %s", strerror(errno));

	pid_t child = start_program(&argv[2], slave, &original_mask);
	close(slave);
	set_nonblocking(0);
	set_nonblocking(1);
	set_nonblocking(master);

	static struct buffer input, to_program, output;
	int input_open = 1, output_open = 1, child_done = 0, status = 0;
	/* Whether the terminal holds a partial line: end-of-file then takes two VEOFs (the first ends the line). */
	int partial_line = 0;
	while (!child_done) {
		/* Before every wait, not only after a read: once the terminal has taken what it held, the frame that did not
		 * fit moves now. (It waited for the next read, which never came while the input buffer was full: a
		 * deadlock at 128 KiB of queued input, signals stuck behind it.) */
		move_frames(&input, &to_program, child, &partial_line);
		struct pollfd fds[4] = {
			{.fd = input_open && input.length < BUFFER_SIZE ? 0 : -1, .events = POLLIN},
			{.fd = master, .events = (output.length == 0 ? POLLIN : 0) | (to_program.length > 0 ? POLLOUT : 0)},
			{.fd = output.length > 0 ? 1 : -1, .events = POLLOUT},
			{.fd = child_fd, .events = POLLIN},
		};
		if (poll(fds, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (fds[0].revents != 0) {
			ssize_t got = read(0, input.data + input.length, BUFFER_SIZE - input.length);
			if (got > 0)
				input.length += (size_t)got;
			else if (got == 0 || (errno != EAGAIN && errno != EINTR))
				input_open = 0;
		}
		move_frames(&input, &to_program, child, &partial_line);
		if ((fds[1].revents & POLLOUT) && to_program.length > 0)
			flush_some(master, &to_program);
		if ((fds[1].revents & (POLLIN | POLLHUP)) && output.length == 0) {
			ssize_t got = read(master, output.data, BUFFER_SIZE);
			if (got > 0)
				output.length = (size_t)got;
		}
		if (output.length > 0 && output_open && flush_some(1, &output) != 0)
			output_open = 0;
		if (!output_open)
			output.length = 0;
		if (fds[3].revents != 0) {
			struct signalfd_siginfo info;
			while (read(child_fd, &info, sizeof info) > 0)
				;
			if (waitpid(child, &status, WNOHANG) == child)
				child_done = 1;
		}
	}

	/* What the program wrote before it ended is still in the terminal: pass it on, then end as it did. */
	for (;;) {
		if (output.length > 0 && output_open) {
			struct pollfd out = {.fd = 1, .events = POLLOUT};
			poll(&out, 1, -1);
			if (flush_some(1, &output) != 0)
				output_open = 0;
			continue;
		}
		ssize_t got = read(master, output.data, BUFFER_SIZE);
		if (got <= 0 || !output_open)
			break;
		output.length = (size_t)got;
	}

	if (WIFSIGNALED(status)) {
		int number = WTERMSIG(status);
		struct rlimit no_core = {0, 0};
		setrlimit(RLIMIT_CORE, &no_core);
		signal(number, SIG_DFL);
		sigset_t only;
		sigemptyset(&only);
		sigaddset(&only, number);
		sigprocmask(SIG_UNBLOCK, &only, NULL);
		kill(getpid(), number);
		_exit(128 + number);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_INTERNAL;
}
