/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: names and dtypes. The input, as a C string, goes
 * through ash_name_check (segment and array names) and ash_dtype_parse;
 * what they accept must really follow the documented rules, and what they
 * refuse must come with a detail message. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static void check_name(const char *s, int is_array) {
  int rc = ash_name_check(s, is_array);
  size_t n = strlen(s), max = is_array ? ASH_ARRAY_NAME_MAX : ASH_NAME_MAX;
  int valid = n >= 1 && n <= max && s[0] != '.' && s[0] != '-';
  for (size_t i = 0; valid && i < n; i++)
    valid = name_char(s[i]);
  FZ_REQUIRE((rc == ASH_OK) == valid, "name \"%s\" (array %d): %s", s, is_array,
             ash_err_name(rc));
  if (rc != ASH_OK) {
    FZ_REQUIRE(rc == ASH_E_NAME, "status %s", ash_err_name(rc));
    FZ_REQUIRE(ash_last_error()[0] != '\0', "no detail");
  }
}

static void check_dtype(const char *s) {
  int dt = -1;
  int rc = ash_dtype_parse(s, &dt);
  if (rc != ASH_OK) {
    FZ_REQUIRE(rc == ASH_E_DTYPE, "status %s", ash_err_name(rc));
    FZ_REQUIRE(dt == -1, "output written on failure");
    FZ_REQUIRE(ash_last_error()[0] != '\0', "no detail");
    return;
  }
  const char *name = ash_dtype_name(dt);
  FZ_REQUIRE(name != NULL && ash_dtype_itemsize(dt) >= 1 &&
                 ash_dtype_itemsize(dt) <= 16 && ash_dtype_format(dt) &&
                 ash_dtype_str(dt),
             "dtype %d from \"%s\"", dt, s);
  int again = -1; /* canonical spellings parse back to the same dtype */
  FZ_REQUIRE(ash_dtype_parse(name, &again) == ASH_OK && again == dt,
             "\"%s\" -> %s", s, name);
  FZ_REQUIRE(ash_dtype_parse(ash_dtype_str(dt), &again) == ASH_OK &&
                 again == dt,
             "\"%s\" -> %s", s, ash_dtype_str(dt));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096)
    return -1;
  char *s = malloc(size + 1);
  if (s == NULL)
    return 0;
  memcpy(s, data, size);
  s[size] = '\0'; /* an embedded NUL ends the string, as in C */
  check_name(s, 0);
  check_name(s, 1);
  check_dtype(s);
  int code = 0;
  memcpy(&code, data, size < sizeof code ? size : sizeof code);
  FZ_REQUIRE(ash_strerror(code) != NULL && ash_err_name(code) != NULL,
             "code %d", code);
  free(s);
  return 0;
}
