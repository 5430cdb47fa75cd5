/* Segments: create, open (validate, attach), close (detach), unlink. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

const char *ash__shm_dir(void) { return "/dev/shm"; }

/* ---- process-wide list of attached mappings --------------------------- */

static pthread_mutex_t ash__cache_lock = PTHREAD_MUTEX_INITIALIZER;
static ash__map *ash__cache;

static void ash__cache_add(ash__map *m) {
  pthread_mutex_lock(&ash__cache_lock);
  m->next = ash__cache;
  ash__cache = m;
  pthread_mutex_unlock(&ash__cache_lock);
}

static void ash__cache_remove(ash__map *m) {
  pthread_mutex_lock(&ash__cache_lock);
  for (ash__map **pp = &ash__cache; *pp; pp = &(*pp)->next) {
    if (*pp == m) {
      *pp = m->next;
      break;
    }
  }
  pthread_mutex_unlock(&ash__cache_lock);
}

/* Finds an attached mapping of the same object usable for this open and
 * retains it, unless its last reference is already being dropped. */
static ash__map *ash__cache_find(int backend, dev_t dev, ino_t ino,
                                 bool want_write) {
  ash__map *found = NULL;
  pid_t me = getpid();
  pthread_mutex_lock(&ash__cache_lock);
  for (ash__map *m = ash__cache; m; m = m->next) {
    if (m->backend != backend || m->dev != dev || m->ino != ino ||
        m->owner != me || (want_write && !m->writable))
      continue;
    long r = atomic_load(&m->refs);
    while (r > 0 && !atomic_compare_exchange_weak(&m->refs, &r, r + 1))
      ;
    if (r > 0) {
      found = m;
      break;
    }
  }
  pthread_mutex_unlock(&ash__cache_lock);
  return found;
}

/* ---- names and paths ------------------------------------------------- */

struct ash__loc {
  int backend;
  char *name; /* user-facing: segment name or absolute path */
  char *path; /* for shm_open ("/ash.NAME") or open() */
  char *stat_path; /* for stat()/unlink() checks */
};

static void ash__loc_free(struct ash__loc *l) {
  free(l->name);
  free(l->path);
  free(l->stat_path);
}

static int ash__loc_make(const char *name, unsigned flags, struct ash__loc *l) {
  memset(l, 0, sizeof *l);
  if (name == NULL)
    return ash__err(ASH_E_INVAL, "segment name is NULL");
  if (flags & ASH_FILE) {
    if (name[0] == '\0')
      return ash__err(ASH_E_NAME, "file path is empty");
    if (strlen(name) > 4000)
      return ash__err(ASH_E_NAME, "file path is longer than 4000 bytes");
    l->backend = ASH__BACKEND_FILE;
    if (name[0] == '/') {
      l->name = strdup(name);
    } else {
      char cwd[4096];
      if (getcwd(cwd, sizeof cwd) == NULL)
        return ash__syserr(errno, "getcwd for", name);
      size_t n = strlen(cwd) + strlen(name) + 2;
      l->name = malloc(n);
      if (l->name)
        snprintf(l->name, n, "%s/%s", cwd, name);
    }
    l->path = l->name ? strdup(l->name) : NULL;
    l->stat_path = l->name ? strdup(l->name) : NULL;
  } else {
    int r = ash__name_check(name, 0);
    if (r)
      return r;
    l->backend = ASH__BACKEND_SHM;
    size_t n = strlen(name);
    l->name = strdup(name);
    l->path = malloc(n + 2 + sizeof ASH_SHM_PREFIX);
    l->stat_path = malloc(n + 2 + sizeof ASH_SHM_PREFIX + strlen(ash__shm_dir()));
    if (l->path)
      sprintf(l->path, "/%s%s", ASH_SHM_PREFIX, name);
    if (l->stat_path)
      sprintf(l->stat_path, "%s/%s%s", ash__shm_dir(), ASH_SHM_PREFIX, name);
  }
  if (!l->name || !l->path || !l->stat_path) {
    ash__loc_free(l);
    return ash__err(ASH_E_NOMEM, "out of memory for segment \"%s\"", name);
  }
  return ASH_OK;
}

static int ash__loc_open(const struct ash__loc *l, int oflag, mode_t mode) {
  if (l->backend == ASH__BACKEND_SHM)
    return shm_open(l->path, oflag | O_CLOEXEC, mode);
  return open(l->path, oflag | O_CLOEXEC, mode);
}

static int ash__loc_unlink(const struct ash__loc *l) {
  return l->backend == ASH__BACKEND_SHM ? shm_unlink(l->path) : unlink(l->path);
}

/* ---- header lock and attach table ------------------------------------ */

static pthread_mutex_t *ash__hdr_mutex(ash__map *m) {
  return (pthread_mutex_t *)(void *)(m->base + ASH__LOCK_OFFSET);
}

static int ash__hdr_lock(ash__map *m) {
  int r = pthread_mutex_lock(ash__hdr_mutex(m));
  if (r == EOWNERDEAD) {
    /* The previous holder died inside a critical section. Every update made
     * under this lock is published last by one aligned store, so the state is
     * consistent; mark the mutex usable again. */
    pthread_mutex_consistent(ash__hdr_mutex(m));
    return ASH_OK;
  }
  if (r != 0)
    return ash__err(ASH_E_SYS, "lock segment \"%s\": %s", m->name, strerror(r));
  return ASH_OK;
}

static void ash__hdr_unlock(ash__map *m) {
  pthread_mutex_unlock(ash__hdr_mutex(m));
}

