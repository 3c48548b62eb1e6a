/*
 * test-app.c - an application with routes that misbehave on purpose, so
 * the integration tests can check what the framework does about it:
 * faults, timeouts, failed handlers, header injection, hostile log text,
 * and a compromised handler trying to leave the sandbox.
 * It is built for `make check` only and never installed.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <locale.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <moat/moat.h>

static int
home(const struct moat_request *req, struct moat_response *res)
{
	return moat_response_text(res, 200, "test app\n");
}

static int
crash(const struct moat_request *req, struct moat_response *res)
{
	raise(SIGSEGV);
	return 0;
}

static int
crash_abort(const struct moat_request *req, struct moat_response *res)
{
	abort();
}

static int
fail(const struct moat_request *req, struct moat_response *res)
{
	moat_buf_puts(moat_response_body(res), "half a page that must not "
	    "be seen");
	moat_log_error("fail route: giving up on purpose");
	return -1;
}

static int
sleep_ms(const struct moat_request *req, struct moat_response *res)
{
	struct timespec ts;
	int64_t ms;

	if (!moat_request_route_int(req, "ms", &ms) || ms < 0 || ms > 60000)
		return moat_response_text(res, 400, "bad duration\n");
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	/* ?announce: a test can wait for this line to know the request is
	 * in a worker, rather than guess how long that takes. */
	if (moat_request_query(req, "announce") != NULL)
		moat_log_info("sleep route: sleeping %lld ms", (long long)ms);
	while (nanosleep(&ts, &ts) != 0)
		;
	return moat_response_text(res, 200, "slept\n");
}

static int
inject(const struct moat_request *req, struct moat_response *res)
{
	/* The return value is ignored on purpose: the framework must cope. */
	moat_response_header(res, "X-Test", "a\r\nSet-Cookie: evil=1");
	return moat_response_text(res, 200, "injected?\n");
}

static int
log_text(const struct moat_request *req, struct moat_response *res)
{
	const char *msg = moat_request_query(req, "msg");

	moat_log_info("user said: %s", msg != NULL ? msg : "(nothing)");
	return moat_response_text(res, 200, "logged\n");
}

