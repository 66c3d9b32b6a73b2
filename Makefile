# gpuvirt — hand-written Makefile (see README.md)
#
#   make                 build ./gpuvirt
#   make check           build and run every test (unit, CLI, TUI); prints "N passed, N failed"
#   make bench           run the benchmarks in tests/bench/
#   make deps            install the Debian packages the build and tests need (root)
#   make install         PREFIX=/usr/local DESTDIR=
#   make DEVELOPER=1     warnings are errors
#   make SANITIZE=1      ASan + UBSan
#   make BUILD=dir       put objects somewhere else (parallel work trees)

PKG_CONFIG ?= pkg-config
CC ?= cc
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share/gpuvirt
MANDIR ?= $(PREFIX)/share/man
BUILD ?= build

PKGS := ncursesw libpci libudev libkmod libmd libxml-2.0 json-c uuid
TEST_PKGS := check umockdev-1.0

CFLAGS ?= -O2 -g
BASE_CFLAGS := -std=gnu11 -Wall -Wextra -Wno-unused-parameter -fno-strict-aliasing
ifeq ($(DEVELOPER),1)
BASE_CFLAGS += -Werror -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wno-format-nonliteral
endif
ifeq ($(SANITIZE),1)
BASE_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
TEST_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

GV_VERSION := 0.1
ALL_CPPFLAGS := -I. -D_GNU_SOURCE -DGV_DATADIR='"$(DATADIR)"' -DGV_VERSION='"$(GV_VERSION)"' $(CPPFLAGS)
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS)

# Objects depend on the flags they were built with (DATADIR, SANITIZE,
# DEVELOPER...): `make install PREFIX=/usr` after a plain `make` rebuilds
# rather than install a binary that looks for its themes under /usr/local.
FLAGS_FILE := $(BUILD)/FLAGS
FLAGS_NOW := $(ALL_CPPFLAGS) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS)
ifneq ($(FLAGS_NOW),$(shell cat $(FLAGS_FILE) 2>/dev/null))
$(shell mkdir -p $(BUILD))
$(file >$(FLAGS_FILE),$(FLAGS_NOW))
endif