static struct ash__slot *ash__slots(ash__map *m) {
  return (struct ash__slot *)(void *)(m->base + m->hdr.attach_offset);
}

/* 1 alive, 0 dead. A pid whose start time differs was reused: dead. */
static int ash__slot_alive(const struct ash__slot *s) {
  struct ash__slot c;
  memcpy(&c, s, sizeof c);
  if (c.pid <= 0)
    return 0;
  int exists;
  uint64_t start = ash__proc_start(c.pid, &exists);
  if (exists < 0) /* /proc hidden from us: ask the kernel */
    return kill(c.pid, 0) == 0 || errno == EPERM;
  if (exists == 0)
    return 0;
  return c.start == 0 || start == 0 || start == c.start;
}

/* Under the header lock: does any slot other than @skip belong to a live
 * process? Dead slots met on the way are freed. */
static bool ash__any_alive_locked(ash__map *m, int skip) {
  struct ash__slot *slots = ash__slots(m);
  for (uint32_t i = 0; i < m->hdr.attach_cap; i++) {
    if ((int)i == skip || slots[i].pid == 0)
      continue;
    if (ash__slot_alive(&slots[i]))
      return true;
    memset(&slots[i], 0, sizeof slots[i]);
  }
  return false;
}

/* Under the header lock: takes a free slot, reaping a dead one if needed. */
static int ash__slot_take_locked(ash__map *m) {
  struct ash__slot *slots = ash__slots(m);
  uint32_t cap = m->hdr.attach_cap;
  for (int pass = 0; pass < 2; pass++) {
    for (uint32_t i = 0; i < cap; i++) {
      if (slots[i].pid == 0 || (pass == 1 && !ash__slot_alive(&slots[i]))) {
        slots[i].start = ash__self_start();
        slots[i].gen = 0;
        __atomic_store_n(&slots[i].pid, (int32_t)getpid(), __ATOMIC_RELEASE);
        return (int)i;
      }
    }
  }
  return ash__err(ASH_E_FULL,
                  "segment \"%s\": attach table full (%u live attachers)",
                  m->name, cap);
}

/* Unlinks the name only if it still refers to this mapping's object. */
static int ash__unlink_if_same(ash__map *m) {
  struct ash__loc l;
  int r = ash__loc_make(m->name, m->backend == ASH__BACKEND_FILE ? ASH_FILE : 0,
                        &l);
  if (r)
    return r;
  struct stat st;
  if (stat(l.stat_path, &st) != 0) {
    r = ash__syserr(errno, "unlink", m->name);
  } else if (st.st_dev != m->dev || st.st_ino != m->ino) {
    r = ash__err(ASH_E_NOENT,
                 "unlink \"%s\": the name now refers to another segment", m->name);
  } else if (ash__loc_unlink(&l) != 0) {
    r = ash__syserr(errno, "unlink", m->name);
  }
  ash__loc_free(&l);
  return r;
}

/* ---- validation ------------------------------------------------------ */

static int ash__validate_entry(const ash__map *m, const struct ash__entry *src,
                               uint32_t index, struct ash__array *a) {
  struct ash__entry e;
  memcpy(&e, src, sizeof e); /* private copy: the source may change */
  const char *seg = m->name;
  if (memchr(e.name, '\0', sizeof e.name) == NULL)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": array %u has an unterminated name", seg,
                    index);
  if (ash__name_check(e.name, 1) != ASH_OK)
    return ash__err(ASH_E_CORRUPT, "segment \"%s\": array %u has an invalid name",
                    seg, index);
  if (!ash__dtype_valid((int)e.dtype))
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": array \"%s\" has unknown dtype %u", seg,
                    e.name, e.dtype);
  if (e.ndim > ASH_MAX_NDIM)
    return ash__err(ASH_E_CORRUPT, "segment \"%s\": array \"%s\" has ndim %u",
                    seg, e.name, e.ndim);
  uint64_t nbytes;
  if (ash__shape_nbytes((int)e.dtype, (int)e.ndim, e.shape, &nbytes, NULL) ||
      nbytes != e.nbytes)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": array \"%s\" has an inconsistent shape "
                    "and byte size",
                    seg, e.name);
  uint64_t end;
  if (e.offset < m->hdr.arena_offset || e.offset % ASH__ALIGN != 0 ||
      !ash__add_u64(e.offset, e.nbytes, &end) || end > m->hdr.total_size)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": array \"%s\" lies outside the arena "
                    "(offset %llu, %llu bytes)",
                    seg, e.name, (unsigned long long)e.offset,
                    (unsigned long long)e.nbytes);
  memset(a, 0, sizeof *a);
  memcpy(a->name, e.name, strlen(e.name) + 1);
  a->dtype = (int)e.dtype;
  a->ndim = (int)e.ndim;
  a->offset = e.offset;
  a->nbytes = e.nbytes;
  memcpy(a->shape, e.shape, sizeof(int64_t) * e.ndim);
  return ASH_OK;
}

