// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libkvmtrap.c: VMs.  Opening a VM fd (our own or another process's),
 * finding every VM fd on the host, KVM's name of a VM, its kvmtrap
 * statistics, and the two VM ioctls KVM_TRAP_NATIVE_LIST and
 * KVM_TRAP_QUERY.
 *
 * The policies are in libkvmtrap_policy.c, links and pins in
 * libkvmtrap_link.c, the handled-call list in libkvmtrap_handled.c, the
 * name tables in kvmtrap_names.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "libkvmtrap_internal.h"

/* What /proc/<pid>/fd/<fd> reads for a VM fd (KVM_CREATE_VM). */
#define KVM_VM_LINK	"anon_inode:kvm-vm"

/* Whether /proc/<pid>/fd/<fd> (pid 0: self) is a VM fd. */
static int is_vm_fd(pid_t pid, int fd)
{
	char path[64], target[sizeof(KVM_VM_LINK) + 1];
	ssize_t n;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	return !strcmp(target, KVM_VM_LINK);
}

/*
 * What /proc/<pid>/fdinfo/<fd> (pid 0: self) tells of a VM fd: KVM's name
 * of the VM, its "vm:" line, "<creator pid>-<fd number there>" as in
 * /sys/kernel/debug/kvm (-ENOENT without it; @name may be NULL); and its
 * "trap_forward:" line into *@forward (when not NULL): 1 when the VMM
 * accepts forwards, 0 when not, -1 without the line.
 */
static int read_vm_fdinfo(pid_t pid, int fd, char *name, size_t len,
			  int *forward)
{
	char path[64], line[128];
	unsigned int vpid, vfd, fwd;
	int err = -ENOENT;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (forward)
		*forward = -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "vm: %u-%u", &vpid, &vfd) == 2) {
			if (name)
				snprintf(name, len, "%u-%u", vpid, vfd);
			err = 0;
		} else if (forward &&
			   sscanf(line, "trap_forward: %u", &fwd) == 1) {
			*forward = !!fwd;
		}
	}
	fclose(f);
	return err;
}

static int read_vm_name(pid_t pid, int fd, char *name, size_t len)
{
	return read_vm_fdinfo(pid, fd, name, len, NULL);
}

/*
 * KVM_CAP_TRAP_BPF, asked of the VM; KVM answers VM ioctls only in the
 * VM's own process (EIO elsewhere), so for another process's VM the
 * system answers instead, which is the same for every VM.
 */
static int has_trap_bpf(int vm_fd)
{
	int r, kvm;

	r = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TRAP_BPF);
	if (r >= 0 || errno != EIO)
		return r > 0;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -errno;
	r = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_TRAP_BPF);
	close(kvm);
	return r > 0;
}

/* The checks kvmtrap_vm_open() and kvmtrap_vm_open_pid() share. */
static int vm_init(int fd, bool owned, pid_t holder, int holder_fd,
		   struct kvmtrap_vm **out)
{
	struct kvmtrap_vm *vm;
	int r;

	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	r = is_vm_fd(0, fd);
	if (r < 0)
		return r;
	if (!r)
		return -ENOTTY;
	r = has_trap_bpf(fd);
	if (r <= 0)
		return r < 0 ? r : -EOPNOTSUPP;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->fd = fd;
	vm->owned = owned;
	/*
	 * Without the fdinfo line (older kernels), the holder's pid and fd
	 * number are KVM's name whenever the holder created the VM, the
	 * usual case of a VMM.
	 */
	if (read_vm_name(0, fd, vm->name, sizeof(vm->name)))
		snprintf(vm->name, sizeof(vm->name), "%d-%d", holder,
			 holder_fd);
	*out = vm;
	return 0;
}

int kvmtrap_vm_open(int vm_fd, struct kvmtrap_vm **vm)
{
	if (vm_fd < 0)
		return -EBADF;
	return vm_init(vm_fd, false, getpid(), vm_fd, vm);
}

/* The only VM fd of @pid; -ENOENT: none, -EEXIST: several. */
static int only_vm_fd(pid_t pid)
{
	struct dirent *de;
	char path[64];
	int found = -ENOENT;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		/* /proc/<pid>/fd needs ptrace read access to <pid>. */
		if (errno == EACCES || errno == EPERM)
			return -EPERM;
		return errno == ENOENT ? -ESRCH : -errno;
	}
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name)
			continue;
		if (is_vm_fd(pid, fd) != 1)
			continue;
		if (found >= 0) {
			found = -EEXIST;
			break;
		}
		found = fd;
	}
	closedir(d);
	return found;
}

