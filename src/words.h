/*-------------------------------------------------------------------------
 *
 * words.h
 *		Lists of names written out for messages (words.c).  palloc only, so
 *		that the parser and the cipher code stay fuzzable.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SECCONN_WORDS_H
#define SECCONN_WORDS_H

/* "a, b and c" (or with "sep" between all, when last is NULL); palloc'd. */
extern char *secconn_join_words(const char *const *words, int n,
								const char *sep, const char *last);

#endif							/* SECCONN_WORDS_H */