/* Checks a private copy of the header against the real size. */
static int ash__validate_header(const struct ash__hdr *h, uint64_t real_size,
                                const char *name) {
  if (h->magic != ASH__MAGIC)
    return ash__err(ASH_E_CORRUPT,
                    "\"%s\" is not an arrayshare segment (bad magic)", name);
  if (h->fmt_major != ASH_FORMAT_MAJOR)
    return ash__err(ASH_E_VERSION,
                    "segment \"%s\" has format %u.%u; this library reads %d.x",
                    name, h->fmt_major, h->fmt_minor, ASH_FORMAT_MAJOR);
  if (h->byte_order != ASH__BYTE_ORDER_LE)
    return ash__err(ASH_E_CORRUPT, "segment \"%s\": unsupported byte order %u",
                    name, h->byte_order);
  if (h->lock_kind != ASH__LOCK_KIND_GLIBC_X86_64)
    return ash__err(ASH_E_VERSION,
                    "segment \"%s\": lock kind %u is not this platform's", name,
                    h->lock_kind);
  if (h->total_size > real_size)
    return ash__err(ASH_E_TRUNC,
                    "segment \"%s\": header says %llu bytes but only %llu exist "
                    "(truncated by another process?)",
                    name, (unsigned long long)h->total_size,
                    (unsigned long long)real_size);
  uint64_t attach_end, dir_end, dir_bytes, arena_end;
  bool ok = h->entry_size == ASH__ENTRY_SIZE && h->slot_size == ASH__SLOT_SIZE &&
            h->lock_offset == ASH__LOCK_OFFSET &&
            h->attach_offset == ASH__ATTACH_OFFSET && h->attach_cap >= 1 &&
            h->attach_cap <= 65536 && h->dir_cap >= 1 &&
            h->dir_cap <= ASH__MAX_ARRAYS &&
            h->policy <= ASH_POLICY_PERSIST &&
            h->state >= ASH__STATE_INIT && h->state <= ASH__STATE_DOOMED;
  ok = ok &&
       ash__add_u64(h->attach_offset, (uint64_t)h->attach_cap * ASH__SLOT_SIZE,
                    &attach_end) &&
       h->dir_offset >= attach_end && h->dir_offset % 8 == 0 &&
       ash__mul_u64(h->dir_cap, ASH__ENTRY_SIZE, &dir_bytes) &&
       ash__add_u64(h->dir_offset, dir_bytes, &dir_end) &&
       h->arena_offset >= dir_end && h->arena_offset % ASH__PAGE == 0 &&
       h->header_size == h->arena_offset &&
       ash__add_u64(h->arena_offset, h->arena_size, &arena_end) &&
       arena_end == h->total_size && h->arena_used <= h->arena_size;
  if (!ok)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": header fields out of range (corrupted)",
                    name);
  return ASH_OK;
}

/* Copies newly published directory entries into private memory. */
int ash__map_refresh(ash__map *m) {
  uint32_t n = __atomic_load_n(
      &((struct ash__hdr *)(void *)m->base)->dir_count, __ATOMIC_ACQUIRE);
  if (n > m->hdr.dir_cap)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": directory count %u exceeds capacity %u",
                    m->name, n, m->hdr.dir_cap);
  int r = ASH_OK;
  pthread_mutex_lock(&m->lock);
  while (m->narrays < n) {
    uint32_t i = m->narrays;
    struct ash__array *a = malloc(sizeof *a);
    if (a == NULL) {
      r = ash__err(ASH_E_NOMEM, "out of memory");
      break;
    }
    const struct ash__entry *e =
        (const struct ash__entry *)(const void *)(m->base + m->hdr.dir_offset +
                                                  (uint64_t)i * ASH__ENTRY_SIZE);
    r = ash__validate_entry(m, e, i, a);
    if (r) {
      free(a);
      break;
    }
    m->arrays[i] = a;
    __atomic_store_n(&m->narrays, i + 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&m->lock);
  return r;
}

const struct ash__array *ash__find_array(ash__map *m, const char *name) {
  uint32_t n = __atomic_load_n(&m->narrays, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < n; i++)
    if (strcmp(m->arrays[i]->name, name) == 0)
      return m->arrays[i];
  return NULL;
}

/* ---- map objects ------------------------------------------------------ */

static ash__map *ash__map_alloc(const struct ash__loc *l) {
  ash__map *m = calloc(1, sizeof *m);
  if (m == NULL)
    return NULL;
  atomic_init(&m->refs, 1);
  pthread_mutex_init(&m->lock, NULL);
  m->backend = l->backend;
  m->name = strdup(l->name);
  m->path = strdup(l->path);
  m->slot = -1;
  m->owner = getpid();
  if (!m->name || !m->path) {
    free(m->name);
    free(m->path);
    free(m);
    return NULL;
  }
  return m;
}

static void ash__map_free(ash__map *m) {
  if (m->arrays) {
    for (uint32_t i = 0; i < m->narrays; i++)
      free(m->arrays[i]);
    free(m->arrays);
  }
  if (m->base)
    munmap(m->base, m->size);
  pthread_mutex_destroy(&m->lock);
  free(m->name);
  free(m->path);
  free(m);
}

void ash__map_retain(ash__map *m) { atomic_fetch_add(&m->refs, 1); }

static void ash__detach(ash__map *m) {
  if (!m->attached || m->owner != getpid() || !m->hdr_rw)
    return;
  if (ash__hdr_lock(m) != ASH_OK)
    return;
  struct ash__slot *s = &ash__slots(m)[m->slot];
  if (s->pid == (int32_t)getpid())
    memset(s, 0, sizeof *s);
  struct ash__hdr *h = (struct ash__hdr *)(void *)m->base;
  if (m->hdr.policy == ASH_POLICY_AUTO &&
      __atomic_load_n(&h->state, __ATOMIC_ACQUIRE) == ASH__STATE_READY &&
      !ash__any_alive_locked(m, -1)) {
    __atomic_store_n(&h->state, ASH__STATE_DOOMED, __ATOMIC_RELEASE);
    int saved = ash_last_error_code();
    (void)ash__unlink_if_same(m); /* someone may have unlinked it already */
    (void)saved;
  }
  ash__hdr_unlock(m);
}

