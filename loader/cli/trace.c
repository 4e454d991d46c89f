// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * trace.c: the trace command, the decisions of a VM's policies as they
 * write them to their ring buffers, in time order.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "main.h"

/* ---- trace ------------------------------------------------------------ */

struct trace_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
	uint64_t count;			/* 0: until a signal */
	uint64_t timeout;		/* seconds, 0: none */
};

static volatile sig_atomic_t trace_stop;
static uint64_t trace_seen, trace_max;

static void on_signal(int sig)
{
	trace_stop = 1;
}

/*
 * Events of one poll, from all the VM's ring buffers: each policy has its
 * own, and a poll drains them one after the other, so they are put in
 * time order before they are printed.
 */
static struct kvmtrap_event *trace_batch;
static size_t trace_nr, trace_cap;

static int on_event(void *ctx, void *data, size_t size)
{
	struct kvmtrap_event *b;

	if (size < sizeof(*trace_batch))
		return 0;
	if (trace_nr == trace_cap) {
		b = realloc(trace_batch, (trace_cap * 2 + 64) * sizeof(*b));
		if (!b)
			return -ENOMEM;
		trace_batch = b;
		trace_cap = trace_cap * 2 + 64;
	}
	memcpy(&trace_batch[trace_nr++], data, sizeof(*trace_batch));
	return 0;
}

static int event_cmp(const void *a, const void *b)
{
	const struct kvmtrap_event *x = a, *y = b;

	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

static void print_event(const struct kvmtrap_event *e)
{
	char call[160];

	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_u64(&jw, "time_ns", e->time_ns);
		kvmtrap_json_kv_u64(&jw, "vcpu", e->vcpu_id);
		kvmtrap_json_kv_string(&jw, "conduit",
				       kvmtrap_conduit_name(e->conduit));
		kvmtrap_json_kv_u64(&jw, "imm", e->imm);
		kvmtrap_json_kv_u64(&jw, "func_id", e->func_id);
		kvmtrap_json_kv_string(&jw, "name",
				       kvmtrap_func_name(e->func_id));
		kvmtrap_json_key(&jw, "args");
		kvmtrap_json_begin_array(&jw);
		kvmtrap_json_u64(&jw, e->args[0]);
		kvmtrap_json_u64(&jw, e->args[1]);
		kvmtrap_json_u64(&jw, e->args[2]);
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_kv_string(&jw, "verdict", verdict_str(e->verdict));
		kvmtrap_json_end_object(&jw);
		json_end();
	} else {
		kvmtrap_call_describe(e->conduit, e->imm, e->func_id, call,
				      sizeof(call));
		printf("%llu vcpu %u %s args 0x%llx 0x%llx 0x%llx: %s\n",
		       (unsigned long long)e->time_ns, e->vcpu_id, call,
		       (unsigned long long)e->args[0],
		       (unsigned long long)e->args[1],
		       (unsigned long long)e->args[2], verdict_str(e->verdict));
	}
}

/* Print the batch in time order; false once --count events are out. */
static bool print_batch(void)
{
	size_t i;

	qsort(trace_batch, trace_nr, sizeof(*trace_batch), event_cmp);
	for (i = 0; i < trace_nr; i++) {
		print_event(&trace_batch[i]);
		if (trace_max && ++trace_seen >= trace_max)
			break;
	}
	trace_nr = 0;
	/* A reader at the other end of a pipe sees each batch at once. */
	fflush(stdout);
	return !trace_max || trace_seen < trace_max;
}

/*
 * Add the "kvmtrap_events" ring buffers of program @prog_id to *@rb (once
 * each: @ids and @fds hold the map IDs and fds taken so far), and count
 * this trace as a reader of the program's "kvmtrap_readers" (@readers
 * holds those fds, taken back at the end).  Returns how many rings it
 * added.
 */
