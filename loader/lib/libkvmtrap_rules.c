// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libkvmtrap_rules.c: the rules of the route_table policy
 * (bpf/route_table.bpf.c).  The policy reads a compiled table, swapped
 * whole through the one slot of its "route_rules" array-of-maps
 * (bpf/route_table.h); the rules themselves, with their hit counts, are in
 * that table too, so the slot is all there is to edit.  A VMM that loaded
 * the policy itself takes the map from its policy
 * (kvmtrap_policy_rules_fd()); a tool finds it among the maps of the
 * programs linked to a VM (kvmtrap_rules_open(), "kvmtrap rule").
 *
 * An edit reads the rules of the table in use, changes them, compiles a
 * new table (disjoint intervals sorted by class and first ID, each naming
 * its deciding rule), writes it into a new map and swaps it in.  The swap
 * (a map-in-map update) returns once no program still runs on the old
 * table, so the hits counted there meanwhile are added to the new one and
 * none is lost.  Edits of one map from several processes are serialised by
 * the lock on KVMTRAP_BPFFS_DIR when bpffs has it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libkvmtrap_internal.h"

#define TABLE_BYTES	sizeof(struct route_table_value)

/* Is map @fd a route_table rule map? */
static bool is_rules_map(int fd)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);

	if (bpf_map_get_info_by_fd(fd, &mi, &len))
		return false;
	return mi.type == BPF_MAP_TYPE_ARRAY_OF_MAPS &&
	       !strcmp(mi.name, ROUTE_RULES_MAP_NAME) &&
	       mi.key_size == sizeof(__u32) && mi.max_entries == 1;
}

/* A new fd of the rule map of program @prog_id, -ENOENT when none. */
static int prog_rules_map(uint32_t prog_id)
{
	uint32_t *ids;
	int n, i, fd, r = -ENOENT;

	n = kvmtrap_prog_map_ids(prog_id, &ids);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;	/* gone meanwhile */
		if (is_rules_map(fd)) {
			r = fd;
			break;
		}
		close(fd);
	}
	free(ids);
	return r;
}

int kvmtrap_rules_open(const char *vm_name, uint32_t link_id,
		       uint32_t *found_link)
{
	struct kvmtrap_link_info *l;
	int n, i, fd, found = -ENOENT;
	bool link_seen = false;

	n = kvmtrap_links_alloc(vm_name, &l);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (link_id && l[i].link_id != link_id)
			continue;
		link_seen = true;
		if (l[i].defunct)
			continue;
		fd = prog_rules_map(l[i].prog_id);
		if (fd == -ENOENT)
			continue;
		if (fd < 0) {
			if (found >= 0)
				close(found);
			found = fd;
			break;
		}
		if (found >= 0) {
			/* Two route_table policies: the caller must choose. */
			close(fd);
			close(found);
			found = -EEXIST;
			break;
		}
		found = fd;
		if (found_link)
			*found_link = l[i].link_id;
	}
	free(l);
	if (link_id && !link_seen)
		return -ESRCH;
	return found;
}

int kvmtrap_policy_rules_fd(const struct kvmtrap_policy *p)
{
	struct bpf_map *m;
	int fd;

	if (!p->loaded)
		return -EINVAL;
	m = bpf_object__find_map_by_name(p->obj, ROUTE_RULES_MAP_NAME);
	if (!m)
		return -ENOENT;
	fd = bpf_map__fd(m);
	if (fd < 0 || !is_rules_map(fd))
		return -ENOENT;
	return fd;
}

/* ---- The table in use ----------------------------------------------------- */

struct table {
	int fd;				/* -1: the slot is empty */
	struct route_table_value *v;	/* mmap()ed */
};

static void table_close(struct table *t)
{
	if (t->v)
		munmap(t->v, TABLE_BYTES);
	if (t->fd >= 0)
		close(t->fd);
	t->v = NULL;
	t->fd = -1;
}

static int table_map(struct table *t)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);

	if (bpf_map_get_info_by_fd(t->fd, &mi, &len))
		return -errno;
	/* Written by another build of the policy: not ours to read. */
	if (mi.type != BPF_MAP_TYPE_ARRAY ||
	    mi.value_size != sizeof(struct route_table_value) ||
	    mi.max_entries != 1 || !(mi.map_flags & BPF_F_MMAPABLE))
		return -EINVAL;
	t->v = mmap(NULL, TABLE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		    t->fd, 0);
	if (t->v == MAP_FAILED) {
		t->v = NULL;
		return -errno;
	}
	return 0;
}