/* Bypasses moat_log: what a compromised worker could write. */
static int
raw_log(const struct moat_request *req, struct moat_response *res)
{
	static const char forged[] = "first\n2026-01-01T00:00:00Z "
	    "supervisor[1] info: forged line\nesc\x1b[31mred\n";
	char longline[6000];

	memset(longline, 'A', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\n';
	if (write(STDERR_FILENO, forged, sizeof(forged) - 1) < 0 ||
	    write(STDERR_FILENO, longline, sizeof(longline)) < 0)
		return -1;
	return moat_response_text(res, 200, "raw\n");
}

static int
echo_form(const struct moat_request *req, struct moat_response *res)
{
	struct moat_buf *body = moat_response_body(res);
	const struct moat_upload *up = moat_request_file(req, "file");
	const char *v;
	size_t i;

	moat_response_content_type(res, "text/plain");
	for (i = 0; (v = moat_request_form_nth(req, "a", i)) != NULL; i++)
		moat_buf_printf(body, "a=%s\n", v);
	if ((v = moat_request_form(req, "b")) != NULL)
		moat_buf_printf(body, "b=%s\n", v);
	if (up != NULL)
		moat_buf_printf(body, "file=%s size=%zu\n", up->filename,
		    up->size);
	return 0;
}

/*
 * /fields: every field is declared, so the handler reads typed values and
 * shows whether an undeclared field ("extra") or the CSRF token got
 * through.  Values are printed as text/plain, never as HTML.
 */
static int
echo_fields(const struct moat_request *req, struct moat_response *res)
{
	struct moat_buf *body = moat_response_body(res);
	const char *v, *extra;
	int64_t age;

	moat_response_content_type(res, "text/plain");
	moat_buf_printf(body, "name=%s\n",
	    moat_request_field_text(req, "name"));
	if (moat_request_field_int(req, "age", &age))
		moat_buf_printf(body, "age=%lld\n", (long long)age);
	if ((v = moat_request_field_text(req, "size")) != NULL)
		moat_buf_printf(body, "size=%s index=%lld\n", v,
		    (long long)moat_request_field(req, "size")->i);
	if ((v = moat_request_field_text(req, "site")) != NULL)
		moat_buf_printf(body, "site=%s\n", v);
	extra = moat_request_query(req, "extra");
	if (extra == NULL)
		extra = moat_request_form(req, "extra");
	moat_buf_printf(body, "extra=%s\n", extra != NULL ? extra :
	    "(dropped)");
	if ((v = moat_request_form(req, "csrf_token")) != NULL)
		moat_buf_printf(body, "csrf_token kept\n");
	return 0;
}

static const char *const sizes[] = { "s", "m", "l", NULL };
static const struct moat_field profile_fields[] = {
	{ .name = "name", .type = MOAT_FIELD_STRING, .required = true,
	    .min_len = 1, .max_len = 20 },
	{ .name = "age", .type = MOAT_FIELD_UINT, .max = 150 },
	{ .name = "size", .type = MOAT_FIELD_ENUM, .choices = sizes },
	{ .name = "site", .type = MOAT_FIELD_URL },
};

static int
echo_cookie(const struct moat_request *req, struct moat_response *res)
{
	const char *v = moat_request_cookie(req,
	    moat_request_route_param(req, "name"));

	return moat_response_text(res, 200, v != NULL ? v : "(none)");
}

static int
echo_header(const struct moat_request *req, struct moat_response *res)
{
	const char *v = moat_request_header(req,
	    moat_request_route_param(req, "name"));

	return moat_response_text(res, 200, v != NULL ? v : "(none)");
}

static int
show_pid(const struct moat_request *req, struct moat_response *res)
{
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(moat_response_body(res), "%ld\n", (long)getpid());
	return 0;
}

static int
big(const struct moat_request *req, struct moat_response *res)
{
	struct moat_buf *body = moat_response_body(res);
	size_t i;

	moat_response_content_type(res, "text/plain");
	for (i = 0; i < 100 * 1024 / 64; i++)
		moat_buf_puts(body, "0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcde\n");
	return 0;
}

/*
 * What an attacker who owns a worker would try first.  Each answers with
 * what happened; in a sandboxed worker the call kills the process before
 * it can answer (or, with sandbox_debug on, fails with ENOSYS).
 */
static int
report(struct moat_response *res, const char *what, int rc)
{
	moat_response_content_type(res, "text/plain");
	if (rc < 0)
		moat_buf_printf(moat_response_body(res), "%s failed: %s\n",
		    what, strerror(errno));
	else
		moat_buf_printf(moat_response_body(res), "%s succeeded\n",
		    what);
	return 0;
}

static int
sandbox_open(const struct moat_request *req, struct moat_response *res)
{
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return report(res, "open /etc/passwd", fd);
}

static int
sandbox_exec(const struct moat_request *req, struct moat_response *res)
{
	static char *const argv[] = { "true", NULL };
	static char *const envp[] = { NULL };

	/* The exec* wrappers are poisoned (banned.h); this returns only on
	 * failure. */
	return report(res, "execve /bin/true",
	    (int)syscall(SYS_execve, "/bin/true", argv, envp));
}

static int
sandbox_socket(const struct moat_request *req, struct moat_response *res)
{
	struct sockaddr_in sin;
	int fd, rc;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return report(res, "socket", fd);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	return report(res, "connect 127.0.0.1:9", rc);
}

static int
sandbox_fork(const struct moat_request *req, struct moat_response *res)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return report(res, "fork", pid < 0 ? -1 : 0);
}

/*
 * The process to signal ("pid"), if this worker is the attacker the test
 * picked ("from"); -1 otherwise.  When the attacker dies, nginx sends the
 * request again to the other worker, which must not attack too.
 */
