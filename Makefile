# secconn: per-role TLS and authentication policy for PostgreSQL
MODULE_big = secconn
OBJS = \
	src/secconn.o \
	src/guc.o \
	src/policy.o \
	src/cipher.o \
	src/label.o \
	src/catalog.o \
	src/facts.o \
	src/evaluate.o \
	src/hook.o \
	src/guard.o \
	src/policycache.o \
	src/shmem.o \
	src/views.o \
	src/certs.o \
	src/report.o \
	src/words.o
PGFILEDESC = "secconn - per-role TLS and authentication policy"

EXTENSION = secconn
DATA = $(wildcard secconn--*.sql)

# pg_regress suites run in a throwaway instance with secconn preloaded
REGRESS = policy_labels views hostile
REGRESS_OPTS = --temp-instance=tmp_check_regress \
	--temp-config=$(srcdir)/test/regress.conf

TAP_TESTS = 1
PROVE_TESTS = test/*.pl

SHLIB_LINK += -lssl -lcrypto
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild every object when a header changes
$(OBJS): $(wildcard $(srcdir)/src/*.h)

# after the include: Makefile.global resets PROVE_FLAGS
PROVE_FLAGS = -I $(srcdir)/test
