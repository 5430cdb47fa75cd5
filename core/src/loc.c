/* SPDX-License-Identifier: MIT */
/* Segment names and paths: /dev/shm/PREFIX.NAME, or a file path.
 *
 * Named segments are plain files in the namespace directory /dev/shm, opened
 * with open(2) and O_NOFOLLOW (what shm_open does), so one code path serves
 * both backends and a symbolic link is never followed. The prefix is "ash."
 * unless the environment variable ASH_SHM_PREFIX names another one (tests
 * use it to keep their segments, listings and gc runs to themselves). */
#include <dirent.h>
#include <stdio.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define ASH__PREFIX_MAX 32

static char ash__prefix[ASH__PREFIX_MAX + 1] = ASH_SHM_PREFIX;
static size_t ash__prefix_len = sizeof ASH_SHM_PREFIX - 1;
static pthread_once_t ash__prefix_once = PTHREAD_ONCE_INIT;

/* A prefix must be a valid name start and may not hold '/'; anything else in
 * the variable is ignored (the default stays). */
static void ash__prefix_init(void) {
  const char *p = getenv("ASH_SHM_PREFIX");
  if (p == NULL || p[0] == '\0')
    return;
  size_t n = strlen(p);
  if (n > ASH__PREFIX_MAX || p[0] == '.' || p[0] == '-')
    return;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return;
  }
  memcpy(ash__prefix, p, n + 1);
  ash__prefix_len = n;
}

const char *ash__shm_dir(void) { return "/dev/shm"; }

const char *ash__shm_prefix(void) {
  pthread_once(&ash__prefix_once, ash__prefix_init);
  return ash__prefix;
}

int ash__loc_make(const char *name, unsigned flags, struct ash__loc *l) {
  l->backend = ASH__BACKEND_SHM;
  l->name = l->path;
  l->path[0] = '\0';
  if (name == NULL)
    return ash__err(ASH_E_INVAL, "segment name is NULL");
  size_t n = strlen(name);
  if (flags & ASH_FILE) {
    if (n == 0)
      return ash__err(ASH_E_NAME, "file path is empty");
    l->backend = ASH__BACKEND_FILE;
    size_t at = 0;
    if (name[0] != '/') {
      if (getcwd(l->path, sizeof l->path) == NULL)
        return ash__syserr(errno, "getcwd for", name);
      at = strlen(l->path);
      if (at > 1)
        l->path[at++] = '/';
      else
        at = 1; /* cwd is "/" */
    }
    if (at + n >= sizeof l->path)
      return ash__err(ASH_E_NAME, "file path \"%.60s...\" is longer than %d bytes",
                      name, (int)sizeof l->path - 1);
    memcpy(l->path + at, name, n + 1);
    return ASH_OK;
  }
  int r = ash__name_check(name, 0);
  if (r)
    return r;
  const char *pre = ash__shm_prefix();
  const char *dir = ash__shm_dir();
  size_t dn = strlen(dir);
  /* dir + '/' + prefix + name: at most 8 + 1 + 32 + 200 bytes */
  memcpy(l->path, dir, dn);
  l->path[dn] = '/';
  memcpy(l->path + dn + 1, pre, ash__prefix_len);
  memcpy(l->path + dn + 1 + ash__prefix_len, name, n + 1);
  l->name = l->path + dn + 1 + ash__prefix_len;
  return ASH_OK;
}

int ash__loc_open(const struct ash__loc *l, int oflag) {
  int fd;
  do
    fd = open(l->path, oflag | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0);
  while (fd < 0 && errno == EINTR);
  return fd;
}

int ash__loc_unlink(const struct ash__loc *l) { return unlink(l->path); }

