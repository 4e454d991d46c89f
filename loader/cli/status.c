// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * status.c: the commands that show one VM: status (links, verdict
 * counters, handled-call list) and handled (the list, native part rebuilt).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "main.h"

/* ---- status and handled ----------------------------------------------- */

struct vm_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
};

static void parse_vm_only(int argc, char **argv, struct vm_opts *o)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		COMMON_OPTS, {}
	};
	int c;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c == OPT_VM) {
			parse_vm_opt(optarg, &o->vm);
			o->have_vm = true;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->have_vm)
		usage_error("missing --vm");
}

/*
 * The VM for status and handled.  PID[:FD] must open; a NAME may be a VM
 * that is gone or not ours to open, whose pins and links still tell about
 * it: then *@vm stays NULL and *@open_err says why.
 */
static int open_vm_or_name(const struct kvmtrap_vm_spec *spec,
			   const char *what, struct kvmtrap_vm **vm,
			   int *open_err, char *name, size_t len)
{
	int err;

	*vm = NULL;
	*open_err = 0;
	if (spec->kind != KVMTRAP_VM_NAME) {
		err = open_vm(spec, what, vm);
		if (!err)
			snprintf(name, len, "%s", kvmtrap_vm_name(*vm));
		return err;
	}
	snprintf(name, len, "%s", spec->name);
	err = kvmtrap_vm_open_pid(spec->pid, spec->fd, vm);
	if (!err && strcmp(kvmtrap_vm_name(*vm), spec->name)) {
		kvmtrap_vm_close(*vm);
		*vm = NULL;
		err = -ENXIO;
	}
	*open_err = err;
	return EXIT_OK;
}

/* Going on without the VM of NAME @spec: say so, once. */
static void note_not_opened(const struct kvmtrap_vm_spec *spec, int err)
{
	fprintf(stderr,
		"kvmtrap: note: VM %s not opened (fd %d of process %d: %s): from its pins and links only\n",
		spec->name, spec->fd, spec->pid, kvmtrap_strerror(err));
}

/* Neither opened nor pinned nor linked: there is no such VM to show. */
static int fail_no_vm(const struct kvmtrap_vm_spec *spec, const char *what,
		      int err)
{
	char obj[64];

	kvmtrap_vm_spec_describe(spec, obj, sizeof(obj));
	return fail(KVMTRAP_OP_OPEN_VM, err, what, obj);
}

