// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libkvmtrap_policy.c: policies, BPF objects with one SEC("kvm_trap")
 * program.  Open, set read-only globals by name through the object's BTF,
 * load (binding the policy's "kvmtrap_handled" map to the VM's pinned
 * list), attach, and run once with BPF_PROG_TEST_RUN.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "libkvmtrap_internal.h"

int kvmtrap_policy_open(const char *path, struct kvmtrap_policy **out)
{
	struct kvmtrap_policy *p;
	struct bpf_program *prog;
	int n = 0, err;

	if (!path || !out)
		return -EINVAL;
	/* libbpf reports a missing file and a bad one alike. */
	if (access(path, R_OK))
		return -errno;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj) {
		err = -errno;
		if (err != -ENOMEM && err != -EACCES && err != -EPERM)
			err = -EINVAL;
		goto err_free;
	}
	bpf_object__for_each_program(prog, p->obj) {
		if (bpf_program__type(prog) != BPF_PROG_TYPE_KVM_TRAP)
			continue;
		p->prog = prog;
		n++;
	}
	if (n != 1) {
		err = -ENOEXEC;
		goto err_close;
	}
	*out = p;
	return 0;

err_close:
	bpf_object__close(p->obj);
err_free:
	free(p);
	return err;
}

/* ---- kvmtrap_policy_set() ---- */

/* @id with typedefs and qualifiers (const volatile) taken off. */
static const struct btf_type *resolve(const struct btf *btf, __u32 id,
				      __u32 *out_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (out_id)
		*out_id = id;
	return t;
}

/*
 * @s as an integer of @size bytes: decimal, 0x hex, or negative when
 * @is_signed; it must fit.
 */
static int parse_int(const char *s, unsigned int size, bool is_signed,
		     uint64_t *out)
{
	unsigned int bits = size * 8;
	bool neg = false;
	unsigned long long v;
	char *end;

	if (!*s || size > 8 || !size)
		return -EINVAL;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	if (s[0] == '0' && s[1] && s[1] != 'x' && s[1] != 'X')
		return -EINVAL;	/* no octal */
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end || errno)
		return -EINVAL;
	if (is_signed) {
		uint64_t lim = 1ULL << (bits - 1);	/* |min|, max + 1 */

		if (neg ? v > lim : v >= lim)
			return -EINVAL;
		*out = neg ? -(uint64_t)v : v;
	} else {
		if (neg && v)
			return -EINVAL;
		if (bits < 64 && v >> bits)
			return -EINVAL;
		*out = v;
	}
	return 0;
}

static void store_int(void *dst, unsigned int size, uint64_t v)
{
	switch (size) {
	case 1:
		*(uint8_t *)dst = v;
		break;
	case 2:
		*(uint16_t *)dst = v;
		break;
	case 4:
		*(uint32_t *)dst = v;
		break;
	case 8:
		*(uint64_t *)dst = v;
		break;
	}
}

/*
 * Whether enumerator @name is what @value says: the name itself, or,
 * ignoring case, the name or its part after an underscore ("undef" and
 * "UNDEF" for KVM_TRAP_UNDEF).
 */
static bool enum_matches(const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	if (!strcasecmp(name, value))
		return true;
	return vl && vl < nl && name[nl - vl - 1] == '_' &&
	       !strcasecmp(name + nl - vl, value);
}

static int set_enum(const struct btf *btf, const struct btf_type *t,
		    const char *value, void *dst)
{
	bool is_signed = btf_kflag(t);
	int i, found = 0;
	uint64_t v = 0;

	for (i = 0; i < btf_vlen(t); i++) {
		const char *name;
		uint64_t ev;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			name = btf__name_by_offset(btf, e->name_off);
			ev = is_signed ? (uint64_t)(int64_t)e->val :
					 (uint64_t)(uint32_t)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			name = btf__name_by_offset(btf, e->name_off);
			ev = btf_enum64_value(e);
		}
		if (!name)
			continue;
		if (!strcmp(name, value)) {	/* exact: never ambiguous */
			found = 1;
			v = ev;
			break;
		}
		if (enum_matches(name, value)) {
			found++;
			v = ev;
		}
	}
	if (found > 1)
		return -EINVAL;
	if (!found && parse_int(value, t->size, is_signed, &v))
		return -EINVAL;
	store_int(dst, t->size, v);
	return 0;
}

/* Write @value into the variable of type @type_id at @dst. */
static int set_value(const struct btf *btf, __u32 type_id, const char *value,
		     void *dst, size_t size)
{
	const struct btf_type *t = resolve(btf, type_id, NULL);
	uint64_t v;

	if (!t)
		return -EINVAL;
	if (btf_is_int(t)) {
		__u8 enc = btf_int_encoding(t);

		if (btf_int_offset(t) || btf_int_bits(t) != t->size * 8 ||
		    t->size != size)
			return -EINVAL;
		if (enc & BTF_INT_BOOL) {
			if (!strcasecmp(value, "true") || !strcmp(value, "1"))
				v = 1;
			else if (!strcasecmp(value, "false") ||
				 !strcmp(value, "0"))
				v = 0;
			else
				return -EINVAL;
		} else if (parse_int(value, t->size, enc & BTF_INT_SIGNED,
				     &v)) {
			return -EINVAL;
		}
		store_int(dst, t->size, v);
		return 0;
	}
	if (btf_is_enum(t) || btf_is_enum64(t)) {
		if (t->size != size)
			return -EINVAL;
		return set_enum(btf, t, value, dst);
	}
	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		const struct btf_type *et = resolve(btf, a->type, NULL);
		size_t len = strlen(value);

		/* char name[N]: the string and its NUL must fit. */
		if (!et || !btf_is_int(et) || et->size != 1 ||
		    a->nelems != size || len >= a->nelems)
			return -EINVAL;
		memset(dst, 0, size);
		memcpy(dst, value, len);
		return 0;
	}
	return -EINVAL;
}

