/* SPDX-License-Identifier: MIT */
/* nocriterion.h - the few Criterion macros the C tests use, for the builds
 * in which Criterion cannot run: under ThreadSanitizer its sandbox cannot map
 * its arena beside TSan's shadow memory ("Could not initialize inheritable
 * arena", Snaipe/Criterion#274). common.h includes this instead of
 * <criterion/criterion.h> when ASH_TEST_NO_CRITERION is defined.
 *
 * As with Criterion, each test runs in a process of its own: the program
 * re-executes itself with "--run SUITE::NAME" (exec, not fork, so that the
 * sanitizer starts afresh). Suite options (.fini, ...) are ignored. */
#ifndef ASH_NOCRITERION_H
#define ASH_NOCRITERION_H

#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef void (*t_nc_fn)(void);

static struct {
  const char *suite, *name;
  t_nc_fn fn;
} t_nc_tests[128];
static int t_nc_count;

static void t_nc_register(const char *suite, const char *name, t_nc_fn fn) {
  if (t_nc_count < (int)(sizeof t_nc_tests / sizeof t_nc_tests[0])) {
    t_nc_tests[t_nc_count].suite = suite;
    t_nc_tests[t_nc_count].name = name;
    t_nc_tests[t_nc_count++].fn = fn;
  }
}

__attribute__((format(printf, 4, 5), noreturn, unused)) static void
t_nc_fail(const char *file, int line, const char *expr, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s:%d: assertion failed: %s:", file, line, expr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

#define TestSuite(...)
#define Test(suite, name, ...)                                                 \
  static void suite##_##name(void);                                            \
  __attribute__((constructor)) static void t_nc_reg_##suite##_##name(void) {   \
    t_nc_register(#suite, #name, suite##_##name);                              \
  }                                                                            \
  static void suite##_##name(void)

/* The message arguments, when given, start with a string literal. */
#define cr_assert(cond, ...)                                                   \
  do {                                                                         \
    if (!(cond))                                                               \
      t_nc_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__);                   \
  } while (0)
#define cr_assert_fail(...)                                                    \
  t_nc_fail(__FILE__, __LINE__, "fail", " " __VA_ARGS__)
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...) cr_assert((a) >= (b), __VA_ARGS__)
#define cr_assert_null(p, ...) cr_assert((p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...)                                            \
  cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_assert_float_eq(a, b, eps, ...)                                     \
  cr_assert(fabs((double)(a) - (double)(b)) <= (eps), __VA_ARGS__)
#define cr_log_warn(...)                                                       \
  (fprintf(stderr, "warning: " __VA_ARGS__), fputc('\n', stderr))

extern char **environ;

int main(int argc, char **argv) {
  char full[256];
  if (argc == 3 && strcmp(argv[1], "--run") == 0) {
    for (int i = 0; i < t_nc_count; i++) {
      snprintf(full, sizeof full, "%s::%s", t_nc_tests[i].suite,
               t_nc_tests[i].name);
      if (strcmp(full, argv[2]) == 0) {
        t_nc_tests[i].fn();
        return 0;
      }
    }
    fprintf(stderr, "no test %s\n", argv[2]);
    return 2;
  }
  int failed = 0;
  for (int i = 0; i < t_nc_count; i++) {
    snprintf(full, sizeof full, "%s::%s", t_nc_tests[i].suite,
             t_nc_tests[i].name);
    char *args[] = {argv[0], (char *)"--run", full, NULL};
    pid_t pid;
    int st = 0;
    fflush(NULL);
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ) != 0 ||
        waitpid(pid, &st, 0) < 0)
      st = -1;
    bool ok = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    printf("[%s] %s\n", ok ? "PASS" : "FAIL", full);
    failed += !ok;
  }
  printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d\n",
         t_nc_count, t_nc_count - failed, failed);
  return failed ? 1 : 0;
}

#endif
