# Tessera build. One non-recursive Makefile; objects under build/<mode>/.
#
#   make                 release build  -> build/tessera-server
#   make debug           -O0 -g3        -> build/debug/tessera-server
#   make sanitize        ASan + UBSan   -> build/sanitize/tessera-server
#   make test            unit tests (cmocka), release mode
#   make test-sanitize   unit tests under ASan + UBSan
#   make test-integration  real processes driven by redis-cli / go-redis
#   make check           layer + header checks + raw-malloc grep + unit tests
#   make bench           Tessera vs redis-server, same machine, same run
#   make bench-persist   full-sync time and BGSAVE peak memory vs redis-server
#   make bench-cluster   failover, resharding and a counter workload vs redis-server
#   make bench-docker    the Compose cluster's faults, Tessera image vs a redis-server image
#   make fuzz            libFuzzer targets (clang)
#   make docker          image tessera:latest, built offline (docker/Dockerfile)

MODE ?= release
CC ?= cc
WERROR ?= 1

BUILD ?= build/$(MODE)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wold-style-definition -Wformat=2 -Wundef -Wcast-qual -Wpointer-arith -Wvla \
        -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARN += -Werror
endif

CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -g -fno-omit-frame-pointer -Iinclude $(WARN) -MMD -MP
LDLIBS := -lev -llzf -lm

ifeq ($(MODE),release)
CFLAGS_MODE := -O2 -D_FORTIFY_SOURCE=2 -DUSE_JEMALLOC
LDLIBS += -ljemalloc
else ifeq ($(MODE),debug)
CFLAGS_MODE := -O0 -g3 -DUSE_JEMALLOC
LDLIBS += -ljemalloc
else ifeq ($(MODE),sanitize)
# The sanitize build uses libc malloc so ASan sees every allocation.
CFLAGS_MODE := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
$(error unknown MODE '$(MODE)': use release, debug or sanitize)
endif

CFLAGS := $(CFLAGS_BASE) $(CFLAGS_MODE) $(EXTRA_CFLAGS)

VERSION := $(shell cat VERSION)
GIT_SHA := $(shell git rev-parse --short=8 HEAD 2>/dev/null || echo 00000000)
CFLAGS += -DTESSERA_VERSION='"$(VERSION)"' -DTESSERA_GIT_SHA='"$(GIT_SHA)"'

LIB_SRC := $(sort $(wildcard src/base/*.c src/protocol/*.c src/data/*.c src/commands/*.c src/persist/*.c src/cluster/*.c src/server/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
LIB := $(BUILD)/libtessera.a
SERVER := $(BUILD)/tessera-server

TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_SUPPORT_SRC := $(wildcard tests/unit/support/*.c)
TEST_SUPPORT_OBJ := $(TEST_SUPPORT_SRC:%.c=$(BUILD)/%.o)

.SECONDARY: $(TEST_SUPPORT_OBJ)

.PHONY: all release debug sanitize test test-sanitize test-integration test-all check \
        check-layers check-headers check-malloc bench bench-persist bench-cluster bench-docker docker-reference fuzz clean run \
        docker

all: $(SERVER)
ifeq ($(MODE),release)
	@ln -sf release/tessera-server build/tessera-server
endif

release:
	$(MAKE) MODE=release
debug:
	$(MAKE) MODE=debug
sanitize:
	$(MAKE) MODE=sanitize

Q ?= @
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(SERVER): $(MAIN_OBJ) $(LIB)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(TEST_SUPPORT_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(TEST_SUPPORT_OBJ) $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka

test: $(TEST_BIN)
	@tests/scripts/run_unit.sh $(TEST_BIN)

test-sanitize:
	$(MAKE) MODE=sanitize test

test-integration: all
	tests/integration/run.sh

test-all:
	tests/scripts/run_all.sh

check: check-layers check-headers check-malloc test

check-layers:
	@tests/scripts/check_layers.sh

check-headers:
	@CC="$(CC)" tests/scripts/check_headers.sh

check-malloc:
	@tests/scripts/check_malloc.sh

bench: all
	tests/bench/bench.sh

bench-persist: all
	tests/bench/persist_bench.sh

bench-cluster: all
	tests/bench/cluster_bench.sh

bench-docker: docker-reference
	tests/bench/docker_bench.sh

fuzz:
	tests/fuzz/build.sh

# The image holds the release build whatever MODE is; nothing is pulled
# (FROM scratch plus a root filesystem assembled from this machine).
DOCKER_IMAGE ?= tessera
docker:
	$(MAKE) MODE=release
	docker/build-rootfs.sh build/docker
	DOCKER_BUILDKIT=0 docker build --build-arg VERSION=$(VERSION) \
		-t $(DOCKER_IMAGE):latest -t $(DOCKER_IMAGE):$(VERSION) build/docker
	@# The image this build replaced is left without a tag: drop such leftovers of ours.
	@docker image prune -f --filter label=org.opencontainers.image.title=Tessera >/dev/null
	@docker image ls $(DOCKER_IMAGE):latest

# The same image around Debian's redis-server, for tests/bench/docker_bench.sh.
docker-reference: docker
	REFERENCE_SERVER=$$(command -v redis-server) docker/build-rootfs.sh build/docker-reference
	DOCKER_BUILDKIT=0 docker build --build-arg VERSION=reference \
		-t $(DOCKER_IMAGE)-reference:redis build/docker-reference

run: all
	./build/tessera-server conf/tessera.conf

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_SUPPORT_OBJ:.o=.d)
