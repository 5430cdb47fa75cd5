/* The part of Criterion's API that common.h and test-threads.c use, for the
 * ThreadSanitizer build (-DASH_TSAN=ON) only. Criterion itself cannot run
 * under ThreadSanitizer: its BoxFort arena is mapped at an address the TSan
 * runtime reserves ("criterion: Could not initialize inheritable arena:
 * Resource temporarily unavailable", Snaipe/Criterion#274). So the same
 * test source is compiled against this header instead: tests run one after
 * another in one process, in the order they are defined; the first failed
 * assertion prints its message, runs the suite's .fini and exits 1. */
#ifndef ASH_CRITERION_LITE_H
#define ASH_CRITERION_LITE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct crl_suite {
  void (*init)(void);
  void (*fini)(void);
};

struct crl_opts {
  bool disabled;
};

struct crl_test {
  const char *suite, *name;
  void (*fn)(void);
  const struct crl_suite *s;
  bool disabled;
};

#define CRL_MAX_TESTS 64
static struct crl_test crl_tests_[CRL_MAX_TESTS];
static int crl_ntests_;
static const struct crl_test *crl_current_;

static __attribute__((unused)) void crl_register(const char *suite,
                                                 const char *name,
                                                 void (*fn)(void),
                                                 const struct crl_suite *s,
                                                 struct crl_opts o) {
  if (crl_ntests_ == CRL_MAX_TESTS) {
    fprintf(stderr, "criterion-lite: more than %d tests\n", CRL_MAX_TESTS);
    exit(2);
  }
  crl_tests_[crl_ntests_++] = (struct crl_test){suite, name, fn, s, o.disabled};
}

static __attribute__((noreturn, format(printf, 4, 5), unused)) void
crl_fail(const char *file, int line, const char *expr, const char *fmt, ...) {
  char msg[1024] = "";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *m = msg + 1; /* after the glued " " */
  fprintf(stderr, "[FAIL] %s::%s: %s:%d: %s%s%s\n",
          crl_current_ ? crl_current_->suite : "?",
          crl_current_ ? crl_current_->name : "?", file, line, expr,
          m[0] ? ": " : "", m);
  if (crl_current_ && crl_current_->s->fini)
    crl_current_->s->fini();
  exit(1);
}

#define TestSuite(suite, ...)                                                 \
  static const struct crl_suite crl_suite_##suite = {__VA_ARGS__}

#define Test(suite, name, ...)                                                \
  static void crl_fn_##suite##_##name(void);                                  \
  __attribute__((constructor)) static void crl_reg_##suite##_##name(void) {   \
    crl_register(#suite, #name, crl_fn_##suite##_##name, &crl_suite_##suite,  \
                 (struct crl_opts){__VA_ARGS__});                             \
  }                                                                           \
  static void crl_fn_##suite##_##name(void)

/* The message arguments are optional, as in Criterion: " " is the whole
 * format, or is glued in front of the given one (and skipped when
 * printed). */
#define cr_assert(cond, ...)                                                  \
  do {                                                                        \
    if (!(cond))                                                              \
      crl_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__);                    \
  } while (0)
#define cr_expect cr_assert
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_null(p, ...) cr_assert((p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_expect_neq cr_assert_neq
#define cr_expect_null cr_assert_null
#define cr_assert_fail(...) crl_fail(__FILE__, __LINE__, "failed", " " __VA_ARGS__)
#define cr_log_warn(...)                                                      \
  do {                                                                        \
    fprintf(stderr, "[WARN] ");                                               \
    fprintf(stderr, __VA_ARGS__);                                             \
    fputc('\n', stderr);                                                      \
  } while (0)

/* Command-line options meant for Criterion (--jobs, --short-filename) are
 * ignored. */
int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  int run = 0;
  for (int i = 0; i < crl_ntests_; i++) {
    const struct crl_test *t = &crl_tests_[i];
    if (t->disabled)
      continue;
    crl_current_ = t;
    if (t->s->init)
      t->s->init();
    t->fn();
    if (t->s->fini)
      t->s->fini();
    fprintf(stderr, "[PASS] %s::%s\n", t->suite, t->name);
    run++;
  }
  fprintf(stderr, "[====] Synthesis: Tested: %d | Passing: %d | Failing: 0\n",
          run, run);
  return 0;
}

#endif
