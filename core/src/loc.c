/* SPDX-License-Identifier: MIT */
/* Segment names and paths: /dev/shm/PREFIX.NAME, or a file path.
 *
 * Named segments are plain files in the namespace directory /dev/shm, opened
 * with open(2) and O_NOFOLLOW (what shm_open does), so one code path serves
 * both backends and a symbolic link is never followed. The prefix is "ash."
 * unless the environment variable ASH_SHM_PREFIX names another one (tests
 * use it to keep their segments, listings and gc runs to themselves). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
      return ash__err(ASH_E_NAME,
                      "file path \"%.60s...\" is longer than %d bytes", name,
                      (int)sizeof l->path - 1);
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
    if (tmp ? strncmp(name, ".tmp-", 5) != 0
            : ash__name_check(name, 0) != ASH_OK)
      continue;
    r = fn(tmp ? e->d_name : name, ctx);
  }
  closedir(d);
  return r;
}
