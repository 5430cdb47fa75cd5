/* SPDX-License-Identifier: MIT */
/* Names, process identity, time and checked arithmetic. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

unsigned ash_version(void) { return ASH_VERSION_HEX; }

const char *ash_version_string(void) { return ASH_VERSION_STRING; }

static bool ash__name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

int ash__name_check(const char *name, int is_array) {
  const char *what = is_array ? "array name" : "name";
  size_t max = is_array ? ASH_ARRAY_NAME_MAX : ASH_NAME_MAX;
  if (name == NULL)
    return ash__err(ASH_E_INVAL, "%s is NULL", what);
  size_t n = strlen(name);
  if (n == 0)
    return ash__err(ASH_E_NAME, "%s is empty", what);
  if (n > max)
    return ash__err(ASH_E_NAME, "%s \"%.40s...\": %zu characters, at most %zu",
                    what, name, n, max);
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!ash__name_char(c)) {
      if (c >= 0x20 && c < 0x7f)
        return ash__err(
            ASH_E_NAME,
            "%s \"%s\": '%c' is not allowed (use A-Z a-z 0-9 _ . -)", what,
            name, c);
      return ash__err(ASH_E_NAME,
                      "%s: byte 0x%02x at position %zu is not allowed "
                      "(use A-Z a-z 0-9 _ . -)",
                      what, (unsigned char)c, i);
    }
  }
  if (name[0] == '.' || name[0] == '-')
    return ash__err(ASH_E_NAME, "%s \"%s\": must not start with '%c'", what,
                    name, name[0]);
  return ASH_OK;
}

ash_status ash_name_check(const char *name, int is_array) {
  return ash__name_check(name, is_array);
}

/* Field 22 of /proc/PID/stat: the start time in clock ticks since boot,
 * recorded beside the pid in attach slots for display (liveness itself comes
 * from the slot locks). 0 when unknown. */
static uint64_t ash__proc_start(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* the name may hold spaces and ')' */
  if (p == NULL)
    return 0;
  p++;
  /* p is at the space before field 3; starttime is field 22, 19 fields on */
  for (int field = 3; field < 22 && *p; field++) {
    p = strchr(p + 1, ' ');
    if (p == NULL)
      return 0;
  }
  return strtoull(p + 1, NULL, 10);
}

/* getpid() is a system call in current glibc; the open and close paths need
 * it several times, so it is cached and reset in fork children. */
static pid_t ash__pid_cache;
static pthread_once_t ash__pid_once = PTHREAD_ONCE_INIT;

static void ash__pid_reset(void) {
  __atomic_store_n(&ash__pid_cache, 0, __ATOMIC_RELAXED);
}

static void ash__pid_init(void) { pthread_atfork(NULL, NULL, ash__pid_reset); }

pid_t ash__getpid(void) {
  pid_t p = __atomic_load_n(&ash__pid_cache, __ATOMIC_RELAXED);
  if (p == 0) {
    pthread_once(&ash__pid_once, ash__pid_init);
    p = getpid();
    __atomic_store_n(&ash__pid_cache, p, __ATOMIC_RELAXED);
  }
  return p;
}

static _Thread_local pid_t ash__self_pid;
static _Thread_local uint64_t ash__self_start_v;

uint64_t ash__self_start(void) {
  pid_t me = ash__getpid();
  if (ash__self_pid != me) {
    ash__self_start_v = ash__proc_start(me);
    ash__self_pid = me;
  }
  return ash__self_start_v;
}

int64_t ash__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool ash__mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}

bool ash__add_u64(uint64_t a, uint64_t b, uint64_t *out) {
  return !__builtin_add_overflow(a, b, out);
}

uint64_t ash__round_up(uint64_t v, uint64_t align) {
  return (v + align - 1) / align * align;
}