void ash__map_release(ash__map *m) {
  if (atomic_fetch_sub(&m->refs, 1) != 1)
    return;
  if (m->attached)
    ash__cache_remove(m);
  ash__detach(m);
  ash__map_free(m);
}

static int ash__map_finish(ash__map *m) {
  m->arrays = calloc(m->hdr.dir_cap, sizeof *m->arrays);
  if (m->arrays == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  return ash__map_refresh(m);
}

/* ---- open ------------------------------------------------------------- */

enum { ASH__RETRY = 1 }; /* internal: try the whole open again */

static void ash__backoff(int attempt) {
  struct timespec ts = {0, 20000L << (attempt < 9 ? attempt : 9)};
  nanosleep(&ts, NULL);
}

/* One attempt; returns ASH_OK, an error, or ASH__RETRY. */
static int ash__open_once(const struct ash__loc *l, unsigned flags,
                          ash__map **out) {
  bool noattach = flags & ASH_NOATTACH;
  bool want_write = !(flags & (ASH_RDONLY | ASH_NOATTACH));
  bool hdr_rw = !noattach;
  int fd = ash__loc_open(l, hdr_rw ? O_RDWR : O_RDONLY, 0);
  if (fd < 0 && hdr_rw && (errno == EACCES) && (flags & ASH_RDONLY)) {
    /* Read permission only: a reader that cannot be counted as attacher. */
    hdr_rw = false;
    fd = ash__loc_open(l, O_RDONLY, 0);
  }
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT)
      return ash__err(ASH_E_NOENT, "open \"%s\": no such segment", l->name);
    if (e == EACCES || e == EPERM) {
      struct stat st;
      if (stat(l->stat_path, &st) == 0)
        return ash__err(ASH_E_PERM,
                        "open \"%s\": permission denied (owner uid %u, mode "
                        "%04o; you are uid %u)",
                        l->name, (unsigned)st.st_uid,
                        (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
    }
    return ash__syserr(e, "open", l->name);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return ash__syserr(e, "fstat", l->name);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return ash__err(ASH_E_CORRUPT, "\"%s\" is not a regular file", l->name);
  }
  bool attach = hdr_rw && !noattach;
  if (attach) {
    ash__map *c = ash__cache_find(l->backend, st.st_dev, st.st_ino, want_write);
    if (c) {
      close(fd);
      *out = c;
      return ASH_OK;
    }
  }
  uint64_t size = (uint64_t)st.st_size;
  if (size < ASH__ATTACH_OFFSET) {
    uint64_t magic = 0;
    ssize_t got = pread(fd, &magic, sizeof magic, 0);
    close(fd);
    if (size == 0 || (got == (ssize_t)sizeof magic && magic == 0))
      return ASH__RETRY; /* being created */
    if (got == (ssize_t)sizeof magic && magic == ASH__MAGIC)
      return ash__err(ASH_E_TRUNC,
                      "segment \"%s\" is %llu bytes, smaller than its header "
                      "(truncated by another process?)",
                      l->name, (unsigned long long)size);
    return ash__err(ASH_E_CORRUPT,
                    "\"%s\" is not an arrayshare segment (%llu bytes, no "
                    "header)",
                    l->name, (unsigned long long)size);
  }
  int prot = PROT_READ | (hdr_rw ? PROT_WRITE : 0);
  void *base = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
  int merr = errno;
  close(fd);
  if (base == MAP_FAILED)
    return ash__syserr(merr, "mmap", l->name);
  struct ash__hdr h;
  memcpy(&h, base, sizeof h);
  if (h.magic == 0) {
    munmap(base, size);
    return ASH__RETRY; /* being created: the magic is published last */
  }
  int r = ash__validate_header(&h, size, l->name);
  if (r) {
    munmap(base, size);
    return r;
  }
  ash__map *m = ash__map_alloc(l);
  if (m == NULL) {
    munmap(base, size);
    return ash__err(ASH_E_NOMEM, "out of memory");
  }
  m->base = base;
  m->size = size;
  m->dev = st.st_dev;
  m->ino = st.st_ino;
  m->hdr = h;
  m->hdr_rw = hdr_rw;
  m->writable = want_write;
  if (h.state == ASH__STATE_DOOMED) {
    ash__map_free(m);
    return ASH__RETRY; /* being removed; the name may come back */
  }
  if (attach) {
    r = ash__hdr_lock(m);
    if (r) {
      ash__map_free(m);
      return r;
    }
    struct ash__hdr *sh = (struct ash__hdr *)base;
    if (__atomic_load_n(&sh->state, __ATOMIC_ACQUIRE) == ASH__STATE_DOOMED) {
      ash__hdr_unlock(m);
      ash__map_free(m);
      return ASH__RETRY;
    }
    r = ash__slot_take_locked(m);
    ash__hdr_unlock(m);
    if (r < 0) {
      ash__map_free(m);
      return r;
    }
    m->slot = r;
    m->attached = true;
  }
  if (hdr_rw && !want_write &&
      mprotect(base + h.arena_offset, size - h.arena_offset, PROT_READ) != 0) {
    r = ash__syserr(errno, "mprotect", l->name);
    ash__map_release(m);
    return r;
  }
  r = ash__map_finish(m);
  if (r) {
    ash__map_release(m);
    return r;
  }
  if (m->attached)
    ash__cache_add(m);
  *out = m;
  return ASH_OK;
}

static int ash__open_loc(const struct ash__loc *l, unsigned flags,
                         ash__map **out) {
  for (int attempt = 0;; attempt++) {
    int r = ash__open_once(l, flags, out);
    if (r != ASH__RETRY)
      return r;
    if (attempt >= 14) /* about 0.6 s in all */
      return ash__err(ASH_E_BUSY,
                      "segment \"%s\" is being created or removed (or its "
                      "creator died half-way: `arrayshare gc` removes it)",
                      l->name);
    ash__backoff(attempt);
  }
}

int ash__open_map(const char *name, unsigned flags, ash__map **out) {
  struct ash__loc l;
  int r = ash__loc_make(name, flags, &l);
  if (r)
    return r;
  r = ash__open_loc(&l, flags, out);
  ash__loc_free(&l);
  return r;
}

static int ash__segment_wrap(ash__map *m, bool readonly, ash_segment **out) {
  ash_segment *s = malloc(sizeof *s);
  if (s == NULL) {
    ash__map_release(m);
    return ash__err(ASH_E_NOMEM, "out of memory");
  }
  s->map = m;
  s->readonly = readonly || !m->writable;
  *out = s;
  return ASH_OK;
}

ash_status ash_segment_open(const char *name, unsigned flags, ash_segment **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output handle pointer is NULL");
  *out = NULL;
  ash__map *m;
  int r = ash__open_map(name, flags, &m);
  if (r)
    return r;
  return ash__segment_wrap(m, (flags & (ASH_RDONLY | ASH_NOATTACH)) != 0, out);
}

void ash_segment_close(ash_segment *seg) {
  if (seg == NULL)
    return;
  ash__map_release(seg->map);
  free(seg);
}

/* ---- create ------------------------------------------------------------ */

ash_status ash_segment_create(const char *name, uint64_t arena_bytes,
                              uint32_t max_arrays, unsigned flags,
                              unsigned mode, ash_segment **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output handle pointer is NULL");
  *out = NULL;
  if (flags & (ASH_RDONLY | ASH_NOATTACH))
    return ash__err(ASH_E_INVAL, "create: flags RDONLY and NOATTACH are for open");
  if (max_arrays < 1 || max_arrays > ASH__MAX_ARRAYS)
    return ash__err(ASH_E_INVAL, "max_arrays %u: must be 1 to %d", max_arrays,
                    ASH__MAX_ARRAYS);
  if (mode & ~07777u)
    return ash__err(ASH_E_INVAL, "mode %o: only permission bits (07777)", mode);
  if (mode == 0)
    mode = 0600;
  struct ash__loc l;
  int r = ash__loc_make(name, flags, &l);
  if (r)
    return r;

  uint64_t dir_offset = ASH__ATTACH_OFFSET + ASH__ATTACH_CAP * ASH__SLOT_SIZE;
  uint64_t arena_offset = ash__round_up(
      dir_offset + (uint64_t)max_arrays * ASH__ENTRY_SIZE, ASH__PAGE);
  uint64_t total;
  if (arena_bytes > (UINT64_C(1) << 62) ||
      !ash__add_u64(arena_offset, ash__round_up(arena_bytes, ASH__PAGE), &total) ||
      total > (uint64_t)INT64_MAX / 2) {
    ash__loc_free(&l);
    return ash__err(ASH_E_OVERFLOW, "create \"%s\": arena of %llu bytes is too large",
                    name, (unsigned long long)arena_bytes);
  }

  for (int attempt = 0;; attempt++) {
    int fd = ash__loc_open(&l, O_RDWR | O_CREAT | O_EXCL, mode);
    if (fd < 0 && errno == EEXIST && (flags & ASH_OR_OPEN)) {
      ash__map *m;
      r = ash__open_loc(&l, flags & ~(unsigned)ASH_OR_OPEN, &m);
      if (r == ASH_E_NOENT && attempt < 8)
        continue; /* removed between our two calls: create again */
      if (r == ASH_OK)
        r = ash__segment_wrap(m, false, out);
      ash__loc_free(&l);
      return r;
    }
    if (fd < 0) {
      int e = errno;
      if (e == EEXIST)
        r = ash__err(ASH_E_EXIST, "create \"%s\": a segment with this name exists",
                     l.name);
      else
        r = ash__syserr(e, "create", l.name);
      ash__loc_free(&l);
      return r;
    }
    if (fchmod(fd, mode) != 0) {
      r = ash__syserr(errno, "chmod", l.name);
      goto fail_fd;
    }
    int fe = posix_fallocate(fd, 0, (off_t)total);
    if (fe != 0) {
      if (fe == ENOSPC || fe == EFBIG || fe == EDQUOT)
        r = ash__err(ASH_E_NOSPC,
                     "create \"%s\": cannot reserve %llu bytes (%s); nothing "
                     "was created",
                     l.name, (unsigned long long)total, strerror(fe));
      else
        r = ash__syserr(fe, "reserve space for", l.name);
      goto fail_fd;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
      r = ash__syserr(errno, "fstat", l.name);
      goto fail_fd;
    }
    void *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
      r = ash__syserr(errno, "mmap", l.name);
      goto fail_fd;
    }
    close(fd);

    struct ash__hdr *h = base;
    memset(h, 0, ASH__ATTACH_OFFSET);
    h->fmt_major = ASH_FORMAT_MAJOR;
    h->fmt_minor = ASH_FORMAT_MINOR;
    h->byte_order = ASH__BYTE_ORDER_LE;
    h->lock_kind = ASH__LOCK_KIND_GLIBC_X86_64;
    h->header_size = (uint32_t)arena_offset;
    h->state = ASH__STATE_READY;
    h->total_size = total;
    h->arena_offset = arena_offset;
    h->arena_size = total - arena_offset;
    h->arena_used = 0;
    h->ctime_ns = ash__now_ns();
    h->creator_pid = getpid();
    h->creator_start = ash__self_start();
    h->creator_uid = (uint32_t)geteuid();
    h->policy = (flags & ASH_PERSIST) ? ASH_POLICY_PERSIST : ASH_POLICY_AUTO;
    h->attach_cap = ASH__ATTACH_CAP;
    h->attach_offset = ASH__ATTACH_OFFSET;
    h->dir_cap = max_arrays;
    h->dir_count = 0;
    h->dir_offset = dir_offset;
    h->entry_size = ASH__ENTRY_SIZE;
    h->lock_offset = ASH__LOCK_OFFSET;
    h->slot_size = ASH__SLOT_SIZE;
    snprintf(h->name, sizeof h->name, "%s",
             l.backend == ASH__BACKEND_SHM ? l.name : "");

    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init((pthread_mutex_t *)(void *)((uint8_t *)base +
                                                   ASH__LOCK_OFFSET),
                       &ma);
    pthread_mutexattr_destroy(&ma);

    struct ash__slot *slot0 =
        (struct ash__slot *)(void *)((uint8_t *)base + ASH__ATTACH_OFFSET);
    slot0->pid = (int32_t)getpid();
    slot0->start = ash__self_start();
    /* Publish: openers treat a zero magic as "being created". */
    __atomic_store_n(&h->magic, ASH__MAGIC, __ATOMIC_RELEASE);

    ash__map *m = ash__map_alloc(&l);
    if (m == NULL) {
      munmap(base, total);
      ash__loc_unlink(&l);
      ash__loc_free(&l);
      return ash__err(ASH_E_NOMEM, "out of memory");
    }
    m->base = base;
    m->size = total;
    m->dev = st.st_dev;
    m->ino = st.st_ino;
    memcpy(&m->hdr, h, sizeof m->hdr);
    m->writable = m->hdr_rw = m->attached = true;
    m->slot = 0;
    r = ash__map_finish(m);
    if (r) {
      ash__loc_unlink(&l);
      ash__map_release(m);
      ash__loc_free(&l);
      return r;
    }
    ash__cache_add(m);
    ash__loc_free(&l);
    return ash__segment_wrap(m, false, out);

  fail_fd:
    ash__loc_unlink(&l);
    close(fd);
    ash__loc_free(&l);
    return r;
  }
}

