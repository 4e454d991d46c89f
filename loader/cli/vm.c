// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vm.c: the commands on the host's VMs as a whole: list (every VM with
 * its links, and the pins of VMs that are gone) and prune (removes those).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"

/* ---- Pins of VMs that are gone ----------------------------------------- */

/* The directories of the pins @p[0..@n-1] one after the other: [*i, end). */
static int stale_dir_end(const struct kvmtrap_stale_pin *p, int n, int i)
{
	int j;

	for (j = i + 1; j < n && !strcmp(p[j].vm, p[i].vm); j++)
		;
	return j;
}

static void stale_path(const struct kvmtrap_stale_pin *p, char *buf,
		       size_t len)
{
	if (p->kind == KVMTRAP_PIN_LINK)
		snprintf(buf, len, "%s/%s/link-%u", KVMTRAP_BPFFS_DIR, p->vm,
			 p->link.link_id);
	else if (p->kind == KVMTRAP_PIN_HANDLED)
		snprintf(buf, len, "%s/%s/handled", KVMTRAP_BPFFS_DIR, p->vm);
	else
		snprintf(buf, len, "%s/%s", KVMTRAP_BPFFS_DIR, p->vm);
}

/*
 * "list"'s part on them: per directory of a gone VM, its pinned links and
 * whether its handled-call list is there.
 */
#define ORPHAN_FMT "%-16s %5s  %-7s  %s\n"

static void print_orphans(const struct kvmtrap_stale_pin *p, int n)
{
	char dir[PATH_MAX], links[16];
	int i, j, end, nl;
	bool handled;

	printf("orphaned pins of VMs that are gone (kvmtrap prune removes them):\n");
	printf(ORPHAN_FMT, "VM", "LINKS", "HANDLED", "DIR");
	for (i = 0; i < n; i = end) {
		end = stale_dir_end(p, n, i);
		nl = 0;
		handled = false;
		for (j = i; j < end; j++) {
			nl += p[j].kind == KVMTRAP_PIN_LINK;
			handled |= p[j].kind == KVMTRAP_PIN_HANDLED;
		}
		snprintf(links, sizeof(links), "%d", nl);
		snprintf(dir, sizeof(dir), "%s/%s", KVMTRAP_BPFFS_DIR, p[i].vm);
		printf(ORPHAN_FMT, p[i].vm, links, handled ? "yes" : "no", dir);
		for (j = i; j < end; j++)
			if (p[j].kind == KVMTRAP_PIN_LINK)
				print_link(&p[j].link);
	}
}

static void json_orphans(const struct kvmtrap_stale_pin *p, int n)
{
	char dir[PATH_MAX];
	bool handled;
	int i, j, end;

	kvmtrap_json_begin_array(&jw);
	for (i = 0; i < n; i = end) {
		end = stale_dir_end(p, n, i);
		handled = false;
		for (j = i; j < end; j++)
			handled |= p[j].kind == KVMTRAP_PIN_HANDLED;
		snprintf(dir, sizeof(dir), "%s/%s", KVMTRAP_BPFFS_DIR, p[i].vm);
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", p[i].vm);
		kvmtrap_json_kv_string(&jw, "dir", dir);
		kvmtrap_json_kv_bool(&jw, "handled", handled);
		kvmtrap_json_key(&jw, "links");
		kvmtrap_json_begin_array(&jw);
		for (j = i; j < end; j++)
			if (p[j].kind == KVMTRAP_PIN_LINK)
				json_link(&p[j].link);
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_end_object(&jw);
	}
	kvmtrap_json_end_array(&jw);
}

/* ---- list ------------------------------------------------------------- */

#define LIST_FMT "%-16s %8s  %-16s %5s  %5s  %s\n"

