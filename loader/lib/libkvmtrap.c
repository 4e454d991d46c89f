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

/* The counters' names, in binary stats and fdinfo alike. */
static const char *const stat_names[KVM_TRAP_NR_VERDICTS + 1] = {
	[KVM_TRAP_PASS]		= "trap_bpf_pass",
	[KVM_TRAP_HANDLED]	= "trap_bpf_handled",
	[KVM_TRAP_FORWARD]	= "trap_bpf_forward",
	[KVM_TRAP_DENY]		= "trap_bpf_deny",
	[KVM_TRAP_UNDEF]	= "trap_bpf_undef",
	[KVM_TRAP_NR_VERDICTS]	= "trap_bpf_forward_refused",
};

#define ALL_STATS ((1U << (KVM_TRAP_NR_VERDICTS + 1)) - 1)

static uint64_t *stat_slot(struct kvmtrap_stats *st, unsigned int j)
{
	return j < KVM_TRAP_NR_VERDICTS ? &st->verdict[j] : &st->forward_refused;
}

/* What the VM fd's fdinfo says; each part may be missing (older kernels). */
struct vm_fdinfo {
	char name[KVMTRAP_VM_NAME_LEN];	/* "vm:", "" without it */
	int forward;			/* "trap_forward:", -1 without it */
	struct kvmtrap_stats stats;	/* "trap_bpf_*:" */
	unsigned int stats_found;	/* a bit per stat_names[] entry */
};

/*
 * /proc/<pid>/fdinfo/<fd> (pid 0: self) of a VM fd: KVM's name of the VM
 * ("<creator pid>-<fd number there>", the creator's pid as the reader's
 * namespace sees it), whether the VMM accepts forwards, and the counters.
 */
static int read_vm_fdinfo(pid_t pid, int fd, struct vm_fdinfo *fi)
{
	char path[64], line[128];
	unsigned int vpid, vfd, fwd, j;
	unsigned long long n;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	memset(fi, 0, sizeof(*fi));
	fi->forward = -1;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (sscanf(line, "vm: %u-%u", &vpid, &vfd) == 2) {
			snprintf(fi->name, sizeof(fi->name), "%u-%u", vpid, vfd);
		} else if (sscanf(line, "trap_forward: %u", &fwd) == 1) {
			fi->forward = !!fwd;
		} else if (colon && sscanf(colon + 1, "%llu", &n) == 1) {
			*colon = '\0';
			for (j = 0; j <= KVM_TRAP_NR_VERDICTS; j++)
				if (!strcmp(line, stat_names[j])) {
					*stat_slot(&fi->stats, j) = n;
					fi->stats_found |= 1U << j;
				}
		}
	}
	fclose(f);
	return 0;
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
	struct vm_fdinfo fi;
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
	if (!read_vm_fdinfo(0, fd, &fi) && fi.name[0])
		memcpy(vm->name, fi.name, sizeof(vm->name));
	else
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
	struct vm_fdinfo fi;
	int err;

	err = read_vm_fdinfo(0, vm->fd, &fi);
	if (err)
		return err;
	/* A kernel without the line has no opt-in, and no refusal. */
	return fi.forward < 0 ? -EOPNOTSUPP : fi.forward;
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
	struct vm_fdinfo fi;
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
		if (!read_vm_fdinfo(pid, fd, &fi)) {
			memcpy(r->name, fi.name, sizeof(r->name));
			r->forwards = fi.forward;
		}
		read_comm(pid, r->comm, sizeof(r->comm));
	}
	closedir(d);
	return 0;
}

int kvmtrap_list_vms_alloc(struct kvmtrap_vm_ref **out)
{
	struct kvmtrap_vm_ref *all = NULL;
	int n = 0, cap = 0, err = 0;
	struct dirent *de;
	DIR *proc;

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
	if (err) {
		free(all);
		return err;
	}
	if (n)
		qsort(all, n, sizeof(*all), ref_cmp);
	*out = all;
	return n;
}

int kvmtrap_list_vms(struct kvmtrap_vm_ref *refs, int max)
{
	struct kvmtrap_vm_ref *all = NULL;
	int n;

	if (max < 0 || (max && !refs))
		return -EINVAL;
	n = kvmtrap_list_vms_alloc(&all);
	if (n > 0 && max)
		memcpy(refs, all, (n < max ? n : max) * sizeof(*all));
	free(all);
	return n;
}

/* ---- Statistics ---- */

int kvmtrap_vm_stats(const struct kvmtrap_vm *vm, struct kvmtrap_stats *out)
{
	struct kvmtrap_stats stats, *st = &stats;
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	struct vm_fdinfo fi;
	unsigned int found = 0, i, j;
	size_t dsz;
	char *descs = NULL;
	int sfd, err;

	/* Nothing of *@out is written unless every counter was read. */
	sfd = ioctl(vm->fd, KVM_GET_STATS_FD, NULL);
	if (sfd < 0) {
		if (errno != EIO)
			return -errno;
		/*
		 * Another process's VM: its fd's fdinfo has the same counters
		 * (KVM's debugfs names the VM by the init-namespace pid,
		 * unknown inside a child pid namespace).
		 */
		err = read_vm_fdinfo(0, vm->fd, &fi);
		if (err)
			return err;
		if (fi.stats_found != ALL_STATS)
			return -EOPNOTSUPP;
		*out = fi.stats;
		return 0;
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
			uint64_t *v = stat_slot(st, j);

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
	err = found == ALL_STATS ? 0 : -EOPNOTSUPP;
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
