/* SPDX-License-Identifier: MIT */
/* String lists (ash_list): names, each with an integer and a flag, made by
 * ash_list_segments(), ash_gc_match() and ash_segment_attacher_list(). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ash_list {
  int count, cap;
  char **names;
  int64_t *values;
  int *flags;
};

ash_list *ash__list_new(int cap) {
  ash_list *l = calloc(1, sizeof *l);
  if (l == NULL)
    return NULL;
  l->cap = cap > 0 ? cap : 0;
  if (l->cap) {
    l->names = malloc(sizeof(char *) * (size_t)l->cap);
    l->values = malloc(sizeof(int64_t) * (size_t)l->cap);
    l->flags = malloc(sizeof(int) * (size_t)l->cap);
    if (!l->names || !l->values || !l->flags) {
      ash_list_free(l);
      return NULL;
    }
  }
  return l;
}

int ash__list_push(ash_list *l, const char *name, int64_t value, int flag) {
  if (l->count == l->cap) {
    int cap = l->cap ? l->cap * 2 : 16;
    char **n = realloc(l->names, sizeof(char *) * (size_t)cap);
    if (n)
      l->names = n;
    int64_t *v = n ? realloc(l->values, sizeof(int64_t) * (size_t)cap) : NULL;
    if (v)
      l->values = v;
    int *f = v ? realloc(l->flags, sizeof(int) * (size_t)cap) : NULL;
    if (f)
      l->flags = f;
    if (f == NULL) {
      ash_list_free(l);
      return ASH_E_NOMEM;
    }
    l->cap = cap;
  }
  char *copy = strdup(name);
  if (copy == NULL) {
    ash_list_free(l);
    return ASH_E_NOMEM;
  }
  l->names[l->count] = copy;
  l->values[l->count] = value;
  l->flags[l->count] = flag;
  l->count++;
  return ASH_OK;
}

static int ash__cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts by name a list whose values and flags are all 0 (segment names). */
void ash__list_sort_names(ash_list *l) {
  if (l->count > 1)
    qsort(l->names, (size_t)l->count, sizeof(char *), ash__cmp);
}

int ash_list_count(const ash_list *l) { return l ? l->count : 0; }

const char *ash_list_name(const ash_list *l, int index) {
  if (l == NULL || index < 0 || index >= l->count)
    return NULL;
  return l->names[index];
}

int64_t ash_list_value(const ash_list *l, int index) {
  if (l == NULL || index < 0 || index >= l->count)
    return 0;
  return l->values[index];
}

int ash_list_flag(const ash_list *l, int index) {
  if (l == NULL || index < 0 || index >= l->count)
    return 0;
  return l->flags[index];
}

void ash_list_free(ash_list *l) {
  if (l == NULL)
    return;
  for (int i = 0; i < l->count; i++)
    free(l->names[i]);
  free(l->names);
  free(l->values);
  free(l->flags);
  free(l);
}
