/* sigfs mount: invalidating the kernel's caches from one thread (notify.h). */
#include "notify.h"

#include "compat.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdint.h>

#if SIGFS_FUSE3
#define QLEN 256 /* queued paths at most; the oldest is dropped past that */

struct item {
	char *path;
	int *flag; /* a waiter's "done", or NULL */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	struct fuse *fuse;
	struct item q[QLEN];
	size_t head, n;
	int *current; /* the flag of the path being invalidated now */
	int running, stop;
} nq = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *notifier(void *arg)
{
	pthread_mutex_lock(&nq.lock);
	for (;;) {
		while (!nq.n && !nq.stop)
			pthread_cond_wait(&nq.cond, &nq.lock);
		if (nq.stop)
			break;
		struct item it = nq.q[nq.head];
		nq.head = (nq.head + 1) % QLEN;
		nq.n--;
		nq.current = it.flag;
		pthread_mutex_unlock(&nq.lock);
		(void)fuse_invalidate_path(nq.fuse, it.path); /* -ENOENT: the kernel holds nothing */
		free(it.path);
		pthread_mutex_lock(&nq.lock);
		if (nq.current) /* NULL when its waiter gave up */
			*nq.current = 1;
		nq.current = NULL;
		pthread_cond_broadcast(&nq.cond);
	}
	pthread_mutex_unlock(&nq.lock);
	return NULL;
}

void notify_start(void)
{
	struct fuse_context *c = fuse_get_context();
	nq.fuse = c ? c->fuse : NULL;
	if (nq.fuse && pthread_create(&nq.thread, NULL, notifier, NULL) == 0)
		nq.running = 1;
}

void notify_stop(void)
{
	if (!nq.running)
		return;
	pthread_mutex_lock(&nq.lock);
	nq.stop = 1;
	pthread_cond_broadcast(&nq.cond);
	pthread_mutex_unlock(&nq.lock);
	pthread_join(nq.thread, NULL);
	nq.running = 0;
	for (; nq.n; nq.n--, nq.head = (nq.head + 1) % QLEN)
		free(nq.q[nq.head].path);
}

/* Queue `path`: at the tail, or (a waiter, `flag` set) at the head, so an
 * open waits for its own notice, not for a burst of watch events. */
static void enqueue(const char *path, int *flag, int wait_ms)
{
	if (!nq.running)
		return;
	char *p = strdup(path);
	if (!p)
		return; /* the handle uses direct I/O: a missed notice costs staleness only */
	pthread_mutex_lock(&nq.lock);
	if (nq.n == QLEN) { /* drop the oldest (a waiter's flag: it times out) */
		size_t last = (nq.head + nq.n - 1) % QLEN;
		size_t victim = flag ? last : nq.head;
		free(nq.q[victim].path);
		if (victim == nq.head)
			nq.head = (nq.head + 1) % QLEN;
		nq.n--;
	}
	if (flag) {
		nq.head = (nq.head + QLEN - 1) % QLEN;
		nq.q[nq.head] = (struct item){p, flag};
	} else {
		nq.q[(nq.head + nq.n) % QLEN] = (struct item){p, NULL};
	}
	nq.n++;
	pthread_cond_broadcast(&nq.cond);
	if (flag) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)wait_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		while (!*flag && !nq.stop && pthread_cond_timedwait(&nq.cond, &nq.lock, &until) == 0)
			;     /* bounded by the deadline */
		if (!*flag) { /* gave up: nobody may write to `flag` any more */
			if (nq.current == flag)
				nq.current = NULL;
			for (size_t i = 0; i < nq.n; i++)
				if (nq.q[(nq.head + i) % QLEN].flag == flag)
					nq.q[(nq.head + i) % QLEN].flag = NULL;
		}
	}
	pthread_mutex_unlock(&nq.lock);
}

void notify_path(const char *path)
{
	enqueue(path, NULL, 0);
}

void notify_path_wait(const char *path, int wait_ms)
{
	int done = 0;
	enqueue(path, &done, wait_ms);
}
#else
void notify_start(void)
{
}

void notify_stop(void)
{
}

void notify_path(const char *path)
{
	(void)path;
}

void notify_path_wait(const char *path, int wait_ms)
{
	(void)path;
	(void)wait_ms;
}
#endif