/* ---- unlink ------------------------------------------------------------ */

ash_status ash_unlink(const char *name, unsigned flags) {
  struct ash__loc l;
  int r = ash__loc_make(name, flags, &l);
  if (r)
    return r;
  int fd = ash__loc_open(&l, O_RDONLY, 0);
  if (fd < 0 && errno != EACCES) {
    r = errno == ENOENT
            ? ash__err(ASH_E_NOENT, "unlink \"%s\": no such segment", l.name)
            : ash__syserr(errno, "unlink", l.name);
    ash__loc_free(&l);
    return r;
  }
  if (fd >= 0) {
    uint64_t magic = 0;
    ssize_t got = pread(fd, &magic, sizeof magic, 0);
    close(fd);
    /* Refuse to remove what is not ours; an empty file is an abandoned
     * creation and may go. */
    if (got != 0 && !(got == (ssize_t)sizeof magic &&
                      (magic == ASH__MAGIC || magic == 0))) {
      r = ash__err(ASH_E_CORRUPT,
                   "unlink \"%s\": not an arrayshare segment; left alone",
                   l.name);
      ash__loc_free(&l);
      return r;
    }
  }
  if (ash__loc_unlink(&l) != 0)
    r = errno == ENOENT
            ? ash__err(ASH_E_NOENT, "unlink \"%s\": no such segment", l.name)
            : ash__syserr(errno, "unlink", l.name);
  ash__loc_free(&l);
  return r;
}