/* The table in slot 0 of @map_fd, t->fd -1 when there is none yet. */
static int table_get(int map_fd, struct table *t)
{
	__u32 zero = 0, id;
	int err;

	t->fd = -1;
	t->v = NULL;
	if (bpf_map_lookup_elem(map_fd, &zero, &id))
		return errno == ENOENT ? 0 : -errno;
	t->fd = bpf_map_get_fd_by_id(id);
	if (t->fd < 0)
		return -errno;
	err = table_map(t);
	if (err)
		table_close(t);
	return err;
}

/* The rules of @t (none without a table), into @rules. */
static int table_rules(const struct table *t, struct route_rule *rules)
{
	__u32 n, i;

	if (!t->v)
		return 0;
	n = t->v->nr_rules;
	if (n > ROUTE_RULES_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		rules[i] = t->v->rules[i];
	return n;
}

/* ---- Swapping -------------------------------------------------------------- */

/*
 * Put a table of @rules in slot 0 of @map_fd in place of @old (which may
 * have none), carrying over the hits of rules that stay.
 */
static int table_swap(int map_fd, struct table *old, struct route_rule *rules,
		      int n)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int *from = calloc(n + 1, sizeof(int));
	struct table t = { .fd = -1 };
	__u32 zero = 0;
	int i, k, err;

	if (!from)
		return -ENOMEM;
	/* Each rule that stays starts from its count in the old table. */
	for (i = 0; i < n; i++) {
		from[i] = 0;
		rules[i].val.hits = 0;
		for (k = 0; old->v && k < (int)old->v->nr_rules; k++) {
			if (!memcmp(&old->v->rules[k].key, &rules[i].key,
				    sizeof(rules[i].key))) {
				from[i] = 1 + k;
				rules[i].val.hits = old->v->rules[k].val.hits;
				break;
			}
		}
	}

	t.fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "route_table", sizeof(__u32),
			      sizeof(struct route_table_value), 1, &opts);
	if (t.fd < 0) {
		err = -errno;
		goto out;
	}
	err = table_map(&t);
	if (err)
		goto out;
	err = route_table_compile(t.v, rules, n);
	if (err)
		goto out;
	/* Returns once no program runs on the old table any more. */
	if (bpf_map_update_elem(map_fd, &zero, &t.fd, BPF_ANY)) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < n; i++) {
		__u64 late;

		if (!from[i])
			continue;
		late = old->v->rules[from[i] - 1].val.hits - rules[i].val.hits;
		if (late)
			__atomic_add_fetch(&t.v->rules[i].val.hits, late,
					   __ATOMIC_SEQ_CST);
	}
out:
	table_close(&t);
	free(from);
	return err;
}

/*
 * Edit the rules of @map_fd: @edit changes the @n rules in @rules (room
 * for ROUTE_RULES_MAX + 1) and returns their new count or an error.
 */
static int rules_edit(int map_fd, int (*edit)(struct route_rule *, int,
					       const void *), const void *arg)
{
	struct route_rule *rules = calloc(ROUTE_RULES_MAX + 1, sizeof(*rules));
	struct table old;
	int lock, n, err;

	if (!rules)
		return -ENOMEM;
	if (!is_rules_map(map_fd)) {
		free(rules);
		return -EINVAL;
	}
	/* Without bpffs (a VMM in its own mount namespace): unserialised. */
	lock = kvmtrap__lock(false);
	err = table_get(map_fd, &old);
	if (err)
		goto out;
	n = table_rules(&old, rules);
	err = n < 0 ? n : edit(rules, n, arg);
	if (err >= 0)
		err = table_swap(map_fd, &old, rules, err);
	table_close(&old);
out:
	kvmtrap__unlock(lock);
	free(rules);
	return err;
}

static int find_key(const struct route_rule *rules, int n,
		    const struct route_rule_key *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!memcmp(&rules[i].key, key, sizeof(*key)))
			return i;
	return -1;
}

static int edit_add(struct route_rule *rules, int n, const void *arg)
{
	const struct route_rule *rule = arg;

	if (find_key(rules, n, &rule->key) >= 0)
		return -EEXIST;
	if (n == ROUTE_RULES_MAX)
		return -ENOSPC;
	rules[n] = *rule;
	return n + 1;
}

static int edit_del(struct route_rule *rules, int n, const void *arg)
{
	int i = find_key(rules, n, arg);

	if (i < 0)
		return -ENOENT;
	memmove(&rules[i], &rules[i + 1], (n - i - 1) * sizeof(*rules));
	return n - 1;
}

struct set_arg {
	const struct route_rule *rules;
	int n;
};

static int edit_set(struct route_rule *rules, int n, const void *arg)
{
	const struct set_arg *s = arg;
	int i;

	if (s->n > ROUTE_RULES_MAX)
		return -ENOSPC;
	for (i = 0; i < s->n; i++) {
		if (find_key(s->rules, i, &s->rules[i].key) >= 0)
			return -EEXIST;
		rules[i] = s->rules[i];
	}
	return s->n;
}

