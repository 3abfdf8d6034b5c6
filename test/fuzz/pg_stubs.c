/*-------------------------------------------------------------------------
 *
 * pg_stubs.c
 *		Just enough of the backend for src/policy.c, evaluate.c and cipher.c to run
 *		outside a server, under libFuzzer and the sanitizers.
 *
 * Compiled against the real server headers (postgres.h), so every
 * prototype here is checked against the one the parser is compiled with.
 *
 * Memory: every palloc is its own malloc block, so AddressSanitizer puts
 * red zones around each chunk and sees overflows, use after pfree and
 * double pfree precisely (a real memory context would hide them inside its
 * blocks).  The blocks are chained, and stub_reset_memory() frees all that
 * are left after each input: that is the backend's memory context reset,
 * and keeps LeakSanitizer quiet about what the parser (rightly) does not
 * pfree.
 *
 * Anything that would reach the error machinery (ereport, elog, an
 * impossible allocation) aborts: policy.c promises never to ereport, so
 * getting there is a finding.
 *
 * String helpers (pg_strcasecmp, pg_strncasecmp, strlcpy) are written here
 * rather than taken from libpgport.a, so that they are instrumented too: an
 * out-of-bounds read the parser causes through them is caught.  The printf
 * family goes to glibc's, whose interceptors in AddressSanitizer check the
 * destination buffer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "utils/memutils.h"

#include "pg_stubs.h"

/* port.h maps these to pg_* names; here we want the C library's. */
#undef vsnprintf
#undef snprintf
#undef vsprintf
#undef sprintf
#undef vfprintf
#undef fprintf

/* Header in front of every palloc'd chunk; keeps the chunk MAXALIGNed. */
typedef union StubChunk
{
	struct
	{
		union StubChunk *prev;
		union StubChunk *next;
		Size		size;
	}			h;
	char		align[MAXALIGN(3 * sizeof(void *))];
} StubChunk;

static StubChunk *chunks = NULL;
static long live_chunks = 0;

MemoryContext CurrentMemoryContext = NULL;

pg_attribute_noreturn() static void
stub_die(const char *what)
{
	fprintf(stderr, "pg_stubs: %s\n", what);
	abort();
}

void *
palloc(Size size)
{
	StubChunk  *chunk;

	/* the backend refuses these with an ERROR; the parser must not ask */
	if (!AllocSizeIsValid(size))
		stub_die("invalid memory alloc request size");
	chunk = malloc(sizeof(StubChunk) + size);
	if (chunk == NULL)
		stub_die("out of memory");
	chunk->h.size = size;
	chunk->h.prev = NULL;
	chunk->h.next = chunks;
	if (chunks)
		chunks->h.prev = chunk;
	chunks = chunk;
	live_chunks++;
	return chunk + 1;
}

void *
palloc0(Size size)
{
	void	   *p = palloc(size);

	memset(p, 0, size);
	return p;
}

void *
palloc_extended(Size size, int flags)
{
	void	   *p = palloc(size);

	if (flags & MCXT_ALLOC_ZERO)
		memset(p, 0, size);
	return p;
}

void
pfree(void *pointer)
{
	StubChunk  *chunk;

	if (pointer == NULL)
		stub_die("pfree(NULL)");
	chunk = (StubChunk *) pointer - 1;
	if (chunk->h.prev)
		chunk->h.prev->h.next = chunk->h.next;
	else
		chunks = chunk->h.next;
	if (chunk->h.next)
		chunk->h.next->h.prev = chunk->h.prev;
	live_chunks--;
	free(chunk);
}

void *
repalloc(void *pointer, Size size)
{
	StubChunk  *old = (StubChunk *) pointer - 1;
	void	   *p = palloc(size);

	memcpy(p, pointer, Min(old->h.size, size));
	pfree(pointer);
	return p;
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return palloc(size);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return palloc0(size);
}

char *
MemoryContextStrdup(MemoryContext context, const char *string)
{
	return pstrdup(string);
}

char *
pstrdup(const char *in)
{
	size_t		len = strlen(in);
	char	   *out = palloc(len + 1);

	memcpy(out, in, len + 1);
	return out;
}

/* As the backend's: copies at most len bytes, stopping at a NUL. */
char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

size_t
pvsnprintf(char *buf, size_t len, const char *fmt, va_list args)
{
	int			n = vsnprintf(buf, len, fmt, args);

	if (n < 0)
		stub_die("vsnprintf failed");
	/* fits: the length; else the size needed, as psprintf.c returns */
	return (size_t) n < len ? (size_t) n : (size_t) n + 1;
}

