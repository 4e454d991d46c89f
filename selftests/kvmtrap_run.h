/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrap_run.h: what the in-VM tests that run the installed tools
 * (kvmtrap_cli_*, kvmtrap_policies) share: running a command as a user
 * runs it (stdout, stderr and exit status collected, killed after a
 * timeout), checking how it ended (one line naming object, errno and
 * fix for errors; usage errors exit 2), reading its text output, and a
 * small JSON parser for --json.
 *
 * Include it after kvmtrap_vm.h (TEST_FAIL(), __printf()).  A failed
 * check ends the test through CHECK().
 */
#ifndef KVMTRAP_RUN_H
#define KVMTRAP_RUN_H

#include <ctype.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmtrap_test.h"

#define KVMTRAP_BIN	"/usr/sbin/kvmtrap"
#define BPFTOOL_BIN	"/usr/sbin/bpftool"
/* A command's time limit: 2 minutes on the default kernel. */
#define CLI_TIMEOUT_MS	kt_deadline_ms(120000)

/*
 * TEST_ASSERT() turns a failure into a skip when errno happens to be
 * EACCES: every check here clears errno before failing.
 */
#define CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		errno = 0;						\
		TEST_FAIL(fmt, ##__VA_ARGS__);				\
	}								\
} while (0)

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* ---- Running a command --------------------------------------------------- */

struct run {
	char cmd[1024];
	int status;		/* exit status, 128 + signal; -1 timed out */
	char *out, *err;	/* NUL-terminated */
	size_t out_len, err_len;
};

#define RUN_FMT		"\"%s\": exit %d\n--- stdout:\n%s--- stderr:\n%s---"
#define RUN_ARGS(r)	(r)->cmd, (r)->status, (r)->out, (r)->err

struct proc {
	pid_t pid;
	int out, err;
	struct run *r;
};

/*
 * Start @fmt, words separated by single spaces ("kvmtrap" and "bpftool"
 * are the installed tools), as user @uid (0: as we are), stdout and
 * stderr into pipes, stdin from /dev/null.
 */
static inline void vspawn(struct proc *p, struct run *r, uid_t uid,
			  const char *fmt, va_list ap)
{
	char *argv[64], *words, *w, *save;
	int out[2], err[2], argc = 0;
	const char *path;

	memset(r, 0, sizeof(*r));
	vsnprintf(r->cmd, sizeof(r->cmd), fmt, ap);
	words = strdup(r->cmd);
	for (w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		CHECK(argc < 63, "too many words in \"%s\"", r->cmd);
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	CHECK(argc, "empty command");
	path = !strcmp(argv[0], "kvmtrap") ? KVMTRAP_BIN :
	       !strcmp(argv[0], "bpftool") ? BPFTOOL_BIN : argv[0];

	CHECK(!pipe2(out, O_CLOEXEC) && !pipe2(err, O_CLOEXEC), "pipe2: %s",
	      strerror(errno));
	fflush(NULL);
	p->pid = fork();
	CHECK(p->pid >= 0, "fork: %s", strerror(errno));
	if (!p->pid) {
		int null = open("/dev/null", O_RDONLY);

		signal(SIGPIPE, SIG_DFL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(err[1], 2) < 0)
			_exit(125);
		if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid))) {
			dprintf(2, "setuid(%u): %s\n", uid, strerror(errno));
			_exit(125);
		}
		execv(path, argv);
		dprintf(2, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	p->out = out[0];
	p->err = err[0];
	p->r = r;
	free(words);
}

static inline void __printf(4, 5)
spawn(struct proc *p, struct run *r, uid_t uid, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vspawn(p, r, uid, fmt, ap);
	va_end(ap);
}

static inline void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	CHECK(*buf, "out of memory");
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = 0;
}