static int add_prog_rings(uint32_t prog_id, struct ring_buffer **rb,
			  uint32_t *ids, int *fds, int *nids, int max_ids,
			  int *readers, int *nreaders)
{
	int nr, i, added = 0, err = 0, k;
	uint32_t *map_ids;

	nr = kvmtrap_prog_map_ids(prog_id, &map_ids);
	if (nr < 0)
		return nr;

	for (i = 0; i < nr; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		bool dup = false;
		int map_fd;

		for (k = 0; k < *nids; k++)
			dup |= ids[k] == map_ids[i];
		if (dup || *nids >= max_ids)
			continue;
		map_fd = bpf_map_get_fd_by_id(map_ids[i]);
		if (map_fd < 0)
			continue;	/* gone meanwhile */
		if (*nreaders < max_ids && kvmtrap_readers_add(map_fd, 1) > 0) {
			/* Events on from here: this map is taken back at the end. */
			readers[(*nreaders)++] = map_fd;
			ids[(*nids)++] = map_ids[i];
			fds[*nids - 1] = -1;
			continue;
		}
		if (bpf_map_get_info_by_fd(map_fd, &mi, &mlen) ||
		    mi.type != BPF_MAP_TYPE_RINGBUF ||
		    strcmp(mi.name, KVMTRAP_EVENTS_MAP_NAME)) {
			close(map_fd);
			continue;
		}
		if (!*rb) {
			*rb = ring_buffer__new(map_fd, on_event, NULL, NULL);
			if (!*rb)
				err = -errno;
		} else {
			err = ring_buffer__add(*rb, map_fd, on_event, NULL);
		}
		if (err) {
			close(map_fd);
			goto out;
		}
		/* The ring buffer polls the fd: kept open until the end. */
		fds[*nids] = map_fd;
		ids[(*nids)++] = map_ids[i];
		added++;
	}
out:
	free(map_ids);
	return err ? err : added;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

int do_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		{ "count",	required_argument, NULL, OPT_COUNT },
		{ "timeout",	required_argument, NULL, OPT_TIMEOUT },
		COMMON_OPTS, {}
	};
	struct kvmtrap_link_info *links = NULL;
	struct ring_buffer *rb = NULL;
	struct trace_opts o = {};
	struct sigaction sa = {};
	char name[KVMTRAP_VM_NAME_LEN], obj[64], fix[256];
	uint32_t ids[128];
	int fds[128], readers[128];
	int c, n, i, nids = 0, nreaders = 0, r, err;
	uint64_t deadline = 0;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_VM:
			parse_vm_opt(optarg, &o.vm);
			o.have_vm = true;
			break;
		case OPT_COUNT:
			o.count = parse_num_opt("--count", optarg, 1,
						UINT64_MAX);
			break;
		case OPT_TIMEOUT:
			/* 2^32 seconds still fit a u64 in milliseconds */
			o.timeout = parse_num_opt("--timeout", optarg, 1,
						  UINT32_MAX);
			break;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.have_vm)
		usage_error("missing --vm");

	r = vm_name_of(&o.vm, "trace", name, sizeof(name));
	if (r)
		return r;
	snprintf(obj, sizeof(obj), "VM %s", name);
	n = kvmtrap_links_alloc(name, &links);
	if (n < 0)
		return fail(KVMTRAP_OP_LINK, n, "find the links of", obj);
	for (i = 0; i < n; i++) {
		if (links[i].defunct)
			continue;
		err = add_prog_rings(links[i].prog_id, &rb, ids, fds, &nids,
				     ARRAY_SIZE(ids), readers, &nreaders);
		/* A program replaced meanwhile: its successor is not ours. */
		if (err < 0 && err != -ENOENT) {
			r = fail(KVMTRAP_OP_TRACE, err, "trace", obj);
			goto out;
		}
	}
	if (!rb) {
		snprintf(fix, sizeof(fix),
			 "VM %s has no policy with a kvmtrap_events ring buffer: attach one that calls kvmtrap_emit()",
			 name);
		r = fail_fix(ENOENT, "trace", obj, fix);
		goto out;
	}

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);	/* no SA_RESTART: poll returns */
	sigaction(SIGTERM, &sa, NULL);
	trace_max = o.count;
	if (o.timeout)
		deadline = now_ms() + o.timeout * 1000;

	r = EXIT_OK;
	while (!trace_stop) {
		int wait = 100;

		if (deadline) {
			uint64_t t = now_ms();

			if (t >= deadline)
				break;
			if (deadline - t < (uint64_t)wait)
				wait = deadline - t;
		}
		err = ring_buffer__poll(rb, wait);
		if (!print_batch())
			break;		/* --count reached */
		if (err < 0 && err != -EINTR) {
			r = fail(KVMTRAP_OP_TRACE, err, "trace", obj);
			break;
		}
	}
out:
	free(trace_batch);
	ring_buffer__free(rb);
	for (i = 0; i < nids; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (i = 0; i < nreaders; i++) {
		kvmtrap_readers_add(readers[i], -1);
		close(readers[i]);
	}
	free(links);
	return r;
}
