/* SPDX-License-Identifier: MIT */
/* bench_util.h - what the C benchmarks share: dying with a message (exit
 * runs the program's atexit cleanup) and checking a library call. */
#ifndef ASH_BENCH_UTIL_H
#define ASH_BENCH_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "arrayshare.h"

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt,
                                                                ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("bench: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(2); /* atexit: the program's cleanup */
}

#define CHECK_ASH(call)                                                        \
  do {                                                                         \
    ash_status st_ = (call);                                                   \
    if (st_ != ASH_OK)                                                         \
      die("%s:%d: %s -> %s (%s)", __FILE__, __LINE__, #call,                   \
          ash_err_name(st_), ash_last_error());                                \
  } while (0)

#endif
