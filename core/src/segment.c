/* SPDX-License-Identifier: MIT */
/* Segments: create, open (validate, attach), close (detach), unlink. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
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

/* fork(): the child shares its parent's open file descriptions, and with
 * them the parent's slot locks. The child closes its copies, so that a
 * parent that dies is seen dead even while children it forked live on.
 * Views inherited by the child keep working (the mapping is inherited);
 * header operations on inherited handles report ASH_E_INVAL. */
static void ash__fork_prepare(void) { pthread_mutex_lock(&ash__cache_lock); }
static void ash__fork_parent(void) { pthread_mutex_unlock(&ash__cache_lock); }
static void ash__fork_child(void) {
  for (ash__map *m = ash__cache; m; m = m->next) {
    if (m->fd >= 0)
      close(m->fd);
    m->fd = -1;
    m->attached = false;
  }
  pthread_mutex_unlock(&ash__cache_lock);
}
static pthread_once_t ash__fork_once = PTHREAD_ONCE_INIT;
static void ash__fork_register(void) {
  pthread_atfork(ash__fork_prepare, ash__fork_parent, ash__fork_child);
}

static void ash__cache_add(ash__map *m) {
  pthread_once(&ash__fork_once, ash__fork_register);
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

/* Takes a reference on a cached map unless its last one is already being
 * dropped (then the map is about to leave the cache: not usable). */
static bool ash__map_try_retain(ash__map *m) {
  long r = atomic_load(&m->refs);
  while (r > 0 && !atomic_compare_exchange_weak(&m->refs, &r, r + 1))
    ;
  return r > 0;
}

/* Finds an attached mapping of the same object usable for this open and
 * retains it. */
static ash__map *ash__cache_find(int backend, dev_t dev, ino_t ino,
                                 bool want_write) {
  ash__map *found = NULL;
  pid_t me = ash__getpid();
  pthread_mutex_lock(&ash__cache_lock);
  for (ash__map *m = ash__cache; m; m = m->next) {
    if (m->backend != backend || m->dev != dev || m->ino != ino ||
        m->owner != me || (want_write && !m->writable))
      continue;
    if (ash__map_try_retain(m)) {
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

/* ---- header I/O: pread/pwrite under an OFD lock --------------------------- */

static int ash__need_fd(ash__map *m);

static int ash__pread(ash__map *m, void *buf, size_t n, uint64_t off) {
  if (m->fd < 0)
    return ash__need_fd(m);
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(m->fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return ash__err(r == 0 ? ASH_E_TRUNC : ASH_E_SYS,
                      "read header of \"%s\": %s", m->name,
                      r == 0 ? "segment truncated" : strerror(errno));
    done += (size_t)r;
  }
  return ASH_OK;
}

static int ash__pwrite(ash__map *m, const void *buf, size_t n, uint64_t off) {
  if (m->fd < 0)
    return ash__need_fd(m);
  size_t done = 0;
  while (done < n) {
    ssize_t r =
        pwrite(m->fd, (const uint8_t *)buf + done, n - done, (off_t)(off + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return ash__syserr(r == 0 ? EIO : errno, "write header of", m->name);
    done += (size_t)r;
  }
  return ASH_OK;
}

/* OFD byte-range locks (fcntl F_OFD_*): owned by the open file description,
 * dropped by the kernel when the last descriptor to it closes, including
 * when the process dies. Byte lock_offset guards header updates; the first
 * byte of each attach slot is held by that slot's attacher for as long as it
 * is attached, so "locked" means "alive" (no /proc scan, no pid reuse). */
static int ash__lockop(int fd, short type, uint64_t start, uint64_t len,
                       bool wait) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)start;
  fl.l_len = (off_t)len;
  int r;
  do
    r = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
  while (r != 0 && errno == EINTR);
  return r;
}

/* 1 when another open file description holds a lock in [start, start+len). */
static int ash__probe(int fd, uint64_t start, uint64_t len) {
  struct flock fl;
  memset(&fl, 0, sizeof fl); /* l_pid must be 0 for F_OFD_GETLK */
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)start;
  fl.l_len = (off_t)len;
  if (fcntl(fd, F_OFD_GETLK, &fl) != 0)
    return 1; /* cannot tell: assume alive, never reap on doubt */
  return fl.l_type != F_UNLCK;
}

static int ash__need_fd(ash__map *m) {
  if (m->fd < 0)
    return ash__err(ASH_E_INVAL,
                    "segment \"%s\": this handle was inherited across fork(); "
                    "open the segment again in this process",
                    m->name);
  return ASH_OK;
}

static int ash__hdr_lock(ash__map *m) {
  int r = ash__need_fd(m);
  if (r)
    return r;
  if (ash__lockop(m->fd, F_WRLCK, ASH__LOCK_OFFSET, 1, true) != 0)
    return ash__syserr(errno, "lock", m->name);
  return ASH_OK;
}

static void ash__hdr_unlock(ash__map *m) {
  (void)ash__lockop(m->fd, F_UNLCK, ASH__LOCK_OFFSET, 1, false);
}

static uint64_t ash__slot_off(const ash__map *m, uint32_t i) {
  return m->hdr.attach_offset + (uint64_t)i * ASH__SLOT_SIZE;
}

/* 1 alive, 0 dead: the slot's lock byte is held (by someone else, or it is
 * this map's own slot). */
static int ash__slot_alive(ash__map *m, uint32_t i) {
  if (m->attached && (int)i == m->slot)
    return 1;
  return ash__probe(m->fd, ash__slot_off(m, i), 1);
}

static uint64_t ash__slots_bytes(const ash__map *m) {
  return (uint64_t)m->hdr.attach_cap * ASH__SLOT_SIZE;
}

/* Reads the attach table into a malloc'd array. */
static int ash__read_slots(ash__map *m, struct ash__slot **out) {
  int r = ash__need_fd(m);
  if (r)
    return r;
  struct ash__slot *s = malloc(ash__slots_bytes(m));
  if (s == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  r = ash__pread(m, s, ash__slots_bytes(m), m->hdr.attach_offset);
  if (r) {
    free(s);
    return r;
  }
  *out = s;
  return ASH_OK;
}

static int ash__write_slot(ash__map *m, int i, const struct ash__slot *s) {
  return ash__pwrite(m, s, sizeof *s, ash__slot_off(m, (uint32_t)i));
}

/* Under the header lock: clears the records of dead attachers; returns how
 * many recorded attachers live. */
static int ash__reap_locked(ash__map *m) {
  struct ash__slot *slots;
  if (ash__read_slots(m, &slots) != ASH_OK)
    return 1; /* cannot tell: assume somebody lives */
  int alive = 0;
  static const struct ash__slot zero;
  for (uint32_t i = 0; i < m->hdr.attach_cap; i++) {
    if (slots[i].pid == 0)
      continue;
    if (ash__slot_alive(m, i))
      alive++;
    else
      (void)ash__write_slot(m, (int)i, &zero);
  }
  free(slots);
  return alive;
}

/* Does any open file description other than ours hold a slot lock? This
 * also sees uncounted readers (read permission only) and, with @include_own,
 * nothing of ours. One system call. */
static bool ash__anyone_attached(ash__map *m) {
  return ash__probe(m->fd, m->hdr.attach_offset, ash__slots_bytes(m));
}

/* Claims a slot: locks its byte without waiting (the lock is the claim),
 * preferring @first, then free-looking slots of @table. Returns the index
 * or a negative error. */
static int ash__slot_claim(ash__map *m, const struct ash__slot *table,
                           int first) {
  short type = m->fd_rw ? F_WRLCK : F_RDLCK;
  uint32_t cap = m->hdr.attach_cap;
  if (first >= 0 && (uint32_t)first < cap &&
      ash__lockop(m->fd, type, ash__slot_off(m, (uint32_t)first), 1, false) == 0)
    return first;
  for (int pass = 0; pass < 2; pass++) {
    for (uint32_t i = 0; i < cap; i++) {
      if ((int)i == first || (pass == 0 && table && table[i].pid != 0))
        continue;
      if (ash__lockop(m->fd, type, ash__slot_off(m, i), 1, false) == 0)
        return (int)i;
    }
  }
  return ash__err(ASH_E_FULL,
                  "segment \"%s\": attach table full (%u live attachers)",
                  m->name, cap);
}

static int ash__set_state_locked(ash__map *m, uint32_t state) {
  return ash__pwrite(m, &state, sizeof state, offsetof(struct ash__hdr, state));
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
  } else {
    m->unlinked = true;
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
  if (h->lock_kind != ASH__LOCK_KIND_OFD)
    return ash__err(ASH_E_VERSION, "segment \"%s\": unknown lock kind %u", name,
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

/* Copies newly published directory entries into private memory. @buf, when
 * not NULL, holds the first @buflen bytes of the segment (read under the
 * lock at open) and saves a read per entry. */
static int ash__map_ingest(ash__map *m, uint32_t n, const uint8_t *buf,
                           uint64_t buflen) {
  int r = ASH_OK;
  if (n > m->hdr.dir_cap)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": directory count %u exceeds capacity %u",
                    m->name, n, m->hdr.dir_cap);
  pthread_mutex_lock(&m->lock);
  while (m->narrays < n) {
    uint32_t i = m->narrays;
    struct ash__array *a = malloc(sizeof *a);
    struct ash__entry e;
    if (a == NULL) {
      r = ash__err(ASH_E_NOMEM, "out of memory");
      break;
    }
    uint64_t off = m->hdr.dir_offset + (uint64_t)i * ASH__ENTRY_SIZE;
    if (buf && off + sizeof e <= buflen)
      memcpy(&e, buf + off, sizeof e);
    else
      r = ash__pread(m, &e, sizeof e, off);
    if (r == ASH_OK)
      r = ash__validate_entry(m, &e, i, a);
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

int ash__map_refresh(ash__map *m) {
  uint32_t n;
  int r = ash__pread(m, &n, sizeof n, offsetof(struct ash__hdr, dir_count));
  return r ? r : ash__map_ingest(m, n, NULL, 0);
}

const struct ash__array *ash__find_array(ash__map *m, const char *name) {
  uint32_t n = __atomic_load_n(&m->narrays, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < n; i++)
    if (strcmp(m->arrays[i]->name, name) == 0)
      return m->arrays[i];
  return NULL;
}

/* ---- map objects ------------------------------------------------------ */

static ash__map *ash__map_alloc(const struct ash__loc *l, int fd) {
  ash__map *m = calloc(1, sizeof *m);
  if (m == NULL)
    return NULL;
  atomic_init(&m->refs, 1);
  pthread_mutex_init(&m->lock, NULL);
  m->backend = l->backend;
  m->name = strdup(l->name);
  m->path = strdup(l->path);
  m->fd = fd;
  m->slot = -1;
  m->owner = ash__getpid();
  if (!m->name || !m->path) {
    free(m->name);
    free(m->path);
    free(m);
    return NULL;
  }
  return m;
}

/* Frees the map; closes its descriptor. */
static void ash__map_free(ash__map *m) {
  if (m->arrays) {
    for (uint32_t i = 0; i < m->narrays; i++)
      free(m->arrays[i]);
    free(m->arrays);
  }
  if (m->map_addr)
    munmap(m->map_addr, m->map_len);
  if (m->fd >= 0)
    close(m->fd);
  pthread_mutex_destroy(&m->lock);
  free(m->name);
  free(m->path);
  free(m);
}

void ash__map_retain(ash__map *m) { atomic_fetch_add(&m->refs, 1); }

static void ash__detach(ash__map *m) {
  if (!m->attached || m->owner != ash__getpid() || m->fd < 0)
    return;
  static const struct ash__slot zero;
  /* Drop our slot lock explicitly: a mapping keeps its open file description
   * alive, and a fork child inherits our mappings, so closing the descriptor
   * alone would leave the lock held as long as such a child lives. */
  (void)ash__lockop(m->fd, F_UNLCK, ash__slot_off(m, (uint32_t)m->slot), 1,
                    false);
  if (m->hdr.policy == ASH_POLICY_PERSIST || !m->fd_rw) {
    if (m->fd_rw)
      (void)ash__write_slot(m, m->slot, &zero);
    return;
  }
  /* auto: the last attacher to leave unlinks. Doomed first, then look for
   * anyone else: an attacher that locked its slot before our look is seen
   * (we undo); one that locks after it reads "doomed" and goes away. */
  /* Under the header lock the state is "ready": only a last attacher or gc
   * dooms a segment, both under this lock, and gc never dooms a segment
   * whose slot we hold. Our record is cleared only if the segment stays. */
  if (m->unlinked) /* the name is gone: nothing to unlink, nobody to tell */
    return;
  if (ash__hdr_lock(m) != ASH_OK)
    return;
  m->attached = false;
  (void)ash__set_state_locked(m, ASH__STATE_DOOMED);
  if (ash__anyone_attached(m)) {
    (void)ash__set_state_locked(m, ASH__STATE_READY);
    (void)ash__write_slot(m, m->slot, &zero);
  } else {
    (void)ash__unlink_if_same(m); /* someone may have unlinked it already */
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

static int ash__map_finish(ash__map *m, const uint8_t *buf, uint64_t buflen) {
  m->arrays = calloc(m->hdr.dir_cap, sizeof *m->arrays);
  if (m->arrays == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  if (buf == NULL)
    return ash__map_refresh(m);
  return ash__map_ingest(m, m->hdr.dir_count, buf, buflen);
}

static int ash__map_arena(ash__map *m) {
  int prot = PROT_READ | (m->writable ? PROT_WRITE : 0);
  void *base = mmap(NULL, m->hdr.arena_size, prot, MAP_SHARED, m->fd,
                    (off_t)m->hdr.arena_offset);
  if (base == MAP_FAILED)
    return ash__syserr(errno, "mmap", m->name);
  m->base = m->map_addr = base;
  m->size = m->map_len = m->hdr.arena_size;
  return ASH_OK;
}

/* ---- open ------------------------------------------------------------- */

enum { ASH__RETRY = 1 }; /* internal: try the whole open again */

static void ash__backoff(int attempt) {
  struct timespec ts = {0, 20000L << (attempt < 9 ? attempt : 9)};
  nanosleep(&ts, NULL);
}

static int ash__open_error(const struct ash__loc *l, int e) {
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

/* One attempt; returns ASH_OK, an error, or ASH__RETRY. */
static int ash__open_once(const struct ash__loc *l, unsigned flags,
                          ash__map **out) {
  bool noattach = flags & ASH_NOATTACH;
  bool want_write = !(flags & (ASH_RDONLY | ASH_NOATTACH));
  bool rw = !noattach;
  int fd = ash__loc_open(l, rw ? O_RDWR : O_RDONLY, 0);
  if (fd < 0 && rw && errno == EACCES && (flags & ASH_RDONLY)) {
    /* Read permission only: a reader that cannot be counted as attacher. */
    rw = false;
    fd = ash__loc_open(l, O_RDONLY, 0);
  }
  if (fd < 0)
    return ash__open_error(l, errno);
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
  bool attach = rw;
  if (attach) {
    ash__map *c = ash__cache_find(l->backend, st.st_dev, st.st_ino, want_write);
    if (c) {
      close(fd);
      *out = c;
      return ASH_OK;
    }
  }
  ash__map *m = ash__map_alloc(l, fd);
  if (m == NULL) {
    close(fd);
    return ash__err(ASH_E_NOMEM, "out of memory");
  }
  m->dev = st.st_dev;
  m->ino = st.st_ino;
  m->fd_rw = rw;
  m->writable = want_write;
  uint64_t size = (uint64_t)st.st_size;
  int r;
  if (size < ASH__ATTACH_OFFSET) {
    uint64_t magic = 0;
    ssize_t got = pread(fd, &magic, sizeof magic, 0);
    ash__map_free(m);
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
  /* Claim a slot before reading the header, so that the state we read is
   * not older than our claim (see ash__detach). First guess: pid % 128. */
  int slot = -1;
  m->hdr.attach_offset = ASH__ATTACH_OFFSET; /* fixed by the format */
  m->hdr.attach_cap = ASH__ATTACH_CAP;        /* checked once read */
  if (attach) {
    slot = ash__slot_claim(m, NULL, (int)(ash__getpid() % ASH__ATTACH_CAP));
    if (slot < 0) {
      ash__map_free(m);
      return slot;
    }
  }
  /* One read for the header, the attach table and (most of) the
   * directory: every system call counts on this path. */
  uint8_t stackbuf[4096];
  uint64_t buflen = size < sizeof stackbuf ? size : sizeof stackbuf;
  struct ash__hdr h;
  r = ash__pread(m, stackbuf, (size_t)buflen, 0);
  memcpy(&h, stackbuf, sizeof h);
  if (r == ASH_OK && h.magic == 0)
    r = ASH__RETRY; /* being created: the magic is published last */
  if (r == ASH_OK)
    r = ash__validate_header(&h, size, l->name);
  if (r == ASH_OK && h.state == ASH__STATE_DOOMED)
    r = ASH__RETRY; /* being removed; the name may come back */
  if (r == ASH_OK) {
    m->hdr = h;
    if (attach && (uint32_t)slot >= h.attach_cap) {
      /* The guess lies beyond this segment's table: claim a real slot. */
      bool have = h.attach_offset + ash__slots_bytes(m) <= buflen;
      int again = ash__slot_claim(
          m, have ? (const struct ash__slot *)(const void *)(stackbuf +
                                                              h.attach_offset)
                  : NULL,
          -1);
      (void)ash__lockop(m->fd, F_UNLCK, ASH__ATTACH_OFFSET +
                                            (uint64_t)slot * ASH__SLOT_SIZE,
                        1, false);
      slot = again;
      if (slot < 0)
        r = slot;
    }
  }
  if (r == ASH_OK && attach) {
    m->slot = slot;
    m->attached = true;
    if (m->fd_rw) {
      struct ash__slot mine = {(int32_t)ash__getpid(), 0, ash__self_start()};
      r = ash__write_slot(m, slot, &mine);
    }
  }
  if (r == ASH_OK)
    r = ash__map_arena(m);
  if (r == ASH_OK)
    r = ash__map_finish(m, stackbuf, buflen);
  if (r) {
    if (m->attached && m->fd_rw) {
      static const struct ash__slot zero;
      (void)ash__write_slot(m, m->slot, &zero);
    }
    ash__map_free(m); /* closing the descriptor drops the slot lock */
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

/* Opens the segment a descriptor with "gen=" names: the one created at
 * @gen (ns since the epoch). A mapping of it this process already holds is
 * reused without a system call (a worker receiving many descriptors of one
 * segment); otherwise it is opened by name and refused if the name now
 * refers to a segment created at another time. */
int ash__open_gen(const char *name, unsigned flags, int64_t gen,
                  ash_segment **out) {
  *out = NULL;
  struct ash__loc l;
  int r = ash__loc_make(name, flags, &l);
  if (r)
    return r;
  bool want_write = !(flags & (ASH_RDONLY | ASH_NOATTACH));
  ash__map *found = NULL;
  pid_t me = ash__getpid();
  pthread_mutex_lock(&ash__cache_lock);
  for (ash__map *m = ash__cache; m && !found; m = m->next) {
    if (m->backend != l.backend || m->owner != me || !m->attached ||
        m->hdr.ctime_ns != gen || (want_write && !m->writable) ||
        strcmp(m->name, l.name) != 0)
      continue;
    if (ash__map_try_retain(m))
      found = m;
  }
  pthread_mutex_unlock(&ash__cache_lock);
  ash__loc_free(&l);
  if (found)
    return ash__segment_wrap(found, (flags & (ASH_RDONLY | ASH_NOATTACH)) != 0,
                             out);
  r = ash_segment_open(name, flags, out);
  if (r == ASH_OK && (*out)->map->hdr.ctime_ns != gen) {
    long long now = (long long)(*out)->map->hdr.ctime_ns;
    ash_segment_close(*out);
    *out = NULL;
    return ash__err(ASH_E_NOENT,
                    "segment \"%s\" was re-created since the descriptor was "
                    "made (generation %lld, now %lld)",
                    name, (long long)gen, now);
  }
  return r;
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

/* The array ash_create() puts in the directory before the segment is
 * published, saving the add-array round trip. */
struct ash__first {
  const char *name;
  int dtype, ndim;
  const int64_t *shape;
  uint64_t nbytes;
};

static uint64_t ash__array_alloc(uint64_t nbytes);

static ash_status ash__create(const char *name, uint64_t arena_bytes,
                              uint32_t max_arrays, unsigned flags,
                              unsigned mode, const struct ash__first *first,
                              ash_segment **out);

ash_status ash_segment_create(const char *name, uint64_t arena_bytes,
                              uint32_t max_arrays, unsigned flags,
                              unsigned mode, ash_segment **out) {
  return ash__create(name, arena_bytes, max_arrays, flags, mode, NULL, out);
}

static ash_status ash__create(const char *name, uint64_t arena_bytes,
                              uint32_t max_arrays, unsigned flags,
                              unsigned mode, const struct ash__first *first,
                              ash_segment **out) {
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
  uint64_t arena = ash__round_up(arena_bytes ? arena_bytes : 1, ASH__PAGE);
  uint64_t total;
  if (arena_bytes > (UINT64_C(1) << 62) ||
      !ash__add_u64(arena_offset, arena, &total) ||
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
    ash__map *m = ash__map_alloc(&l, fd);
    uint8_t *hdrbuf = calloc(1, arena_offset);
    struct stat st;
    if (m == NULL || hdrbuf == NULL) {
      r = ash__err(ASH_E_NOMEM, "out of memory");
      goto fail;
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
      goto fail;
    }
    if (fstat(fd, &st) != 0) {
      r = ash__syserr(errno, "fstat", l.name);
      goto fail;
    }
    /* The umask may have removed bits: the mode is applied exactly. */
    if ((st.st_mode & 07777) != mode && fchmod(fd, mode) != 0) {
      r = ash__syserr(errno, "chmod", l.name);
      goto fail;
    }
    struct ash__hdr *h = (struct ash__hdr *)(void *)hdrbuf;
    h->fmt_major = ASH_FORMAT_MAJOR;
    h->fmt_minor = ASH_FORMAT_MINOR;
    h->byte_order = ASH__BYTE_ORDER_LE;
    h->lock_kind = ASH__LOCK_KIND_OFD;
    h->header_size = (uint32_t)arena_offset;
    h->state = ASH__STATE_READY;
    h->total_size = total;
    h->arena_offset = arena_offset;
    h->arena_size = total - arena_offset;
    h->ctime_ns = ash__now_ns();
    h->creator_pid = ash__getpid();
    h->creator_start = ash__self_start();
    h->creator_uid = (uint32_t)geteuid();
    h->policy = (flags & ASH_PERSIST) ? ASH_POLICY_PERSIST : ASH_POLICY_AUTO;
    h->attach_cap = ASH__ATTACH_CAP;
    h->attach_offset = ASH__ATTACH_OFFSET;
    h->dir_cap = max_arrays;
    h->dir_offset = dir_offset;
    h->entry_size = ASH__ENTRY_SIZE;
    h->lock_offset = ASH__LOCK_OFFSET;
    h->slot_size = ASH__SLOT_SIZE;
    snprintf(h->name, sizeof h->name, "%s",
             l.backend == ASH__BACKEND_SHM ? l.name : "");
    if (first) { /* the directory entry, published with the header */
      struct ash__entry *e = (struct ash__entry *)(void *)(hdrbuf + dir_offset);
      uint64_t alloc = ash__array_alloc(first->nbytes);
      if (alloc > h->arena_size) {
        r = ash__err(ASH_E_FULL, "create \"%s\": arena too small", l.name);
        goto fail;
      }
      snprintf(e->name, sizeof e->name, "%s", first->name);
      e->dtype = (uint32_t)first->dtype;
      e->ndim = (uint32_t)first->ndim;
      e->offset = arena_offset;
      e->nbytes = first->nbytes;
      if (first->ndim > 0)
        memcpy(e->shape, first->shape, sizeof(int64_t) * (size_t)first->ndim);
      h->arena_used = alloc;
      h->dir_count = 1;
    }
    struct ash__slot *slot0 = (struct ash__slot *)(void *)(hdrbuf + ASH__ATTACH_OFFSET);
    slot0->pid = (int32_t)ash__getpid();
    slot0->start = ash__self_start();
    m->dev = st.st_dev;
    m->ino = st.st_ino;
    m->hdr = *h;
    m->fd_rw = m->writable = m->attached = true;
    m->slot = 0;
    /* Our claim on slot 0: a fresh file, nobody else can hold it. */
    if (ash__lockop(fd, F_WRLCK, ASH__ATTACH_OFFSET, 1, false) != 0) {
      r = ash__syserr(errno, "lock", l.name);
      goto fail;
    }
    /* The creator maps the whole segment once and writes the header through
     * it (a page fault on a page posix_fallocate made costs less than two
     * pwrite calls); everyone else maps the arena alone. */
    uint8_t *all = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (all == MAP_FAILED) {
      r = ash__syserr(errno, "mmap", l.name);
      goto fail;
    }
    m->map_addr = all;
    m->map_len = total;
    m->base = all + arena_offset;
    m->size = total - arena_offset;
    /* Everything but the magic, then the magic: openers treat a zero magic
     * as "being created" and wait. */
    memcpy(all + 8, hdrbuf + 8, arena_offset - 8);
    __atomic_store_n((uint64_t *)(void *)all, ASH__MAGIC, __ATOMIC_RELEASE);
    m->hdr.magic = ASH__MAGIC;
    r = ASH_OK;
    if (r == ASH_OK)
      r = ash__map_finish(m, hdrbuf, arena_offset);
    if (r)
      goto fail;
    free(hdrbuf);
    ash__cache_add(m);
    ash__loc_free(&l);
    return ash__segment_wrap(m, false, out);

  fail:
    ash__loc_unlink(&l);
    free(hdrbuf);
    if (m) {
      m->attached = false;
      ash__map_free(m);
    } else {
      close(fd);
    }
    ash__loc_free(&l);
    return r;
  }
}

/* ---- unlink ------------------------------------------------------------ */

/* A mapped segment of this process whose name still refers to it: its
 * header was validated, so it may be unlinked without opening it again. */
static ash__map *ash__cache_by_name(const struct ash__loc *l) {
  struct stat st;
  if (stat(l->stat_path, &st) != 0)
    return NULL;
  ash__map *m = ash__cache_find(l->backend, st.st_dev, st.st_ino, false);
  return m;
}

ash_status ash_unlink(const char *name, unsigned flags) {
  struct ash__loc l;
  int r = ash__loc_make(name, flags, &l);
  if (r)
    return r;
  ash__map *known = ash__cache_by_name(&l);
  if (known) {
    if (ash__loc_unlink(&l) != 0)
      r = ash__syserr(errno, "unlink", l.name);
    else
      known->unlinked = true;
    ash__map_release(known);
    ash__loc_free(&l);
    return r;
  }
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
  uint64_t used = 0;
  if (ash__pread(seg->map, &used, sizeof used,
                 offsetof(struct ash__hdr, arena_used)) != ASH_OK)
    return 0;
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

/* Walks the attach table's recorded entries: counts live and dead ones, and
 * reports entry @want (-1: none) in *@pid, *@is_alive. Returns the number
 * of entries, or a negative error. */
static int ash__scan_attachers(ash_segment *seg, int want, int *alive,
                               int *dead, int64_t *pid, int *is_alive) {
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  struct ash__slot *slots;
  int r = ash__read_slots(seg->map, &slots);
  if (r)
    return r;
  int k = 0, a = 0, d = 0;
  for (uint32_t i = 0; i < seg->map->hdr.attach_cap; i++) {
    if (slots[i].pid == 0)
      continue;
    int live = ash__slot_alive(seg->map, i);
    if (live)
      a++;
    else
      d++;
    if (k++ == want) {
      *pid = slots[i].pid;
      *is_alive = live;
    }
  }
  free(slots);
  if (alive)
    *alive = a;
  if (dead)
    *dead = d;
  return k;
}

ash_status ash_segment_attachers(ash_segment *seg, int *alive, int *dead) {
  int n = ash__scan_attachers(seg, -1, alive, dead, NULL, NULL);
  return n < 0 ? n : ASH_OK;
}

ash_status ash_segment_attacher(ash_segment *seg, int index, int64_t *pid,
                                int *alive) {
  int64_t p = 0;
  int live = 0;
  int n = ash__scan_attachers(seg, index, NULL, NULL, &p, &live);
  if (n < 0)
    return n;
  if (index < 0 || index >= n)
    return ash__err(ASH_E_INDEX, "attacher index %d: the table has %d entries",
                    index, n);
  if (pid)
    *pid = p;
  if (alive)
    *alive = live;
  return ASH_OK;
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
  if ((uint32_t)index >= __atomic_load_n(&seg->map->narrays, __ATOMIC_ACQUIRE))
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

static int ash__add_locked(ash__map *m, const char *name, int dtype, int ndim,
                           const int64_t *shape, uint64_t nbytes) {
  struct ash__hdr h;
  int r = ash__pread(m, &h, sizeof h, 0);
  if (r)
    return r;
  uint32_t count = h.dir_count;
  if (count > m->hdr.dir_cap)
    return ash__err(ASH_E_CORRUPT, "segment \"%s\": directory count corrupted",
                    m->name);
  for (uint32_t i = 0; i < count; i++) {
    char other[64];
    r = ash__pread(m, other, sizeof other,
                   m->hdr.dir_offset + (uint64_t)i * ASH__ENTRY_SIZE);
    if (r)
      return r;
    if (strncmp(other, name, sizeof other) == 0)
      return ash__err(ASH_E_EXIST, "segment \"%s\" already has an array \"%s\"",
                      m->name, name);
  }
  if (count == m->hdr.dir_cap)
    return ash__err(ASH_E_FULL, "segment \"%s\": directory full (%u arrays)",
                    m->name, m->hdr.dir_cap);
  uint64_t used = h.arena_used;
  uint64_t start = m->hdr.arena_offset + used;
  uint64_t off = ash__round_up(start, ash__array_align(nbytes));
  uint64_t alloc = ash__array_alloc(nbytes), end;
  if (used > m->hdr.arena_size || !ash__add_u64(off, alloc, &end) ||
      end > m->hdr.total_size)
    return ash__err(ASH_E_FULL,
                    "segment \"%s\": array \"%s\" needs %llu bytes, %llu left in "
                    "the arena",
                    m->name, name, (unsigned long long)(alloc + (off - start)),
                    (unsigned long long)(used > m->hdr.arena_size
                                             ? 0
                                             : m->hdr.arena_size - used));
  struct ash__entry e;
  memset(&e, 0, sizeof e);
  snprintf(e.name, sizeof e.name, "%s", name);
  e.dtype = (uint32_t)dtype;
  e.ndim = (uint32_t)ndim;
  e.offset = off;
  e.nbytes = nbytes;
  if (ndim > 0)
    memcpy(e.shape, shape, sizeof(int64_t) * (size_t)ndim);
  /* The entry first, then the counters that publish it. */
  r = ash__pwrite(m, &e, sizeof e,
                  m->hdr.dir_offset + (uint64_t)count * ASH__ENTRY_SIZE);
  if (r)
    return r;
  uint64_t new_used = end - m->hdr.arena_offset;
  r = ash__pwrite(m, &new_used, sizeof new_used,
                  offsetof(struct ash__hdr, arena_used));
  count++;
  if (r == ASH_OK)
    r = ash__pwrite(m, &count, sizeof count, offsetof(struct ash__hdr, dir_count));
  return r;
}

ash_status ash_segment_add_array(ash_segment *seg, const char *name, int dtype,
                                 int ndim, const int64_t *shape, ash_view **out) {
  if (out)
    *out = NULL;
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  ash__map *m = seg->map;
  if (seg->readonly || !m->writable || !m->fd_rw)
    return ash__err(ASH_E_RDONLY, "add array to \"%s\": segment opened read-only",
                    m->name);
  int r = ash__name_check(name, 1);
  if (r)
    return r;
  uint64_t nbytes;
  r = ash__shape_nbytes(dtype, ndim, shape, &nbytes, NULL);
  if (r)
    return r;
  if ((r = ash__hdr_lock(m)))
    return r;
  r = ash__add_locked(m, name, dtype, ndim, shape, nbytes);
  ash__hdr_unlock(m);
  if (r == ASH_OK)
    r = ash__map_refresh(m);
  if (r == ASH_OK && out)
    r = ash_segment_view(seg, name, out);
  return r;
}

ash_status ash_segment_view(ash_segment *seg, const char *name, ash_view **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output view pointer is NULL");
  *out = NULL;
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  ash__map *m = seg->map;
  bool first = name == NULL || name[0] == '\0';
  const struct ash__array *a = NULL;
  for (int pass = 0; pass < 2 && a == NULL; pass++) {
    if (pass == 1) { /* not known yet: another process may have added it */
      int r = ash__map_refresh(m);
      if (r)
        return r;
    }
    if (first)
      a = __atomic_load_n(&m->narrays, __ATOMIC_ACQUIRE) ? m->arrays[0] : NULL;
    else
      a = ash__find_array(m, name);
  }
  if (a == NULL && first)
    return ash__err(ASH_E_NOENT, "segment \"%s\" has no arrays", m->name);
  if (a == NULL)
    return ash__err(ASH_E_NOENT, "segment \"%s\" has no array \"%s\"", m->name,
                    name);
  return ash__view_new(m, a, seg->readonly, out);
}

/* ---- one-call API -------------------------------------------------------- */

ash_status ash_create(const char *name, int dtype, int ndim, const int64_t *shape,
                      unsigned flags, unsigned mode, ash_view **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output view pointer is NULL");
  *out = NULL;
  if (flags & ASH_OR_OPEN)
    return ash__err(ASH_E_INVAL,
                    "ash_create is exclusive: use ash_attach to open an existing "
                    "array");
  uint64_t arena = 0, nbytes;
  int r = ash_arena_bytes_for(dtype, ndim, shape, &arena);
  if (r)
    return r;
  r = ash__shape_nbytes(dtype, ndim, shape, &nbytes, NULL);
  if (r)
    return r;
  struct ash__first first = {"data", dtype, ndim, shape, nbytes};
  ash_segment *seg;
  r = ash__create(name, arena, 1, flags, mode, &first, &seg);
  if (r)
    return r;
  r = ash_segment_view(seg, "data", out);
  if (r)
    (void)ash_segment_unlink(seg);
  ash_segment_close(seg);
  return r;
}

ash_status ash_view_segment(const ash_view *v, ash_segment **out) {
  if (out == NULL || v == NULL)
    return ash__err(ASH_E_INVAL, "view or output pointer is NULL");
  *out = NULL;
  ash__map_retain(v->map);
  return ash__segment_wrap(v->map, (v->flags & ASH_VIEW_READONLY) != 0, out);
}

/* ---- garbage collection (called by ash_gc for each listed name) -------- */

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
  ash__map *m = ash__map_alloc(&l, fd);
  if (m == NULL) {
    close(fd);
    ash__loc_free(&l);
    return ASH_E_NOMEM;
  }
  m->dev = st.st_dev;
  m->ino = st.st_ino;
  m->fd_rw = true;
  if (ash__hdr_lock(m) == ASH_OK) {
    struct ash__hdr h;
    if (ash__pread(m, &h, sizeof h, 0) == ASH_OK &&
        ash__validate_header(&h, (uint64_t)st.st_size, l.name) == ASH_OK) {
      m->hdr = h; /* corrupted or foreign segments are never removed */
      int alive = ash__reap_locked(m);
      if (h.state == ASH__STATE_DOOMED ||
          (h.policy == ASH_POLICY_AUTO && alive == 0)) {
        (void)ash__set_state_locked(m, ASH__STATE_DOOMED);
        if (h.state != ASH__STATE_DOOMED && ash__anyone_attached(m)) {
          (void)ash__set_state_locked(m, ASH__STATE_READY);
        } else if (ash__unlink_if_same(m) == ASH_OK) {
          (*reaped)++;
        }
      }
    }
    ash__hdr_unlock(m);
  }
  ash__map_free(m);
  ash__loc_free(&l);
  return ASH_OK;
}
