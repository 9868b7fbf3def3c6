# xen-restrict: a Linux patch series that pins Xen device handles to one
# guest domain, and the lab that tests it against a real Xen hypervisor.
#
#   make lab          boot the lab with the stock kernel and run the tests
#   make check        both series' static checks and stock-kernel labs,
#                     and the 7.3 series' lab kernel, its lab and KUnit
#   make check-all    the same, with 6.12's lab kernel, lab and KUnit,
#                     and both series' debug kernels and their labs
#   make bench        what a pinned handle costs, pinned against unpinned
#
# SERIES=7.3 (the upstream series, the default) or SERIES=6.12 (its
# backport) picks the series, its tree linux-$(SERIES)/ and its stock
# kernel for every target but check and check-all.
#
# See README.md for the rest.

SHELL := /bin/bash

SERIES ?= 7.3
KERNEL ?= stock
RUN ?=
# HVM=0: the lab without its HVM guest (quicker); make check always runs it.
HVM ?= 1
export SERIES KERNEL RUN HVM

BASE ?=

.PHONY: all deps fetch tree have-tree export verify rebase bump oot lab-kernel lab-kernel-debug lab lab-shell bench check check-all clean

all: lab

deps:
	@scripts/host-deps.sh

fetch: deps
	@scripts/deps.sh fetch

tree: fetch
	@scripts/tree.sh tree

# The fast loop builds linux-$(SERIES)/ as it stands, edits included:
# only when there is no tree yet is one made from patches/$(SERIES)/.
# `make tree` makes it again from patches/$(SERIES)/.
have-tree: fetch
	@[ -d linux-$(SERIES)/.git ] || scripts/tree.sh tree

export:
	@scripts/tree.sh export

verify:
	@scripts/tree.sh verify

# Move linux-$(SERIES)/, patches/$(SERIES)/ and deps.lock's kernel of that
# series onto another served base: make rebase SERIES=6.12 BASE=6.12.118-1.
rebase: fetch
	@scripts/tree.sh rebase $(BASE)

# deps.lock to the newest served version of each series, base included.
bump: fetch
	@scripts/tree.sh bump

oot: have-tree
	@scripts/oot.sh W=1

lab-kernel: have-tree
	@scripts/lab-kernel.sh

lab-kernel-debug: have-tree
	@VARIANT=debug scripts/lab-kernel.sh

lab: have-tree $(if $(filter lab,$(KERNEL)),lab-kernel) $(if $(filter debug,$(KERNEL)),lab-kernel-debug)
	@LAB_MODE=tests lab/run.sh

# The one way to a dom0 shell: the lab as `make lab` boots it, with the
# guests up, and a shell in place of the tests.
lab-shell: have-tree $(if $(filter lab,$(KERNEL)),lab-kernel) $(if $(filter debug,$(KERNEL)),lab-kernel-debug)
	@LAB_MODE=shell lab/run.sh

# What a pinned handle costs: one boot, pinned against unpinned, table and
# chart in out/bench/.  BENCH_ROUNDS=N for more or fewer rounds.
bench: have-tree $(if $(filter lab,$(KERNEL)),lab-kernel) $(if $(filter debug,$(KERNEL)),lab-kernel-debug)
	@LAB_MODE=bench lab/run.sh

check: deps
	@scripts/check.sh

check-all: deps
	@CHECK=all scripts/check.sh

clean:
	rm -rf out
