/* SPDX-License-Identifier: MIT */
/* Kill-point shim, loaded with LD_PRELOAD (see README.md in this directory).
 *
 * It interposes the libc calls libarrayshare makes (check the list with
 * `nm -D libarrayshare.so.1 | grep ' U '`) and forwards them to the next
 * definition (dlsym(RTLD_NEXT)). While armed by the driver (killshim_arm,
 * found with dlsym(RTLD_DEFAULT)), it counts the calls made from inside
 * libarrayshare and, right before the n-th one, raises SIGKILL (or SIGSTOP,
 * for race reproducers that interleave processes step by step). Armed with
 * 0 it only counts, so the driver learns how many kill points an operation
 * has and (through the log) what each is.
 * Unarmed (the default, and in every process the driver does not arm) it is
 * a plain pass-through.
 *
 * Only calls whose return address lies in libarrayshare count: calls the
 * driver itself makes (or libc makes internally) never shift the points.
 * killshim_point() adds a point at a place of the driver's choosing (right
 * after the operation returned: a kill there is a crash between two
 * operations).
 *
 * A log (killshim_log) set by the driver in MAP_SHARED memory receives the
 * count and a description of every counted call before it is made, so the
 * parent learns the points of a child that never returns (one that calls
 * exit) and where a hung child is. The entry points are in shim.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define KS_EXPORT __attribute__((visibility("default")))

#include "shim.h"

static volatile long ks_armed = -1; /* -1 off, 0 count, n > 0: act at n */
static volatile int ks_stop;        /* act = SIGSTOP instead of SIGKILL */
static long ks_count;
static uintptr_t ks_lo, ks_hi; /* libarrayshare's mapped range */
static struct killshim_log *ks_log; /* shared with the driver, or NULL */

static int ks_find(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libarrayshare") == NULL)
    return 0;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD)
      continue;
    uintptr_t a = info->dlpi_addr + p->p_vaddr;
    if (a < lo)
      lo = a;
    if (a + p->p_memsz > hi)
      hi = a + p->p_memsz;
  }
  ks_lo = lo;
  ks_hi = hi;
  return 1;
}

KS_EXPORT int killshim_arm(long n) {
  if (ks_hi == 0)
    dl_iterate_phdr(ks_find, NULL);
  ks_count = 0;
  if (ks_log)
    ks_log->count = 0;
  ks_stop = 0;
  ks_armed = n;
  return ks_hi ? 0 : -1;
}

KS_EXPORT int killshim_arm_stop(long n) {
  int r = killshim_arm(n);
  ks_stop = 1;
  return r;
}

KS_EXPORT long killshim_disarm(void) {
  ks_armed = -1;
  return ks_count;
}

KS_EXPORT void killshim_log(struct killshim_log *log) { ks_log = log; }

static const char *ks_base(const char *p);
static struct killshim_ring *ks_ring;

KS_EXPORT void killshim_ring(struct killshim_ring *ring) {
  if (ks_hi == 0)
    dl_iterate_phdr(ks_find, NULL);
  ks_ring = ring;
}

/* Records a name change made by the library (see shim.h). */
static void ks_name_event(const void *ra, const char *what, const char *path,
                          int ok) {
  uintptr_t a = (uintptr_t)ra;
  if (ks_ring == NULL || (ks_hi && (a < ks_lo || a >= ks_hi)))
    return;
  int e = errno;
  unsigned long i = __atomic_fetch_add(&ks_ring->n, 1, __ATOMIC_RELAXED);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ks_ring->e[i % KILLSHIM_RING].ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
  ks_ring->e[i % KILLSHIM_RING].pid = (int)syscall(SYS_getpid);
  ks_ring->e[i % KILLSHIM_RING].ok = ok;
  snprintf(ks_ring->e[i % KILLSHIM_RING].desc, 48, "%s %s", what, ks_base(path));
  errno = e;
}