ash_status ash_segment_unlink(ash_segment *seg) {
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  return ash__unlink_if_same(seg->map);
}

/* ---- queries ----------------------------------------------------------- */

const char *ash_segment_name(const ash_segment *seg) {
  return seg ? seg->map->name : NULL;
}
uint64_t ash_segment_size(const ash_segment *seg) {
  return seg ? seg->map->hdr.total_size : 0;
}
uint64_t ash_segment_arena_free(const ash_segment *seg) {
  if (seg == NULL)
    return 0;
  const struct ash__hdr *h = (const struct ash__hdr *)(const void *)seg->map->base;
  uint64_t used = __atomic_load_n(&h->arena_used, __ATOMIC_ACQUIRE);
  uint64_t size = seg->map->hdr.arena_size;
  return used > size ? 0 : size - used;
}
int ash_segment_policy(const ash_segment *seg) {
  return seg ? (int)seg->map->hdr.policy : ASH_POLICY_AUTO;
}
int ash_segment_readonly(const ash_segment *seg) {
  return seg ? seg->readonly : 1;
}
int64_t ash_segment_creator_pid(const ash_segment *seg) {
  return seg ? seg->map->hdr.creator_pid : 0;
}
int64_t ash_segment_ctime(const ash_segment *seg) {
  return seg ? seg->map->hdr.ctime_ns : 0;
}
int ash_segment_format_minor(const ash_segment *seg) {
  return seg ? seg->map->hdr.fmt_minor : 0;
}