char *
psprintf(const char *fmt,...)
{
	va_list		args;
	int			n;
	char	   *out;

	va_start(args, fmt);
	n = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	if (n < 0)
		stub_die("vsnprintf failed");
	out = palloc(n + 1);
	va_start(args, fmt);
	vsnprintf(out, n + 1, fmt, args);
	va_end(args);
	return out;
}

int
pg_vsnprintf(char *str, size_t count, const char *fmt, va_list args)
{
	return vsnprintf(str, count, fmt, args);
}

int
pg_snprintf(char *str, size_t count, const char *fmt,...)
{
	va_list		args;
	int			n;

	va_start(args, fmt);
	n = vsnprintf(str, count, fmt, args);
	va_end(args);
	return n;
}

int
pg_vsprintf(char *str, const char *fmt, va_list args)
{
	return vsprintf(str, fmt, args);
}

int
pg_sprintf(char *str, const char *fmt,...)
{
	va_list		args;
	int			n;

	va_start(args, fmt);
	n = vsprintf(str, fmt, args);
	va_end(args);
	return n;
}

int
pg_vfprintf(FILE *stream, const char *fmt, va_list args)
{
	return vfprintf(stream, fmt, args);
}

int
pg_fprintf(FILE *stream, const char *fmt,...)
{
	va_list		args;
	int			n;

	va_start(args, fmt);
	n = vfprintf(stream, fmt, args);
	va_end(args);
	return n;
}

/* Case folding as the backend's: ASCII always, high-bit bytes by locale. */
static unsigned char
fold(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch + ('a' - 'A');
	if (IS_HIGHBIT_SET(ch) && isupper(ch))
		return (unsigned char) tolower(ch);
	return ch;
}

int
pg_strcasecmp(const char *s1, const char *s2)
{
	return pg_strncasecmp(s1, s2, SIZE_MAX);
}

int
pg_strncasecmp(const char *s1, const char *s2, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		unsigned char c1 = fold((unsigned char) s1[i]);
		unsigned char c2 = fold((unsigned char) s2[i]);

		if (c1 != c2)
			return (int) c1 - (int) c2;
		if (c1 == '\0')
			break;
	}
	return 0;
}

unsigned char
pg_toupper(unsigned char ch)
{
	if (ch >= 'a' && ch <= 'z')
		return ch - ('a' - 'A');
	if (IS_HIGHBIT_SET(ch) && islower(ch))
		return (unsigned char) toupper(ch);
	return ch;
}

unsigned char
pg_tolower(unsigned char ch)
{
	return fold(ch);
}

size_t
strlcpy(char *dst, const char *src, size_t siz)
{
	size_t		len = strlen(src);

	if (siz > 0)
	{
		size_t		n = len < siz - 1 ? len : siz - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/*
 * The error machinery.  errstart says yes so that the message is formatted
 * and shown; errfinish then aborts whatever the level: the code under test
 * must not report at all.
 */
bool
errstart(int elevel, const char *domain)
{
	fprintf(stderr, "pg_stubs: ereport(level %d) reached:\n", elevel);
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	fprintf(stderr, "pg_stubs: ... at %s:%d (%s)\n", filename, lineno,
			funcname ? funcname : "?");
	abort();
}

static int
show_message(const char *kind, const char *fmt, va_list args)
{
	fprintf(stderr, "  %s: ", kind);
	vfprintf(stderr, fmt, args);
	fprintf(stderr, "\n");
	return 0;
}

int
errcode(int sqlerrcode)
{
	return 0;
}

#define SHOW(kind) \
	do { \
		va_list		args; \
		va_start(args, fmt); \
		show_message(kind, fmt, args); \
		va_end(args); \
	} while (0)

int
errmsg(const char *fmt,...)
{
	SHOW("message");
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	SHOW("message");
	return 0;
}

int
errdetail(const char *fmt,...)
{
	SHOW("detail");
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	SHOW("detail");
	return 0;
}

int
errhint(const char *fmt,...)
{
	SHOW("hint");
	return 0;
}

/* After each input: free what is left, as a memory context reset does. */
void
stub_reset_memory(void)
{
	while (chunks)
	{
		StubChunk  *next = chunks->h.next;

		free(chunks);
		chunks = next;
	}
	live_chunks = 0;
}

long
stub_live_chunks(void)
{
	return live_chunks;
}
