/* SPDX-License-Identifier: MIT */
/* ash_list_segments: our names, sorted, only ash.* entries; NULL-safe frees. */
#include "common.h"

TestSuite(list, .fini = t_fini);

static int find(const ash_list *l, const char *name) {
  for (int i = 0; i < ash_list_count(l); i++)
    if (strcmp(ash_list_name(l, i), name) == 0)
      return i;
  return -1;
}

TEST(list, lists_our_segments_sorted) {
  char base[64], n[3][80];
  t_name(base);
  /* created out of order */
  const char *suffix[3] = {"_c", "_a", "_b"};
  ash_segment *seg[3];
  for (int i = 0; i < 3; i++) {
    snprintf(n[i], sizeof n[i], "%s%s", base, suffix[i]);
    ASSERT_OK(ash_segment_create(n[i], 64, 1, ASH_PERSIST, 0600, &seg[i]));
  }
  /* things that are not ours: no ash. prefix, or a different prefix */
  char other[300], other2[300];
  snprintf(other, sizeof other, "/dev/shm/%s_notash", base);
  snprintf(other2, sizeof other2, "/dev/shm/ashx.%s_x", base);
  int fd = open(other, O_CREAT | O_WRONLY, 0600);
  cr_assert_geq(fd, 0);
  close(fd);
  fd = open(other2, O_CREAT | O_WRONLY, 0600);
  cr_assert_geq(fd, 0);
  close(fd);

  ash_list *l = NULL;
  ASSERT_OK(ash_list_segments(&l));
  cr_assert_not_null(l);
  int count = ash_list_count(l);
  cr_assert_geq(count, 3);
  int ia = find(l, n[1]), ib = find(l, n[2]), ic = find(l, n[0]);
  cr_assert(ia >= 0 && ib >= 0 && ic >= 0, "our segments are listed");
  cr_assert(ia < ib && ib < ic, "sorted by name");
  for (int i = 0; i < count; i++) {
    const char *s = ash_list_name(l, i);
    cr_assert_not_null(s);
    cr_assert(strncmp(s, ASH_SHM_PREFIX, strlen(ASH_SHM_PREFIX)) != 0,
              "\"%s\": the prefix is removed", s);
    cr_assert(strstr(s, "_notash") == NULL, "\"%s\" is not ours", s);
    cr_assert(strstr(s, "_x") == NULL || strncmp(s, base, strlen(base)),
              "\"%s\" is not ours", s);
    if (i > 0)
      cr_assert_lt(strcmp(ash_list_name(l, i - 1), s), 0, "\"%s\" then \"%s\"",
                   ash_list_name(l, i - 1), s);
  }
  cr_assert_null(ash_list_name(l, count));
  cr_assert_null(ash_list_name(l, -1));
  ash_list_free(l);

  for (int i = 0; i < 3; i++) {
    ash_segment_close(seg[i]);
    ASSERT_OK(ash_unlink(n[i], 0));
  }
  unlink(other);
  unlink(other2);

  ASSERT_OK(ash_list_segments(&l));
  for (int i = 0; i < 3; i++)
    cr_assert_eq(find(l, n[i]), -1, "%s still listed after unlink", n[i]);
  ash_list_free(l);
}

TEST(list, counts_follow_creation) {
  ash_list *l = NULL;
  ASSERT_OK(ash_list_segments(&l));
  TNAME(name);
  cr_assert_eq(find(l, name), -1);
  ash_list_free(l);
  ash_view *v = NULL;
  ASSERT_OK(ash_create(name, ASH_UINT8, 1, (int64_t[]){4}, 0, 0600, &v));
  ASSERT_OK(ash_list_segments(&l));
  cr_assert_geq(find(l, name), 0);
  ash_list_free(l);
  ash_view_release(v);
  ASSERT_OK(ash_list_segments(&l));
  cr_assert_eq(find(l, name), -1, "auto segment gone after its last view");
  ash_list_free(l);
}

TEST(list, null_safe_frees) {
  ash_list_free(NULL);
  ash_segment_close(NULL);
  ash_view_release(NULL);
  /* a real list freed twice would crash under ASan; free one once */
  ash_list *l = NULL;
  ASSERT_OK(ash_list_segments(&l));
  cr_assert_not_null(l);
  ash_list_free(l);
}