static void ks_hit(const void *ra, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void ks_hit(const void *ra, const char *fmt, ...) {
  if (ks_armed < 0)
    return;
  uintptr_t a = (uintptr_t)ra;
  if (ra != NULL && ks_hi && (a < ks_lo || a >= ks_hi))
    return;
  long n = ++ks_count;
  if (ks_log) { /* the description first, then the count that shows it */
    char *d = ks_log->desc[(n - 1) % KILLSHIM_LOG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d, KILLSHIM_DESC, fmt, ap);
    va_end(ap);
    __atomic_store_n(&ks_log->count, n, __ATOMIC_RELEASE);
  }
  if (n == ks_armed) {
    int e = errno;
    long self = syscall(SYS_getpid);
    syscall(SYS_kill, self, ks_stop ? SIGSTOP : SIGKILL);
    errno = e;
  }
}

/* A point of the driver's choosing (counted whoever calls it). */
KS_EXPORT void killshim_point(void) { ks_hit(NULL, "(after the operation)"); }

#define RA __builtin_return_address(0)
#define REAL(ret, name, params)                                               \
  static ret(*real_##name) params;                                            \
  if (real_##name == NULL)                                                    \
    real_##name = (ret(*) params)dlsym(RTLD_NEXT, #name);                     \
  if (real_##name == NULL) {                                                  \
    errno = ENOSYS;                                                           \
    return (ret)-1;                                                           \
  }

static const char *ks_base(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* ---- open ---------------------------------------------------------------- */

static int ks_needs_mode(int flags) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* The mode argument, present only when @flags create a file. */
#define KS_MODE(flags)                                                        \
  mode_t mode = 0;                                                            \
  if (ks_needs_mode(flags)) {                                                 \
    va_list ap;                                                               \
    va_start(ap, flags);                                                      \
    mode = va_arg(ap, mode_t);                                                \
    va_end(ap);                                                               \
  }

#define OPEN_LIKE(name)                                                       \
  KS_EXPORT int name(const char *path, int flags, ...) {                      \
    KS_MODE(flags)                                                            \
    ks_hit(RA, #name "(%s)", ks_base(path));                                  \
    REAL(int, name, (const char *, int, ...))                                 \
    return real_##name(path, flags, mode);                                    \
  }
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(name)                                                     \
  KS_EXPORT int name(int dfd, const char *path, int flags, ...) {             \
    KS_MODE(flags)                                                            \
    ks_hit(RA, #name "(%s)", ks_base(path));                                  \
    REAL(int, name, (int, const char *, int, ...))                            \
    return real_##name(dfd, path, flags, mode);                               \
  }
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

#define OPEN2_LIKE(name)                                                      \
  KS_EXPORT int name(const char *path, int flags) {                           \
    ks_hit(RA, #name "(%s)", ks_base(path));                                  \
    REAL(int, name, (const char *, int))                                      \
    return real_##name(path, flags);                                          \
  }
OPEN2_LIKE(__open_2)
OPEN2_LIKE(__open64_2)

#define OPENAT2_LIKE(name)                                                    \
  KS_EXPORT int name(int dfd, const char *path, int flags) {                  \
    ks_hit(RA, #name "(%s)", ks_base(path));                                  \
    REAL(int, name, (int, const char *, int))                                 \
    return real_##name(dfd, path, flags);                                     \
  }
OPENAT2_LIKE(__openat_2)
OPENAT2_LIKE(__openat64_2)

/* ---- stat ------------------------------------------------------------------ */

#define STAT_PATH(name, st)                                                   \
  KS_EXPORT int name(const char *restrict path, struct st *restrict buf) {    \
    ks_hit(RA, #name "(%s)", ks_base(path));                                  \
    REAL(int, name, (const char *, struct st *))                              \
    return real_##name(path, buf);                                            \
  }
STAT_PATH(stat, stat)
STAT_PATH(stat64, stat64)
STAT_PATH(lstat, stat)
STAT_PATH(lstat64, stat64)

#define STAT_FD(name, st)                                                     \
  KS_EXPORT int name(int fd, struct st *buf) {                                \
    ks_hit(RA, #name "(%d)", fd);                                             \
    REAL(int, name, (int, struct st *))                                       \
    return real_##name(fd, buf);                                              \
  }
STAT_FD(fstat, stat)
STAT_FD(fstat64, stat64)

#define STAT_AT(name, st)                                                     \
  KS_EXPORT int name(int dfd, const char *restrict path,                      \
                     struct st *restrict buf, int flags) {                    \
    ks_hit(RA, #name "(%s)", ks_base(path));                                  \
    REAL(int, name, (int, const char *, struct st *, int))                    \
    return real_##name(dfd, path, buf, flags);                                \
  }
STAT_AT(fstatat, stat)
STAT_AT(fstatat64, stat64)

/* ---- fcntl ----------------------------------------------------------------- */

static const char *ks_fcntl_cmd(int cmd) {
  switch (cmd) {
  case F_OFD_GETLK: return "OFD_GETLK";
  case F_OFD_SETLK: return "OFD_SETLK";
  case F_OFD_SETLKW: return "OFD_SETLKW";
  case F_GETLK: return "GETLK";
  case F_SETLK: return "SETLK";
  case F_SETLKW: return "SETLKW";
  case F_GETFL: return "GETFL";
  case F_SETFL: return "SETFL";
  case F_GETFD: return "GETFD";
  case F_SETFD: return "SETFD";
  case F_ADD_SEALS: return "ADD_SEALS";
  case F_GET_SEALS: return "GET_SEALS";
  default: return "cmd";
  }
}

static int ks_is_lock(int cmd) {
  return cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW ||
         cmd == F_GETLK || cmd == F_SETLK || cmd == F_SETLKW;
}

#define FCNTL_LIKE(name)                                                      \
  KS_EXPORT int name(int fd, int cmd, ...) {                                  \
    va_list ap;                                                               \
    va_start(ap, cmd);                                                        \
    void *arg = va_arg(ap, void *);                                           \
    va_end(ap);                                                               \
    if (ks_is_lock(cmd)) {                                                    \
      const struct flock *fl = arg;                                           \
      ks_hit(RA, #name "(%d, %s %s @%lld+%lld)", fd, ks_fcntl_cmd(cmd),       \
             fl->l_type == F_UNLCK ? "un" : fl->l_type == F_RDLCK ? "rd" : "wr", \
             (long long)fl->l_start, (long long)fl->l_len);                   \
    } else {                                                                  \
      ks_hit(RA, #name "(%d, %s %d)", fd, ks_fcntl_cmd(cmd), cmd);            \
    }                                                                         \
    REAL(int, name, (int, int, ...))                                          \
    return real_##name(fd, cmd, arg);                                         \
  }
FCNTL_LIKE(fcntl)
FCNTL_LIKE(fcntl64)

/* ---- memory ---------------------------------------------------------------- */

#define MMAP_LIKE(name)                                                       \
  KS_EXPORT void *name(void *addr, size_t len, int prot, int flags, int fd,   \
                       off_t off) {                                           \
    ks_hit(RA, #name "(%d, %zu, prot %d)", fd, len, prot);                    \
    static void *(*real)(void *, size_t, int, int, int, off_t);               \
    if (real == NULL)                                                         \
      real = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(          \
          RTLD_NEXT, #name);                                                  \
    if (real == NULL) {                                                       \
      errno = ENOSYS;                                                         \
      return MAP_FAILED;                                                      \
    }                                                                         \
    return real(addr, len, prot, flags, fd, off);                             \
  }
MMAP_LIKE(mmap)
MMAP_LIKE(mmap64)

KS_EXPORT int munmap(void *addr, size_t len) {
  ks_hit(RA, "munmap(%zu)", len);
  REAL(int, munmap, (void *, size_t))
  return real_munmap(addr, len);
}

KS_EXPORT int mprotect(void *addr, size_t len, int prot) {
  ks_hit(RA, "mprotect(%zu, prot %d)", len, prot);
  REAL(int, mprotect, (void *, size_t, int))
  return real_mprotect(addr, len, prot);
}

/* ---- reads and writes ------------------------------------------------------ */

#define PIO_LIKE(name, buftype)                                               \
  KS_EXPORT ssize_t name(int fd, buftype buf, size_t n, off_t off) {          \
    ks_hit(RA, #name "(%d, %zu @%lld)", fd, n, (long long)off);               \
    REAL(ssize_t, name, (int, buftype, size_t, off_t))                        \
    return real_##name(fd, buf, n, off);                                      \
  }
PIO_LIKE(pread, void *)
PIO_LIKE(pread64, void *)
PIO_LIKE(pwrite, const void *)
PIO_LIKE(pwrite64, const void *)

#define PIOV_LIKE(name)                                                       \
  KS_EXPORT ssize_t name(int fd, const struct iovec *iov, int n, off_t off) { \
    ks_hit(RA, #name "(%d, %d parts @%lld)", fd, n, (long long)off);          \
    REAL(ssize_t, name, (int, const struct iovec *, int, off_t))              \
    return real_##name(fd, iov, n, off);                                      \
  }
PIOV_LIKE(pwritev)
PIOV_LIKE(pwritev64)

KS_EXPORT ssize_t read(int fd, void *buf, size_t n) {
  ks_hit(RA, "read(%d, %zu)", fd, n);
  REAL(ssize_t, read, (int, void *, size_t))
  return real_read(fd, buf, n);
}

/* ---- space and size --------------------------------------------------------- */

/* posix_fallocate returns an errno value instead of setting errno. */
#define PFALLOC_LIKE(name)                                                    \
  KS_EXPORT int name(int fd, off_t off, off_t len) {                          \
    ks_hit(RA, #name "(%d, %lld)", fd, (long long)len);                       \
    static int (*real)(int, off_t, off_t);                                    \
    if (real == NULL)                                                         \
      real = (int (*)(int, off_t, off_t))dlsym(RTLD_NEXT, #name);             \
    if (real == NULL)                                                         \
      return ENOSYS;                                                          \
    return real(fd, off, len);                                                \
  }
PFALLOC_LIKE(posix_fallocate)
PFALLOC_LIKE(posix_fallocate64)

#define FALLOC_LIKE(name)                                                     \
  KS_EXPORT int name(int fd, int mode, off_t off, off_t len) {                \
    ks_hit(RA, #name "(%d, %lld)", fd, (long long)len);                       \
    REAL(int, name, (int, int, off_t, off_t))                                 \
    return real_##name(fd, mode, off, len);                                   \
  }
FALLOC_LIKE(fallocate)
FALLOC_LIKE(fallocate64)

#define FTRUNC_LIKE(name)                                                     \
  KS_EXPORT int name(int fd, off_t len) {                                     \
    ks_hit(RA, #name "(%d, %lld)", fd, (long long)len);                       \
    REAL(int, name, (int, off_t))                                             \
    return real_##name(fd, len);                                              \
  }
FTRUNC_LIKE(ftruncate)
FTRUNC_LIKE(ftruncate64)

KS_EXPORT int fchmod(int fd, mode_t mode) {
  ks_hit(RA, "fchmod(%d, %o)", fd, (unsigned)mode);
  REAL(int, fchmod, (int, mode_t))
  return real_fchmod(fd, mode);
}

KS_EXPORT int flock(int fd, int op) {
  ks_hit(RA, "flock(%d, %d)", fd, op);
  REAL(int, flock, (int, int))
  return real_flock(fd, op);
}

/* ---- names ------------------------------------------------------------------ */

KS_EXPORT int link(const char *from, const char *to) {
  ks_hit(RA, "link(%s)", ks_base(to));
  REAL(int, link, (const char *, const char *))
  int r = real_link(from, to);
  ks_name_event(RA, "link", to, r == 0);
  return r;
}

KS_EXPORT int linkat(int fd1, const char *from, int fd2, const char *to,
                     int flags) {
  ks_hit(RA, "linkat(%s)", ks_base(to));
  REAL(int, linkat, (int, const char *, int, const char *, int))
  int r = real_linkat(fd1, from, fd2, to, flags);
  ks_name_event(RA, "linkat", to, r == 0);
  return r;
}

KS_EXPORT int unlink(const char *path) {
  ks_hit(RA, "unlink(%s)", ks_base(path));
  REAL(int, unlink, (const char *))
  int r = real_unlink(path);
  ks_name_event(RA, "unlink", path, r == 0);
  return r;
}

KS_EXPORT int unlinkat(int dfd, const char *path, int flags) {
  ks_hit(RA, "unlinkat(%s)", ks_base(path));
  REAL(int, unlinkat, (int, const char *, int))
  int r = real_unlinkat(dfd, path, flags);
  ks_name_event(RA, "unlinkat", path, r == 0);
  return r;
}

KS_EXPORT int access(const char *path, int how) {
  ks_hit(RA, "access(%s)", ks_base(path));
  REAL(int, access, (const char *, int))
  return real_access(path, how);
}

KS_EXPORT int close(int fd) {
  ks_hit(RA, "close(%d)", fd);
  REAL(int, close, (int))
  return real_close(fd);
}

/* ---- directories ------------------------------------------------------------ */

KS_EXPORT DIR *opendir(const char *path) {
  ks_hit(RA, "opendir(%s)", path);
  static DIR *(*real)(const char *);
  if (real == NULL)
    real = (DIR * (*)(const char *)) dlsym(RTLD_NEXT, "opendir");
  if (real == NULL) {
    errno = ENOSYS;
    return NULL;
  }
  return real(path);
}

/* readdir is passed through but is no kill point: a kill between two
 * directory entries is a kill before the next counted call, and the
 * number of entries depends on what else is in /dev/shm (other processes'
 * files), which would make the points of a listing differ from run to
 * run. */
#define READDIR_LIKE(name, ent)                                               \
  KS_EXPORT struct ent *name(DIR *d) {                                        \
    static struct ent *(*real)(DIR *);                                        \
    if (real == NULL)                                                         \
      real = (struct ent * (*)(DIR *)) dlsym(RTLD_NEXT, #name);               \
    if (real == NULL) {                                                       \
      errno = ENOSYS;                                                         \
      return NULL;                                                            \
    }                                                                         \
    return real(d);                                                           \
  }
READDIR_LIKE(readdir, dirent)
READDIR_LIKE(readdir64, dirent64)

KS_EXPORT int closedir(DIR *d) {
  ks_hit(RA, "closedir");
  REAL(int, closedir, (DIR *))
  return real_closedir(d);
}

/* ---- time --------------------------------------------------------------------- */

KS_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem) {
  ks_hit(RA, "nanosleep(%ld ns)", req ? (long)req->tv_nsec : 0L);
  REAL(int, nanosleep, (const struct timespec *, struct timespec *))
  return real_nanosleep(req, rem);
}
