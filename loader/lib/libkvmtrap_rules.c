// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libkvmtrap_rules.c: the rules of the route_table policy
 * (bpf/route_table.bpf.c), a BPF hash map named "route_rules" that the
 * policy reads on every call.  A VMM that loaded the policy itself takes
 * the map from its policy (kvmtrap_policy_rules_fd()); a tool finds it
 * among the maps of the programs linked to a VM (kvmtrap_rules_open(),
 * "kvmtrap rule").  Adding, deleting and listing work on the map fd, one
 * whole rule per map element, so a vCPU never sees half a rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libkvmtrap_internal.h"

/* Is map @fd a route_table rule map? */
static bool is_rules_map(int fd)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);

	if (bpf_map_get_info_by_fd(fd, &mi, &len))
		return false;
	return mi.type == BPF_MAP_TYPE_HASH &&
	       !strcmp(mi.name, ROUTE_RULES_MAP_NAME) &&
	       mi.key_size == sizeof(struct route_rule_key) &&
	       mi.value_size == sizeof(struct route_rule_val);
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
	struct kvmtrap_link_info *l = NULL;
	int n, cap = 16, i, fd, found = -ENOENT;
	bool link_seen = false;

	for (;;) {
		free(l);
		l = calloc(cap, sizeof(*l));
		if (!l)
			return -ENOMEM;
		n = kvmtrap_links(vm_name, l, cap);
		if (n < 0 || n <= cap)
			break;
		cap = n + 4;
	}
	if (n < 0) {
		free(l);
		return n;
	}
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

int kvmtrap_rule_add(int map_fd, const struct route_rule *rule)
{
	int err = route_rule_check(rule);

	if (err)
		return err;
	if (!bpf_map_update_elem(map_fd, &rule->key, &rule->val, BPF_NOEXIST))
		return 0;
	err = -errno;
	/* A full hash map says E2BIG, which reads like a too large rule. */
	return err == -E2BIG ? -ENOSPC : err;
}

int kvmtrap_rule_del(int map_fd, const struct route_rule_key *key)
{
	if (bpf_map_delete_elem(map_fd, key))
		return -errno;
	return 0;
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
	struct route_rule all[ROUTE_RULES_MAX];
	struct route_rule_key key, next;
	void *prev = NULL;
	int n = 0, i;
	bool dup;

	/*
	 * Into a buffer of the map's size first, so that the order returned
	 * does not depend on @max.  A rule deleted between two steps of the
	 * walk is skipped, and may make it start over from the first key:
	 * rules seen twice are kept once.
	 */
	while (n < ROUTE_RULES_MAX) {
		if (bpf_map_get_next_key(map_fd, prev, &next)) {
			if (errno != ENOENT)
				return -errno;
			break;
		}
		key = next;
		prev = &key;
		for (i = 0, dup = false; i < n; i++)
			dup |= !memcmp(&all[i].key, &key, sizeof(key));
		if (dup)
			continue;
		all[n].key = key;
		if (bpf_map_lookup_elem(map_fd, &key, &all[n].val))
			continue;
		n++;
	}
	qsort(all, n, sizeof(*all), by_precedence);
	for (i = 0; i < n && i < max; i++)
		rules[i] = all[i];
	return n;
}
