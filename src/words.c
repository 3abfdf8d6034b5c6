/*-------------------------------------------------------------------------
 *
 * words.c
 *		Lists of names written out for messages.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "words.h"

char *
secconn_join_words(const char *const *words, int n, const char *sep,
				   const char *last)
{
	size_t		size = 1;
	char	   *text;
	char	   *end;

	for (int i = 0; i < n; i++)
		size += strlen(words[i]) + strlen(sep) + (last ? strlen(last) : 0);
	text = palloc(size);
	end = text;
	*end = '\0';
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			end += sprintf(end, "%s", (last && i == n - 1) ? last : sep);
		end += sprintf(end, "%s", words[i]);
	}
	return text;
}
