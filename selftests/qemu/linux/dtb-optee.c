// SPDX-License-Identifier: GPL-2.0
/*
 * dtb-optee: add an OP-TEE node (/firmware/optee, "linaro,optee-tz",
 * method "hvc") to a flattened device tree, so that a Linux guest's OP-TEE
 * driver probes the (absent) Trusted OS through HVC calls that KVM does
 * not handle.
 *
 * QEMU's "virt" machine has no such node and no way to add one; it can
 * write its tree (-machine dumpdtb=FILE) and boot with another (-dtb
 * FILE).  Built with the kernel tree's libfdt (scripts/dtc/libfdt), for
 * the test VM, where the tree is dumped by the very QEMU that boots it.
 *
 * usage: dtb-optee IN.dtb OUT.dtb
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

/* Room for the new node, its properties and their names. */
#define GROW	4096

static void *read_file(const char *path, size_t extra, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(1);
	}
	buf = malloc(n + extra);
	if (!buf || fread(buf, 1, n, f) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		exit(1);
	}
	fclose(f);
	*len = n;
	return buf;
}

static void check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "dtb-optee: %s: %s\n", what, fdt_strerror(r));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	size_t len;
	void *fdt;
	FILE *out;
	int fw, node;

	if (argc != 3) {
		fprintf(stderr, "usage: dtb-optee IN.dtb OUT.dtb\n");
		return 2;
	}
	fdt = read_file(argv[1], GROW, &len);
	check(fdt_check_header(fdt), argv[1]);
	check(fdt_open_into(fdt, fdt, len + GROW), "fdt_open_into");

	fw = fdt_subnode_offset(fdt, 0, "firmware");
	if (fw == -FDT_ERR_NOTFOUND)
		fw = fdt_add_subnode(fdt, 0, "firmware");
	check(fw, "/firmware");
	node = fdt_add_subnode(fdt, fw, "optee");
	check(node, "/firmware/optee");
	check(fdt_setprop_string(fdt, node, "compatible", "linaro,optee-tz"),
	      "compatible");
	/* The guest's conduit: KVM's guests call with HVC. */
	check(fdt_setprop_string(fdt, node, "method", "hvc"), "method");
	check(fdt_pack(fdt), "fdt_pack");

	out = fopen(argv[2], "wb");
	if (!out || fwrite(fdt, 1, fdt_totalsize(fdt), out) != fdt_totalsize(fdt) ||
	    fclose(out)) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
