/* SPDX-License-Identifier: MIT */
/* Listing this library's segments and reaping dead ones.
 *
 * A segment of policy "auto" whose attachers all died has nobody left to
 * unlink it: the next process that looks removes it, whether it lists the
 * namespace, collects (ash_gc), or creates under the name. */
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct ash__gc_ctx {
  const char *glob;
  int mode;
  ash_list *out; /* names kept (list) or reaped (gc) */
  int reaped;
  int err;
};

static int ash__gc_visit(const char *name, void *vctx) {
  struct ash__gc_ctx *c = vctx;
  if (c->glob && fnmatch(c->glob, name, 0) != 0)
    return 0;
  int n = 0;
  (void)ash__reap_name(name, c->mode, &n);
  c->reaped += n;
  bool keep = c->mode == ASH__REAP_LIST ? n == 0 : n > 0;
  if (keep && c->out && ash__list_push(c->out, name, 0, 0) != ASH_OK) {
    c->out = NULL;
    c->err = ASH_E_NOMEM;
    return 1;
  }
  return 0;
}

/* A creation made without O_TMPFILE builds under PREFIX.tmp-PID-N while
 * holding the build byte; one whose byte is free was abandoned. gc removes
 * it holding the byte itself, so a builder that locks meanwhile fails to
 * and starts again under another name. */
static int ash__gc_tmp(const char *file, void *vctx) {
  (void)vctx;
  char path[512];
  snprintf(path, sizeof path, "%s/%s", ash__shm_dir(), file);
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return 0;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      ash__lockop(fd, F_WRLCK, ASH__BUILD_OFFSET, 1, false) == 0) {
    unlink(path);
    (void)ash__lockop(fd, F_UNLCK, ASH__BUILD_OFFSET, 1, false);
  }
  close(fd);
  return 0;
}

static int ash__gc_run(const char *glob, int mode, ash_list **out, int *count) {
  struct ash__gc_ctx c = {glob, mode, NULL, 0, ASH_OK};
  if (out) {
    *out = NULL;
    c.out = ash__list_new(16);
    if (c.out == NULL)
      return ash__err(ASH_E_NOMEM, "out of memory");
  }
  if (mode == ASH__REAP_GC)
    (void)ash__scan_names(ash__gc_tmp, NULL, true);
  int r = ash__scan_names(ash__gc_visit, &c, false);
  if (r == 1)
    r = ash__err(c.err, "out of memory listing segments");
  if (r) {
    ash_list_free(c.out);
    return r;
  }
  if (c.out)
    ash__list_sort_names(c.out);
  if (out)
    *out = c.out;
  if (count)
    *count = c.reaped;
  return ASH_OK;
}

ash_status ash_list_segments(ash_list **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output list pointer is NULL");
  return ash__gc_run(NULL, ASH__REAP_LIST, out, NULL);
}

ash_status ash_gc(int *reaped) {
  if (reaped)
    *reaped = 0;
  return ash__gc_run(NULL, ASH__REAP_GC, NULL, reaped);
}

ash_status ash_gc_match(const char *glob, unsigned flags, ash_list **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output list pointer is NULL");
  *out = NULL;
  if (flags & ~(unsigned)ASH_DRY_RUN)
    return ash__err(ASH_E_INVAL, "gc: flags 0x%x: only ASH_DRY_RUN is allowed",
                    flags);
  return ash__gc_run(glob, (flags & ASH_DRY_RUN) ? ASH__REAP_DRY : ASH__REAP_GC,
                     out, NULL);
}
