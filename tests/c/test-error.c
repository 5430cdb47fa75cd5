/* SPDX-License-Identifier: MIT */
/* Status codes, ash_strerror / ash_err_name, the thread-local last error,
 * and the compile-time / run-time versions. */
#include "common.h"

#include <limits.h>
#include <pthread.h>

TestSuite(error, .fini = t_fini);

struct code_entry {
  int value;
  const char *name;
  const char *msg;
};

#define T_CODE_ENTRY(suffix, value, msg) {value, #suffix, msg},
static const struct code_entry codes[] = {ASH_ERRNO_MAP(T_CODE_ENTRY)};
#undef T_CODE_ENTRY
#define NCODES ((int)(sizeof codes / sizeof codes[0]))

TEST(error, strerror_every_code) {
  cr_assert_eq(NCODES, 32, "ASH_ERRNO_MAP has %d codes", NCODES);
  for (int i = 0; i < NCODES; i++) {
    const char *m = ash_strerror(codes[i].value);
    cr_assert_not_null(m, "strerror(%d) is NULL", codes[i].value);
    cr_assert_str_eq(m, codes[i].msg, "strerror(%d)", codes[i].value);
  }
}

TEST(error, err_name_every_code) {
  for (int i = 0; i < NCODES; i++) {
    const char *n = ash_err_name(codes[i].value);
    cr_assert_not_null(n, "err_name(%d) is NULL", codes[i].value);
    cr_assert_str_eq(n, codes[i].name, "err_name(%d)", codes[i].value);
  }
}

TEST(error, codes_in_reserved_range_and_distinct) {
  for (int i = 0; i < NCODES; i++) {
    cr_assert(codes[i].value >= -1999 && codes[i].value <= -1000, "%s = %d",
              codes[i].name, codes[i].value);
    for (int j = 0; j < i; j++)
      cr_assert_neq(codes[i].value, codes[j].value);
  }
  /* Append-only values that bindings rely on. */
  cr_assert_eq(ASH_E_INVAL, -1001);
  cr_assert_eq(ASH_E_NOENT, -1004);
  cr_assert_eq(ASH_E_AXIS, -1022);
  cr_assert_eq(ASH_E_OVERLAP, -1025);
  cr_assert_eq(ASH_E_TIMEOUT, -1026);
  cr_assert_eq(ASH_E_OVERRUN, -1032);
  cr_assert_eq(ASH_OK, 0);
}

TEST(error, success_and_unknown_codes) {
  cr_assert_str_eq(ash_strerror(0), "success");
  cr_assert_str_eq(ash_err_name(0), "OK");
  const int unknown[] = {1,     -1,    5,     -999,    -1000,   -1033,
                         -1500, -1999, -2000, INT_MIN, INT_MAX, ASH_E_FIRST_};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    const char *m = ash_strerror(unknown[i]);
    const char *n = ash_err_name(unknown[i]);
    cr_assert_not_null(m);
    cr_assert_not_null(n);
    cr_assert_str_eq(m, "unknown error", "strerror(%d)", unknown[i]);
    cr_assert_str_eq(n, "UNKNOWN", "err_name(%d)", unknown[i]);
  }
}

static void *fresh_thread(void *arg) {
  int *res = arg;
  const char *d = ash_last_error();
  res[0] = d != NULL && d[0] == '\0';
  res[1] = ash_last_error_code();
  /* fail here; the main thread must not see it */
  res[2] = ash_name_check("bad name!", 0);
  res[3] = ash_last_error_code();
  d = ash_last_error();
  res[4] = d != NULL && d[0] != '\0';
  return NULL;
}

TEST(error, last_error_empty_before_any_failure) {
  /* A fresh test process has made no call yet. */
  const char *d = ash_last_error();
  cr_assert_not_null(d);
  cr_assert_str_eq(d, "");
  cr_assert_eq(ash_last_error_code(), 0);
}