static pid_t
target(const struct moat_request *req)
{
	const char *pid = moat_request_query(req, "pid");
	const char *from = moat_request_query(req, "from");

	if (from == NULL || atol(from) != (long)getpid())
		return -1;
	return pid != NULL && atol(pid) > 0 ? (pid_t)atol(pid) : 0;
}

/* -1 (not the attacker) or 0 (no target) have answered already. */
static pid_t
target_or_answer(const struct moat_request *req, struct moat_response *res)
{
	pid_t pid = target(req);

	if (pid < 0)
		moat_response_text(res, 200, "not this worker\n");
	else if (pid == 0)
		moat_response_text(res, 400, "bad pid\n");
	return pid;
}

/*
 * Signals through I/O: make the log pipe's owner the target, with
 * SIGKILL instead of SIGIO, and write; the supervisor's read of the pipe
 * then has the kernel signal the target.  Each step is reported, so with
 * sandbox_debug on the answer shows which ones were refused.
 */
static int
sandbox_sigio(const struct moat_request *req, struct moat_response *res)
{
	struct moat_buf *body = moat_response_body(res);
	pid_t pid;
	int fl;

	if ((pid = target_or_answer(req, res)) <= 0)
		return 0;
	moat_response_content_type(res, "text/plain");
	if (fcntl(STDERR_FILENO, F_SETOWN, pid) != 0)
		moat_buf_printf(body, "F_SETOWN failed: %s\n", strerror(errno));
	if (fcntl(STDERR_FILENO, F_SETSIG, SIGKILL) != 0)
		moat_buf_printf(body, "F_SETSIG failed: %s\n", strerror(errno));
	if ((fl = fcntl(STDERR_FILENO, F_GETFL)) < 0 ||
	    fcntl(STDERR_FILENO, F_SETFL, fl | O_ASYNC) != 0)
		moat_buf_printf(body, "O_ASYNC failed: %s\n", strerror(errno));
	moat_log_info("sigio: signalling %ld through the log pipe",
	    (long)pid);
	moat_buf_printf(body, "sigio %ld done\n", (long)pid);
	return 0;
}

static int
sandbox_kill(const struct moat_request *req, struct moat_response *res)
{
	pid_t pid;

	if ((pid = target_or_answer(req, res)) <= 0)
		return 0;
	return report(res, "kill", kill(pid, SIGKILL));
}

/* getcpu is not in Moat's allowlist: main() asks for it. */
static int
sandbox_getcpu(const struct moat_request *req, struct moat_response *res)
{
	unsigned int cpu = 0, node = 0;

	/* syscall(2), not sched_getcpu(), which the vDSO may answer. */
	return report(res, "getcpu", (int)syscall(SYS_getcpu, &cpu, &node,
	    NULL));
}

/* Sanitizer builds let a few calls fail instead of kill (sandbox.c). */
static int
sandbox_build(const struct moat_request *req, struct moat_response *res)
{
#if defined(__SANITIZE_ADDRESS__)
	return moat_response_text(res, 200, "sanitizers\n");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return moat_response_text(res, 200, "sanitizers\n");
#endif
#endif
	return moat_response_text(res, 200, "plain\n");
}

/* --- glibc inside the sandbox ---------------------------------------------- */

/*
 * What a handler may reasonably call from glibc, each answering with a
 * result sandbox.sh can predict.  Some of them make system calls of their
 * own (sysinfo for a large qsort, mmap and mremap for large blocks) or
 * would read zone files, which the sandbox must have made unnecessary.
 */
enum { ROW_BYTES = 64 };

static int
row_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* n rows, shuffled, sorted by qsort; true if they come out in order. */
static bool
sort_rows(size_t n)
{
	char (*rows)[ROW_BYTES], want[ROW_BYTES];
	bool sorted = true;
	size_t i;

	if ((rows = calloc(n, sizeof(*rows))) == NULL)
		return false;
	/* 7919 is prime and divides neither 8 nor 500, so i * 7919 % n
	 * visits every row number once. */
	for (i = 0; i < n; i++)
		snprintf(rows[i], sizeof(rows[i]), "row %04zu", i * 7919 % n);
	qsort(rows, n, sizeof(rows[0]), row_cmp);
	for (i = 0; i < n && sorted; i++) {
		snprintf(want, sizeof(want), "row %04zu", i);
		sorted = strcmp(rows[i], want) == 0;
	}
	free(rows);
	return sorted;
}

