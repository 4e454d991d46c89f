// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * link.c: the commands on a VM's kvm_trap links: attach (load, link,
 * pin), detach (unlink, unpin) and replace (swap a link's program).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "main.h"

/* ---- attach ----------------------------------------------------------- */

struct attach_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
	struct policy_opts policy;
};

int do_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		{ "set",	required_argument, NULL, OPT_SET },
		COMMON_OPTS, {}
	};
	struct attach_opts o = {};
	struct kvmtrap_policy *p = NULL;
	struct kvmtrap_link_info li;
	struct kvmtrap_vm *vm = NULL;
	char pin[PATH_MAX], obj[64], what[PATH_MAX + 32];
	const char *name, *prog;
	int c, r, link_fd = -1, err;
	bool had_dir;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_VM:
			parse_vm_opt(optarg, &o.vm);
			o.have_vm = true;
			break;
		case OPT_SET:
			add_set(&o.policy, optarg);
			break;
		}
	}
	if (optind >= argc)
		usage_error("missing POLICY.bpf.o");
	if (optind + 1 < argc)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (!o.have_vm)
		usage_error("missing --vm");
	o.policy.path = argv[optind];

	/* open, configure, load, attach, pin; one cleanup path */
	r = open_vm(&o.vm, "attach to", &vm);
	if (r)
		goto out;
	name = kvmtrap_vm_name(vm);
	snprintf(obj, sizeof(obj), "VM %s", name);
	r = open_policy(&o.policy, &p);
	if (r)
		goto out;

	/* What this attach creates on bpffs, it takes back if it fails. */
	had_dir = vm_dir_exists(name);
	err = kvmtrap_policy_load(p, vm);
	if (err) {
		r = fail(KVMTRAP_OP_LOAD, err, "load policy", o.policy.path);
		goto undo;
	}
	snprintf(what, sizeof(what), "attach %s to", o.policy.path);
	link_fd = kvmtrap_policy_attach(p, vm);
	if (link_fd < 0) {
		r = fail(KVMTRAP_OP_ATTACH, link_fd, what, obj);
		goto undo;
	}
	err = kvmtrap_link_info(link_fd, &li);
	if (err) {
		r = fail(KVMTRAP_OP_LINK, err, what, obj);
		goto detach;
	}
	err = kvmtrap_pin(vm, link_fd, pin, sizeof(pin));
	if (err) {
		snprintf(what, sizeof(what), "pin link %u of", li.link_id);
		r = fail(KVMTRAP_OP_PIN, err, what, obj);
		goto detach;
	}

	warn_forwards(vm);
	prog = li.prog_name[0] ? li.prog_name : kvmtrap_policy_name(p);
	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		kvmtrap_json_kv_u64(&jw, "link_id", li.link_id);
		kvmtrap_json_kv_u64(&jw, "prog_id", li.prog_id);
		kvmtrap_json_kv_string(&jw, "prog_name", prog);
		kvmtrap_json_kv_string(&jw, "pin", pin);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else {
		printf("attached %s to VM %s: link %u, pinned at %s\n", prog,
		       name, li.link_id, pin);
	}
	r = EXIT_OK;
	goto out;

detach:
	/* Detached now, the link goes with its last fd, just below. */
	kvmtrap_detach(link_fd);
undo:
	if (!had_dir)
		kvmtrap_vm_cleanup(name);
out:
	if (link_fd >= 0)
		close(link_fd);
	kvmtrap_policy_close(p);
	kvmtrap_vm_close(vm);
	free(o.policy.sets);
	return r;
}

/* ---- detach ----------------------------------------------------------- */

struct detach_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
	uint32_t link_id;		/* 0: --all */
	bool all;
};

