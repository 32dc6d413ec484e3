# SPDX-License-Identifier: ISC
# hakit: one non-recursive GNU Makefile for every program and test.
#
#   make               release build of every program (NAME/NAME)
#   make check         deps, ASan+UBSan build, unit, config, fuzz, lab, lint
#   make demo          the talk's network in namespaces, failover shown live
#   make bench         benchmarks against the peers (bench/RESULTS.md)
#   make fuzz          longer fuzzing (FUZZ_SECONDS per target)
#   make lint          cppcheck, mandoc -Tlint
#   make install       programs, man pages, the _hakit user

MAKEFLAGS += -r

BUILD	?= release
PREFIX	?= /usr/local
PYTHON	?= /usr/bin/python3
# make predefines YACC as yacc: take byacc unless the caller chose.
ifeq ($(origin YACC),default)
YACC	:= byacc
endif
FUZZ_SECONDS ?= 300
CHECK_FUZZ_SECONDS ?= 10
O	:= build/$(BUILD)

PKGS	:= libevent libbsd-overlay libmnl jansson libcrypto libssl libcap \
	   libnetfilter_conntrack libnftables libtls
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	:= -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith \
	   -Wcast-qual -Wstrict-prototypes -Wmissing-prototypes \
	   -Wmissing-declarations -Wsign-compare -Wvla -Wnull-dereference \
	   -fno-common
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -g $(WARN) -Ilib $(PKG_CFLAGS)

ifeq ($(BUILD),release)
CC	?= cc
CFLAGS_B := -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
LDFLAGS_B := -pie -Wl,-z,relro,-z,now
else ifeq ($(BUILD),asan)
CFLAGS_B := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
LDFLAGS_B := -fsanitize=address,undefined
else ifeq ($(BUILD),fuzz)
CC	:= clang
CFLAGS_B := -O1 -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS_B := -fsanitize=fuzzer,address,undefined
else
$(error BUILD must be release, asan or fuzz)
endif

ALL_CFLAGS := $(CFLAGS_BASE) $(CFLAGS_B) $(CFLAGS)
ALL_LDFLAGS := $(LDFLAGS_B) $(LDFLAGS)

# Programs whose binaries sit in the tree are relinked when the flavour
# changes, so `make` after `make check` gives a release build again.
$(shell mkdir -p build; \
    [ "$$(cat build/.flavor 2>/dev/null)" = "$(BUILD)" ] || \
    echo $(BUILD) > build/.flavor)

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
LIBHAKIT := $(O)/libhakit.a

PROGS	:=
MANS	:=
include $(wildcard */module.mk)

# $(1) = program name: links NAME/NAME from $(NAME_SRCS) (.c and .y).
define PROG_template
$(1)_OBJS := $$(patsubst %.c,$(O)/%.o,$$(patsubst %.y,%.c,$$($(1)_SRCS)))
$(1)/$(1): $$($(1)_OBJS) $(LIBHAKIT) build/.flavor
	$$(CC) $$(ALL_CFLAGS) -o $$@ $$($(1)_OBJS) $(LIBHAKIT) \
	    $$(ALL_LDFLAGS) $(PKG_LIBS)
endef
$(foreach p,$(PROGS),$(eval $(call PROG_template,$(p))))

# The same programs linked under build/FLAVOUR/bin, leaving NAME/NAME
# alone: the UML tier needs release builds while the tree holds ASan ones.
define BIN_template
$(O)/bin/$(1): $$($(1)_OBJS) $(LIBHAKIT)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -o $$@ $$($(1)_OBJS) $(LIBHAKIT) \
	    $$(ALL_LDFLAGS) $(PKG_LIBS)
endef
$(foreach p,$(PROGS),$(eval $(call BIN_template,$(p))))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(notdir $(FUZZ_SRCS:.c=))
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

.PHONY: all check demo bench fuzz lint install clean deps unit conf \
	fuzz-build fuzz-replay fuzz-brief lab check-build uml uml-bins
.DEFAULT_GOAL := all

all: $(foreach p,$(PROGS),$(p)/$(p))

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(dir $<) -MMD -MP -c -o $@ $<

# yacc output is generated into the build tree; its code is not ours, so
# the warnings it trips are relaxed for that one file.
$(O)/%.c: %.y
	@mkdir -p $(dir $@)
	$(YACC) -o $@ $<
$(O)/%.o: $(O)/%.c
	$(CC) $(ALL_CFLAGS) -I$(dir $*) -I$(dir $<) -Wno-missing-prototypes \
	    -Wno-missing-declarations -Wno-sign-compare -Wno-unused-but-set-variable \
	    -MMD -MP -c -o $@ $<

$(LIBHAKIT): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# cmocka's assert_non_null() returns on success only, which gcc cannot
# see at -O2: its null-dereference warning is noise in test code.
TEST_CFLAGS := -Wno-null-dereference