/* Has @p exited?  (Not reaped: finish() collects it.) */
static inline bool proc_exited(const struct proc *p)
{
	siginfo_t si = {};

	return !waitid(P_PID, p->pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
	       si.si_pid == p->pid;
}

/* Collect @p's output and exit status; kill it after @timeout_ms. */
static inline void finish(struct proc *p, int timeout_ms)
{
	struct pollfd fds[2] = { { .fd = p->out, .events = POLLIN },
				 { .fd = p->err, .events = POLLIN } };
	uint64_t deadline = now_ms() + timeout_ms;
	struct run *r = p->r;
	bool killed = false;
	int nr_open = 2, status, i;
	char buf[4096];

	while (nr_open) {
		int64_t left = (int64_t)(deadline - now_ms());

		if (left <= 0 && !killed) {
			kill(p->pid, SIGKILL);
			killed = true;
		}
		i = poll(fds, 2, killed ? 1000 : (int)left);
		CHECK(i >= 0 || errno == EINTR, "poll: %s", strerror(errno));
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			n = read(fds[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				nr_open--;
			} else if (i == 0) {
				append(&r->out, &r->out_len, buf, n);
			} else {
				append(&r->err, &r->err_len, buf, n);
			}
		}
	}
	CHECK(waitpid(p->pid, &status, 0) == p->pid, "waitpid: %s",
	      strerror(errno));
	if (killed)
		r->status = -1;
	else if (WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	else
		r->status = 128 + WTERMSIG(status);
	if (!r->out)
		append(&r->out, &r->out_len, "", 0);
	if (!r->err)
		append(&r->err, &r->err_len, "", 0);
	if (getenv("KVMTRAP_CLI_VERBOSE"))
		ksft_print_msg("$ %s -> %d\n--- stdout:\n%s--- stderr:\n%s---\n",
			       r->cmd, r->status, r->out, r->err);
}

static inline void __printf(3, 4)
run_as(struct run *r, uid_t uid, const char *fmt, ...)
{
	struct proc p;
	va_list ap;

	va_start(ap, fmt);
	vspawn(&p, r, uid, fmt, ap);
	va_end(ap);
	finish(&p, CLI_TIMEOUT_MS);
}

static inline void __printf(2, 3)
run(struct run *r, const char *fmt, ...)
{
	struct proc p;
	va_list ap;

	va_start(ap, fmt);
	vspawn(&p, r, 0, fmt, ap);
	va_end(ap);
	finish(&p, CLI_TIMEOUT_MS);
}

static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static inline void expect_exit(const struct run *r, int status)
{
	CHECK(r->status == status, "expected exit status %d from " RUN_FMT,
	      status, RUN_ARGS(r));
}

/* Success: exit 0 and nothing on stderr. */
static inline void expect_ok(const struct run *r)
{
	expect_exit(r, 0);
	CHECK(!r->err_len, "success with messages on stderr: " RUN_FMT,
	      RUN_ARGS(r));
}

/* Some line of @text starts with @prefix. */
static inline bool has_line_prefix(const char *text, const char *prefix)
{
	const char *l = text;

	while (*l) {
		if (!strncmp(l, prefix, strlen(prefix)))
			return true;
		l = strchrnul(l, '\n');
		if (*l)
			l++;
	}
	return false;
}

/*
 * A failure at run time: exit 1, nothing on stdout, and on stderr the one
 * line "kvmtrap: <what> <object>: <strerror>: <how to fix>".
 */
static inline void expect_failure(const struct run *r)
{
	expect_exit(r, 1);
	CHECK(!r->out_len, "a failure printed on stdout: " RUN_FMT, RUN_ARGS(r));
	CHECK(!strncmp(r->err, "kvmtrap: ", 9),
	      "the error does not start with \"kvmtrap: \": " RUN_FMT,
	      RUN_ARGS(r));
	CHECK(count_lines(r->err) == 1 && r->err[r->err_len - 1] == '\n',
	      "the error is not one line: " RUN_FMT, RUN_ARGS(r));
	/* <what> <object>: <strerror>: <fix> */
	CHECK(strstr(strstr(r->err, ": ") + 2, ": ") &&
	      strstr(strstr(strstr(r->err, ": ") + 2, ": ") + 2, ": "),
	      "the error is not \"kvmtrap: <what> <object>: <strerror>: <fix>\": "
	      RUN_FMT, RUN_ARGS(r));
}

/* A bad command line: exit 2, nothing on stdout, error and usage on stderr. */
static inline void expect_usage(const struct run *r)
{
	expect_exit(r, 2);
	CHECK(!r->out_len, "a usage error printed on stdout: " RUN_FMT,
	      RUN_ARGS(r));
	CHECK(has_line_prefix(r->err, "kvmtrap: "),
	      "no \"kvmtrap: \" error line on stderr: " RUN_FMT, RUN_ARGS(r));
	CHECK(strcasestr(r->err, "usage"), "no usage on stderr: " RUN_FMT,
	      RUN_ARGS(r));
}

static inline void expect_err_has(const struct run *r, const char *what)
{
	CHECK(strstr(r->err, what), "stderr does not mention \"%s\": " RUN_FMT,
	      what, RUN_ARGS(r));
}

/* @word occurs in @text with no letter, digit or '_' either side. */
static inline bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *s;

	for (s = strstr(text, word); s; s = strstr(s + 1, word)) {
		bool before = s == text || !(isalnum((unsigned char)s[-1]) ||
					     s[-1] == '_');
		bool after = !(isalnum((unsigned char)s[n]) || s[n] == '_');

		if (before && after)
			return true;
	}
	return false;
}

/* ---- Text output: lines and tokens --------------------------------------- */

#define MAX_TOKENS	16
#define TOKEN_LEN	96

/* Line @i of @text (without its newline) into @buf; false past the end. */
static inline bool line_at(const char *text, int i, char *buf, size_t len)
{
	const char *s = text, *e;

	for (; i > 0; i--) {
		s = strchr(s, '\n');
		if (!s)
			return false;
		s++;
	}
	if (!*s)
		return false;
	e = strchrnul(s, '\n');
	snprintf(buf, len, "%.*s", (int)(e - s), s);
	return true;
}

/* Split @line at blanks and punctuation that is not part of a value. */
static inline int tokens(const char *line, char tok[][TOKEN_LEN])
{
	const char *sep = " \t,:;()[]=";
	int n = 0;

	while (*line && n < MAX_TOKENS) {
		size_t k;

		line += strspn(line, sep);
		k = strcspn(line, sep);
		if (!k)
			break;
		snprintf(tok[n++], TOKEN_LEN, "%.*s", (int)k, line);
		line += k;
	}
	return n;
}

static inline bool tokens_have(char tok[][TOKEN_LEN], int n, const char *want)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(tok[i], want))
			return true;
	return false;
}