/* Below 1 KiB glibc sorts on the stack; above, it asks sysinfo(2)
 * whether a copy fits in physical memory before it mallocs one. */
static void
libc_qsort(struct moat_buf *body)
{
	static const size_t n[] = { 8, 500 };
	size_t i;

	for (i = 0; i < MOAT_NELEM(n); i++)
		moat_buf_printf(body, "qsort %zu rows of %d bytes: %s\n", n[i],
		    ROW_BYTES, sort_rows(n[i]) ? "sorted" : "NOT sorted");
}

static void
put_time(struct moat_buf *body, const char *what, const struct tm *tm)
{
	char s[64];

	if (tm == NULL || strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S %Z %z",
	    tm) == 0)
		moat_buf_printf(body, "%s: failed\n", what);
	else
		moat_buf_printf(body, "%s: %s\n", what, s);
}

/* A fixed instant in the zone the server had at start; sandbox.sh asks
 * date(1) for the same. */
static void
libc_time(struct moat_buf *body)
{
	const time_t t = 1700000000;
	struct tm tm;
	struct timespec ts, mono, cpu, nap = { 0, 1000000 };
	time_t now;

	now = time(NULL);
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &mono) != 0 ||
	    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) != 0 ||
	    nanosleep(&nap, NULL) != 0)
		moat_buf_printf(body, "clocks: failed: %s\n", strerror(errno));
	else
		moat_buf_printf(body, "time and clock_gettime: %s\n",
		    now > t && ts.tv_sec - now <= 1 ? "agree" : "differ");
	put_time(body, "gmtime_r", gmtime_r(&t, &tm));
	put_time(body, "localtime_r", localtime_r(&t, &tm));
	/* tzset() (which localtime(), banned, and mktime() call every
	 * time) checks TZ and the zone file again. */
	tzset();
	put_time(body, "localtime_r after tzset", localtime_r(&t, &tm));
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2023 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 14;
	tm.tm_hour = 22;
	tm.tm_min = 13;
	tm.tm_sec = 20;
	tm.tm_isdst = -1;
	moat_buf_printf(body, "mktime: %lld\n", (long long)mktime(&tm));
}

/* Fixed seeds give glibc's fixed sequences; arc4random (glibc 2.36)
 * reads getrandom(2). */
static void
libc_random(struct moat_buf *body)
{
	struct random_data rd;
	char state[64];
	int32_t r;

	srand(1);
	moat_buf_printf(body, "rand: %d\n", rand());
	srandom(42);
	moat_buf_printf(body, "random: %ld\n", random());
	memset(&rd, 0, sizeof(rd));
	if (initstate_r(7, state, sizeof(state), &rd) != 0 ||
	    random_r(&rd, &r) != 0)
		moat_buf_printf(body, "random_r: failed\n");
	else
		moat_buf_printf(body, "random_r: %d\n", (int)r);
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 36)
#define HAVE_ARC4RANDOM	1
#endif
#endif
#ifdef HAVE_ARC4RANDOM
	moat_buf_printf(body, "arc4random: %s\n",
	    arc4random_uniform(10) < 10 ? "in range" : "out of range");
#else
	moat_buf_printf(body, "arc4random: not in this libc\n");
#endif
}

