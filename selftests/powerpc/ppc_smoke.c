// SPDX-License-Identifier: GPL-2.0
/*
 * ppc_smoke - the POWER test pipeline works: this static ppc64le binary
 * runs in the VM, /dev/kvm opens and KVM_CHECK_EXTENSION(KVM_CAP_TRAP_BPF)
 * says the kernel has kvmtrap.  A placeholder until the POWER suites land.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/kvm_trap.h>

int main(void)
{
	int fd, r;

	printf("TAP version 13\n1..1\n");
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("not ok 1 - /dev/kvm opens # %s\n", strerror(errno));
		return 1;
	}
	r = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_TRAP_BPF);
	close(fd);
	if (r <= 0) {
		printf("not ok 1 - /dev/kvm opens # KVM_CAP_TRAP_BPF: %d\n", r);
		return 1;
	}
	printf("ok 1 - /dev/kvm opens\n");
	return 0;
}