CORE_SRC := $(sort $(wildcard core/*.c core/*/*.c))
TUI_SRC := $(sort $(wildcard tui/*.c tui/*/*.c))
# The curses-free parts of the interface (theme files, pane layout, the
# wizard's draft edits, the line-mode commands' exit codes and options),
# unit-tested on their own.
UI_SRC := tui/theme.c tui/layout.c tui/wizdraft.c tui/cli/cli.c
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
# Every tests/tools/*.c is a program, except the kernel double (kmock.c), a
# preload library, and the virsh/qm stand-in (vmstub.c), a static program.
TOOL_SRC := $(sort $(filter-out tests/tools/kmock.c tests/tools/vmstub.c,$(wildcard tests/tools/*.c)))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
TUI_OBJ := $(TUI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
CORE_LIB := $(BUILD)/libgpuvirt-core.a
UI_OBJ := $(UI_SRC:%.c=$(BUILD)/%.o)
UI_LIB := $(BUILD)/libgpuvirt-ui.a
KMOCK_LIB := $(BUILD)/libgvkmock.so
VMSTUB := $(BUILD)/tools/vmstub

MAN_SRC := $(sort $(wildcard man/*.man))

all: gpuvirt gpuvirt.8

# The program is built in $(BUILD) (tests use that copy, so parallel work
# trees with their own BUILD never step on each other) and copied to the top.
gpuvirt: $(BUILD)/gpuvirt
	cp $< $@

$(BUILD)/gpuvirt: $(TUI_OBJ) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $(TUI_OBJ) $(CORE_LIB) $(PKG_LIBS)

# The man page is assembled from one fragment per capability (man/NN-name.man).
gpuvirt.8: $(MAN_SRC)
	cat $(MAN_SRC) > $@

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(UI_LIB): $(UI_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/testbed.h tests/unit/testroot.h $(CORE_LIB) $(UI_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(UI_LIB) $(CORE_LIB) \
		$(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(CORE_LIB) $(PKG_LIBS)

# The kernel double for sysfs writes in test beds, preloaded before umockdev's
# library (tests/lib.sh: kmock_run). Never linked into gpuvirt; built without
# the sanitizers, so that it loads into any program under test (dash, python3).
$(KMOCK_LIB): tests/tools/kmock.c $(FLAGS_FILE)
	$(CC) $(ALL_CPPFLAGS) $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(BASE_CFLAGS) $(CFLAGS)) \
		-fPIC -shared -o $@ $< -ldl

# virsh and qm for the commands apply runs in `chroot ROOT` (tests/cli/assign.sh):
# static, since a test's root has no libc; without the sanitizers, like kmock.
$(VMSTUB): tests/tools/vmstub.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(BASE_CFLAGS) $(CFLAGS)) \
		-static -o $@ $<

tests: $(BUILD)/gpuvirt $(UNIT_BIN) $(TOOL_BIN) $(KMOCK_LIB) $(VMSTUB)

check: tests
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) ./tests/run.sh

bench: $(BUILD)/gpuvirt $(TOOL_BIN)
	@for b in tests/bench/*.sh; do BUILD=$(BUILD) sh "$$b" || exit 1; done

# Every Debian package the build, the tests and the real-consumer checks need.
DEB_PKGS := build-essential pkg-config libncurses-dev libpci-dev pci.ids libudev-dev libkmod-dev \
	check libumockdev-dev umockdev tmux pciutils kmod bsdutils util-linux coreutils dash \
	ncurses-term python3 bc perl-base groff-base bsdextrautils strace xxd patch file diffutils \
	libmd-dev libxml2-dev procps libxml2-utils libvirt0 qemu-system-x86 sysfsutils libjson-c-dev uuid-dev mdevctl
deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (apt-get)" >&2; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PKGS)

install: gpuvirt gpuvirt.8
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/themes $(DESTDIR)$(MANDIR)/man8
	install -m 0755 gpuvirt $(DESTDIR)$(BINDIR)/gpuvirt
	install -m 0644 themes/*.theme $(DESTDIR)$(DATADIR)/themes/
	install -m 0644 gpuvirt.8 $(DESTDIR)$(MANDIR)/man8/gpuvirt.8

clean:
	rm -rf $(BUILD) gpuvirt gpuvirt.8

.PHONY: all tests check bench deps install clean
.DELETE_ON_ERROR:

-include $(CORE_OBJ:.o=.d) $(TUI_OBJ:.o=.d)

# ---- fuzzing (tests/fuzz/README.md) ----
#   make fuzz [FUZZ_SECONDS=60]   each libFuzzer harness for that long (clang)
# The harnesses are also linked with tests/fuzz/replay.c, with this build's
# compiler and flags, and `make check` feeds them every corpus file.
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_SRC := $(sort $(filter-out tests/fuzz/replay.c,$(wildcard tests/fuzz/*.c)))
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay-%)
FUZZ_BIN := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz-%)

$(BUILD)/fuzz/replay-%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(CORE_LIB) $(UI_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(UI_LIB) $(CORE_LIB) $(PKG_LIBS)

$(BUILD)/fuzz/fuzz-%: tests/fuzz/%.c tests/fuzz/fuzz.h $(CORE_LIB) $(UI_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(UI_LIB) $(CORE_LIB) $(PKG_LIBS)

tests: $(FUZZ_REPLAY)

# The libraries again, instrumented, in their own build directory: the
# normal build is left as it is.
fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz: needs $(FUZZ_CC) with libFuzzer (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" SANITIZE= DEVELOPER= fuzz-build
	@BUILD=$(FUZZ_BUILD) tests/fuzz/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-build: $(FUZZ_BIN)

.PHONY: fuzz fuzz-build
