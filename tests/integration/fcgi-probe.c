/*
 * fcgi-probe.c - a FastCGI client that holds kept connections the way
 * nginx does, to show what happens to a request sent on a kept connection
 * whose worker is busy with a long one.
 *
 * usage: fcgi-probe SOCKET LOG SLEEP_MS
 *        fcgi-probe SOCKET LOG retire
 *
 * With SLEEP_MS it opens kept connections (FCGI_KEEP_CONN) to the app at
 * SOCKET (two workers) and asks /pid on each until two of them are served
 * by the same worker; when two land on different workers, the latest
 * one's worker sleeps briefly while the next connects, so that only the
 * other worker can accept it.  It then
 * sends /sleep/SLEEP_MS?announce on the first, waits until LOG shows the
 * worker sleeping, and asks /pid on the second.  It prints
 *
 *	busy=PID answered=PID long_done_first=0|1
 *
 * busy is the sleeping worker, answered the one that served the second
 * connection, long_done_first whether the sleeping request had finished
 * by the time that answer came.  A worker that keeps its other
 * connections to itself makes answered equal busy and long_done_first 1.
 *
 * With "retire" (the app runs with a small max_requests) it asks /pid
 * again and again on one kept connection, until another worker answers:
 *
 *	retired=PID answered=PID
 *
 * A worker that closes its kept connection on the way out instead of
 * passing it on leaves nothing to answer: the probe fails reading.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_TRIES	40
/* The other worker's sleep while the pair is made, in ms. */
#define HELPER_SLEEP_MS	300
#define WAIT_MS		20000