TEST(error, last_error_is_thread_local) {
  ASSERT_ERR(ash_name_check("a/b", 0), ASH_E_NAME);
  cr_assert_eq(ash_last_error_code(), ASH_E_NAME);

  int res[5] = {0, -1, 0, 0, 0};
  pthread_t th;
  cr_assert_eq(pthread_create(&th, NULL, fresh_thread, res), 0);
  pthread_join(th, NULL);
  cr_assert(res[0], "a new thread must see an empty last error");
  cr_assert_eq(res[1], 0, "a new thread must see code 0, got %d", res[1]);
  cr_assert_eq(res[2], ASH_E_NAME);
  cr_assert_eq(res[3], ASH_E_NAME);
  cr_assert(res[4], "detail set in the thread");

  /* The other thread's failure did not touch ours. */
  cr_assert_eq(ash_last_error_code(), ASH_E_NAME);
  cr_assert(strchr(ash_last_error(), '/') != NULL,
            "detail should still name 'a/b', got \"%s\"", ash_last_error());
}

TEST(error, last_error_detail_names_value) {
  ASSERT_ERR(ash_name_check("a/b", 0), ASH_E_NAME);
  const char *d = ash_last_error();
  cr_assert(d[0] != '\0');
  cr_assert(strchr(d, '/') != NULL, "detail \"%s\" should name '/'", d);

  ASSERT_ERR(ash_dtype_parse("float128", &(int){0}), ASH_E_DTYPE);
  cr_assert_eq(ash_last_error_code(), ASH_E_DTYPE);
  cr_assert(strstr(ash_last_error(), "float128") != NULL,
            "detail \"%s\" should quote the dtype", ash_last_error());

  TNAME(name);
  ash_segment *seg = (ash_segment *)&seg;
  ASSERT_ERR(ash_segment_open(name, 0, &seg), ASH_E_NOENT);
  cr_assert_null(seg, "out must be NULL on failure");
  cr_assert_eq(ash_last_error_code(), ASH_E_NOENT);
  cr_assert(strstr(ash_last_error(), name) != NULL,
            "detail \"%s\" should name the segment %s", ash_last_error(), name);
}

TEST(error, last_error_survives_success) {
  ASSERT_ERR(ash_name_check("", 0), ASH_E_NAME);
  ASSERT_OK(ash_name_check("good", 0));
  /* "the status of the last failed call": a success does not reset it */
  cr_assert_eq(ash_last_error_code(), ASH_E_NAME);
  ASSERT_ERR(ash_name_check(NULL, 0), ASH_E_INVAL);
  cr_assert_eq(ash_last_error_code(), ASH_E_INVAL);
  cr_assert(ash_last_error()[0] != '\0');
}

TEST(error, version_runtime_matches_header) {
  cr_assert_eq(ash_version(), (unsigned)ASH_VERSION_HEX);
  cr_assert_eq((unsigned)ASH_VERSION_HEX,
               (unsigned)((ASH_VERSION_MAJOR << 16) | (ASH_VERSION_MINOR << 8) |
                          ASH_VERSION_PATCH));
  const char *s = ash_version_string();
  cr_assert_not_null(s);
  cr_assert_str_eq(s, ASH_VERSION_STRING);
  char buf[64];
  snprintf(buf, sizeof buf, "%d.%d.%d", ASH_VERSION_MAJOR, ASH_VERSION_MINOR,
           ASH_VERSION_PATCH);
  cr_assert_str_eq(ASH_VERSION_STRING, buf);
  unsigned v = ash_version();
  snprintf(buf, sizeof buf, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
  cr_assert_str_eq(s, buf);
}

TEST(error, version_from_project) {
  /* The one version source is the top-level CMakeLists.txt. */
  cr_assert_str_eq(ASH_VERSION_STRING, ASH_TEST_PROJECT_VERSION);
  cr_assert_str_eq(ash_version_string(), ASH_TEST_PROJECT_VERSION);
  cr_assert_eq(ASH_FORMAT_MAJOR, 1);
  cr_assert_eq(ASH_FORMAT_MINOR, 1);
}