int do_status(int argc, char **argv)
{
	struct kvmtrap_handled_entry *handled = NULL;
	struct kvmtrap_link_info *links = NULL;
	struct kvmtrap_stats st;
	struct kvmtrap_vm *vm;
	struct vm_opts o = {};
	char name[KVMTRAP_VM_NAME_LEN], obj[64];
	int nlinks, nhandled, r, err, open_err, i, forwards = -1;
	bool have_stats = false;

	parse_vm_only(argc, argv, &o);
	r = open_vm_or_name(&o.vm, "read the status of", &vm, &open_err,
			    name, sizeof(name));
	if (r)
		return r;
	snprintf(obj, sizeof(obj), "VM %s", name);

	nlinks = kvmtrap_links_alloc(name, &links);
	if (nlinks < 0) {
		r = fail(KVMTRAP_OP_LINK, nlinks, "find the links of", obj);
		goto out;
	}
	if (vm) {
		err = kvmtrap_vm_stats(vm, &st);
		if (err) {
			r = fail(KVMTRAP_OP_STATS, err, "read the statistics of",
				 obj);
			goto out;
		}
		have_stats = true;
		forwards = kvmtrap_vm_forwards(vm);
		if (forwards < 0 && forwards != -EOPNOTSUPP) {
			r = fail(KVMTRAP_OP_OPEN_VM, forwards,
				 "read the fdinfo of", obj);
			goto out;
		}
	}
	/*
	 * Status does not create a list.  With none pinned, what the VM
	 * handles in the kernel is KVM's own part, asked of KVM directly.
	 */
	nhandled = get_handled(name, &handled);
	if (nhandled == -ENOENT) {
		if (!vm && !nlinks) {
			r = fail_no_vm(&o.vm, "read the status of", open_err);
			goto out;
		}
		nhandled = vm ? get_native(vm, &handled) : 0;
	}
	if (nhandled < 0) {
		r = fail(KVMTRAP_OP_HANDLED, nhandled,
			 "read the handled-call list of", obj);
		goto out;
	}
	if (!vm)
		note_not_opened(&o.vm, open_err);

	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		json_forwards(forwards);
		kvmtrap_json_key(&jw, "links");
		json_links(links, nlinks);
		kvmtrap_json_key(&jw, "stats");
		if (have_stats) {
			kvmtrap_json_begin_object(&jw);
			for (i = 0; i < KVM_TRAP_NR_VERDICTS; i++)
				kvmtrap_json_kv_u64(&jw,
						    kvmtrap_verdict_name(i),
						    st.verdict[i]);
			kvmtrap_json_kv_u64(&jw, "forward_refused",
					    st.forward_refused);
			kvmtrap_json_end_object(&jw);
		} else {
			kvmtrap_json_null(&jw);
		}
		kvmtrap_json_key(&jw, "handled");
		json_handled(handled, nhandled);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else {
		printf("VM %s\n", name);
		if (forwards > 0)
			printf("forwards: accepted (FORWARD verdicts exit to the VMM)\n");
		else if (!forwards)
			printf("forwards: refused (FORWARD verdicts act as deny: the VMM has not enabled KVM_TRAP_ENABLE_FORWARD)\n");
		else
			printf("forwards: unknown\n");
		printf("links:%s\n", nlinks ? "" : " none");
		for (i = 0; i < nlinks; i++)
			print_link(&links[i]);
		if (have_stats) {
			printf("stats:");
			for (i = 0; i < KVM_TRAP_NR_VERDICTS; i++)
				printf(" %s %llu", kvmtrap_verdict_name(i),
				       (unsigned long long)st.verdict[i]);
			printf(" forward_refused %llu\n",
			       (unsigned long long)st.forward_refused);
		} else {
			printf("stats: unavailable (VM not opened)\n");
		}
		printf("handled:%s\n", nhandled ? "" : " none");
		if (nhandled)
			print_handled(handled, nhandled);
	}
	r = EXIT_OK;
out:
	free(handled);
	free(links);
	kvmtrap_vm_close(vm);
	return r;
}

int do_handled(int argc, char **argv)
{
	struct kvmtrap_handled_entry *handled = NULL;
	struct kvmtrap_vm *vm;
	struct vm_opts o = {};
	char name[KVMTRAP_VM_NAME_LEN], obj[64];
	int n, r, fd, open_err;

	parse_vm_only(argc, argv, &o);
	r = open_vm_or_name(&o.vm, "list the handled calls of", &vm,
			    &open_err, name, sizeof(name));
	if (r)
		return r;
	snprintf(obj, sizeof(obj), "VM %s", name);

	/* The native part from the kernel, now: it may have changed. */
	if (vm) {
		fd = kvmtrap_handled_open(vm);
		if (fd < 0) {
			r = fail(KVMTRAP_OP_HANDLED, fd,
				 "refresh the handled-call list of", obj);
			goto out;
		}
		close(fd);
	}
	n = get_handled(name, &handled);
	if (n == -ENOENT && !vm) {
		r = fail_no_vm(&o.vm, "list the handled calls of", open_err);
		goto out;
	}
	if (n < 0) {
		r = fail(KVMTRAP_OP_HANDLED, n, "read the handled-call list of",
			 obj);
		goto out;
	}
	if (!vm)
		note_not_opened(&o.vm, open_err);

	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		kvmtrap_json_key(&jw, "handled");
		json_handled(handled, n);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else if (n) {
		print_handled(handled, n);
	} else {
		printf("VM %s handles no calls in the kernel\n", name);
	}
	r = EXIT_OK;
out:
	free(handled);
	kvmtrap_vm_close(vm);
	return r;
}