static void
die(const char *what)
{
	fprintf(stderr, "fcgi-probe: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int
connect_app(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long");
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die("connect");
	return fd;
}

static size_t
record(unsigned char *p, int type, const void *content, size_t len)
{
	p[0] = 1;
	p[1] = (unsigned char)type;
	p[2] = 0;
	p[3] = 1;			/* request id 1 */
	p[4] = (unsigned char)(len >> 8);
	p[5] = (unsigned char)len;
	p[6] = p[7] = 0;
	if (len > 0)
		memcpy(p + 8, content, len);
	return 8 + len;
}

static size_t
param(unsigned char *p, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);

	p[0] = (unsigned char)n;
	p[1] = (unsigned char)v;
	memcpy(p + 2, name, n);
	memcpy(p + 2 + n, value, v);
	return 2 + n + v;
}

static void
send_get(int fd, const char *path, const char *query)
{
	unsigned char buf[2048], params[1024];
	static const unsigned char begin[8] = { 0, 1, 1 };	/* responder,
								   keep conn */
	size_t n = 0, len = 0;
	char uri[512];

	snprintf(uri, sizeof(uri), "%s%s%s", path, *query ? "?" : "", query);
	len += param(params + len, "REQUEST_METHOD", "GET");
	len += param(params + len, "REQUEST_URI", uri);
	len += param(params + len, "QUERY_STRING", query);
	len += param(params + len, "HTTP_HOST", "localhost");
	len += param(params + len, "SERVER_SOFTWARE", "nginx/probe");
	n += record(buf + n, 1, begin, sizeof(begin));
	n += record(buf + n, 4, params, len);
	n += record(buf + n, 4, NULL, 0);
	n += record(buf + n, 5, NULL, 0);
	if (write(fd, buf, n) != (ssize_t)n)
		die("write");
}

static void
read_full(int fd, unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0) {
			errno = n == 0 ? ECONNRESET : errno;
			die("read");
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Read records up to FCGI_END_REQUEST; the body's last line, a number. */
static long
read_answer(int fd)
{
	unsigned char hdr[8], content[65536 + 256];
	char body[8192] = "";
	size_t len, used = 0;
	const char *nl;

	for (;;) {
		read_full(fd, hdr, 8);
		len = ((size_t)hdr[4] << 8 | hdr[5]) + hdr[6];
		read_full(fd, content, len);
		if (hdr[1] == 3)		/* FCGI_END_REQUEST */
			break;
		len -= hdr[6];
		if (hdr[1] == 6 && used + len < sizeof(body)) {
			memcpy(body + used, content, len);
			body[used += len] = '\0';
		}
	}
	/* Past the headers: the blank line. */
	nl = strstr(body, "\r\n\r\n");
	return nl != NULL ? strtol(nl + 4, NULL, 10) : -1;
}

static long
ask_pid(int fd)
{
	send_get(fd, "/pid", "");
	return read_answer(fd);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How many lines of LOG hold needle. */
static int
log_count(const char *path, const char *needle)
{
	char line[4096];
	int n = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		die(path);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

/*
 * Send a sleep of ms on fd and wait until LOG announces it (one more
 * announcement than before): a state, not a guess at a duration.
 */
static void
start_sleep(int fd, const char *log, long ms)
{
	long long deadline = now_ms() + WAIT_MS;
	char path[64], needle[96];
	int before;

	snprintf(path, sizeof(path), "/sleep/%ld", ms);
	snprintf(needle, sizeof(needle), "sleep route: sleeping %ld ms", ms);
	before = log_count(log, needle);
	send_get(fd, path, "announce");
	while (now_ms() < deadline) {
		if (log_count(log, needle) > before)
			return;
		poll(NULL, 0, 10);
	}
	errno = ETIMEDOUT;
	die("waiting for the sleep to be announced");
}

/*
 * Two connections on one worker: the first two may land on different
 * workers, and the kernel may keep handing new ones to the same one of
 * them, so the worker of the latest is kept busy while the next one
 * connects: only the other can accept it.  Returns the index of the
 * second connection on the worker of conns[*first].
 */
static int
pair_on_one_worker(const char *sock, const char *log, int *conns,
    int *first)
{
	long pid[MAX_TRIES];
	int i, j;

	for (i = 0; i < MAX_TRIES; i++) {
		conns[i] = connect_app(sock);
		pid[i] = ask_pid(conns[i]);
		for (j = 0; j < i; j++)
			if (pid[j] == pid[i]) {
				*first = j;
				return i;
			}
		if (i > 0 && i + 1 < MAX_TRIES) {
			start_sleep(conns[i], log, HELPER_SLEEP_MS);
			conns[i + 1] = connect_app(sock);
			pid[i + 1] = ask_pid(conns[i + 1]);
			read_answer(conns[i]);	/* its worker is idle again */
			for (j = 0; j <= i; j++)
				if (pid[j] == pid[i + 1]) {
					*first = j;
					return i + 1;
				}
			i++;
		}
	}
	return -1;
}

/* Two kept connections on one worker, a long request on the first. */
static int
probe_busy(const char *sock, const char *log, long ms)
{
	int conns[MAX_TRIES], first = 0, second;
	long busy, answered;
	struct pollfd p;

	if ((second = pair_on_one_worker(sock, log, conns, &first)) < 0) {
		fprintf(stderr, "fcgi-probe: no two connections on one worker\n");
		return 2;
	}
	busy = ask_pid(conns[first]);
	start_sleep(conns[first], log, ms);
	answered = ask_pid(conns[second]);
	p = (struct pollfd){ .fd = conns[first], .events = POLLIN };
	printf("busy=%ld answered=%ld long_done_first=%d\n", busy, answered,
	    poll(&p, 1, 0) > 0);
	read_answer(conns[first]);
	return 0;
}

/* One kept connection, used until another worker answers on it. */
static int
probe_retire(const char *sock)
{
	int fd = connect_app(sock), i;
	long first, pid = 0;

	first = ask_pid(fd);
	for (i = 0; i < MAX_TRIES && (pid = ask_pid(fd)) == first; i++)
		;
	printf("retired=%ld answered=%ld\n", first, pid);
	return 0;
}

int
main(int argc, char **argv)
{
	long ms;

	if (argc == 4 && strcmp(argv[3], "retire") == 0)
		return probe_retire(argv[1]);
	if (argc != 4 || (ms = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: fcgi-probe SOCKET LOG SLEEP_MS|retire\n");
		return 2;
	}
	return probe_busy(argv[1], argv[2], ms);
}