int ash__open_error(const struct ash__loc *l, int e) {
  if (e == ENOENT)
    return ash__err(ASH_E_NOENT, "open \"%s\": no such segment", l->name);
  if (e == ELOOP)
    return ash__err(ASH_E_CORRUPT,
                    "open \"%s\": the name is a symbolic link, not a segment "
                    "(links are never followed; `arrayshare rm` removes it)",
                    l->name);
  if (e == EACCES || e == EPERM) {
    struct stat st;
    if (lstat(l->path, &st) == 0)
      return ash__err(ASH_E_PERM,
                      "open \"%s\": permission denied (owner uid %u, mode "
                      "%04o; you are uid %u)",
                      l->name, (unsigned)st.st_uid,
                      (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
  }
  return ash__syserr(e, "open", l->name);
}

/* ---- the name lock ------------------------------------------------------
 * Giving a segment its name and taking it away (create's linkat, unlink,
 * the last attacher's or gc's removal) happen under a lock, so that "is
 * the name still this segment? then unlink it" cannot remove a segment
 * re-created under the name in between. The lock is flock(2) on the
 * namespace directory itself (/dev/shm): every user can take it, the
 * kernel drops it when its holder dies, and it leaves no file behind. It
 * serializes renaming across the namespace (a few microseconds each; opens
 * and attaches never take it). A process serializes its own threads with a
 * mutex (they share the description). Waits are bounded: a holder that
 * stalls for 2 s makes the operation fail with ASH_E_BUSY instead of
 * hanging. File-backend names are not locked. */

static pthread_mutex_t ash__names_mu = PTHREAD_MUTEX_INITIALIZER;
static int ash__names_fd = -1;
static pthread_once_t ash__names_once = PTHREAD_ONCE_INIT;

static void ash__names_child(void) {
  pthread_mutex_init(&ash__names_mu, NULL);
  if (ash__names_fd >= 0)
    close(ash__names_fd); /* the parent's description: reopen our own */
  ash__names_fd = -1;
}
static void ash__names_register(void) {
  pthread_atfork(NULL, NULL, ash__names_child);
}

int ash__name_lock(const struct ash__loc *l) {
  if (l->backend != ASH__BACKEND_SHM)
    return ASH_OK;
  pthread_once(&ash__names_once, ash__names_register);
  pthread_mutex_lock(&ash__names_mu);
  if (ash__names_fd < 0)
    ash__names_fd =
        open(ash__shm_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ash__names_fd < 0) { /* cannot open the directory: proceed unlocked */
    pthread_mutex_unlock(&ash__names_mu);
    return ASH_OK;
  }
  for (long wait_us = 20, spent = 0;; spent += wait_us, wait_us *= 2) {
    if (flock(ash__names_fd, LOCK_EX | LOCK_NB) == 0)
      return ASH_OK; /* the mutex stays held until ash__name_unlock */
    if ((errno != EWOULDBLOCK && errno != EINTR) || spent > 2000000) {
      pthread_mutex_unlock(&ash__names_mu);
      return ash__err(ASH_E_BUSY,
                      "segment \"%s\": another process has held the "
                      "namespace lock of %s for 2 s",
                      l->name, ash__shm_dir());
    }
    struct timespec ts = {0, (wait_us > 20000 ? 20000 : wait_us) * 1000};
    nanosleep(&ts, NULL);
  }
}

void ash__name_unlock(const struct ash__loc *l) {
  if (l->backend != ASH__BACKEND_SHM || ash__names_fd < 0)
    return;
  (void)flock(ash__names_fd, LOCK_UN);
  pthread_mutex_unlock(&ash__names_mu);
}

int ash__scan_names(int (*fn)(const char *name, void *ctx), void *ctx,
                    bool tmp) {
  DIR *d = opendir(ash__shm_dir());
  if (d == NULL)
    return ash__syserr(errno, "list", ash__shm_dir());
  const char *pre = ash__shm_prefix();
  int r = 0;
  struct dirent *e;
  while (r == 0 && (e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, pre, ash__prefix_len) != 0)
      continue;
    const char *name = e->d_name + ash__prefix_len;
    if (tmp ? strncmp(name, ".tmp-", 5) != 0 : ash__name_check(name, 0) != ASH_OK)
      continue;
    r = fn(tmp ? e->d_name : name, ctx);
  }
  closedir(d);
  return r;
}
