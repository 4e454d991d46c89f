# SPDX-License-Identifier: GPL-2.0
#
# kvmtrap: everything starts here.
#
#   make check            build all, run every suite in the VM (VHE and nVHE)
#   make demo             boot the VM and run the kvmtrap selftest, verbosely
#   make vm-run CMD='..'  boot the VM, run one shell command, pass its status
#   make vm-shell         boot the VM with an interactive shell
#   make kernel | initramfs | selftests | clean | distclean
#
# Knobs: KFLAVOUR=debug (KASAN, lockdep, kmemleak kernel), MODES="vhe nvhe",
# V=1 (full commands), JOBS=n, TIMEOUT=seconds per VM boot.

.DELETE_ON_ERROR:
.SUFFIXES:
SHELL := /bin/bash

TOP      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B        ?= $(TOP)/build
KSRC     := $(B)/linux
KFLAVOUR ?= default
MODES    ?= vhe nvhe
JOBS     ?= $(shell nproc)
TIMEOUT  ?= 1200

CROSS    := aarch64-linux-gnu-
ACC      := $(CROSS)gcc
CLANG    := clang-16
LLVM_STRIP := llvm-strip-16

ifeq ($(KFLAVOUR),default)
KOBJ     := $(B)/kernel-arm64
KFRAGS   := $(TOP)/kernel/configs/arm64.config
else ifeq ($(KFLAVOUR),debug)
KOBJ     := $(B)/kernel-arm64-debug
KFRAGS   := $(TOP)/kernel/configs/arm64.config $(TOP)/kernel/configs/debug.config
else
$(error KFLAVOUR must be "default" or "debug", not "$(KFLAVOUR)")
endif
KIMAGE   := $(KOBJ)/arch/arm64/boot/Image
KHDR     := $(KOBJ)/usr/include

# ccache survives fresh clones (CI builds on the same machine); paths are
# made relative to the top so that a clone elsewhere still hits.
export CCACHE_BASEDIR := $(TOP)
export CCACHE_NOHASHDIR := 1
CCACHE   := $(shell command -v ccache 2>/dev/null)
KCC      := $(if $(CCACHE),ccache )$(ACC)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps tree kernel
all: initramfs

deps:
	$(Q)$(TOP)/scripts/deps.sh

tree: deps
	$(Q)$(TOP)/scripts/kernel-tree.sh $(KSRC)

kernel: tree
	$(Q)KCC="$(KCC)" JOBS=$(JOBS) V=$(V) \
		$(TOP)/scripts/kernel-build.sh $(KSRC) $(KOBJ) $(KFRAGS)