int kvmtrap_policy_set(struct kvmtrap_policy *p, const char *key,
		       const char *value)
{
	const struct btf *btf;
	struct bpf_map *map;

	if (!key || !value)
		return -EINVAL;
	if (p->load_tried)
		return -EBUSY;
	btf = bpf_object__btf(p->obj);
	if (!btf)
		return -ENOENT;

	/*
	 * Read-only globals live in the internal map(s) of the .rodata
	 * sections; the map's BTF value type is the section's DATASEC, whose
	 * variables give each global's offset and type.
	 */
	bpf_object__for_each_map(map, p->obj) {
		const struct btf_var_secinfo *vs;
		const struct btf_type *sec;
		const char *sec_name;
		size_t data_sz;
		char *data;
		int i;

		if (!bpf_map__is_internal(map))
			continue;
		sec = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
		if (!sec || !btf_is_datasec(sec))
			continue;
		sec_name = btf__name_by_offset(btf, sec->name_off);
		if (!sec_name || strncmp(sec_name, ".rodata", 7))
			continue;
		data = bpf_map__initial_value(map, &data_sz);
		if (!data)
			continue;
		vs = btf_var_secinfos(sec);
		for (i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *var;
			const char *name;

			var = btf__type_by_id(btf, vs->type);
			if (!var || !btf_is_var(var))
				continue;
			name = btf__name_by_offset(btf, var->name_off);
			if (!name || strcmp(name, key))
				continue;
			if (vs->offset + vs->size > data_sz)
				return -EINVAL;
			return set_value(btf, var->type, value,
					 data + vs->offset, vs->size);
		}
	}
	return -ENOENT;
}

/* ---- Load, attach, run ---- */

int kvmtrap_policy_load(struct kvmtrap_policy *p, struct kvmtrap_vm *vm)
{
	struct kvmtrap_undo undo = {};
	struct bpf_map *map;
	int err;

	if (p->load_tried)
		return -EBUSY;

	map = bpf_object__find_map_by_name(p->obj, KVMTRAP_HANDLED_MAP_NAME);
	if (vm && map) {
		int fd;

		/*
		 * libbpf does not compare a reused map with the definition:
		 * a map of that name but of another shape would have the
		 * policy write foreign entries into the VM's list.
		 */
		if (bpf_map__type(map) != BPF_MAP_TYPE_HASH ||
		    bpf_map__key_size(map) !=
		    sizeof(struct kvmtrap_handled_key) ||
		    bpf_map__value_size(map) !=
		    sizeof(struct kvmtrap_handled_val))
			return -EINVAL;
		fd = kvmtrap__handled_open(vm, &undo);

		if (fd < 0)
			return fd;
		err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err) {
			kvmtrap__undo(&undo);
			return kvmtrap__errno(err);
		}
	}

	p->load_tried = true;
	err = bpf_object__load(p->obj);
	if (err) {
		kvmtrap__undo(&undo);
		return kvmtrap__errno(err);
	}
	p->loaded = true;
	return 0;
}

int kvmtrap_attach(int prog_fd, struct kvmtrap_vm *vm)
{
	int fd;

	if (prog_fd < 0)
		return -EINVAL;
	fd = bpf_link_create(prog_fd, vm->fd, BPF_KVM_TRAP, NULL);
	return fd < 0 ? -errno : fd;
}

int kvmtrap_policy_attach(struct kvmtrap_policy *p, struct kvmtrap_vm *vm)
{
	if (!p->loaded)
		return -EINVAL;
	return kvmtrap_attach(bpf_program__fd(p->prog), vm);
}

int kvmtrap_policy_prog_fd(const struct kvmtrap_policy *p)
{
	if (!p->loaded)
		return -EINVAL;
	return bpf_program__fd(p->prog);
}

const char *kvmtrap_policy_name(const struct kvmtrap_policy *p)
{
	return bpf_program__name(p->prog);
}

struct bpf_object *kvmtrap_policy_object(const struct kvmtrap_policy *p)
{
	return p->obj;
}

void kvmtrap_policy_close(struct kvmtrap_policy *p)
{
	if (!p)
		return;
	bpf_object__close(p->obj);
	free(p);
}

int kvmtrap_policy_test(struct kvmtrap_policy *p, struct kvm_trap_ctx *ctx,
			uint32_t *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.ctx_in = ctx,
		.ctx_size_in = sizeof(*ctx),
		.ctx_out = ctx,
		.ctx_size_out = sizeof(*ctx),
	);
	int err;

	if (!p->loaded)
		return -EINVAL;
	err = bpf_prog_test_run_opts(bpf_program__fd(p->prog), &opts);
	if (err)
		return -errno;
	if (verdict)
		*verdict = opts.retval;
	return 0;
}