/* ---- A small JSON parser ------------------------------------------------- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype type;
	bool b;
	bool neg;		/* a negative number: num is its magnitude */
	uint64_t num;
	char *str;
	int n;			/* members of an array or object */
	struct jv **items;
	char **keys;		/* object member names */
};

struct jp {
	const char *p;
	const char *err;
};

static inline const char *jtype_name(enum jtype t)
{
	static const char *const names[] = { "null", "bool", "number", "string",
					     "array", "object" };

	return names[t];
}

static inline void jws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static inline void jput(char **s, size_t *len, size_t *cap, char c)
{
	if (*len + 1 >= *cap) {
		*cap = *cap * 2 + 16;
		*s = realloc(*s, *cap);
		CHECK(*s, "out of memory");
	}
	(*s)[(*len)++] = c;
	(*s)[*len] = 0;
}

static inline char *jparse_string(struct jp *j)
{
	size_t len = 0, cap = 0;
	char *s = NULL;

	jput(&s, &len, &cap, 0);
	len = 0;
	j->p++;		/* the opening quote */
	for (;;) {
		unsigned char c = *j->p++;
		unsigned int cp;

		if (!c) {
			j->err = "unterminated string";
			return NULL;
		}
		if (c == '"')
			return s;
		if (c < 0x20) {
			j->err = "control character in a string";
			return NULL;
		}
		if (c != '\\') {
			jput(&s, &len, &cap, c);
			continue;
		}
		c = *j->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			break;
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u':
			if (!isxdigit((unsigned char)j->p[0]) ||
			    !isxdigit((unsigned char)j->p[1]) ||
			    !isxdigit((unsigned char)j->p[2]) ||
			    !isxdigit((unsigned char)j->p[3])) {
				j->err = "bad \\u escape";
				return NULL;
			}
			sscanf(j->p, "%4x", &cp);
			j->p += 4;
			if (cp < 0x80) {
				jput(&s, &len, &cap, cp);
			} else if (cp < 0x800) {
				jput(&s, &len, &cap, 0xc0 | cp >> 6);
				jput(&s, &len, &cap, 0x80 | (cp & 0x3f));
			} else {
				jput(&s, &len, &cap, 0xe0 | cp >> 12);
				jput(&s, &len, &cap, 0x80 | ((cp >> 6) & 0x3f));
				jput(&s, &len, &cap, 0x80 | (cp & 0x3f));
			}
			continue;
		default:
			j->err = "bad escape";
			return NULL;
		}
		jput(&s, &len, &cap, c);
	}
}

