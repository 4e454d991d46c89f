# SPDX-License-Identifier: GPL-2.0
#
# kvmtrap: everything starts here.
#
#   make check            build all, run every suite in the VM, for each
#                         architecture of ARCHS (arm64: VHE and nVHE;
#                         ppc64le: KVM-HV and KVM-PR)
#   make demo             boot the VM, route guests' calls through BPF programs
#   make vm-run CMD='..'  boot the VM, run one shell command, fail if it fails
#   make vm-shell         boot the VM with an interactive shell
#   make bench            instructions per call: unpatched vs kvmtrap kernel
#   make stress           torture and fuzzing at full size (arm64)
#   make kernel | initramfs | selftests | clean | distclean
#
# Knobs: KARCH=arm64|ppc64le (the architecture of every target but check;
# default arm64), ARCHS="arm64 ppc64le" (make check: those in turn; KARCH=x
# alone means ARCHS=x), KFLAVOUR=debug (KASAN, lockdep, kmemleak kernel) or
# rt (PREEMPT_RT), MODES="vhe nvhe" (arm64) / "hv pr" (ppc64le) (make check
# runs each architecture's modes among them), MODE=one of them (vm-run,
# vm-shell, demo), V=1 (full commands), JOBS=n, TIMEOUT=seconds per VM boot,
# TEST_TIMEOUT=seconds per test binary in the VM (both: 1200 and 300 times
# TIME_SCALE, 3 for the debug and rt kernels),
# BENCH_ARGS=case (make bench: one case, e.g. bpf-handled).

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:
SHELL := /bin/bash

TOP      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B        ?= $(TOP)/build
KSRC     := $(B)/linux
KFLAVOUR ?= default
JOBS     ?= $(shell nproc)

# The architecture every target builds and boots; make check takes ARCHS
# and runs itself once per architecture with KARCH set (check-arch).  The
# debug and rt fragments are arm64's so far: those flavours check arm64
# unless asked otherwise.
KARCH    ?= arm64
ARCHS    ?= $(strip $(if $(filter command line,$(origin KARCH)),$(KARCH),\
	$(if $(filter default,$(KFLAVOUR)),arm64 ppc64le,arm64)))
# The KVM modes of each architecture: one VM boot each in make check.
ARCH_MODES_arm64   := vhe nvhe
ARCH_MODES_ppc64le := hv pr

# Per architecture: the cross compiler, the ARCH of the kernel and of its
# tools (and __TARGET_ARCH_ of BPF programs), what QEMU boots, where our
# in-VM selftests are.  arm64's upstream KVM selftests, example VMM and
# benchmark (A64 guest code) exist for arm64 only.
ifeq ($(KARCH),arm64)
CROSS    := aarch64-linux-gnu-
TARCH    := arm64
KIMAGE_PATH := arch/arm64/boot/Image
ST_DIR   := selftests
else ifeq ($(KARCH),ppc64le)
CROSS    := powerpc64le-linux-gnu-
TARCH    := powerpc
KIMAGE_PATH := vmlinux
ST_DIR   := selftests/powerpc
else
$(error KARCH must be "arm64" or "ppc64le", not "$(KARCH)")
endif
MODES    ?= $(ARCH_MODES_$(KARCH))
MODE     ?= $(firstword $(ARCH_MODES_$(KARCH)))
# Logs and results of arm64 keep their names (build/check-default-vhe.log);
# the other architectures' say which (build/check-ppc64le-default-hv.log).
arch_tag = $(if $(filter arm64,$(1)),,$(1)-)
LOGTAG   := $(if $(filter arm64,$(KARCH)),,-$(KARCH))

ACC      := $(CROSS)gcc
CLANG    := clang-16
LLVM_STRIP := llvm-strip-16

KCONFIGS := $(TOP)/kernel/configs
ifeq ($(KFLAVOUR),default)
KOBJ     := $(B)/kernel-$(KARCH)
KFRAGS   := $(KCONFIGS)/common.config $(KCONFIGS)/$(KARCH).config
else ifeq ($(KFLAVOUR),debug)
KOBJ     := $(B)/kernel-$(KARCH)-debug
KFRAGS   := $(KCONFIGS)/common.config $(KCONFIGS)/$(KARCH).config $(KCONFIGS)/debug.config
# KASAN, lockdep and kmemleak make the trap path and every test several
# times slower under emulation (measured: kvmtrap_cli went past 300 s with
# a parallel build on the same 2 cores): three times the time, so that a
# slow machine gives a slow pass rather than a false failure.  A whole boot
# of make check ran past 60 min (VHE) under that load, its last suite
# unfinished: each boot gets 2 hours.
TIME_SCALE := 3
TIMEOUT  ?= 7200
else ifeq ($(KFLAVOUR),rt)
KOBJ     := $(B)/kernel-$(KARCH)-rt
KFRAGS   := $(KCONFIGS)/common.config $(KCONFIGS)/$(KARCH).config $(KCONFIGS)/rt.config
# Upstream's set_memory_region_test adds 32767 memslots, each waiting for
# an SRCU grace period; on PREEMPT_RT under emulation that takes about 10
# minutes (measured; a few seconds on the default kernel), so this flavour
# gives each test, and each boot, more time.
TEST_TIMEOUT ?= 900
TIMEOUT  ?= 2400
TIME_SCALE := 3
else
$(error KFLAVOUR must be "default", "debug" or "rt", not "$(KFLAVOUR)")
endif
TIME_SCALE ?= 1
TEST_TIMEOUT ?= $(shell echo $$((300 * $(TIME_SCALE))))
TIMEOUT  ?= $(shell echo $$((1200 * $(TIME_SCALE))))
KIMAGE   := $(KOBJ)/$(KIMAGE_PATH)
# The benchmark's baseline: the same Debian tree unpatched, the same config
# without our option.
KSRC_BASE := $(B)/linux-base
KOBJ_BASE := $(B)/kernel-$(KARCH)-base
KIMAGE_BASE := $(KOBJ_BASE)/$(KIMAGE_PATH)
KHDR     := $(KOBJ)/usr/include

# ccache survives fresh clones (CI builds on the same machine); paths are
# made relative to the top so that a clone elsewhere still hits.
export CCACHE_BASEDIR := $(TOP)
export CCACHE_NOHASHDIR := 1
export CCACHE_DIR ?= $(HOME)/.cache/ccache

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps tree kernel kernel-base
all: initramfs

deps:
	$(Q)$(TOP)/scripts/deps.sh

tree: deps
	$(Q)$(TOP)/scripts/kernel-tree.sh $(KSRC)

kernel: tree
	$(Q)KARCH=$(KARCH) JOBS=$(JOBS) V=$(V) \
		$(TOP)/scripts/kernel-build.sh $(KSRC) $(KOBJ) $(KFRAGS)