static void
libc_strings(struct moat_buf *body)
{
	char *end;
	double d;

	moat_buf_printf(body, "strtol: %ld %ld\n", strtol("-12345", &end, 10),
	    strtol("0x1f", &end, 0));
	moat_buf_printf(body, "strtoull: %llu\n",
	    strtoull("18446744073709551615", &end, 10));
	d = strtod("314.159e-2", &end);
	moat_buf_printf(body, "strtod: %f %g %.3e %g\n", d, d / 3e6, d,
	    strtod("1e400", &end));
	moat_buf_printf(body, "locale: %s %c%c %d %s\n", setlocale(LC_ALL,
	    NULL), toupper('a'), tolower('Q'), strcoll("a", "b") < 0,
	    localeconv()->decimal_point);
}

/* Large blocks are mmap()ed, grow by mremap() and go back by munmap(). */
static void
libc_memory(struct moat_buf *body)
{
	const size_t mib64 = (size_t)64 << 20;
	char *p, *q;
	void *small[256];
	size_t i;
	bool same;

	if ((p = malloc(mib64)) == NULL) {
		moat_buf_printf(body, "malloc 64 MiB: failed\n");
		return;
	}
	memset(p, 'm', mib64);
	if ((q = realloc(p, 2 * mib64)) == NULL) {
		free(p);
		moat_buf_printf(body, "realloc 128 MiB: failed\n");
		return;
	}
	memcpy(q + mib64, q, mib64);
	same = q[0] == 'm' && memcmp(q, q + mib64, mib64) == 0;
	free(q);
	/* Small blocks come from the heap (brk); trimming gives back. */
	for (i = 0; i < MOAT_NELEM(small); i++)
		small[i] = malloc(4096);
	for (i = 0; i < MOAT_NELEM(small); i++)
		free(small[i]);
	malloc_trim(0);
	moat_buf_printf(body, "malloc, realloc, memcpy 64 MiB: %s\n",
	    same ? "same" : "different");
}

static void
libc_sysconf(struct moat_buf *body)
{
	long pages = sysconf(_SC_PHYS_PAGES);

	moat_buf_printf(body, "pagesize: %ld\n", sysconf(_SC_PAGESIZE));
	moat_buf_printf(body, "phys_pages: %s\n", pages > 0 ? "positive" :
	    "none");
	moat_buf_printf(body, "getpid: %s\n", getpid() > 1 ? "positive" :
	    "none");
}

/* Opening one needs gconv's module list and module files, so it is
 * opened before moat_main(), as templates are read; using it needs none. */
static iconv_t latin1 = (iconv_t)-1;

static void
libc_iconv(struct moat_buf *body)
{
	char in[] = "caf\xe9", out[16], *ip = in, *op = out;
	size_t il = strlen(in), ol = sizeof(out) - 1;

	if (latin1 == (iconv_t)-1 ||
	    iconv(latin1, NULL, NULL, NULL, NULL) == (size_t)-1 ||
	    iconv(latin1, &ip, &il, &op, &ol) == (size_t)-1) {
		moat_buf_printf(body, "iconv: failed\n");
		return;
	}
	*op = '\0';
	moat_buf_printf(body, "iconv: %s\n", out);
}

