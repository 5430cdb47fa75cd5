/* SPDX-License-Identifier: MIT */
/* shim-linkat.c - an LD_PRELOAD library that makes linkat(AT_EMPTY_PATH)
 * fail with ENOENT, as kernels before 6.10 do for a process without
 * CAP_DAC_READ_SEARCH, and counts what it saw (linkat-fallback.c reads the
 * counters). Every other linkat goes to the C library's. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int ash_shim_refused, ash_shim_passed;

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
           int flags) {
  static int (*real)(int, const char *, int, const char *, int);
  if (flags & AT_EMPTY_PATH) {
    __atomic_add_fetch(&ash_shim_refused, 1, __ATOMIC_RELAXED);
    errno = ENOENT;
    return -1;
  }
  if (real == NULL)
    *(void **)&real = dlsym(RTLD_NEXT, "linkat");
  __atomic_add_fetch(&ash_shim_passed, 1, __ATOMIC_RELAXED);
  return real(olddirfd, oldpath, newdirfd, newpath, flags);
}