int ash__shape_nbytes(int dtype, int ndim, const int64_t *shape,
                      uint64_t *nbytes, int64_t *count) {
  if (!ash__dtype_valid(dtype))
    return ash__err(ASH_E_DTYPE, "dtype %d is not a valid ash_dtype", dtype);
  if (ndim < 0 || ndim > ASH_MAX_NDIM)
    return ash__err(ASH_E_SHAPE, "ndim %d: must be 0 to %d", ndim,
                    ASH_MAX_NDIM);
  if (ndim > 0 && shape == NULL)
    return ash__err(ASH_E_INVAL, "shape is NULL with ndim %d", ndim);
  uint64_t n = 1;
  bool overflow = false;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0)
      return ash__err(ASH_E_SHAPE, "shape[%d] = %lld: dimensions must be >= 0",
                      i, (long long)shape[i]);
    if (!ash__mul_u64(n, (uint64_t)shape[i], &n))
      overflow = true;
  }
  /* A zero dimension makes the product 0 even after an overflowed partial. */
  for (int i = 0; i < ndim; i++)
    if (shape[i] == 0) {
      n = 0;
      overflow = false;
    }
  uint64_t bytes;
  if (overflow || !ash__mul_u64(n, ash_dtype_itemsize(dtype), &bytes) ||
      bytes > ASH__MAX_BYTES) {
    char buf[256];
    size_t off = 0;
    for (int i = 0; i < ndim && off < sizeof buf - 32; i++)
      off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%lld",
                              i ? "," : "", (long long)shape[i]);
    buf[off] = '\0';
    return ash__err(ASH_E_OVERFLOW,
                    "shape (%s) of %s: byte size overflows (limit 2^62 bytes)",
                    buf, ash_dtype_name(dtype));
  }
  if (nbytes)
    *nbytes = bytes;
  if (count)
    *count = (int64_t)n;
  return ASH_OK;
}

/* ---- a growable string ------------------------------------------------- */

void ash__sb_add(struct ash__sb *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = (b->cap ? b->cap * 2 : 128);
    while (cap < b->n + n + 1)
      cap *= 2;
    char *t = realloc(b->s, cap);
    if (t == NULL) {
      b->oom = true;
      return;
    }
    b->s = t;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

void ash__sb_str(struct ash__sb *b, const char *s) {
  ash__sb_add(b, s, strlen(s));
}

void ash__sb_fill(struct ash__sb *b, char c, int n) {
  for (int i = 0; i < n; i++)
    ash__sb_add(b, &c, 1);
}

/* Copies @src into @dst of @cap bytes, cut to fit, always terminated (what
 * snprintf(dst, cap, "%s", src) does, without the formatting machinery). */
void ash__copy_str(char *dst, const char *src, size_t cap) {
  size_t n = strnlen(src, cap - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* "/proc/self/fd/@fd" into @buf (at least 32 bytes); returns @buf. */
char *ash__proc_fd_path(char *buf, int fd) {
  static const char pre[] = "/proc/self/fd/";
  char digits[16];
  int n = 0;
  unsigned v = (unsigned)fd;
  do
    digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  memcpy(buf, pre, sizeof pre - 1);
  for (int i = 0; i < n; i++)
    buf[sizeof pre - 1 + i] = digits[n - 1 - i];
  buf[sizeof pre - 1 + n] = '\0';
  return buf;
}

int64_t ash__shape_count(int ndim, const int64_t *shape) {
  uint64_t n = 1;
  for (int i = 0; i < ndim; i++)
    if (shape[i] == 0)
      return 0;
  for (int i = 0; i < ndim; i++)
    n *= (uint64_t)shape[i]; /* unsigned: bounded by the caller, never UB */
  return (int64_t)n;
}

int64_t ash__c_strides(int ndim, const int64_t *shape, int64_t itemsize,
                       int64_t *strides) {
  /* One pass, unsigned: a 0 dimension makes the product 0 whatever wrapped
   * before it; without one, the caller has bounded the product. */
  uint64_t n = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    strides[i] = (int64_t)(n * (uint64_t)itemsize);
    n *= (uint64_t)shape[i];
  }
  if (n == 0)
    for (int i = 0; i < ndim; i++)
      strides[i] = 0;
  return (int64_t)n;
}