ash_status ash_segment_attachers(ash_segment *seg, int *alive, int *dead) {
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  int a = 0, d = 0;
  struct ash__slot *slots = ash__slots(seg->map);
  for (uint32_t i = 0; i < seg->map->hdr.attach_cap; i++) {
    if (__atomic_load_n(&slots[i].pid, __ATOMIC_ACQUIRE) == 0)
      continue;
    if (ash__slot_alive(&slots[i]))
      a++;
    else
      d++;
  }
  if (alive)
    *alive = a;
  if (dead)
    *dead = d;
  return ASH_OK;
}

ash_status ash_segment_attacher(ash_segment *seg, int index, int64_t *pid,
                                int *alive) {
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  struct ash__slot *slots = ash__slots(seg->map);
  int k = 0;
  for (uint32_t i = 0; i < seg->map->hdr.attach_cap; i++) {
    int32_t p = __atomic_load_n(&slots[i].pid, __ATOMIC_ACQUIRE);
    if (p == 0)
      continue;
    if (k++ == index) {
      if (pid)
        *pid = p;
      if (alive)
        *alive = ash__slot_alive(&slots[i]);
      return ASH_OK;
    }
  }
  return ash__err(ASH_E_INDEX, "attacher index %d: the table has %d entries",
                  index, k);
}

int ash_segment_array_count(ash_segment *seg) {
  if (seg == NULL)
    return 0;
  (void)ash__map_refresh(seg->map);
  return (int)__atomic_load_n(&seg->map->narrays, __ATOMIC_ACQUIRE);
}

const char *ash_segment_array_name(ash_segment *seg, int index) {
  if (seg == NULL || index < 0)
    return NULL;
  (void)ash__map_refresh(seg->map);
  if ((uint32_t)index >= __atomic_load_n(&seg->map->narrays, __ATOMIC_ACQUIRE))
    return NULL;
  return seg->map->arrays[index]->name;
}

/* ---- arrays ------------------------------------------------------------ */

static uint64_t ash__array_align(uint64_t nbytes) {
  return nbytes >= ASH__LARGE ? ASH__PAGE : ASH__ALIGN;
}

static uint64_t ash__array_alloc(uint64_t nbytes) {
  uint64_t n = ash__round_up(nbytes, ASH__ALIGN);
  return n < ASH__ALIGN ? ASH__ALIGN : n;
}

ash_status ash_arena_bytes_for(int dtype, int ndim, const int64_t *shape,
                               uint64_t *total) {
  if (total == NULL)
    return ash__err(ASH_E_INVAL, "total is NULL");
  uint64_t nbytes;
  int r = ash__shape_nbytes(dtype, ndim, shape, &nbytes, NULL);
  if (r)
    return r;
  uint64_t need = ash__array_alloc(nbytes) +
                  (ash__array_align(nbytes) - ASH__ALIGN); /* worst padding */
  if (!ash__add_u64(*total, need, &need))
    return ash__err(ASH_E_OVERFLOW, "arena total overflows");
  *total = need;
  return ASH_OK;
}

ash_status ash_segment_add_array(ash_segment *seg, const char *name, int dtype,
                                 int ndim, const int64_t *shape, ash_view **out) {
  if (out)
    *out = NULL;
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  ash__map *m = seg->map;
  if (seg->readonly || !m->writable)
    return ash__err(ASH_E_RDONLY, "add array to \"%s\": segment opened read-only",
                    m->name);
  int r = ash__name_check(name, 1);
  if (r)
    return r;
  uint64_t nbytes;
  r = ash__shape_nbytes(dtype, ndim, shape, &nbytes, NULL);
  if (r)
    return r;
  r = ash__hdr_lock(m);
  if (r)
    return r;
  struct ash__hdr *h = (struct ash__hdr *)(void *)m->base;
  uint32_t count = h->dir_count;
  struct ash__entry *dir =
      (struct ash__entry *)(void *)(m->base + m->hdr.dir_offset);
  if (count > m->hdr.dir_cap) {
    r = ash__err(ASH_E_CORRUPT, "segment \"%s\": directory count corrupted",
                 m->name);
    goto out;
  }
  for (uint32_t i = 0; i < count; i++) {
    if (strncmp(dir[i].name, name, sizeof dir[i].name) == 0) {
      r = ash__err(ASH_E_EXIST, "segment \"%s\" already has an array \"%s\"",
                   m->name, name);
      goto out;
    }
  }
  if (count == m->hdr.dir_cap) {
    r = ash__err(ASH_E_FULL, "segment \"%s\": directory full (%u arrays)",
                 m->name, m->hdr.dir_cap);
    goto out;
  }
  uint64_t used = h->arena_used;
  uint64_t start = m->hdr.arena_offset + used;
  uint64_t off = ash__round_up(start, ash__array_align(nbytes));
  uint64_t alloc = ash__array_alloc(nbytes), end;
  if (used > m->hdr.arena_size || !ash__add_u64(off, alloc, &end) ||
      end > m->hdr.total_size) {
    r = ash__err(ASH_E_FULL,
                 "segment \"%s\": array \"%s\" needs %llu bytes, %llu left in "
                 "the arena",
                 m->name, name, (unsigned long long)(alloc + (off - start)),
                 (unsigned long long)(used > m->hdr.arena_size
                                          ? 0
                                          : m->hdr.arena_size - used));
    goto out;
  }
  struct ash__entry *e = &dir[count];
  memset(e, 0, sizeof *e);
  snprintf(e->name, sizeof e->name, "%s", name);
  e->dtype = (uint32_t)dtype;
  e->ndim = (uint32_t)ndim;
  e->offset = off;
  e->nbytes = nbytes;
  if (ndim > 0)
    memcpy(e->shape, shape, sizeof(int64_t) * (size_t)ndim);
  __atomic_store_n(&h->arena_used, end - m->hdr.arena_offset, __ATOMIC_RELEASE);
  __atomic_store_n(&h->dir_count, count + 1, __ATOMIC_RELEASE);
out:
  ash__hdr_unlock(m);
  if (r == ASH_OK && out) {
    r = ash__map_refresh(m);
    if (r == ASH_OK)
      r = ash_segment_view(seg, name, out);
  }
  return r;
}

