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
	src/standby.o \
	src/shmem.o \
	src/views.o \
	src/certs.o \
	src/report.o \
	src/words.o
PGFILEDESC = "secconn - per-role TLS and authentication policy"

EXTENSION = secconn
DATA = $(wildcard secconn--*.sql)

# pg_regress suites run in a throwaway instance with secconn preloaded
REGRESS = policy_labels views hostile cipher_lists
REGRESS_OPTS = --temp-instance=tmp_check_regress \
	--temp-config=$(srcdir)/test/regress.conf

TAP_TESTS = 1
PROVE_TESTS = test/*.pl

SHLIB_LINK += -lssl -lcrypto
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Header dependencies: each header with the headers it includes, then each
# object with the headers its .c file includes (PGXS tracks none itself).
policy_h = src/policy.h
facts_h = src/facts.h $(policy_h)
evaluate_h = src/evaluate.h $(facts_h) $(policy_h)
catalog_h = src/catalog.h $(evaluate_h)
certs_h = src/certs.h $(facts_h)
cipher_h = src/cipher.h
compat_h = src/compat.h
guard_h = src/guard.h
guc_h = src/guc.h $(policy_h)
hook_h = src/hook.h
label_h = src/label.h $(policy_h)
policycache_h = src/policycache.h
shmem_h = src/shmem.h $(facts_h) $(policy_h)
report_h = src/report.h $(evaluate_h) $(facts_h) $(shmem_h)
standby_h = src/standby.h
words_h = src/words.h

src/secconn.o: $(guard_h) $(guc_h) $(hook_h) $(label_h) $(policycache_h) $(shmem_h) $(standby_h)
src/guc.o: $(compat_h) $(guc_h)
src/policy.o: $(cipher_h) $(compat_h) $(policy_h) $(words_h)
src/cipher.o: $(cipher_h) $(policy_h) $(words_h)
src/label.o: $(label_h) $(policycache_h) $(standby_h)
src/catalog.o: $(catalog_h) $(guc_h) $(label_h)
src/facts.o: $(catalog_h) $(certs_h) $(cipher_h) $(compat_h) $(facts_h)
src/evaluate.o: $(cipher_h) $(evaluate_h)
src/hook.o: $(catalog_h) $(certs_h) $(evaluate_h) $(facts_h) $(guc_h) $(hook_h) $(policycache_h) $(report_h) $(shmem_h)
src/guard.o: $(catalog_h) $(compat_h) $(guard_h) $(label_h) $(policycache_h)
src/policycache.o: $(evaluate_h) $(facts_h) $(policycache_h) $(standby_h)
src/standby.o: $(policycache_h) $(standby_h)
src/shmem.o: $(compat_h) $(guc_h) $(policycache_h) $(shmem_h) $(standby_h)
src/views.o: $(catalog_h) $(cipher_h) $(evaluate_h) $(facts_h) $(guc_h) $(label_h) $(shmem_h)
src/certs.o: $(certs_h) $(compat_h) $(guc_h) $(shmem_h)
src/report.o: $(catalog_h) $(report_h)
src/words.o: $(words_h)

# after the include: Makefile.global resets PROVE_FLAGS
PROVE_FLAGS = -I $(srcdir)/test