int kvmtrap_vm_open_pid(pid_t pid, int fd, struct kvmtrap_vm **vm)
{
	int pidfd, vm_fd, err;

	if (pid <= 0)
		return -ESRCH;
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	if (fd < 0) {
		fd = only_vm_fd(pid);
		if (fd < 0) {
			err = fd;
			goto out;
		}
	}
	vm_fd = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (vm_fd < 0) {
		err = -errno;
		goto out;
	}
	err = vm_init(vm_fd, true, pid, fd, vm);
	if (err)
		close(vm_fd);
out:
	close(pidfd);
	return err;
}

void kvmtrap_vm_close(struct kvmtrap_vm *vm)
{
	if (!vm)
		return;
	if (vm->owned)
		close(vm->fd);
	free(vm);
}

int kvmtrap_vm_fd(const struct kvmtrap_vm *vm)
{
	return vm->fd;
}

const char *kvmtrap_vm_name(const struct kvmtrap_vm *vm)
{
	return vm->name;
}

int kvmtrap_vm_accept_forwards(struct kvmtrap_vm *vm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_TRAP_BPF,
		.args[0] = KVM_TRAP_ENABLE_FORWARD,
	};

	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
		return -errno;
	return 0;
}

int kvmtrap_vm_forwards(const struct kvmtrap_vm *vm)
{
	int forward, err;

	err = read_vm_fdinfo(0, vm->fd, NULL, 0, &forward);
	if (err && err != -ENOENT)
		return err;
	/* A kernel without the line has no opt-in, and no refusal. */
	return forward < 0 ? -EOPNOTSUPP : forward;
}

/* ---- Every VM fd on the host ---- */

static int ref_cmp(const void *a, const void *b)
{
	const struct kvmtrap_vm_ref *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

static void read_comm(pid_t pid, char *comm, size_t len)
{
	char path[64];
	FILE *f;

	comm[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, len, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

/* Append @pid's VM fds to *@refs (of *@n, room for *@cap). */
static int scan_pid(pid_t pid, struct kvmtrap_vm_ref **refs, int *n,
		    int *cap)
{
	struct dirent *de;
	char path[64];
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return 0;	/* gone, or not ours to look at */
	while ((de = readdir(d))) {
		struct kvmtrap_vm_ref *r;
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || is_vm_fd(pid, fd) != 1)
			continue;
		if (*n == *cap) {
			int ncap = *cap ? *cap * 2 : 16;

			r = realloc(*refs, ncap * sizeof(*r));
			if (!r) {
				closedir(d);
				return -ENOMEM;
			}
			*refs = r;
			*cap = ncap;
		}
		r = &(*refs)[(*n)++];
		memset(r, 0, sizeof(*r));
		r->pid = pid;
		r->fd = fd;
		r->forwards = -1;
		if (read_vm_fdinfo(pid, fd, r->name, sizeof(r->name),
				   &r->forwards))
			r->name[0] = '\0';
		read_comm(pid, r->comm, sizeof(r->comm));
	}
	closedir(d);
	return 0;
}

int kvmtrap_list_vms(struct kvmtrap_vm_ref *refs, int max)
{
	struct kvmtrap_vm_ref *all = NULL;
	int n = 0, cap = 0, err = 0;
	struct dirent *de;
	DIR *proc;

	if (max < 0 || (max && !refs))
		return -EINVAL;
	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while ((de = readdir(proc))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || pid <= 0)
			continue;
		err = scan_pid(pid, &all, &n, &cap);
		if (err)
			break;
	}
	closedir(proc);
	if (!err) {
		if (n)
			qsort(all, n, sizeof(*all), ref_cmp);
		if (max)
			memcpy(refs, all, (n < max ? n : max) * sizeof(*all));
		err = n;
	}
	free(all);
	return err;
}

/* ---- Statistics ---- */

static const char *const stat_names[KVM_TRAP_NR_VERDICTS + 1] = {
	[KVM_TRAP_PASS]		= "trap_bpf_pass",
	[KVM_TRAP_HANDLED]	= "trap_bpf_handled",
	[KVM_TRAP_FORWARD]	= "trap_bpf_forward",
	[KVM_TRAP_DENY]		= "trap_bpf_deny",
	[KVM_TRAP_UNDEF]	= "trap_bpf_undef",
	[KVM_TRAP_NR_VERDICTS]	= "trap_bpf_forward_refused",
};

/*
 * The same counters from the VM fd's fdinfo, for a VM of another process:
 * KVM_GET_STATS_FD is a VM ioctl, refused there, and KVM's debugfs names
 * the VM by its init-namespace pid, unknown inside a child pid namespace.
 */
static int fdinfo_stats(const struct kvmtrap_vm *vm, struct kvmtrap_stats *st)
{
	unsigned int found = 0, j;
	unsigned long long n;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm->fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	memset(st, 0, sizeof(*st));
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || sscanf(colon + 1, "%llu", &n) != 1)
			continue;
		*colon = 0;
		for (j = 0; j <= KVM_TRAP_NR_VERDICTS; j++) {
			if (strcmp(line, stat_names[j]))
				continue;
			if (j < KVM_TRAP_NR_VERDICTS)
				st->verdict[j] = n;
			else
				st->forward_refused = n;
			found |= 1U << j;
		}
	}
	fclose(f);
	return found == (1U << (KVM_TRAP_NR_VERDICTS + 1)) - 1 ? 0 : -EOPNOTSUPP;
}