ash_status ash_segment_view(ash_segment *seg, const char *name, ash_view **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output view pointer is NULL");
  *out = NULL;
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  int r = ash__map_refresh(seg->map);
  if (r)
    return r;
  const struct ash__array *a;
  if (name == NULL || name[0] == '\0') {
    if (__atomic_load_n(&seg->map->narrays, __ATOMIC_ACQUIRE) == 0)
      return ash__err(ASH_E_NOENT, "segment \"%s\" has no arrays",
                      seg->map->name);
    a = seg->map->arrays[0];
  } else {
    a = ash__find_array(seg->map, name);
    if (a == NULL)
      return ash__err(ASH_E_NOENT, "segment \"%s\" has no array \"%s\"",
                      seg->map->name, name);
  }
  return ash__view_new(seg->map, a, seg->readonly, out);
}

/* ---- one-call API -------------------------------------------------------- */

ash_status ash_create(const char *name, int dtype, int ndim, const int64_t *shape,
                      unsigned flags, unsigned mode, ash_view **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output view pointer is NULL");
  *out = NULL;
  uint64_t arena = 0;
  int r = ash_arena_bytes_for(dtype, ndim, shape, &arena);
  if (r)
    return r;
  ash_segment *seg;
  r = ash_segment_create(name, arena, 1, flags & ~(unsigned)ASH_OR_OPEN, mode,
                         &seg);
  if (r)
    return r;
  r = ash_segment_add_array(seg, "data", dtype, ndim, shape, out);
  if (r)
    (void)ash_segment_unlink(seg);
  ash_segment_close(seg);
  return r;
}

ash_status ash_view_segment(const ash_view *v, ash_segment **out) {
  if (out == NULL || v == NULL)
    return ash__err(ASH_E_INVAL, "view or output pointer is NULL");
  ash__map_retain(v->map);
  return ash__segment_wrap(v->map, (v->flags & ASH_VIEW_READONLY) != 0, out);
}

/* ---- garbage collection (called by ash_gc for each listed name) -------- */

/* Under the header lock: frees every dead slot; returns the live count. */
static int ash__reap_locked(ash__map *m) {
  struct ash__slot *slots = ash__slots(m);
  int alive = 0;
  for (uint32_t i = 0; i < m->hdr.attach_cap; i++) {
    if (slots[i].pid == 0)
      continue;
    if (ash__slot_alive(&slots[i]))
      alive++;
    else
      memset(&slots[i], 0, sizeof slots[i]);
  }
  return alive;
}

int ash__gc_one(const char *name, int *reaped);
int ash__gc_one(const char *name, int *reaped) {
  struct ash__loc l;
  int r = ash__loc_make(name, 0, &l);
  if (r)
    return r;
  int fd = ash__loc_open(&l, O_RDWR, 0);
  if (fd < 0) {
    ash__loc_free(&l);
    return ASH_OK; /* gone, or not ours to touch */
  }
  struct stat st;
  uint64_t magic = 0;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    ash__loc_free(&l);
    return ASH_OK;
  }
  ssize_t got = pread(fd, &magic, sizeof magic, 0);
  bool abandoned = (got == 0 || (got == (ssize_t)sizeof magic && magic == 0)) &&
                   time(NULL) - st.st_mtime > 10;
  if (abandoned || (uint64_t)st.st_size < ASH__ATTACH_OFFSET ||
      magic != ASH__MAGIC) {
    close(fd);
    if (abandoned && ash__loc_unlink(&l) == 0)
      (*reaped)++;
    ash__loc_free(&l);
    return ASH_OK;
  }
  uint64_t size = (uint64_t)st.st_size;
  void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (base == MAP_FAILED) {
    ash__loc_free(&l);
    return ASH_OK;
  }
  struct ash__hdr h;
  memcpy(&h, base, sizeof h);
  if (ash__validate_header(&h, size, l.name) != ASH_OK) {
    munmap(base, size);
    ash__loc_free(&l);
    return ASH_OK; /* corrupted or foreign: never removed by gc */
  }
  ash__map *m = ash__map_alloc(&l);
  if (m == NULL) {
    munmap(base, size);
    ash__loc_free(&l);
    return ASH_E_NOMEM;
  }
  m->base = base;
  m->size = size;
  m->dev = st.st_dev;
  m->ino = st.st_ino;
  m->hdr = h;
  m->hdr_rw = true;
  if (ash__hdr_lock(m) == ASH_OK) {
    struct ash__hdr *sh = (struct ash__hdr *)base;
    int alive = ash__reap_locked(m);
    uint32_t state = __atomic_load_n(&sh->state, __ATOMIC_ACQUIRE);
    if ((h.policy == ASH_POLICY_AUTO && alive == 0) ||
        state == ASH__STATE_DOOMED) {
      __atomic_store_n(&sh->state, ASH__STATE_DOOMED, __ATOMIC_RELEASE);
      if (ash__unlink_if_same(m) == ASH_OK)
        (*reaped)++;
    }
    ash__hdr_unlock(m);
  }
  ash__map_free(m);
  ash__loc_free(&l);
  return ASH_OK;
}