int kvmtrap_rule_add(int map_fd, const struct route_rule *rule)
{
	int err = route_rule_check(rule);

	return err ? err : rules_edit(map_fd, edit_add, rule);
}

int kvmtrap_rule_del(int map_fd, const struct route_rule_key *key)
{
	return rules_edit(map_fd, edit_del, key);
}

int kvmtrap_rules_set(int map_fd, const struct route_rule *rules, int n)
{
	struct set_arg s = { rules, n };
	int i, err;

	if (n < 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		err = route_rule_check(&rules[i]);
		if (err)
			return err;
	}
	return rules_edit(map_fd, edit_set, &s);
}

static int by_precedence(const void *a, const void *b)
{
	const struct route_rule *x = a, *y = b;

	if (route_rule_better(&x->key, &y->key))
		return -1;
	if (route_rule_better(&y->key, &x->key))
		return 1;
	return 0;
}

int kvmtrap_rule_list(int map_fd, struct route_rule *rules, int max)
{
	struct route_rule *all;
	struct table t;
	int n, i;

	if (!is_rules_map(map_fd))
		return -EINVAL;
	all = calloc(ROUTE_RULES_MAX, sizeof(*all));
	if (!all)
		return -ENOMEM;
	/* One table: the rules and their hits as of one moment. */
	n = table_get(map_fd, &t);
	if (!n)
		n = table_rules(&t, all);
	table_close(&t);
	if (n > 0) {
		qsort(all, n, sizeof(*all), by_precedence);
		for (i = 0; i < n && i < max; i++)
			rules[i] = all[i];
	}
	free(all);
	return n;
}

static int add_entry(struct kvmtrap_handled_entry **e, int *nr,
		     const struct kvmtrap_handled_entry *ent)
{
	struct kvmtrap_handled_entry *a = realloc(*e, (*nr + 1) * sizeof(**e));

	if (!a)
		return -ENOMEM;
	*e = a;
	a[(*nr)++] = *ent;
	return 0;
}

/* The HANDLED rules of route_table map @fd, with their hits. */
static int add_rules(int fd, struct kvmtrap_handled_entry **e, int *nr)
{
	struct table t;
	int k, err = table_get(fd, &t);

	for (k = 0; !err && t.v && k < (int)t.v->nr_rules; k++) {
		const struct route_rule *r = &t.v->rules[k];
		struct kvmtrap_handled_entry ent = {
			.key = { r->key.conduit, r->key.imm, r->key.first,
				 r->key.last },
			.val = { KVMTRAP_ROUTE_BPF, KVMTRAP_OWNER_POLICY,
				 r->val.hits },
		};

		if (r->val.verdict == KVM_TRAP_HANDLED)
			err = add_entry(e, nr, &ent);
	}
	table_close(&t);
	return err;
}

/* The counted slots of a policy's kvmtrap_counted map @fd. */
static int add_counts(int fd, const struct bpf_map_info *mi,
		      struct kvmtrap_handled_entry **e, int *nr)
{
	struct kvmtrap_handled_entry ent;
	__u32 k;
	int err = 0;

	for (k = 0; !err && k < mi->max_entries; k++)
		if (!bpf_map_lookup_elem(fd, &k, &ent) && ent.val.hits)
			err = add_entry(e, nr, &ent);
	return err;
}

int kvmtrap__policy_handled(const char *vm_name,
			    struct kvmtrap_handled_entry **out)
{
	struct kvmtrap_handled_entry *e = NULL;
	struct kvmtrap_link_info *l;
	int n, i, j, nr = 0, nids, fd, err = 0;
	uint32_t *ids;

	*out = NULL;
	n = kvmtrap_links_alloc(vm_name, &l);
	if (n < 0)
		return n;
	for (i = 0; i < n && !err; i++) {
		if (l[i].defunct)
			continue;
		nids = kvmtrap_prog_map_ids(l[i].prog_id, &ids);
		for (j = 0; j < nids && !err; j++) {
			struct bpf_map_info mi = {};
			__u32 len = sizeof(mi);

			fd = bpf_map_get_fd_by_id(ids[j]);
			if (fd < 0)
				continue;	/* gone meanwhile */
			if (is_rules_map(fd))
				err = add_rules(fd, &e, &nr);
			else if (!bpf_map_get_info_by_fd(fd, &mi, &len) &&
				 mi.type == BPF_MAP_TYPE_ARRAY &&
				 mi.value_size == sizeof(struct kvmtrap_handled_entry) &&
				 !strcmp(mi.name, KVMTRAP_HANDLED_COUNTS_MAP_NAME))
				err = add_counts(fd, &mi, &e, &nr);
			close(fd);
		}
		if (nids > 0)
			free(ids);
	}
	free(l);
	if (err) {
		free(e);
		return err;
	}
	*out = e;
	return nr;
}
