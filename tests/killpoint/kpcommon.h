/* SPDX-License-Identifier: MIT */
/* Helpers shared by the kill-point driver and the torture run. */
#ifndef KP_COMMON_H
#define KP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The /dev/shm prefix of this run ("kp<pid>."), exported as ASH_SHM_PREFIX
 * before the library is used, so that listings and gc see only this run's
 * segments and every file of the run is found by kp_leftovers(). */
const char *kp_prefix_init(const char *tag);
const char *kp_prefix(void);
/* /dev/shm/<prefix><name> */
void kp_path(const char *name, char *out, size_t cap);

/* Every /dev/shm entry of this run (name after "/dev/shm/"), one per
 * call of @fn; returns how many. With @remove they are unlinked too. */
int kp_leftovers(void (*fn)(const char *file, void *ctx), void *ctx,
                 bool remove);

/* The value of element @i of a pattern seeded by @seed. */
static inline uint64_t kp_pattern(uint64_t seed, uint64_t i) {
  uint64_t x = seed * UINT64_C(0x9E3779B97F4A7C15) + i * UINT64_C(0xD1B54A32D192ED03) + 1;
  x ^= x >> 29;
  return x;
}

int64_t kp_now_ns(void);
void kp_sleep_us(long us);

/* Closes every descriptor >= 3 except those listed (a child keeps only
 * its own pipes). */
void kp_close_fds_except(const int *keep, int nkeep);

/* Reads lines from a pipe with a timeout. */
struct kp_lines {
  int fd;
  size_t n;
  char buf[16384];
};
void kp_lines_init(struct kp_lines *l, int fd);
/* 1: a line in @out (without the newline); 0: end of file; -1: timeout. */
int kp_line(struct kp_lines *l, char *out, size_t cap, int timeout_ms);
/* Writes a whole formatted line (adds the newline). */
void kp_say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Waits for @pid for up to @timeout_ms. 1 and *status when it ended, 0 on
 * timeout (the process is left running). */
int kp_wait(pid_t pid, int *status, int timeout_ms);
/* SIGKILLs @pid and reaps it. */
void kp_kill_wait(pid_t pid);

/* Prints where a stuck process is (kernel wait channel, system call and,
 * with @gdb and gdb installed, the user stacks of its threads) to stdout,
 * each line prefixed with @indent. */
void kp_dump_stack(pid_t pid, bool gdb, const char *indent);

#endif
