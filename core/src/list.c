/* SPDX-License-Identifier: MIT */
/* Listing this library's segments and reaping dead ones. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

struct ash_list {
  int count;
  char **names;
};

static int ash__cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

ash_status ash_list_segments(ash_list **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output list pointer is NULL");
  *out = NULL;
  DIR *d = opendir(ash__shm_dir());
  if (d == NULL)
    return ash__syserr(errno, "list", ash__shm_dir());
  ash_list *l = calloc(1, sizeof *l);
  int cap = 0;
  size_t plen = strlen(ASH_SHM_PREFIX);
  struct dirent *e;
  while (l && (e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, ASH_SHM_PREFIX, plen) != 0)
      continue;
    const char *name = e->d_name + plen;
    if (ash__name_check(name, 0) != ASH_OK)
      continue;
    if (l->count == cap) {
      cap = cap ? cap * 2 : 16;
      char **t = realloc(l->names, sizeof(char *) * (size_t)cap);
      if (t == NULL)
        break;
      l->names = t;
    }
    l->names[l->count] = strdup(name);
    if (l->names[l->count] == NULL)
      break;
    l->count++;
  }
  bool oom = l == NULL || e != NULL;
  closedir(d);
  if (oom) {
    ash_list_free(l);
    return ash__err(ASH_E_NOMEM, "out of memory listing segments");
  }
  if (l->count > 1)
    qsort(l->names, (size_t)l->count, sizeof(char *), ash__cmp);
  *out = l;
  return ASH_OK;
}

int ash_list_count(const ash_list *l) { return l ? l->count : 0; }

const char *ash_list_name(const ash_list *l, int index) {
  if (l == NULL || index < 0 || index >= l->count)
    return NULL;
  return l->names[index];
}

void ash_list_free(ash_list *l) {
  if (l == NULL)
    return;
  for (int i = 0; i < l->count; i++)
    free(l->names[i]);
  free(l->names);
  free(l);
}

/* Seconds after which a segment with no header yet counts as abandoned. */
#define ASH__ABANDONED_S 10

int ash__gc_one(const char *name, int *reaped); /* segment.c */

ash_status ash_gc(int *reaped) {
  if (reaped)
    *reaped = 0;
  ash_list *l;
  int r = ash_list_segments(&l);
  if (r)
    return r;
  int n = 0;
  for (int i = 0; i < ash_list_count(l); i++)
    (void)ash__gc_one(ash_list_name(l, i), &n);
  ash_list_free(l);
  if (reaped)
    *reaped = n;
  return ASH_OK;
}
