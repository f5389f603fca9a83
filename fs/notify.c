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

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	struct fuse *fuse;
	char *q[QLEN];
	size_t head, n;
	uint64_t queued, done; /* paths ever queued, ever handled (or dropped) */
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
		char *p = nq.q[nq.head];
		nq.head = (nq.head + 1) % QLEN;
		nq.n--;
		pthread_mutex_unlock(&nq.lock);
		(void)fuse_invalidate_path(nq.fuse, p); /* -ENOENT: the kernel holds nothing */
		free(p);
		pthread_mutex_lock(&nq.lock);
		nq.done++;
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
	pthread_cond_signal(&nq.cond);
	pthread_mutex_unlock(&nq.lock);
	pthread_join(nq.thread, NULL);
	nq.running = 0;
	for (; nq.n; nq.n--, nq.head = (nq.head + 1) % QLEN)
		free(nq.q[nq.head]);
}

static void enqueue(const char *path, int wait_ms)
{
	if (!nq.running)
		return;
	char *p = strdup(path);
	if (!p)
		return; /* the handle uses direct I/O: a missed notice costs staleness only */
	pthread_mutex_lock(&nq.lock);
	if (nq.n == QLEN) {
		free(nq.q[nq.head]);
		nq.head = (nq.head + 1) % QLEN;
		nq.n--;
		nq.done++;
	}
	nq.q[(nq.head + nq.n) % QLEN] = p;
	nq.n++;
	uint64_t mine = ++nq.queued;
	pthread_cond_broadcast(&nq.cond);
	if (wait_ms > 0) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)wait_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		while (nq.done < mine && !nq.stop && pthread_cond_timedwait(&nq.cond, &nq.lock, &until) == 0)
			; /* bounded by the deadline */
	}
	pthread_mutex_unlock(&nq.lock);
}

void notify_path(const char *path)
{
	enqueue(path, 0);
}

void notify_path_wait(const char *path, int wait_ms)
{
	enqueue(path, wait_ms);
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