int do_list(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS, {} };
	struct kvmtrap_link_info *links = NULL;
	struct kvmtrap_stale_pin *stale = NULL;
	struct kvmtrap_vm_ref *vms = NULL;
	int nvms, nlinks, nstale, i, j;
	char pid[16], fd[16], nl[16];

	if (next_opt(argc, argv, opts) != -1)
		usage_error("unexpected option");
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	nvms = kvmtrap_list_vms_alloc(&vms);
	if (nvms < 0)
		return fail(KVMTRAP_OP_LIST, nvms, "list", "the VMs in /proc");
	/* Every kvm_trap link once, matched to the VMs by name. */
	nlinks = kvmtrap_links_alloc(NULL, &links);
	if (nlinks < 0) {
		free(vms);
		return fail(KVMTRAP_OP_LIST, nlinks, "list", "the kvm_trap links");
	}
	/* And the pins that outlived their VM, which no VM row shows. */
	nstale = kvmtrap_prune(KVMTRAP_PRUNE_DRY_RUN, &stale);
	if (nstale < 0) {
		free(links);
		free(vms);
		return fail(KVMTRAP_OP_PRUNE, nstale, "list the pins under",
			    KVMTRAP_BPFFS_DIR);
	}
	for (i = 0; i < nvms; i++) {
		/*
		 * A kernel without the fdinfo "vm:" line: the holder's
		 * pid and fd are KVM's name when the holder created it.
		 */
		if (!vms[i].name[0])
			snprintf(vms[i].name, sizeof(vms[i].name), "%d-%d",
				 vms[i].pid, vms[i].fd);
	}

	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_key(&jw, "vms");
		kvmtrap_json_begin_array(&jw);
	} else if (nvms) {
		printf(LIST_FMT, "VM", "PID", "COMM", "FD", "LINKS",
		       "FORWARDS");
	} else {
		printf("no KVM VMs on this host\n");
	}
	for (i = 0; i < nvms; i++) {
		const struct kvmtrap_vm_ref *r = &vms[i];
		int n = 0;

		for (j = 0; j < nlinks; j++)
			n += !strcmp(links[j].vm, r->name);
		if (json) {
			kvmtrap_json_begin_object(&jw);
			kvmtrap_json_kv_string(&jw, "vm", r->name);
			kvmtrap_json_kv_u64(&jw, "pid", r->pid);
			kvmtrap_json_kv_u64(&jw, "fd", r->fd);
			kvmtrap_json_kv_string(&jw, "comm", r->comm);
			json_forwards(r->forwards);
			kvmtrap_json_key(&jw, "links");
			kvmtrap_json_begin_array(&jw);
			for (j = 0; j < nlinks; j++)
				if (!strcmp(links[j].vm, r->name))
					json_link(&links[j]);
			kvmtrap_json_end_array(&jw);
			kvmtrap_json_end_object(&jw);
			continue;
		}
		snprintf(pid, sizeof(pid), "%d", r->pid);
		snprintf(fd, sizeof(fd), "%d", r->fd);
		snprintf(nl, sizeof(nl), "%d", n);
		printf(LIST_FMT, r->name, pid, name_or_dash(r->comm), fd, nl,
		       forwards_word(r->forwards));
		for (j = 0; j < nlinks; j++)
			if (!strcmp(links[j].vm, r->name))
				print_link(&links[j]);
	}
	if (json) {
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_key(&jw, "orphans");
		json_orphans(stale, nstale);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else if (nstale) {
		printf("\n");
		print_orphans(stale, nstale);
	}
	free(stale);
	free(links);
	free(vms);
	return EXIT_OK;
}

/* ---- prune ------------------------------------------------------------ */

struct prune_opts {
	bool dry_run;
};

/* "link 6 (prog 10 deny_all)", "the handled-call list", "the directory" */
static void stale_what(const struct kvmtrap_stale_pin *p, char *buf,
		       size_t len)
{
	if (p->kind == KVMTRAP_PIN_LINK)
		snprintf(buf, len, "link %u (prog %u %s)", p->link.link_id,
			 p->link.prog_id, name_or_dash(p->link.prog_name));
	else if (p->kind == KVMTRAP_PIN_HANDLED)
		snprintf(buf, len, "the handled-call list");
	else
		snprintf(buf, len, "the directory");
}

int do_prune(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run",	no_argument,	NULL, OPT_DRY_RUN },
		COMMON_OPTS, {}
	};
	struct kvmtrap_stale_pin *p = NULL;
	char path[PATH_MAX], what[128], obj[PATH_MAX + 256];
	struct prune_opts o = {};
	int c, n, i, r = EXIT_OK;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c == OPT_DRY_RUN)
			o.dry_run = true;
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	n = kvmtrap_prune(o.dry_run ? KVMTRAP_PRUNE_DRY_RUN : 0, &p);
	if (n < 0)
		return fail(KVMTRAP_OP_PRUNE, n, "prune the pins under",
			    KVMTRAP_BPFFS_DIR);

	/* What could not go: one error line each, the rest is reported. */
	for (i = 0; i < n; i++) {
		if (!p[i].err)
			continue;
		stale_what(&p[i], what, sizeof(what));
		stale_path(&p[i], path, sizeof(path));
		snprintf(obj, sizeof(obj), "%s of VM %s (%s)", what, p[i].vm,
			 path);
		r = fail(KVMTRAP_OP_PRUNE, p[i].err, "remove", obj);
	}
	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_bool(&jw, "dry_run", o.dry_run);
		kvmtrap_json_key(&jw, "removed");
		kvmtrap_json_begin_array(&jw);
		for (i = 0; i < n; i++) {
			bool link = p[i].kind == KVMTRAP_PIN_LINK;

			if (p[i].err)
				continue;
			stale_path(&p[i], path, sizeof(path));
			kvmtrap_json_begin_object(&jw);
			kvmtrap_json_kv_string(&jw, "vm", p[i].vm);
			kvmtrap_json_kv_string(&jw, "kind",
					       kvmtrap_pin_kind_name(p[i].kind));
			kvmtrap_json_kv_string(&jw, "path", path);
			kvmtrap_json_key(&jw, "link_id");
			if (link)
				kvmtrap_json_u64(&jw, p[i].link.link_id);
			else
				kvmtrap_json_null(&jw);
			kvmtrap_json_key(&jw, "prog_id");
			if (link)
				kvmtrap_json_u64(&jw, p[i].link.prog_id);
			else
				kvmtrap_json_null(&jw);
			kvmtrap_json_kv_string(&jw, "prog_name",
					       link && p[i].link.prog_name[0] ?
					       p[i].link.prog_name : NULL);
			kvmtrap_json_end_object(&jw);
		}
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else if (!n) {
		printf("no orphaned pins under %s\n", KVMTRAP_BPFFS_DIR);
	} else {
		for (i = 0; i < n; i++) {
			if (p[i].err)
				continue;
			stale_what(&p[i], what, sizeof(what));
			stale_path(&p[i], path, sizeof(path));
			printf("%s %s of VM %s: %s\n",
			       o.dry_run ? "would remove" : "removed", what,
			       p[i].vm, path);
		}
	}
	free(p);
	return r;
}