static int detach_one(const char *vm_name, uint32_t id)
{
	char what[64], obj[64];
	int fd, err;

	snprintf(what, sizeof(what), "detach link %u from", id);
	snprintf(obj, sizeof(obj), "VM %s", vm_name);
	fd = kvmtrap_link_fd(id);
	if (fd < 0)
		return fail(KVMTRAP_OP_LINK, fd, what, obj);
	err = kvmtrap_detach(fd);
	close(fd);
	if (err)
		return fail(KVMTRAP_OP_DETACH, err, what, obj);
	/* An unpinned link has gone with its fd. */
	err = kvmtrap_unpin(vm_name, id);
	if (err && err != -ENOENT) {
		snprintf(what, sizeof(what), "unpin link %u of", id);
		return fail(KVMTRAP_OP_DETACH, err, what, obj);
	}
	return EXIT_OK;
}

int do_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		{ "link",	required_argument, NULL, OPT_LINK },
		{ "all",	no_argument,	   NULL, OPT_ALL },
		COMMON_OPTS, {}
	};
	struct kvmtrap_link_info *links = NULL;
	struct detach_opts o = {};
	char name[KVMTRAP_VM_NAME_LEN], obj[64], what[64], fix[256];
	uint32_t *done = NULL;
	int c, n, i, ndone = 0, r;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_VM:
			parse_vm_opt(optarg, &o.vm);
			o.have_vm = true;
			break;
		case OPT_LINK:
			o.link_id = parse_num_opt("--link", optarg, 1,
						  UINT32_MAX);
			break;
		case OPT_ALL:
			o.all = true;
			break;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.have_vm)
		usage_error("missing --vm");
	if (!o.all == !o.link_id)
		usage_error("give one of --link ID and --all");

	r = vm_name_of(&o.vm, "detach from", name, sizeof(name));
	if (r)
		return r;
	snprintf(obj, sizeof(obj), "VM %s", name);
	n = kvmtrap_links_alloc(name, &links);
	if (n < 0)
		return fail(KVMTRAP_OP_LINK, n, "find the links of", obj);
	if (o.link_id && !find_link(links, n, o.link_id)) {
		snprintf(what, sizeof(what), "detach link %u from", o.link_id);
		snprintf(fix, sizeof(fix),
			 "VM %s has no link %u: kvmtrap status --vm %s lists its links",
			 name, o.link_id, name);
		free(links);
		return fail_fix(ENOENT, what, obj, fix);
	}

	done = calloc(n ? n : 1, sizeof(*done));
	if (!done) {
		free(links);
		return fail(KVMTRAP_OP_DETACH, -ENOMEM, "detach from", obj);
	}
	r = EXIT_OK;
	for (i = 0; i < n && !r; i++) {
		if (o.link_id && links[i].link_id != o.link_id)
			continue;
		r = detach_one(name, links[i].link_id);
		if (!r)
			done[ndone++] = links[i].link_id;
	}
	/* --all leaves no directory behind, even one without link pins. */
	if (!r && o.all)
		kvmtrap_vm_cleanup(name);

	/* What was done is reported even when a later link failed. */
	if (json && !r) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		kvmtrap_json_key(&jw, "detached");
		kvmtrap_json_begin_array(&jw);
		for (i = 0; i < ndone; i++)
			kvmtrap_json_u64(&jw, done[i]);
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else if (!json) {
		for (i = 0; i < ndone; i++)
			printf("detached link %u from VM %s\n", done[i], name);
		if (!r && !ndone)
			printf("VM %s has no links\n", name);
	}
	free(done);
	free(links);
	return r;
}

/* ---- replace ---------------------------------------------------------- */

struct replace_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
	uint32_t link_id;
	struct policy_opts policy;
};