static inline struct jv *jnew(enum jtype t)
{
	struct jv *v = calloc(1, sizeof(*v));

	CHECK(v, "out of memory");
	v->type = t;
	return v;
}

static inline void jadd(struct jv *c, char *key, struct jv *item)
{
	c->items = realloc(c->items, (c->n + 1) * sizeof(*c->items));
	c->keys = realloc(c->keys, (c->n + 1) * sizeof(*c->keys));
	CHECK(c->items && c->keys, "out of memory");
	c->items[c->n] = item;
	c->keys[c->n] = key;
	c->n++;
}

static inline struct jv *jparse_value(struct jp *j, int depth)
{
	struct jv *v, *item;
	char *key, *end;

	if (depth > 64) {
		j->err = "nested too deep";
		return NULL;
	}
	jws(j);
	switch (*j->p) {
	case '{':
		v = jnew(J_OBJ);
		j->p++;
		jws(j);
		if (*j->p == '}') {
			j->p++;
			return v;
		}
		for (;;) {
			jws(j);
			if (*j->p != '"') {
				j->err = "expected a member name";
				return NULL;
			}
			key = jparse_string(j);
			if (!key)
				return NULL;
			jws(j);
			if (*j->p++ != ':') {
				j->err = "expected ':'";
				return NULL;
			}
			item = jparse_value(j, depth + 1);
			if (!item)
				return NULL;
			jadd(v, key, item);
			jws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p++ == '}')
				return v;
			j->err = "expected ',' or '}'";
			return NULL;
		}
	case '[':
		v = jnew(J_ARR);
		j->p++;
		jws(j);
		if (*j->p == ']') {
			j->p++;
			return v;
		}
		for (;;) {
			item = jparse_value(j, depth + 1);
			if (!item)
				return NULL;
			jadd(v, NULL, item);
			jws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p++ == ']')
				return v;
			j->err = "expected ',' or ']'";
			return NULL;
		}
	case '"':
		v = jnew(J_STR);
		v->str = jparse_string(j);
		return v->str ? v : NULL;
	case 't':
	case 'f':
	case 'n':
		if (!strncmp(j->p, "true", 4)) {
			v = jnew(J_BOOL);
			v->b = true;
			j->p += 4;
		} else if (!strncmp(j->p, "false", 5)) {
			v = jnew(J_BOOL);
			j->p += 5;
		} else if (!strncmp(j->p, "null", 4)) {
			v = jnew(J_NULL);
			j->p += 4;
		} else {
			j->err = "bad literal";
			return NULL;
		}
		return v;
	default:
		v = jnew(J_NUM);
		if (*j->p == '-') {
			v->neg = true;
			j->p++;
		}
		if (!isdigit((unsigned char)*j->p)) {
			j->err = "unexpected character";
			return NULL;
		}
		if (j->p[0] == '0' && isdigit((unsigned char)j->p[1])) {
			j->err = "number with a leading zero";
			return NULL;
		}
		errno = 0;
		v->num = strtoull(j->p, &end, 10);
		if (errno == ERANGE) {
			errno = 0;
			j->err = "number out of range";
			return NULL;
		}
		if (*end == '.' || *end == 'e' || *end == 'E') {
			j->err = "not an integer";
			return NULL;
		}
		j->p = end;
		return v;
	}
}

/*
 * The text being checked, for the messages of the accessors below: one
 * variable in the program (weak, so each file including this header may
 * define it), as a reply parsed in one file may be checked in another
 * (selftests/lib/kvmtrap_cli_common.c and the kvmtrap_cli_* suites).
 */
const char *json_text __attribute__((weak));

static inline struct jv *json_parse(const char *text)
{
	struct jp j = { .p = text };
	struct jv *v = jparse_value(&j, 0);

	if (v) {
		jws(&j);
		if (*j.p) {
			v = NULL;
			j.err = "more after the value";
		}
	}
	CHECK(v, "invalid JSON (%s) at offset %ld of:\n%s", j.err,
	      (long)(j.p - text), text);
	json_text = text;
	return v;
}