/* Each of these still needs a file or a call the sandbox denies. */
static void
libc_nprocs(struct moat_buf *body)
{
	moat_buf_printf(body, "nprocs: %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
}

/* main() opened ISO-8859-1, so gconv's list is loaded: what this needs
 * is ISO-8859-15's module file. */
static void
libc_iconv_open(struct moat_buf *body)
{
	iconv_t cd = iconv_open("UTF-8", "ISO-8859-15");

	moat_buf_printf(body, "iconv_open: %s\n", cd == (iconv_t)-1 ?
	    strerror(errno) : "ok");
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

static void
libc_setlocale(struct moat_buf *body)
{
	const char *l = setlocale(LC_ALL, "C.UTF-8");

	moat_buf_printf(body, "setlocale: %s\n", l != NULL ? l : "failed");
}

static void
libc_stdout(struct moat_buf *body)
{
	moat_buf_printf(body, "printf: %d\n", printf("to stdout\n"));
	fflush(stdout);
}

static void
libc_getrlimit(struct moat_buf *body)
{
	struct rlimit rl;

	moat_buf_printf(body, "getrlimit: %d\n", getrlimit(RLIMIT_NOFILE, &rl));
}

static int
sandbox_libc(const struct moat_request *req, struct moat_response *res)
{
	static const struct {
		const char	*name;
		void		(*fn)(struct moat_buf *);
	} fns[] = {
		{ "qsort", libc_qsort }, { "time", libc_time },
		{ "random", libc_random }, { "strings", libc_strings },
		{ "memory", libc_memory }, { "sysconf", libc_sysconf },
		{ "iconv", libc_iconv },
		/* Denied: sandbox.sh calls these with sandbox_debug on. */
		{ "nprocs", libc_nprocs }, { "iconv_open", libc_iconv_open },
		{ "setlocale", libc_setlocale }, { "stdout", libc_stdout },
		{ "getrlimit", libc_getrlimit },
	};
	const char *name = moat_request_route_param(req, "fn");
	size_t i;

	for (i = 0; i < MOAT_NELEM(fns); i++)
		if (strcmp(fns[i].name, name) == 0) {
			moat_response_content_type(res, "text/plain");
			fns[i].fn(moat_response_body(res));
			return 0;
		}
	return moat_response_text(res, 404, "no such function\n");
}

static const struct moat_route routes[] = {
	{ .method = "GET", .pattern = "/", .handler = home },
	{ .method = "GET", .pattern = "/crash", .handler = crash },
	{ .method = "GET", .pattern = "/abort", .handler = crash_abort },
	{ .method = "GET", .pattern = "/fail", .handler = fail },
	{ .method = "GET", .pattern = "/sleep/{ms:int}", .handler = sleep_ms },
	{ .method = "GET", .pattern = "/inject", .handler = inject },
	{ .method = "GET", .pattern = "/log", .handler = log_text },
	{ .method = "GET", .pattern = "/rawlog", .handler = raw_log },
	{ .method = "POST", .pattern = "/form", .handler = echo_form },
	{ .method = "PUT", .pattern = "/form", .handler = echo_form },
	{ .method = "GET", .pattern = "/fields", .handler = echo_fields,
	    .fields = profile_fields, .nfields = MOAT_NELEM(profile_fields) },
	{ .method = "POST", .pattern = "/fields", .handler = echo_fields,
	    .fields = profile_fields, .nfields = MOAT_NELEM(profile_fields) },
	{ .method = "GET", .pattern = "/cookie/{name:str}", .handler = echo_cookie },
	{ .method = "GET", .pattern = "/header/{name:str}", .handler = echo_header },
	{ .method = "GET", .pattern = "/pid", .handler = show_pid },
	{ .method = "GET", .pattern = "/big", .handler = big },
	{ .method = "GET", .pattern = "/sandbox/open", .handler = sandbox_open },
	{ .method = "GET", .pattern = "/sandbox/exec", .handler = sandbox_exec },
	{ .method = "GET", .pattern = "/sandbox/socket", .handler = sandbox_socket },
	{ .method = "GET", .pattern = "/sandbox/fork", .handler = sandbox_fork },
	{ .method = "GET", .pattern = "/sandbox/getcpu", .handler = sandbox_getcpu },
	{ .method = "GET", .pattern = "/sandbox/sigio", .handler = sandbox_sigio },
	{ .method = "GET", .pattern = "/sandbox/kill", .handler = sandbox_kill },
	{ .method = "GET", .pattern = "/sandbox/build", .handler = sandbox_build },
	{ .method = "GET", .pattern = "/sandbox/libc/{fn:str}", .handler = sandbox_libc },
};

static const char *const extra_syscalls[] = { "getcpu", NULL };

int
main(int argc, char **argv)
{
	const struct moat_app app = {
		.name = "moat-test-app",
		.routes = routes,
		.nroutes = MOAT_NELEM(routes),
		.sandbox_syscalls = extra_syscalls,
	};

	/* A failure shows in /sandbox/libc/iconv's answer. */
	latin1 = iconv_open("UTF-8", "ISO-8859-1");

	return moat_main(&app, argc, argv);
}