int do_replace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		{ "link",	required_argument, NULL, OPT_LINK },
		{ "set",	required_argument, NULL, OPT_SET },
		COMMON_OPTS, {}
	};
	struct kvmtrap_link_info *links = NULL, li;
	const struct kvmtrap_link_info *old;
	struct replace_opts o = {};
	struct kvmtrap_policy *p = NULL;
	struct kvmtrap_vm *vm = NULL;
	char obj[64], what[64], fix[256];
	int c, n, r, err, link_fd = -1, old_fd = -1;
	uint32_t old_prog_id;
	const char *name;
	bool had_dir;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_VM:
			parse_vm_opt(optarg, &o.vm);
			o.have_vm = true;
			break;
		case OPT_LINK:
			o.link_id = parse_num_opt("--link", optarg, 1,
						  UINT32_MAX);
			break;
		case OPT_SET:
			add_set(&o.policy, optarg);
			break;
		}
	}
	if (optind >= argc)
		usage_error("missing POLICY.bpf.o");
	if (optind + 1 < argc)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (!o.have_vm)
		usage_error("missing --vm");
	if (!o.link_id)
		usage_error("missing --link");
	o.policy.path = argv[optind];

	snprintf(what, sizeof(what), "replace the program of link %u of",
		 o.link_id);
	r = open_vm(&o.vm, what, &vm);
	if (r)
		goto out;
	name = kvmtrap_vm_name(vm);
	snprintf(obj, sizeof(obj), "VM %s", name);

	n = kvmtrap_links_alloc(name, &links);
	if (n < 0) {
		r = fail(KVMTRAP_OP_LINK, n, "find the links of", obj);
		goto out;
	}
	old = find_link(links, n, o.link_id);
	if (!old) {
		snprintf(fix, sizeof(fix),
			 "VM %s has no link %u: kvmtrap status --vm %s lists its links",
			 name, o.link_id, name);
		r = fail_fix(ENOENT, what, obj, fix);
		goto out;
	}
	old_prog_id = old->prog_id;
	link_fd = kvmtrap_link_fd(o.link_id);
	if (link_fd < 0) {
		r = fail(KVMTRAP_OP_LINK, link_fd, what, obj);
		goto out;
	}

	r = open_policy(&o.policy, &p);
	if (r)
		goto out;
	had_dir = vm_dir_exists(name);
	err = kvmtrap_policy_load(p, vm);
	if (err) {
		r = fail(KVMTRAP_OP_LOAD, err, "load policy", o.policy.path);
		goto undo;
	}
	/*
	 * Only if the link still runs the program we saw (BPF_F_REPLACE):
	 * a program that is gone was replaced meanwhile, and replacing
	 * without the check would silently drop that other change.
	 */
	old_fd = bpf_prog_get_fd_by_id(old_prog_id);
	if (old_fd < 0) {
		err = -errno;
		r = err == -ENOENT ?
		    fail_fix(EPERM, what, obj,
			     kvmtrap_hint(KVMTRAP_OP_REPLACE, EPERM)) :
		    fail(KVMTRAP_OP_LINK, err, what, obj);
		goto undo;
	}
	err = kvmtrap_replace(link_fd, kvmtrap_policy_prog_fd(p), old_fd);
	if (err) {
		r = fail(KVMTRAP_OP_REPLACE, err, what, obj);
		goto undo;
	}
	err = kvmtrap_link_info(link_fd, &li);
	if (err) {
		r = fail(KVMTRAP_OP_LINK, err, what, obj);
		goto out;
	}

	warn_forwards(vm);
	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		kvmtrap_json_kv_u64(&jw, "link_id", li.link_id);
		kvmtrap_json_kv_u64(&jw, "old_prog_id", old_prog_id);
		kvmtrap_json_kv_u64(&jw, "prog_id", li.prog_id);
		kvmtrap_json_kv_string(&jw, "prog_name", li.prog_name);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else {
		printf("replaced the program of link %u of VM %s: prog %u -> prog %u (%s)\n",
		       li.link_id, name, old_prog_id, li.prog_id,
		       name_or_dash(li.prog_name));
	}
	r = EXIT_OK;
	goto out;

undo:
	/* A list this replace created for a link that is not pinned */
	if (!had_dir)
		kvmtrap_vm_cleanup(name);
out:
	if (old_fd >= 0)
		close(old_fd);
	if (link_fd >= 0)
		close(link_fd);
	kvmtrap_policy_close(p);
	kvmtrap_vm_close(vm);
	free(links);
	free(o.policy.sets);
	return r;
}