kernel-base: tree
	$(Q)$(TOP)/scripts/kernel-tree.sh --pristine $(KSRC) $(KSRC_BASE)
	$(Q)mkdir -p $(KOBJ_BASE)
	$(Q)cat $(KCONFIGS)/common.config $(KCONFIGS)/$(KARCH).config | \
		grep -v KVM_TRAP >$(KOBJ_BASE)/base.config.tmp
	$(Q)cmp -s $(KOBJ_BASE)/base.config.tmp $(KOBJ_BASE)/base.config || \
		mv $(KOBJ_BASE)/base.config.tmp $(KOBJ_BASE)/base.config
	$(Q)rm -f $(KOBJ_BASE)/base.config.tmp
	$(Q)KARCH=$(KARCH) JOBS=$(JOBS) V=$(V) \
		$(TOP)/scripts/kernel-build.sh $(KSRC_BASE) $(KOBJ_BASE) $(KOBJ_BASE)/base.config

# ---------------------------------------------------------------------------
# The patch series (Documentation/series.rst): make series writes it from
# the same files as the tree above (series/series.list); make series-check
# applies it patch by patch on a pristine tree, builds each step for
# SERIES_ARCHS with checkpatch --strict, then runs make check with the
# series' kernels (build/series-check/kernel-ARCH-base: named as the
# benchmark's baseline for ccache, see series-check.sh).

SERIES_ARCHS ?= arm64 ppc64le
series_image = $(B)/series-check/kernel-$(1)-base/$(if $(filter arm64,$(1)),arch/arm64/boot/Image,vmlinux)

.PHONY: series series-check
series: tree
	$(Q)$(TOP)/scripts/series.sh $(KSRC) $(B)/series

series-check: series
	$(Q)start=$$(date +%s); st=1; \
	SERIES_ARCHS="$(SERIES_ARCHS)" JOBS=$(JOBS) V=$(V) \
		$(TOP)/scripts/series-check.sh $(KSRC) $(B)/series $(B)/series-check && \
	st=0 && $(foreach a,$(SERIES_ARCHS),\
		{ $(MAKE) --no-print-directory -f $(TOP)/Makefile check ARCHS=$(a) \
			KIMAGE=$(call series_image,$(a)) || st=1; } &&) true; \
	echo "series-check: $$(( $$(date +%s) - start ))s, $(if $(SERIES_ARCHS),$(SERIES_ARCHS): )$$([ $$st = 0 ] && echo passed || echo FAILED)"; \
	exit $$st

# ---------------------------------------------------------------------------
# The VM's userspace (static, for KARCH), built from the same kernel tree.
# The steps that delegate to the tree's own Makefiles (libbpf, bpftool, KVM
# selftests) are phony and rely on those Makefiles to be incremental; our
# own files below use plain file rules in a second make pass, once the
# kernel and tools exist.

# build/arm64/, build/ppc64le/
AU          := $(B)/$(KARCH)
LIBBPF_OUT  := $(AU)/libbpf
LIBBPF_A    := $(LIBBPF_OUT)/libbpf.a
LIBBPF_INC  := $(LIBBPF_OUT)/include
HBPFTOOL    := $(B)/host/bpftool/bootstrap/bpftool
BPFTOOL     := $(AU)/bpftool/bpftool
KVMST_SRC   := $(KSRC)/tools/testing/selftests/kvm
KVMST       := $(AU)/kvm-selftests
BUSYBOX     := $(AU)/busybox/bin/busybox
# What is built against one kernel's BTF or headers is kept per flavour.
AF          := $(AU)/$(KFLAVOUR)
INITRAMFS   := $(AF)/initramfs.cpio.gz
SELFTESTS_OUT := $(AF)/selftests
BENCH_OUT   := $(AF)/bench
LOADER_OUT  := $(AF)/loader
HOST_TESTS_OUT := $(B)/host/tests

# Upstream KVM selftests run in the VM as a regression gate.
KVM_TESTS := aarch64/hypercalls aarch64/smccc_filter aarch64/psci_test aarch64/kvm_trap_test \
	aarch64/vcpu_width_config kvm_create_max_vcpus set_memory_region_test \
	kvm_binary_stats_test guest_print_test