# A test or fuzz target links libhakit and the daemon sources named by
# its module.mk (test_NAME_DEPS, fuzz_NAME_DEPS), so each builds alone.
objs = $(patsubst %.c,$(O)/%.o,$(patsubst %.y,%.c,$(1)))
incs = $(patsubst %,-I%,$(sort $(dir $(1))))
.SECONDEXPANSION:
$(O)/tests/unit/test_%: tests/unit/test_%.c $$(call objs,$$(test_$$*_DEPS)) $(LIBHAKIT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(CMOCKA_CFLAGS) \
	    $(call incs,$(test_$*_DEPS)) \
	    -o $@ $< $(call objs,$(test_$*_DEPS)) $(LIBHAKIT) $(ALL_LDFLAGS) \
	    $(PKG_LIBS) $(CMOCKA_LIBS)

# Fuzz targets: under BUILD=fuzz, libFuzzer binaries; otherwise replay.c
# supplies main() and runs the corpus once (gcc, ASan).
ifeq ($(BUILD),fuzz)
FUZZ_MAIN :=
else
FUZZ_MAIN := tests/fuzz/replay.c
endif
$(O)/tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_MAIN) $$(call objs,$$(fuzz_$$*_DEPS)) $(LIBHAKIT)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(call incs,$(fuzz_$*_DEPS)) -o $@ $< $(FUZZ_MAIN) \
	    $(call objs,$(fuzz_$*_DEPS)) $(LIBHAKIT) $(ALL_LDFLAGS) $(PKG_LIBS)

check-build: all $(UNIT_BINS) $(FUZZ_NAMES:%=$(O)/tests/fuzz/%)

deps:
	./scripts/deps

# make check: every suite writes "NAME PASSED FAILED" into build/results;
# the last line sums them.  Every suite runs even if an earlier one failed.
check: deps
	@rm -rf build/results; mkdir -p build/results
	$(MAKE) BUILD=asan check-build
	$(MAKE) BUILD=fuzz fuzz-build
	-$(MAKE) BUILD=asan unit
	-$(MAKE) BUILD=asan conf
	-$(MAKE) BUILD=asan fuzz-replay
	-$(MAKE) BUILD=fuzz fuzz-brief FUZZ_TIME=$(CHECK_FUZZ_SECONDS)
	-$(MAKE) lint
	-$(MAKE) BUILD=asan lab
	-$(MAKE) uml
	@$(PYTHON) tests/summary.py build/results

unit: $(UNIT_BINS)
	@tests/run_unit.sh $(UNIT_BINS)

conf: all
	@tests/conf/run.sh

fuzz-build: $(FUZZ_NAMES:%=$(O)/tests/fuzz/%)

fuzz-replay: $(FUZZ_NAMES:%=$(O)/tests/fuzz/%)
	@tests/fuzz/run.sh replay $(O) $(FUZZ_NAMES)

fuzz-brief: $(FUZZ_NAMES:%=$(O)/tests/fuzz/%)
	@tests/fuzz/run.sh fuzz $(O) $(FUZZ_NAMES)

fuzz:
	$(MAKE) BUILD=fuzz fuzz-build
	@mkdir -p build/results
	$(MAKE) BUILD=fuzz fuzz-brief FUZZ_TIME=$(FUZZ_SECONDS)

lab: all
	@tests/lab/run.sh

lint:
	@tests/lint.sh

# User-Mode Linux tier (tests/uml/README): real ESP SAs through a failover.
UML_PROGS := carpd carpctl sasyncd sasyncctl
uml-bins: $(UML_PROGS:%=$(O)/bin/%)

uml:
	$(MAKE) BUILD=release uml-bins
	@HAKIT_UML_CARPD=$(CURDIR)/build/release/bin/carpd \
	    HAKIT_UML_CARPCTL=$(CURDIR)/build/release/bin/carpctl \
	    HAKIT_UML_SASYNCD=$(CURDIR)/build/release/bin/sasyncd \
	    HAKIT_UML_SASYNCCTL=$(CURDIR)/build/release/bin/sasyncctl tests/uml/run.sh

demo: deps
	$(MAKE) all
	./demo/demo.sh

bench: deps
	$(MAKE) all
	$(PYTHON) bench/carp_failover.py
	$(PYTHON) bench/state_sync.py
	$(PYTHON) bench/dhcp.py
	$(PYTHON) bench/lb_redirect.py
	$(PYTHON) bench/health_checks.py
	$(PYTHON) bench/sa_sync.py
	$(PYTHON) bench/proxy.py

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/man/man8
	$(foreach p,$(PROGS),install -m 755 $(p)/$(p) $(DESTDIR)$(PREFIX)/sbin/;)
	$(foreach m,$(MANS),install -m 644 $(m) \
	    $(DESTDIR)$(PREFIX)/share/man/man$(subst .,,$(suffix $(m)))/;)
	install -d -m 755 $(DESTDIR)/etc/hakit $(DESTDIR)/var/lib/hakit
	id _hakit >/dev/null 2>&1 || useradd -r -d /var/empty \
	    -s /usr/sbin/nologin _hakit

clean:
	rm -rf build $(foreach p,$(PROGS),$(p)/$(p))

-include $(shell find build -name '*.d' 2>/dev/null)