static inline struct jv *jget(const struct jv *o, const char *key)
{
	int i;

	CHECK(o->type == J_OBJ, "a JSON %s where an object with \"%s\" was expected, in:\n%s",
	      jtype_name(o->type), key, json_text);
	for (i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return o->items[i];
	return NULL;
}

static inline struct jv *jmem(const struct jv *o, const char *key, enum jtype t)
{
	struct jv *v = jget(o, key);

	CHECK(v, "JSON member \"%s\" missing in:\n%s", key, json_text);
	CHECK(v->type == t, "JSON member \"%s\" is a %s, expected a %s, in:\n%s",
	      key, jtype_name(v->type), jtype_name(t), json_text);
	return v;
}

static inline uint64_t ju64(const struct jv *o, const char *key)
{
	struct jv *v = jmem(o, key, J_NUM);

	CHECK(!v->neg, "JSON member \"%s\" is negative, in:\n%s", key,
	      json_text);
	return v->num;
}

static inline const char *jstr(const struct jv *o, const char *key)
{
	return jmem(o, key, J_STR)->str;
}

static inline bool jbool(const struct jv *o, const char *key)
{
	return jmem(o, key, J_BOOL)->b;
}

static inline struct jv *jarr(const struct jv *o, const char *key)
{
	return jmem(o, key, J_ARR);
}

static inline struct jv *jobj(const struct jv *o, const char *key)
{
	return jmem(o, key, J_OBJ);
}

static inline bool jis_null(const struct jv *o, const char *key)
{
	struct jv *v = jget(o, key);

	CHECK(v, "JSON member \"%s\" missing in:\n%s", key, json_text);
	return v->type == J_NULL;
}

static inline struct jv *jat(const struct jv *a, int i)
{
	CHECK(a->type == J_ARR && i < a->n, "no JSON array element %d in:\n%s",
	      i, json_text);
	return a->items[i];
}

static inline uint64_t jat_u64(const struct jv *a, int i)
{
	struct jv *v = jat(a, i);

	CHECK(v->type == J_NUM && !v->neg,
	      "JSON array element %d is not an unsigned number, in:\n%s", i,
	      json_text);
	return v->num;
}

/* @o has exactly the members @keys ("a,b,c"), no more, no fewer. */
static inline void jkeys(const struct jv *o, const char *keys)
{
	char *list = strdup(keys), *k, *save;
	int n = 0;

	CHECK(o->type == J_OBJ, "a JSON %s where an object {%s} was expected, in:\n%s",
	      jtype_name(o->type), keys, json_text);
	for (k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		CHECK(jget(o, k), "JSON member \"%s\" missing (want {%s}) in:\n%s",
		      k, keys, json_text);
		n++;
	}
	CHECK(o->n == n, "JSON object has %d members, expected exactly {%s}, in:\n%s",
	      o->n, keys, json_text);
	free(list);
}

static inline void jexpect_u64(const struct jv *o, const char *key,
			       uint64_t want)
{
	uint64_t v = ju64(o, key);

	CHECK(v == want, "JSON \"%s\" is %lu (0x%lx), expected %lu (0x%lx), in:\n%s",
	      key, v, v, want, want, json_text);
}

static inline void jexpect_str(const struct jv *o, const char *key,
			       const char *want)
{
	const char *v = jstr(o, key);

	CHECK(!strcmp(v, want), "JSON \"%s\" is \"%s\", expected \"%s\", in:\n%s",
	      key, v, want, json_text);
}

static inline void jexpect_bool(const struct jv *o, const char *key, bool want)
{
	CHECK(jbool(o, key) == want, "JSON \"%s\" is %s, expected %s, in:\n%s",
	      key, want ? "false" : "true", want ? "true" : "false", json_text);
}

static inline void jexpect_null(const struct jv *o, const char *key)
{
	CHECK(jis_null(o, key), "JSON \"%s\" is not null, in:\n%s", key,
	      json_text);
}

/* @key is the array of numbers @want[0..@n-1]. */
static inline void jexpect_u64s(const struct jv *o, const char *key,
				const uint64_t *want, int n)
{
	struct jv *a = jarr(o, key);
	int i;

	CHECK(a->n == n, "JSON \"%s\" has %d elements, expected %d, in:\n%s",
	      key, a->n, n, json_text);
	for (i = 0; i < n; i++)
		CHECK(jat_u64(a, i) == want[i],
		      "JSON \"%s\"[%d] is 0x%lx, expected 0x%lx, in:\n%s", key,
		      i, jat_u64(a, i), want[i], json_text);
}

static inline struct jv *run_json(struct run *r)
{
	expect_ok(r);
	return json_parse(r->out);
}

#endif /* KVMTRAP_RUN_H */