int kvmtrap_vm_stats(const struct kvmtrap_vm *vm, struct kvmtrap_stats *out)
{
	struct kvmtrap_stats stats, *st = &stats;
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	unsigned int found = 0, i, j;
	size_t dsz;
	char *descs = NULL;
	int sfd, err;

	/* Nothing of *@out is written unless every counter was read. */
	sfd = ioctl(vm->fd, KVM_GET_STATS_FD, NULL);
	if (sfd < 0) {
		if (errno != EIO)
			return -errno;
		err = fdinfo_stats(vm, st);
		if (!err)
			*out = *st;
		return err;
	}
	if (pread(sfd, &h, sizeof(h), 0) != sizeof(h)) {
		err = -EIO;
		goto out;
	}
	dsz = sizeof(*d) + h.name_size;
	descs = calloc(h.num_desc, dsz);
	if (!descs) {
		err = -ENOMEM;
		goto out;
	}
	if (pread(sfd, descs, h.num_desc * dsz, h.desc_offset) !=
	    (ssize_t)(h.num_desc * dsz)) {
		err = -EIO;
		goto out;
	}
	memset(st, 0, sizeof(*st));
	for (i = 0; i < h.num_desc; i++) {
		d = (struct kvm_stats_desc *)(descs + i * dsz);
		for (j = 0; j <= KVM_TRAP_NR_VERDICTS; j++) {
			uint64_t *v = j < KVM_TRAP_NR_VERDICTS ?
				      &st->verdict[j] : &st->forward_refused;

			if (strncmp(d->name, stat_names[j], h.name_size))
				continue;
			if (pread(sfd, v, sizeof(*v),
				  h.data_offset + d->offset) != sizeof(*v)) {
				err = -EIO;
				goto out;
			}
			found |= 1U << j;
		}
	}
	/* A kernel without kvmtrap's counters has none of them. */
	err = found == (1U << (KVM_TRAP_NR_VERDICTS + 1)) - 1 ? 0 : -EOPNOTSUPP;
	if (!err)
		*out = *st;
out:
	free(descs);
	close(sfd);
	return err;
}

/* ---- The VM ioctls ---- */

int kvmtrap_native_list(const struct kvmtrap_vm *vm,
			struct kvm_trap_range **ranges)
{
	struct kvm_trap_native_list *l = NULL;
	uint32_t room = 32;
	int r;

	for (;;) {
		struct kvm_trap_native_list *nl;

		nl = realloc(l, sizeof(*l) + room * sizeof(l->ranges[0]));
		if (!nl) {
			free(l);
			return -ENOMEM;
		}
		l = nl;
		memset(l, 0, sizeof(*l));
		l->nr = room;
		/*
		 * Too little room: E2BIG with the count needed in nr, as
		 * KVM_GET_REG_LIST does.
		 */
		r = ioctl(vm->fd, KVM_TRAP_NATIVE_LIST, l);
		if (!r && l->nr <= room)
			break;
		if ((r && errno != E2BIG) || l->nr <= room) {
			int err = r ? -errno : -EIO;

			free(l);
			return err;
		}
		room = l->nr;
	}
	*ranges = malloc((l->nr ? l->nr : 1) * sizeof(**ranges));
	if (!*ranges) {
		free(l);
		return -ENOMEM;
	}
	memcpy(*ranges, l->ranges, l->nr * sizeof(**ranges));
	room = l->nr;
	free(l);
	return room;
}

int kvmtrap_query(const struct kvmtrap_vm *vm, struct kvm_trap_query *q)
{
	if (ioctl(vm->fd, KVM_TRAP_QUERY, q))
		return -errno;
	return 0;
}