# Our in-VM selftests: $(ST_DIR)/<name>.c, plus <name>.bpf.c when it has a
# BPF side (built into <name>.skel.h).  arm64: selftests/*.c; code shared
# by several of them is in selftests/lib/ (not selftests itself), built once
# and linked in: the kvmtrap_cli_* suites all use lib/kvmtrap_cli_common.c
# and the policies kvmtrap_cli.bpf.c and kvmtrap_cli_fail.bpf.c.  ppc64le:
# selftests/powerpc/*.c, each linked with every selftests/powerpc/lib/*.c
# and *.S.
SELFTESTS := $(basename $(filter-out %.bpf.c,$(notdir $(wildcard $(TOP)/$(ST_DIR)/*.c))))

.PHONY: libbpf bpftool host-bpftool kvm-selftests tools initramfs selftests
tools: libbpf host-bpftool bpftool $(if $(filter arm64,$(KARCH)),kvm-selftests)

libbpf: kernel
	@mkdir -p $(LIBBPF_OUT)
	$(Q)$(MAKE) -s -C $(KSRC)/tools/lib/bpf ARCH=$(TARCH) CROSS_COMPILE=$(CROSS) \
		OUTPUT=$(LIBBPF_OUT)/ DESTDIR=$(LIBBPF_OUT) prefix= \
		$(LIBBPF_A) install_headers >/dev/null

# Host bpftool: only the bootstrap (gen skeleton, btf dump) is needed on the
# host, and it has no optional dependencies.
host-bpftool: kernel
	@mkdir -p $(B)/host/bpftool
	$(Q)$(MAKE) -s -C $(KSRC)/tools/bpf/bpftool OUTPUT=$(B)/host/bpftool/ \
		bootstrap >/dev/null

# Static bpftool for the VM.  Host llvm/libbfd must not leak into a
# cross-built binary, so JIT disassembly is left out.
bpftool: kernel
	@mkdir -p $(AU)/bpftool
	$(Q)$(MAKE) -s -C $(KSRC)/tools/bpf/bpftool ARCH=$(TARCH) CROSS_COMPILE=$(CROSS) \
		OUTPUT=$(AU)/bpftool/ EXTRA_LDFLAGS=-static \
		LLVM_CONFIG=/nonexistent CLANG=$(CLANG) LLVM_STRIP=$(LLVM_STRIP) \
		VMLINUX_BTF=$(KOBJ)/vmlinux feature-libbfd=0 feature-libcap=0 \
		>/dev/null

kvm-selftests: kernel
	$(if $(filter arm64,$(KARCH)),,$(error the upstream KVM selftests are built for arm64 only))
	@mkdir -p $(KVMST)/tools
	$(Q)$(MAKE) -s -C $(KVMST_SRC) ARCH=arm64 CROSS_COMPILE=$(CROSS) \
		OUTPUT=$(KVMST) abs_objdir=$(KVMST) LDFLAGS=-static \
		KHDR_INCLUDES="-isystem $(KHDR)" \
		$(addprefix $(KVMST)/,$(KVM_TESTS)) >/dev/null

selftests initramfs: tools
	$(Q)$(MAKE) --no-print-directory -f $(TOP)/Makefile stage2-$@

# ---------------------------------------------------------------------------
# Stage 2: our own files, as plain file rules.

VMLINUX_H := $(AF)/vmlinux.h
BPF_CFLAGS := -target bpf -g -O2 -Wall -D__TARGET_ARCH_$(TARCH) \
	-I$(AF) -I$(LIBBPF_INC) -I$(TOP)/$(ST_DIR) \
	$(if $(filter-out selftests,$(ST_DIR)),-I$(TOP)/selftests) \
	-I$(TOP)/bpf -I$(TOP)/loader/lib -I$(TOP)/include
ST_CFLAGS := -Wall -Wstrict-prototypes -Wuninitialized -O2 -g -std=gnu99 -MD -MP \
	-DCONFIG_64BIT -U_FORTIFY_SOURCE -fno-builtin-memcmp -fno-builtin-memcpy \
	-fno-builtin-memset -fno-builtin-strnlen -fno-stack-protector -fno-PIE \
	-fno-strict-aliasing \
	-I$(TOP)/selftests -I$(SELFTESTS_OUT) -I$(TOP)/loader/lib -iquote $(TOP)/bpf -I$(TOP)/include \
	-I$(KSRC)/tools/include -I$(KSRC)/tools/arch/arm64/include \
	-I$(KVMST_SRC)/include -I$(KVMST_SRC)/include/aarch64 \
	-I$(KSRC)/tools/testing/selftests \
	-I$(KVMST)/tools/arch/arm64/include/generated \
	-I$(LIBBPF_INC) -isystem $(KHDR)
ST_LDLIBS := $(LIBBPF_A) -lelf -lz -lzstd -ldl -pthread
# The POWER selftests: no upstream KVM selftest library (6.12 has none for
# POWER); our headers, libkvmtrap, libbpf, the installed kernel headers
# (linux/kvm.h, asm/kvm.h of powerpc) and kselftest.h.
PPC_ST_CFLAGS := -Wall -Wstrict-prototypes -Wuninitialized -O2 -g -std=gnu11 -MD -MP \
	-D_GNU_SOURCE -fno-strict-aliasing \
	-I$(TOP)/selftests/powerpc -I$(TOP)/selftests/powerpc/lib -I$(SELFTESTS_OUT) \
	-I$(TOP)/selftests -I$(TOP)/loader/lib -iquote $(TOP)/bpf -I$(TOP)/include \
	-I$(KSRC)/tools/testing/selftests -I$(LIBBPF_INC) -isystem $(KHDR)

# libkvmtrap (loader/lib) and the kvmtrap CLI (loader/cli), static, for
# KARCH, against our UAPI and the tree's libbpf.  The library does not see
# the CLI's headers; the CLI does (kvmtrap_args.h).  The example VMM uses
# the library alone, as a VMM built against an installed one would.
LOADER_CFLAGS := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wstrict-prototypes -O2 -g -std=gnu11 -MD -MP -D_GNU_SOURCE \
	-I$(TOP)/loader/lib -iquote $(TOP)/bpf -I$(LOADER_OUT) -I$(TOP)/include -I$(LIBBPF_INC) -isystem $(KHDR)
CLI_SRCS    := $(notdir $(wildcard $(TOP)/loader/cli/*.c))
LIB_SRCS    := $(filter-out %.bpf.c,$(notdir $(wildcard $(TOP)/loader/lib/*.c)))
LIBKVMTRAP_A := $(LOADER_OUT)/libkvmtrap.a
KVMTRAP_CLI := $(LOADER_OUT)/kvmtrap
LOADER_SKELS := $(patsubst %.bpf.c,$(LOADER_OUT)/%.skel.h,$(notdir $(wildcard $(TOP)/loader/lib/*.bpf.c)))
LIBKVM_OBJS := $(shell find $(KVMST)/lib -name '*.o' 2>/dev/null)

# The selftests' BPF programs: $(ST_DIR)/*.bpf.c; the POWER selftests also
# get those of selftests/*.bpf.c (kvmtrap_policy.skel.h ...), built for
# POWER, a selftests/powerpc/ file of the same name taking precedence.
ST_BPF_SRCS := $(sort $(notdir $(wildcard $(TOP)/$(ST_DIR)/*.bpf.c \
	$(if $(filter-out selftests,$(ST_DIR)),$(TOP)/selftests/*.bpf.c))))
# Every selftest BPF object also goes to the VM's /usr/libexec/kvmtrap/bpf,
# for the tests that load objects by path (kvmtrap CLI, libkvmtrap).
SELFTEST_OBJS := $(patsubst %.bpf.c,$(SELFTESTS_OUT)/%.bpf.o,\
	$(filter-out %_fail.bpf.c,$(ST_BPF_SRCS)))
SKELS := $(patsubst %.bpf.c,$(SELFTESTS_OUT)/%.skel.h,\
	$(filter-out %_fail.bpf.c,$(ST_BPF_SRCS)))
# Programs the verifier must reject (*_fail.bpf.c): no skeleton, the
# objects go to the VM's /usr/libexec/kvmtrap/bpf for the tests to load.
FAIL_OBJS := $(patsubst %.bpf.c,$(SELFTESTS_OUT)/%.bpf.o,\
	$(filter %_fail.bpf.c,$(ST_BPF_SRCS)))
SELFTEST_BINS := $(addprefix $(SELFTESTS_OUT)/,$(SELFTESTS))
ST_LIB_OUT  := $(SELFTESTS_OUT)/lib
CLI_TEST_LIB := $(ST_LIB_OUT)/kvmtrap_cli_common.o
CLI_TEST_BINS := $(filter $(SELFTESTS_OUT)/kvmtrap_cli_%,$(SELFTEST_BINS))
# ppc64le: every object of selftests/powerpc/lib goes into every test.
PPC_ST_LIB_OBJS := $(patsubst %,$(ST_LIB_OUT)/%.o,$(basename $(notdir \
	$(wildcard $(TOP)/selftests/powerpc/lib/*.c $(TOP)/selftests/powerpc/lib/*.S))))
# The benchmark of each architecture (bench/kvmtrap_bench.c: A64 guest
# code; bench/kvmtrap_ppc_bench.c: POWER, on selftests/powerpc/lib) and the
# KVM modes it runs in: POWER's only under nested KVM-HV, the one POWER
# setup QEMU 7.2 runs under -icount (Documentation/benchmark.rst).
ifeq ($(KARCH),arm64)
BENCH_BIN   := $(BENCH_OUT)/kvmtrap_bench
BENCH_MODES := vhe nvhe
else
BENCH_BIN   := $(BENCH_OUT)/kvmtrap_ppc_bench
BENCH_MODES := hv
endif

# The qemu suite (arm64): Debian's own qemu-system-aarch64 as the VMM,
# fetched with only the libraries its binary loads (fetch-qemu-arm64.sh,
# once, into build/arm64/qemu), the bare-metal guest it boots
# (selftests/qemu/guest/), and the tests, selftests/qemu/*.c, built like
# the selftests and run by run-tests as the suite "qemu".
QEMU_DIR    := $(B)/arm64/qemu
QEMU_BIN    := $(QEMU_DIR)/bin/qemu-system-aarch64
GUEST_SRCS  := $(wildcard $(TOP)/selftests/qemu/guest/*.[cS])
GUEST_ELF   := $(B)/arm64/guests/kvmtrap-guest.elf
QEMU_TESTS_OUT := $(SELFTESTS_OUT)/qemu
QEMU_TESTS  := $(if $(filter arm64,$(KARCH)),$(patsubst $(TOP)/selftests/qemu/%.c,\
	$(QEMU_TESTS_OUT)/%,$(wildcard $(TOP)/selftests/qemu/*.c)))

# The policy library (bpf/*.bpf.c): objects for the VM's
# /usr/lib/kvmtrap/policies, loaded by path (kvmtrap attach, the example VMM).
POLICY_OUT  := $(AF)/bpf
POLICY_OBJS := $(patsubst %.bpf.c,$(POLICY_OUT)/%.bpf.o,$(notdir $(wildcard $(TOP)/bpf/*.bpf.c)))
# The example VMM (examples/vmm/*.c, one program) and its bundled call
# scripts and policy sets (examples/vmm/*.calls, *.policies); on POWER
# examples/ppc-vmm (kvmtrap-ppc-vmm, on the POWER selftests' VM library).
EXAMPLE_OUT := $(AF)/examples
EXAMPLE_SRCS := $(if $(filter arm64,$(KARCH)),$(wildcard $(TOP)/examples/vmm/*.c))
EXAMPLE_VMM := $(if $(EXAMPLE_SRCS),$(EXAMPLE_OUT)/kvmtrap-vmm)
EXAMPLE_PPC_VMM := $(if $(filter ppc64le,$(KARCH)),$(EXAMPLE_OUT)/kvmtrap-ppc-vmm)
EXAMPLE_DATA := $(if $(EXAMPLE_VMM),\
	$(wildcard $(TOP)/examples/vmm/*.calls $(TOP)/examples/vmm/*.policies))

# The Linux guest that a real VMM in the VM boots (arm64): the same kernel
# Image, a busybox initramfs whose /init prints what the guest's firmware
# drivers said (selftests/qemu/linux/init), and dtb-optee, which gives the guest's
# device tree the OP-TEE node that makes its driver probe (with the kernel
# tree's libfdt).
GUEST_OUT   := $(AF)/guest
GUEST_FILES := $(if $(filter arm64,$(KARCH)),$(KIMAGE) $(GUEST_OUT)/linux-initramfs.cpio.gz)
DTB_OPTEE   := $(if $(filter arm64,$(KARCH)),$(GUEST_OUT)/dtb-optee)
LIBFDT_SRCS := $(addprefix $(KSRC)/scripts/dtc/libfdt/,fdt.c fdt_ro.c fdt_rw.c fdt_wip.c \
	fdt_sw.c fdt_strerror.c)

$(GUEST_OUT):
	$(Q)mkdir -p $@

$(GUEST_OUT)/dtb-optee: $(TOP)/selftests/qemu/linux/dtb-optee.c | $(GUEST_OUT)
	@echo "  CC      $(@F)"
	$(Q)$(ACC) -O2 -Wall -static -I$(KSRC)/scripts/dtc/libfdt -o $@ $< $(LIBFDT_SRCS)

$(GUEST_OUT)/linux-initramfs.cpio.gz: $(TOP)/selftests/qemu/linux/init $(BUSYBOX) | $(GUEST_OUT)
	@echo "  CPIO    $(@F)"
	$(Q)rm -rf $@.d && mkdir -p $@.d/bin $@.d/proc && \
		install -m 755 $(TOP)/selftests/qemu/linux/init $@.d/init && \
		install -m 755 $(BUSYBOX) $@.d/bin/busybox && \
		(cd $@.d && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | \
		gzip -9 >$@.tmp && mv $@.tmp $@ && rm -rf $@.d

.PHONY: stage2-selftests stage2-initramfs
stage2-selftests: $(SELFTEST_BINS) $(FAIL_OBJS)
stage2-initramfs: $(INITRAMFS)

# Rewritten only when the BTF changes, so a relink does not rebuild every
# BPF object (the dump itself reruns after each relink; it takes a second).
$(VMLINUX_H): $(KOBJ)/vmlinux $(HBPFTOOL)
	@mkdir -p $(@D)
	@echo "  GEN     $(@F)"
	$(Q)$(HBPFTOOL) btf dump file $< format c >$@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# BPF objects and their skeletons: $(1) is the source directory, $(2) the
# output directory.
define bpf_rules
$(2)/%.bpf.o: $(TOP)/$(1)/%.bpf.c $$(VMLINUX_H) $$(LIBBPF_A) | $(2)
	@echo "  BPF     $$(@F)"
	$$(Q)$$(CLANG) $$(BPF_CFLAGS) -MD -MP -c $$< -o $$@

$(2)/%.skel.h: $(2)/%.bpf.o $$(HBPFTOOL)
	@echo "  SKEL    $$(@F)"
	$$(Q)$$(HBPFTOOL) gen skeleton $$< name $$(subst -,_,$$*) >$$@
endef
$(eval $(call bpf_rules,$(ST_DIR),$(SELFTESTS_OUT)))
ifneq ($(ST_DIR),selftests)
$(eval $(call bpf_rules,selftests,$(SELFTESTS_OUT)))
endif
$(eval $(call bpf_rules,bench,$(BENCH_OUT)))
$(eval $(call bpf_rules,loader/lib,$(LOADER_OUT)))
$(eval $(call bpf_rules,bpf,$(POLICY_OUT)))

$(EXAMPLE_OUT)/%.o: $(TOP)/examples/vmm/%.c $(LIBKVMTRAP_A) $(LIBBPF_A) | $(EXAMPLE_OUT)
	@echo "  CC      $(@F)"
	$(Q)$(ACC) $(LOADER_CFLAGS) -I$(TOP)/examples/vmm -c $< -o $@

$(EXAMPLE_VMM): $(patsubst $(TOP)/examples/vmm/%.c,$(EXAMPLE_OUT)/%.o,$(EXAMPLE_SRCS)) \
		$(LIBKVMTRAP_A) $(LIBBPF_A)
	@echo "  LD      $(@F)"
	$(Q)$(ACC) -static -o $@ $(filter %.o,$^) $(LIBKVMTRAP_A) $(ST_LDLIBS)

$(EXAMPLE_OUT)/ppc-vmm.o: $(TOP)/examples/ppc-vmm/vmm.c $(LIBKVMTRAP_A) $(LIBBPF_A) | $(EXAMPLE_OUT)
	@echo "  CC      $(@F)"
	$(Q)$(ACC) $(LOADER_CFLAGS) -I$(TOP)/selftests/powerpc/lib -c $< -o $@

$(EXAMPLE_OUT)/kvmtrap-ppc-vmm: $(EXAMPLE_OUT)/ppc-vmm.o $(PPC_ST_LIB_OBJS) \
		$(LIBKVMTRAP_A) $(LIBBPF_A)
	@echo "  LD      $(@F)"
	$(Q)$(ACC) -static -o $@ $(filter %.o,$^) $(LIBKVMTRAP_A) $(ST_LDLIBS)

$(LOADER_OUT)/lib/%.o: $(TOP)/loader/lib/%.c $(LOADER_SKELS) $(LIBBPF_A) | $(LOADER_OUT)/lib
	@echo "  CC      lib/$(@F)"
	$(Q)$(ACC) $(LOADER_CFLAGS) -c $< -o $@

$(LOADER_OUT)/cli/%.o: $(TOP)/loader/cli/%.c $(LIBBPF_A) | $(LOADER_OUT)/cli
	@echo "  CC      cli/$(@F)"
	$(Q)$(ACC) $(LOADER_CFLAGS) -I$(TOP)/loader/cli -c $< -o $@

$(LIBKVMTRAP_A): $(addprefix $(LOADER_OUT)/lib/,$(LIB_SRCS:.c=.o))
	@echo "  AR      $(@F)"
	$(Q)rm -f $@ && $(CROSS)ar rcs $@ $^

$(KVMTRAP_CLI): $(addprefix $(LOADER_OUT)/cli/,$(CLI_SRCS:.c=.o)) $(LIBKVMTRAP_A) $(LIBBPF_A)
	@echo "  LD      $(@F)"
	$(Q)$(ACC) -static -o $@ $(filter %.o,$^) $(LIBKVMTRAP_A) $(ST_LDLIBS)

ifeq ($(KARCH),arm64)
$(SELFTESTS_OUT)/%.o: $(TOP)/selftests/%.c $(SKELS) $(LIBBPF_A) | $(SELFTESTS_OUT)
	@echo "  CC      $(@F)"
	$(Q)$(ACC) $(ST_CFLAGS) -c $< -o $@

$(SELFTESTS_OUT)/%: $(SELFTESTS_OUT)/%.o $(LIBKVMTRAP_A) $(LIBBPF_A) $(LIBKVM_OBJS)
	@echo "  LD      $(@F)"
	$(Q)$(ACC) -static -o $@ $< $(LIBKVM_OBJS) $(LIBKVMTRAP_A) $(ST_LDLIBS)

$(ST_LIB_OUT)/%.o: $(TOP)/selftests/lib/%.c $(SKELS) $(LIBBPF_A) | $(ST_LIB_OUT)
	@echo "  CC      lib/$(@F)"
	$(Q)$(ACC) $(ST_CFLAGS) -c $< -o $@

# The kvmtrap_cli_* suites: one binary per group of commands, all linked
# with the test VMM and helpers of lib/kvmtrap_cli_common.c.
$(CLI_TEST_BINS): $(SELFTESTS_OUT)/%: $(SELFTESTS_OUT)/%.o $(CLI_TEST_LIB) \
		$(LIBKVMTRAP_A) $(LIBBPF_A) $(LIBKVM_OBJS)
	@echo "  LD      $(@F)"
	$(Q)$(ACC) -static -o $@ $< $(CLI_TEST_LIB) $(LIBKVM_OBJS) $(LIBKVMTRAP_A) $(ST_LDLIBS)
else
$(SELFTESTS_OUT)/%.o: $(TOP)/selftests/powerpc/%.c $(SKELS) $(LIBBPF_A) | $(SELFTESTS_OUT)
	@echo "  CC      $(@F)"
	$(Q)$(ACC) $(PPC_ST_CFLAGS) -c $< -o $@

$(ST_LIB_OUT)/%.o: $(TOP)/selftests/powerpc/lib/%.c $(SKELS) $(LIBBPF_A) | $(ST_LIB_OUT)
	@echo "  CC      lib/$(@F)"
	$(Q)$(ACC) $(PPC_ST_CFLAGS) -c $< -o $@

$(ST_LIB_OUT)/%.o: $(TOP)/selftests/powerpc/lib/%.S | $(ST_LIB_OUT)
	@echo "  AS      lib/$(@F)"
	$(Q)$(ACC) $(PPC_ST_CFLAGS) -c $< -o $@

$(SELFTESTS_OUT)/%: $(SELFTESTS_OUT)/%.o $(PPC_ST_LIB_OBJS) $(LIBKVMTRAP_A) $(LIBBPF_A)
	@echo "  LD      $(@F)"
	$(Q)$(ACC) -static -o $@ $< $(PPC_ST_LIB_OBJS) $(LIBKVMTRAP_A) $(ST_LDLIBS)
endif

$(SELFTESTS_OUT) $(ST_LIB_OUT) $(BENCH_OUT) $(LOADER_OUT) $(LOADER_OUT)/lib \
		$(LOADER_OUT)/cli $(HOST_TESTS_OUT) $(POLICY_OUT) $(EXAMPLE_OUT):
	$(Q)mkdir -p $@

# The benchmark: same flags and libraries as the selftests, and libkvmtrap
# for the policy-* cases (the policy library loaded as a VMM loads it).
$(BENCH_OUT)/%.o: $(TOP)/bench/%.c $(BENCH_OUT)/%.skel.h $(LIBBPF_A) | $(BENCH_OUT)
	@echo "  CC      $(@F)"
	$(Q)$(ACC) $(ST_CFLAGS) -I$(BENCH_OUT) -c $< -o $@

ifeq ($(KARCH),ppc64le)
# No vector instructions in the VMM's timed loop: after a task touched its
# FP or vector registers, each of its next 255 returns to user space
# reloads them (load_fp, load_vec), which would be counted.
$(BENCH_OUT)/kvmtrap_ppc_bench.o: $(TOP)/bench/kvmtrap_ppc_bench.c 		$(BENCH_OUT)/kvmtrap_bench.skel.h $(LIBBPF_A) | $(BENCH_OUT)
	@echo "  CC      $(@F)"
	$(Q)$(ACC) $(PPC_ST_CFLAGS) -mno-vsx -mno-altivec -I$(BENCH_OUT) -c $< -o $@

$(BENCH_BIN): $(BENCH_OUT)/kvmtrap_ppc_bench.o $(PPC_ST_LIB_OBJS) $(LIBKVMTRAP_A) $(LIBBPF_A)
	@echo "  LD      $(@F)"
	$(Q)$(ACC) -static -o $@ $< $(PPC_ST_LIB_OBJS) $(LIBKVMTRAP_A) $(ST_LDLIBS)
endif

$(BENCH_OUT)/kvmtrap_bench: $(BENCH_OUT)/kvmtrap_bench.o $(LIBKVMTRAP_A) $(LIBBPF_A) $(LIBKVM_OBJS)
	@echo "  LD      $(@F)"
	$(Q)$(ACC) -static -o $@ $< $(LIBKVM_OBJS) $(LIBKVMTRAP_A) $(ST_LDLIBS)

# Fetched once; the script's own changes fetch again.
$(QEMU_BIN): $(TOP)/scripts/fetch-qemu-arm64.sh
	$(Q)$(TOP)/scripts/fetch-qemu-arm64.sh $(QEMU_DIR)
	$(Q)touch $@

# Freestanding, MMU off: every access is to Device memory, so no unaligned
# access and no FP/SIMD register (the guest never enables them).
GUEST_CFLAGS := -O2 -g -Wall -ffreestanding -fno-builtin -nostdlib -static \
	-fno-pie -no-pie -mgeneral-regs-only -mstrict-align -fno-stack-protector \
	-fno-asynchronous-unwind-tables -Wl,--build-id=none -Wl,--no-warn-rwx-segments
$(GUEST_ELF): $(GUEST_SRCS) $(TOP)/selftests/qemu/guest/guest.ld
	@mkdir -p $(@D)
	@echo "  GUEST   $(@F)"
	$(Q)aarch64-linux-gnu-gcc $(GUEST_CFLAGS) -T $(TOP)/selftests/qemu/guest/guest.ld \
		-o $@ $(GUEST_SRCS)

$(QEMU_TESTS_OUT)/%.o: $(TOP)/selftests/qemu/%.c $(SKELS) $(LIBBPF_A) | $(QEMU_TESTS_OUT)
	@echo "  CC      qemu/$(@F)"
	$(Q)$(ACC) $(ST_CFLAGS) -c $< -o $@

$(QEMU_TESTS_OUT)/%: $(QEMU_TESTS_OUT)/%.o $(LIBKVMTRAP_A) $(LIBBPF_A) $(LIBKVM_OBJS)
	@echo "  LD      qemu/$(@F)"
	$(Q)$(ACC) -static -o $@ $< $(LIBKVM_OBJS) $(LIBKVMTRAP_A) $(ST_LDLIBS)

$(QEMU_TESTS_OUT):
	$(Q)mkdir -p $@

$(BUSYBOX): $(TOP)/scripts/fetch-busybox.sh
	$(Q)$(TOP)/scripts/fetch-busybox.sh --arch $(KARCH) $(AU)/busybox

-include $(wildcard $(SELFTESTS_OUT)/*.d $(ST_LIB_OUT)/*.d $(BENCH_OUT)/*.d \
	$(LOADER_OUT)/*.d $(LOADER_OUT)/lib/*.d $(LOADER_OUT)/cli/*.d \
	$(POLICY_OUT)/*.d $(EXAMPLE_OUT)/*.d $(QEMU_TESTS_OUT)/*.d)

ifeq ($(KARCH),arm64)
$(INITRAMFS): $(SELFTEST_BINS) $(FAIL_OBJS) $(SELFTEST_OBJS) $(BENCH_BIN) \
		$(KVMTRAP_CLI) $(POLICY_OBJS) $(EXAMPLE_VMM) $(EXAMPLE_DATA) \
		$(BPFTOOL) $(BUSYBOX) $(QEMU_BIN) $(GUEST_ELF) $(QEMU_TESTS) \
		$(GUEST_FILES) $(DTB_OPTEE) \
		$(TOP)/scripts/mkinitramfs.sh \
		$(TOP)/scripts/vm/init $(TOP)/scripts/vm/run-tests $(TOP)/scripts/vm/demo \
		$(addprefix $(KVMST)/,$(KVM_TESTS))
	$(Q)$(TOP)/scripts/mkinitramfs.sh --arch $(KARCH) $@ $(BUSYBOX) $(BPFTOOL) $(TOP)/scripts/vm \
		--sbin $(KVMTRAP_CLI) $(EXAMPLE_VMM) \
		--policies $(POLICY_OBJS) --share $(EXAMPLE_DATA) \
		--selftests $(SELFTEST_BINS) --bpf $(FAIL_OBJS) $(SELFTEST_OBJS) \
		--bench $(BENCH_BIN) --qemu $(QEMU_DIR) --qemu-suite $(QEMU_TESTS) \
		--guests $(GUEST_ELF) $(GUEST_FILES) --libexec $(DTB_OPTEE) \
		--kvm $(KVMST) $(KVM_TESTS)
else
$(INITRAMFS): $(SELFTEST_BINS) $(FAIL_OBJS) $(SELFTEST_OBJS) $(BENCH_BIN) \
		$(KVMTRAP_CLI) $(POLICY_OBJS) $(EXAMPLE_PPC_VMM) $(BPFTOOL) $(BUSYBOX) \
		$(TOP)/scripts/mkinitramfs.sh \
		$(TOP)/scripts/vm/init $(TOP)/scripts/vm/run-tests $(TOP)/scripts/vm/demo
	$(Q)$(TOP)/scripts/mkinitramfs.sh --arch $(KARCH) $@ $(BUSYBOX) $(BPFTOOL) $(TOP)/scripts/vm \
		--sbin $(KVMTRAP_CLI) $(EXAMPLE_PPC_VMM) --policies $(POLICY_OBJS) \
		--selftests $(SELFTEST_BINS) --bpf $(FAIL_OBJS) $(SELFTEST_OBJS) \
		--bench $(BENCH_BIN)
endif

# ---------------------------------------------------------------------------
# make install [DESTDIR=...] [PREFIX=/usr/local] [KARCH=...]: what an
# operator and a VMM author take from kvmtrap, built for KARCH: the CLI, its
# man page, the policy library, and libkvmtrap, shared (with a soname) and
# static, with its headers and a pkg-config file (libkvmtrap.pc).
# libkvmtrap carries the kernel tree's libbpf, which has the kvm_trap link
# and program type that a distribution's libbpf lacks: a VMM takes libbpf's
# API from it too (<bpf/libbpf.h> in the same include directory) and must
# not link another libbpf.  Documentation/libkvmtrap.rst, "Installing".
PREFIX      ?= /usr/local
DESTDIR     ?=
KVMTRAP_LIB_VERSION := 0.1.0
KVMTRAP_SONAME := libkvmtrap.so.0
PIC_OUT     := $(LOADER_OUT)/pic
LIBBPF_PIC  := $(LIBBPF_OUT)/sharedobjs/libbpf-in.o
LIBBPF_STATIC_IN := $(LIBBPF_OUT)/staticobjs/libbpf-in.o
LIBKVMTRAP_SO := $(PIC_OUT)/libkvmtrap.so.$(KVMTRAP_LIB_VERSION)
LIBKVMTRAP_DIST_A := $(PIC_OUT)/libkvmtrap.a
KVMTRAP_MAN := $(LOADER_OUT)/kvmtrap.8
INSTALL_HEADERS := $(TOP)/loader/lib/libkvmtrap.h $(TOP)/loader/lib/kvmtrap_handled.h \
	$(TOP)/bpf/route_table.h

$(PIC_OUT):
	$(Q)mkdir -p $@

$(PIC_OUT)/%.o: $(TOP)/loader/lib/%.c $(LOADER_SKELS) $(LIBBPF_A) | $(PIC_OUT)
	@echo "  CC      pic/$(@F)"
	$(Q)$(ACC) $(LOADER_CFLAGS) -fPIC -c $< -o $@

# libbpf's objects for its own shared library: position independent.
$(LIBBPF_PIC): $(LIBBPF_A)
	$(Q)$(MAKE) -s -C $(KSRC)/tools/lib/bpf ARCH=$(TARCH) CROSS_COMPILE=$(CROSS) \
		OUTPUT=$(LIBBPF_OUT)/ $@ >/dev/null

$(LIBKVMTRAP_SO): $(addprefix $(PIC_OUT)/,$(LIB_SRCS:.c=.o)) $(LIBBPF_PIC)
	@echo "  LD      $(@F)"
	$(Q)$(ACC) -shared -Wl,-soname,$(KVMTRAP_SONAME) -Wl,--no-undefined -o $@ $^ \
		-lelf -lz -lzstd

# The static one: ours and libbpf's objects in one archive.
$(LIBKVMTRAP_DIST_A): $(addprefix $(LOADER_OUT)/lib/,$(LIB_SRCS:.c=.o)) $(LIBBPF_A) | $(PIC_OUT)
	@echo "  AR      $(@F)"
	$(Q)rm -f $@ && $(CROSS)ar rcs $@ $(filter %.o,$^) $(LIBBPF_STATIC_IN)

$(KVMTRAP_MAN): $(TOP)/Documentation/kvmtrap.8.rst | $(LOADER_OUT)
	@echo "  MAN     $(@F)"
	$(Q)python3 -c 'import sys, docutils.core; \
		docutils.core.publish_file(source_path=sys.argv[1], \
			destination_path=sys.argv[2], writer_name="manpage")' $< $@

# The libraries and tools of stage 1 first, as for the initramfs.
.PHONY: install stage2-install
install: tools
	$(Q)$(MAKE) --no-print-directory -f $(TOP)/Makefile stage2-install

# The pkg-config file names PREFIX: written at each install.
stage2-install: $(KVMTRAP_CLI) $(POLICY_OBJS) $(LIBKVMTRAP_SO) $(LIBKVMTRAP_DIST_A) \
		$(KVMTRAP_MAN)
	@echo "  INSTALL $(DESTDIR)$(PREFIX) ($(KARCH))"
	$(Q)d=$(DESTDIR)$(PREFIX); \
	install -D -m 755 $(KVMTRAP_CLI) $$d/sbin/kvmtrap && \
	install -D -m 644 $(KVMTRAP_MAN) $$d/share/man/man8/kvmtrap.8 && \
	install -d $$d/lib/kvmtrap/policies && \
	install -m 644 $(POLICY_OBJS) $$d/lib/kvmtrap/policies/ && \
	install -D -m 755 $(LIBKVMTRAP_SO) $$d/lib/$(notdir $(LIBKVMTRAP_SO)) && \
	ln -sf $(notdir $(LIBKVMTRAP_SO)) $$d/lib/$(KVMTRAP_SONAME) && \
	ln -sf $(KVMTRAP_SONAME) $$d/lib/libkvmtrap.so && \
	install -m 644 $(LIBKVMTRAP_DIST_A) $$d/lib/libkvmtrap.a && \
	install -d $$d/lib/pkgconfig && \
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' \
		'includedir=$${prefix}/include' '' 'Name: libkvmtrap' \
		'Description: per-VM BPF policies for the hypervisor calls of KVM guests' \
		'Version: $(KVMTRAP_LIB_VERSION)' 'Cflags: -I$${includedir}/kvmtrap' \
		'Libs: -L$${libdir} -lkvmtrap' 'Libs.private: -lelf -lz -lzstd' \
		>$$d/lib/pkgconfig/libkvmtrap.pc && \
	install -d $$d/include/kvmtrap/linux $$d/include/kvmtrap/bpf && \
	install -m 644 $(INSTALL_HEADERS) $$d/include/kvmtrap/ && \
	install -m 644 $(TOP)/include/uapi/linux/kvm_trap.h $$d/include/kvmtrap/linux/ && \
	install -m 644 $(LIBBPF_INC)/bpf/*.h $$d/include/kvmtrap/bpf/

# ---------------------------------------------------------------------------
# Host unit tests: selftests/host/*.c, pure C (CLI parsing, names), built
# with the host compiler against the loader sources they test.

HOST_CC     := gcc
HOST_CFLAGS := -Wall -Wextra -Wno-unused-parameter -O1 -g -std=gnu11 -D_GNU_SOURCE \
	-I$(TOP)/loader/lib -iquote $(TOP)/bpf -I$(TOP)/loader/cli -I$(TOP)/include/uapi
HOST_TEST_DEPS := $(TOP)/loader/lib/kvmtrap_names.c $(TOP)/loader/lib/kvmtrap_call.c \
	$(TOP)/loader/lib/kvmtrap_arch_arm64.c $(TOP)/loader/lib/kvmtrap_arch_ppc64.c \
	$(TOP)/loader/lib/kvmtrap_rule_text.c $(TOP)/loader/lib/kvmtrap_route_compile.c \
	$(TOP)/loader/cli/kvmtrap_args.c
HOST_TESTS  := $(patsubst %.c,$(HOST_TESTS_OUT)/%,$(notdir $(wildcard $(TOP)/selftests/host/*.c)))

.PHONY: host-tests
host-tests: $(HOST_TESTS)

$(HOST_TESTS_OUT)/%: $(TOP)/selftests/host/%.c $(HOST_TEST_DEPS) \
		$(wildcard $(TOP)/loader/lib/*.h $(TOP)/loader/cli/*.h) \
		$(wildcard $(TOP)/selftests/host/*.h) | $(HOST_TESTS_OUT)
	@echo "  HOSTCC  $(@F)"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $< $(HOST_TEST_DEPS)

# ---------------------------------------------------------------------------
# Running the VM.

VMRUN = $(TOP)/scripts/vm-run.sh --arch $(KARCH) --kernel $(KIMAGE) \
	--initramfs $(INITRAMFS) --timeout $(TIMEOUT) --time-scale $(TIME_SCALE)

# make check: the host tests once, then each architecture of ARCHS in a make
# of its own (check-arch: build it, boot once per mode), then the total of
# all.  MODES from the command line picks, per architecture, its modes among
# them; an architecture with none of its modes there is left out.
check_modes = $(strip $(if $(filter command line,$(origin MODES)),\
	$(filter $(MODES),$(ARCH_MODES_$(1))),$(ARCH_MODES_$(1))))
check_logp = $(B)/check-$(call arch_tag,$(1))$(KFLAVOUR)
CHECK_ARCHS = $(strip $(foreach a,$(ARCHS),$(if $(call check_modes,$(a)),$(a))))
CHECK_RESULTS = host=$(B)/check-$(KFLAVOUR)-host.result \
	$(foreach a,$(CHECK_ARCHS),$(a)=$(call check_logp,$(a)).result)

.PHONY: check check-arch stress demo bench bench-arch vm-run vm-shell clean distclean
check: host-tests
	$(if $(filter-out arm64 ppc64le,$(ARCHS)),\
		$(error ARCHS="$(ARCHS)": arm64 and ppc64le exist))
	$(if $(CHECK_ARCHS),,$(error MODES="$(MODES)" has no mode of ARCHS="$(ARCHS)" \
		(arm64: $(ARCH_MODES_arm64); ppc64le: $(ARCH_MODES_ppc64le))))
	$(Q)rm -f $(foreach r,$(CHECK_RESULTS),$(lastword $(subst =, ,$(r))))
	$(Q)HOST_TESTS="$(HOST_TESTS)" $(TOP)/scripts/check.sh host $(B)/check-$(KFLAVOUR) || true
	$(Q)$(foreach a,$(CHECK_ARCHS),\
		$(MAKE) --no-print-directory -f $(TOP)/Makefile KARCH=$(a) \
			MODES="$(call check_modes,$(a))" check-arch || true;)
	$(Q)$(TOP)/scripts/check.sh total $(CHECK_RESULTS)

# One architecture (KARCH) of make check.
check-arch: initramfs
	$(Q)VMRUN="$(VMRUN)" KVMTRAP_TEST_TIMEOUT=$(TEST_TIMEOUT) \
		$(TOP)/scripts/check.sh vm $(KARCH) $(KOBJ)/kvmtrap-version \
		$(call check_logp,$(KARCH)) $(MODES)

# make stress: the torture and fuzz tests (kvmtrap_stress, kvmtrap_fuzz) at
# full size, once per mode of MODES, with the kernel log checked as in make
# check; arm64.  STRESS_CALLS, STRESS_CYCLES, STRESS_VMS, FUZZ_ITERS, STRESS_SEED pass
# sizes and a seed to replay (Documentation/testing.rst); each test binary
# gets STRESS_TEST_TIMEOUT seconds.
STRESS_TEST_TIMEOUT ?= $(shell echo $$((1800 * $(TIME_SCALE))))
STRESS_ENV = $(strip $(if $(STRESS_CALLS),KVMTRAP_STRESS_CALLS=$(STRESS_CALLS)) \
	$(if $(STRESS_CYCLES),KVMTRAP_STRESS_CYCLES=$(STRESS_CYCLES)) \
	$(if $(STRESS_VMS),KVMTRAP_STRESS_VMS=$(STRESS_VMS)) \
	$(if $(FUZZ_ITERS),KVMTRAP_FUZZ_ITERS=$(FUZZ_ITERS)) \
	$(if $(STRESS_SEED),KVMTRAP_STRESS_SEED=$(STRESS_SEED) KVMTRAP_FUZZ_SEED=$(STRESS_SEED)))
# Refused before anything is built for another architecture.
ifneq ($(filter stress,$(MAKECMDGOALS)),)
ifneq ($(KARCH),arm64)
$(error make stress runs on arm64 only (the torture's guest is A64))
endif
endif
stress: initramfs
	$(Q)start=$$(date +%s); \
	VMRUN="$(TOP)/scripts/vm-run.sh --arch $(KARCH) --kernel $(KIMAGE) --initramfs $(INITRAMFS) \
		--timeout $$((2 * $(STRESS_TEST_TIMEOUT) + 600)) --time-scale $(TIME_SCALE)" \
		KVMTRAP_TEST_TIMEOUT=$(STRESS_TEST_TIMEOUT) SUITES=stress VM_ENV="$(STRESS_ENV)" \
		$(TOP)/scripts/check.sh vm $(KARCH) $(KOBJ)/kvmtrap-version \
		$(B)/stress-$(KFLAVOUR) $(MODES); st=$$?; \
	echo "stress ($(KFLAVOUR)): $$(( $$(date +%s) - start )) s"; exit $$st

demo: initramfs
	$(Q)$(VMRUN) --mode $(MODE) --log $(B)/vm-demo.log -- \
		'echo "kvmtrap demo on $$(uname -r), KVM $(MODE) mode"; \
		 /usr/libexec/kvmtrap/demo'

# Both kernels boot the same initramfs; the default flavour only (the
# debug kernel's instrumentation would be what is measured).  make bench
# measures each architecture of ARCHS in a make of its own (bench-arch).
BENCH_ARCHS = $(if $(filter command line,$(origin KARCH)),$(KARCH),$(ARCHS))
bench:
	$(if $(filter default,$(KFLAVOUR)),,$(error make bench measures KFLAVOUR=default only))
	$(Q)st=0; for a in $(BENCH_ARCHS); do \
		$(MAKE) --no-print-directory -f $(TOP)/Makefile KARCH=$$a bench-arch || st=1; \
	done; exit $$st

bench-arch: initramfs kernel-base
	$(Q)VMRUN="$(TOP)/scripts/vm-run.sh --arch $(KARCH) --timeout $(TIMEOUT)" \
		BENCH_PROG=$(notdir $(BENCH_BIN)) BENCH_TABLE=bench-table$(LOGTAG).awk \
		$(TOP)/scripts/bench.sh $(KIMAGE_BASE) $(KIMAGE) $(INITRAMFS) \
		$(B)/bench$(LOGTAG) $(filter $(BENCH_MODES),$(MODES))

vm-run: initramfs
	$(if $(CMD),,$(error usage: make vm-run CMD='shell command' [KARCH=ppc64le] [MODE=$(MODE)]))
	$(Q)$(VMRUN) --mode $(MODE) --log $(B)/vm-run$(LOGTAG).log -- '$(subst ','\'',$(value CMD))'

vm-shell: initramfs
	$(Q)$(VMRUN) --mode $(MODE) --log $(B)/vm-shell$(LOGTAG).log --shell

clean:
	rm -rf $(B)/arm64 $(B)/ppc64le $(B)/host $(B)/*.log $(B)/*.result

distclean:
	rm -rf $(B)
