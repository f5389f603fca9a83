/* sigfs mount: open handles by path and process (opened.h). */
#include "opened.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define BUCKETS 1024 /* open handles spread by path hash; lists hold the rest */

static struct opened *bucket[BUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static size_t slot(const char *path)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a 64 */
	for (const char *p = path; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	return (size_t)(h % BUCKETS);
}

int opened_add(struct opened *o)
{
	if (!o->path)
		return -ENOMEM;
	size_t i = slot(o->path);
	pthread_mutex_lock(&lock);
	o->next = bucket[i]; /* newest first */
	bucket[i] = o;
	pthread_mutex_unlock(&lock);
	return 0;
}

void opened_remove(struct opened *o)
{
	if (!o->path)
		return;
	pthread_mutex_lock(&lock);
	for (struct opened **p = &bucket[slot(o->path)]; *p; p = &(*p)->next) /* bounded: open handles */
		if (*p == o) {
			*p = o->next;
			break;
		}
	pthread_mutex_unlock(&lock);
}

int opened_stat(const char *path, pid_t pid, struct stat *st)
{
	int found = 0, fd = -1;
	pthread_mutex_lock(&lock);
	for (struct opened *o = bucket[slot(path)]; o; o = o->next) /* bounded: open handles */
		if (o->pid == pid && strcmp(o->path, path) == 0) {
			found = 1;
			fd = o->fd;
			*st = o->st;
			break;
		}
	pthread_mutex_unlock(&lock);
	/* a mirrored file: its fd's stat now (outside the lock); the inode
	 * check guards against the fd number being closed and reused meanwhile */
	if (found && fd >= 0) {
		struct stat now;
		if (fstat(fd, &now) == 0 && now.st_ino == st->st_ino && now.st_dev == st->st_dev)
			*st = now;
	}
	return found;
}
