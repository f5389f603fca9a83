/* sigfs mount: watching SOURCE with inotify (watch.h). */
#include "watch.h"

#include "mount.h"

#if defined(__linux__) && SIGFS_FUSE3
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "load.h"
#include "notify.h"

#define WATCH_MAX   8192	    /* directories watched at most */
#define WATCH_SLOTS (2 * WATCH_MAX) /* open-addressing table of wd -> rel */
#define TREE_MAX    4096	    /* .sig paths invalidated per changed subject */

static struct {
	int fd, stopfd[2];
	pthread_t thread;
	pthread_mutex_t lock;
	int running;
	size_t n;
	struct slot {
		int wd; /* 0: empty */
		char *rel;
	} slots[WATCH_SLOTS];
} w = {.fd = -1, .stopfd = {-1, -1}, .lock = PTHREAD_MUTEX_INITIALIZER};

static struct slot *slot_of(int wd, int insert)
{
	size_t h = (size_t)wd * 2654435761u % WATCH_SLOTS;
	for (size_t i = 0; i < WATCH_SLOTS; i++) { /* bounded by the table */
		struct slot *s = &w.slots[(h + i) % WATCH_SLOTS];
		if (s->wd == wd || (s->wd <= 0 && insert))
			return s;
		if (s->wd == 0)
			return NULL;
	}
	return NULL;
}

void watch_dir(const char *rel, int dirfd)
{
	char proc[64];
	if (!w.running)
		return;
	pthread_mutex_lock(&w.lock);
	int full = w.n >= WATCH_MAX;
	pthread_mutex_unlock(&w.lock);
	if (full)
		return;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", dirfd);
	int wd = inotify_add_watch(w.fd, proc,
				   IN_ONLYDIR | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM |
				       IN_MOVED_TO | IN_CREATE | IN_DELETE);
	if (wd <= 0)
		return; /* ENOSPC (the user's watch limit) and the like: open/read still catch changes */
	char *r = strdup(rel);
	if (!r)
		return;
	pthread_mutex_lock(&w.lock);
	struct slot *s = slot_of(wd, 0);
	if (!s)
		s = slot_of(wd, 1);
	if (s && s->wd == wd) {
		free(s->rel); /* watched before: the path may have changed */
		s->rel = r;
	} else if (s) {
		s->wd = wd;
		s->rel = r;
		w.n++;
	} else {
		free(r);
	}
	pthread_mutex_unlock(&w.lock);
}

struct walk {
	char path[PATH_MAX]; /* FUSE path: "/dir/F.sig" then "/sub/path" */
	size_t base;	     /* strlen("/dir/F.sig") */
	size_t len;
	const sigfs_subject *s;
	size_t budget; /* TREE_MAX */
};

static int walk_cb(void *arg, const char *name, int node)
{
	struct walk *k = arg;
	size_t len = k->len, nl = strlen(name);
	if (k->budget == 0 || len + 1 + nl >= sizeof k->path)
		return 0;
	k->budget--;
	k->path[len] = '/';
	memcpy(k->path + len + 1, name, nl + 1);
	notify_path(k->path);
	if ((node & SIGFS_NODE_KIND_MASK) == SIGFS_NODE_DIR) {
		/* the tree is a few levels deep; TREE_MAX bounds the calls */
		k->len = len + 1 + nl;
		(void)sigfs_tree_list(k->s, k->path + k->base + 1, walk_cb, k);
		k->len = len;
	}
	k->path[len] = '\0';
	return 0;
}

/* SOURCE entry `name` of directory `dir` changed: its inode, its parent's,
 * and (when `deep`) every file of its .sig tree as the current version has
 * them (a name only the old version had fails at open, never serves old
 * bytes). */
static void changed(const char *dir, const char *name, int deep)
{
	struct walk k;
	int n = snprintf(k.path, sizeof k.path, "/%s%s%s", dir, *dir ? "/" : "", name);
	if (n < 0 || (size_t)n + g.suffix_len >= sizeof k.path)
		return;
	notify_path(k.path);
	if (!deep)
		return;
	struct stat st;
	struct sfc_file *lf;
	const char *rel = k.path + 1;
	if (sigfs_fstree_lstat(g.tree, rel, &st) != 0 || probe_entry(rel, &st, -1) == SIGFS_KIND_NONE ||
	    load_subject(rel, &st, &lf) != 0) {
		memcpy(k.path + n, g.suffix, g.suffix_len + 1);
		notify_path(k.path); /* no .sig any more (or not now) */
		return;
	}
	memcpy(k.path + n, g.suffix, g.suffix_len + 1);
	k.base = k.len = (size_t)n + g.suffix_len;
	k.s = lf->s;
	k.budget = TREE_MAX;
	notify_path(k.path);
	(void)sigfs_tree_list(lf->s, "", walk_cb, &k);
	sfc_file_unref(lf);
}

static void *watcher(void *arg)
{
	/* inotify's own alignment: events are read whole into this buffer */
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd pf[2] = {{w.fd, POLLIN, 0}, {w.stopfd[0], POLLIN, 0}};
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		ssize_t n = read(w.fd, buf, sizeof buf);
		if (n <= 0)
			continue;
		for (char *p = buf; p < buf + n;) { /* bounded by n */
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			char dir[PATH_MAX];
			pthread_mutex_lock(&w.lock);
			struct slot *s = ev->wd > 0 ? slot_of(ev->wd, 0) : NULL;
			int have = s && snprintf(dir, sizeof dir, "%s", s->rel) < (int)sizeof dir;
			if (s && (ev->mask & IN_IGNORED)) {
				free(s->rel); /* the directory went away */
				s->rel = NULL;
				s->wd = -1; /* a tombstone keeps probing chains intact */
				w.n--;
			}
			pthread_mutex_unlock(&w.lock);
			if (!have || !ev->len || (ev->mask & IN_IGNORED))
				continue;
			/* a write in progress: the inode only; the whole tree once it is done */
			changed(dir, ev->name, !(ev->mask & IN_MODIFY));
			if (ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)) {
				char d[PATH_MAX + 1];
				snprintf(d, sizeof d, "/%s", dir);
				notify_path(d); /* link count, mtime */
			}
		}
	}
	return NULL;
}

void watch_start(void)
{
	if (g.cache_mode == CACHE_NEVER)
		return; /* nothing is cached to invalidate */
	w.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w.fd < 0)
		return;
	if (pipe(w.stopfd) < 0) {
		close(w.fd);
		w.fd = -1;
		return;
	}
	if (pthread_create(&w.thread, NULL, watcher, NULL) != 0) {
		close(w.fd);
		close(w.stopfd[0]);
		close(w.stopfd[1]);
		w.fd = w.stopfd[0] = w.stopfd[1] = -1;
		return;
	}
	w.running = 1;
}

void watch_stop(void)
{
	if (!w.running)
		return;
	w.running = 0;
	(void)!write(w.stopfd[1], "", 1);
	pthread_join(w.thread, NULL);
	close(w.fd);
	close(w.stopfd[0]);
	close(w.stopfd[1]);
	for (size_t i = 0; i < WATCH_SLOTS; i++)
		free(w.slots[i].rel);
}
#else
void watch_start(void)
{
}

void watch_stop(void)
{
}

void watch_dir(const char *rel, int dirfd)
{
	(void)rel;
	(void)dirfd;
}
#endif
