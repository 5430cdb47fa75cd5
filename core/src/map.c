/* SPDX-License-Identifier: MIT */
/* Mappings: one per segment per process, shared by handles and views.
 *
 * A map holds the segment's descriptor and one mapping of the whole segment
 * (header, tables, arena). It is reference counted by the handles and views
 * of this process; the references that may write are counted apart, and the
 * arena is mapped writable exactly while one of them exists (the read-only
 * model, docs/c-api.md).
 *
 * The process-wide list holds the maps in use and up to ASH__CACHE_MAX
 * recently released ones. A released map has detached (no attach slot: it
 * does not keep an "auto" segment alive) but keeps its mapping, so that
 * using the segment again (a worker receiving descriptors) costs a slot
 * claim instead of an open and a mapping. A cached map whose segment lost
 * its name is dropped at the next look (at most every 100 ms), so the cache
 * never pins the memory of a removed segment for long.
 *
 * fork(): the child shares its parent's open file descriptions, and with
 * them the parent's slot locks. The child gives every inherited map a file
 * description of its own (and maps it anew at the same address), so the
 * parent's death is seen even while children it forked live on. Inherited
 * handles and views keep working but do not count (arefs): the child
 * attaches when it opens the segment itself, and detaches when those
 * references go, whatever happens to the inherited ones. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "internal.h"

#define ASH__CACHE_MAX 8
#define ASH__CACHE_CHECK_NS 100000000LL /* 100 ms */

static pthread_mutex_t ash__list_lock = PTHREAD_MUTEX_INITIALIZER;
static ash__map *ash__list; /* most recently used first */
static int ash__ncached;
static int64_t ash__cache_checked;

/* ---- map objects ------------------------------------------------------- */

ash__map *ash__map_new(const char *name, int backend, int fd, bool fd_rw) {
  ash__map *m = calloc(1, sizeof *m);
  if (m == NULL)
    return NULL;
  m->name = strdup(name);
  if (m->name == NULL) {
    free(m);
    return NULL;
  }
  atomic_init(&m->refs, 1);
  atomic_init(&m->arefs, 0);
  atomic_init(&m->writers, 0);
  pthread_mutex_init(&m->lock, NULL);
  m->backend = backend;
  m->fd = fd;
  m->fd_rw = fd_rw;
  m->slot = -1;
  return m;
}

/* Unmaps and closes; the kernel drops every lock the descriptor held. */
void ash__map_free(ash__map *m) {
  if (m->arrays) { /* chunks of ASH__CHUNK copies, made on demand */
    for (uint32_t c = 0; c * ASH__CHUNK < m->hdr.dir_cap; c++) {
      if (m->arrays[c] == NULL)
        continue;
      for (uint32_t k = 0; k < ASH__CHUNK; k++)
        free(m->arrays[c][k]);
      free(m->arrays[c]);
    }
    free(m->arrays);
  }
  if (m->addr)
    munmap(m->addr, m->len);
  free(m->head);
  if (m->fd >= 0)
    close(m->fd);
  if (m->tmp_path) { /* unpublished, built under a temporary name */
    unlink(m->tmp_path);
    free(m->tmp_path);
  }
  pthread_mutex_destroy(&m->lock);
  free(m->name);
  free(m);
}

/* Maps the whole segment of @size bytes, writable when the descriptor is;
 * ash__map_arena() then sets the arena's protection. */
int ash__map_mmap(ash__map *m, uint64_t size) {
  int prot = PROT_READ | (m->fd_rw && !m->wsealed ? PROT_WRITE : 0);
  void *p = mmap(NULL, size, prot, MAP_SHARED, m->fd, 0);
  if (p == MAP_FAILED)
    return ash__syserr(errno, "mmap", m->name);
  m->addr = p;
  m->len = size;
  m->arena_rw = m->fd_rw && !m->wsealed;
  return ASH_OK;
}

/* Sets the arena's protection; under m->lock or before the map is shared. */
static int ash__arena_protect(ash__map *m, bool rw) {
  if (m->arena_rw == rw || m->base == NULL)
    return ASH_OK;
  if (rw && !m->fd_rw)
    return ash__err(ASH_E_RDONLY, "segment \"%s\" was opened read-only",
                    m->name);
  if (rw && m->wsealed)
    return ash__err(ASH_E_RDONLY,
                    "segment \"%s\" is sealed read-only (ash_segment_seal)",
                    m->name);
  if (mprotect(m->base, m->size, PROT_READ | (rw ? PROT_WRITE : 0)) != 0)
    return ash__syserr(errno, "mprotect", m->name);
  m->arena_rw = rw;
  return ASH_OK;
}

/* Places the arena once the header is validated; @rw: a writer opens it. */
int ash__map_arena(ash__map *m, bool rw) {
  m->base = m->addr + m->hdr.arena_offset;
  m->size = m->hdr.arena_size;
  return ash__arena_protect(m, rw);
}

/* ---- the read-only model: writers ---------------------------------------- */

int ash__map_add_writer(ash__map *m) {
  long w = atomic_load(&m->writers);
  while (w > 0)
    if (atomic_compare_exchange_weak(&m->writers, &w, w + 1))
      return ASH_OK;
  pthread_mutex_lock(&m->lock);
  int r = ash__arena_protect(m, true);
  if (r == ASH_OK)
    atomic_fetch_add(&m->writers, 1);
  pthread_mutex_unlock(&m->lock);
  return r;
}

/* Drops one writer; the last one makes the arena read-only again while
 * read-only users remain (@keep: the caller keeps a reference). */
static void ash__writer_gone(ash__map *m, bool keep) {
  long w = atomic_load(&m->writers);
  while (w > 1)
    if (atomic_compare_exchange_weak(&m->writers, &w, w - 1))
      return;
  pthread_mutex_lock(&m->lock);
  if (atomic_fetch_sub(&m->writers, 1) == 1 && keep &&
      atomic_load(&m->refs) > 0)
    (void)ash__arena_protect(m, false);
  pthread_mutex_unlock(&m->lock);
}

void ash__map_drop_writer(ash__map *m) { ash__writer_gone(m, true); }

/* ---- the process-wide list ----------------------------------------------- */

static void ash__list_unlink_locked(ash__map *m) {
  for (ash__map **pp = &ash__list; *pp; pp = &(*pp)->next)
    if (*pp == m) {
      *pp = m->next;
      break;
    }
  m->next = NULL;
  m->listed = false;
}

static void ash__list_front_locked(ash__map *m) {
  if (m->listed)
    ash__list_unlink_locked(m);
  m->next = ash__list;
  ash__list = m;
  m->listed = true;
}

/* fork() handlers: the list and every map's lock are held across fork, so
 * the child sees no operation half done. */
static void ash__fork_prepare(void) {
  pthread_mutex_lock(&ash__list_lock);
  for (ash__map *m = ash__list; m; m = m->next)
    pthread_mutex_lock(&m->lock);
}

static void ash__fork_parent(void) {
  for (ash__map *m = ash__list; m; m = m->next)
    pthread_mutex_unlock(&m->lock);
  pthread_mutex_unlock(&ash__list_lock);
}

/* A file description of the child's own for an inherited map, mapped at the
 * same address. Without /proc the map keeps the parent's description. */
static void ash__fork_own_fd(ash__map *m) {
  char path[32];
  int fd = open(ash__proc_fd_path(path, m->fd),
                (m->fd_rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0)
    return;
  int meta = PROT_READ | (m->fd_rw ? PROT_WRITE : 0);
  int arena = PROT_READ | (m->arena_rw ? PROT_WRITE : 0);
  uint64_t head = (uint64_t)(m->base - m->addr);
  bool ok =
      mmap(m->addr, head, meta, MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED;
  if (ok && m->size)
    ok = mmap(m->base, m->size, arena, MAP_SHARED | MAP_FIXED, fd,
              (off_t)head) != MAP_FAILED;
  if (!ok) { /* the old mapping is gone in part: keep what works */
    close(fd);
    return;
  }
  close(m->fd);
  m->fd = fd;
}

static void ash__fork_child(void) {
  ash__map **pp = &ash__list;
  ash__ncached = 0;
  while (*pp) {
    ash__map *m = *pp;
    pthread_mutex_unlock(&m->lock);
    pthread_mutex_init(&m->lock, NULL);
    m->attached = false; /* the slot is the parent's */
    atomic_store_explicit(&m->lock_id, 0, memory_order_relaxed);
    m->slot = -1;
    atomic_store(&m->arefs, 0); /* inherited references do not count */
    if (atomic_load(&m->refs) == 0) {
      *pp = m->next;
      ash__map_free(m);
      continue;
    }
    if (m->fd >= 0 && m->base)
      ash__fork_own_fd(m);
    pp = &m->next;
  }
  pthread_mutex_unlock(&ash__list_lock);
}

static pthread_once_t ash__fork_once = PTHREAD_ONCE_INIT;
static void ash__fork_register(void) {
  pthread_atfork(ash__fork_prepare, ash__fork_parent, ash__fork_child);
}

/* A released map of an "auto" segment that still has its name and no live
 * attacher. */
static bool ash__orphaned(ash__map *m) {
  return m->hdr.policy == ASH_POLICY_AUTO && m->fd_rw && !m->attached &&
         !m->unlinked && !m->stale && !m->unpublished &&
         m->backend != ASH__BACKEND_MEMFD &&
         !ash__probe(m->fd, m->hdr.attach_offset,
                     (uint64_t)m->hdr.attach_cap * ASH__SLOT_SIZE);
}

/* Evicts cached maps beyond the bound and, at most every 100 ms, the ones
 * whose segment lost its name. Returns them in *@out (freed by the caller,
 * outside the lock). */
static void ash__cache_trim_locked(bool all, ash__map **out) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
  bool check = all || now - ash__cache_checked >= ASH__CACHE_CHECK_NS;
  if (check)
    ash__cache_checked = now;
  int kept = 0;
  for (ash__map **pp = &ash__list; *pp;) {
    ash__map *m = *pp;
    bool drop = false;
    if (atomic_load(&m->refs) == 0) {
      struct stat st;
      drop = all || kept >= ASH__CACHE_MAX || m->unlinked || m->stale ||
             (check && m->backend != ASH__BACKEND_MEMFD &&
              (fstat(m->fd, &st) != 0 || st.st_nlink == 0 || ash__orphaned(m)));
      if (!drop)
        kept++;
    }
    if (drop) {
      *pp = m->next;
      m->listed = false;
      m->next = *out;
      *out = m;
    } else {
      pp = &m->next;
    }
  }
  ash__ncached = kept;
}

/* Frees maps dropped from the cache. An "auto" segment this process used
 * and whose attachers have all died since (a Pool worker killed with its
 * views) is removed on the way: this process is the next one to look. */
static void ash__free_chain(ash__map *m) {
  while (m) {
    ash__map *n = m->next;
    if (ash__orphaned(m))
      (void)ash__reap_auto(m);
    ash__map_free(m);
    m = n;
  }
}

/* At a normal exit (not a kill: then the next process that looks does it),
 * the process detaches from every segment, so that an "auto" segment it was
 * the last to use goes with it, and drops its released mappings. Mappings
 * in use stay: another thread may still touch them while the process
 * ends. */
__attribute__((destructor)) static void ash__at_exit(void) {
  ash__quiet_begin();
  pthread_mutex_lock(&ash__list_lock);
  for (ash__map *m = ash__list; m; m = m->next) {
    pthread_mutex_lock(&m->lock);
    ash__detach(m);
    pthread_mutex_unlock(&m->lock);
  }
  pthread_mutex_unlock(&ash__list_lock);
  (void)ash_cache_clear();
  ash__quiet_end();
}

ash_status ash_cache_clear(void) {
  ash__quiet_begin();
  ash__map *drop = NULL;
  pthread_mutex_lock(&ash__list_lock);
  ash__cache_trim_locked(true, &drop);
  pthread_mutex_unlock(&ash__list_lock);
  ash__free_chain(drop);
  ash__quiet_end();
  return ASH_OK;
}

/* ---- references ------------------------------------------------------------ */

/* Another reference on a map the caller already holds one on (@counted:
 * one that the caller holds counts). */
void ash__map_retain(ash__map *m, bool writer, bool counted) {
  atomic_fetch_add(&m->refs, 1);
  if (counted)
    atomic_fetch_add(&m->arefs, 1);
  if (writer)
    atomic_fetch_add(&m->writers, 1); /* a writer exists: arena is writable */
}

void ash__map_release(ash__map *m, bool writer, bool counted) {
  if (writer)
    ash__writer_gone(m, atomic_load(&m->refs) > 1);
  if (counted && atomic_fetch_sub(&m->arefs, 1) == 1) {
    /* The last counted reference: detach (a revival under the lock may
     * have come meanwhile). */
    ash__quiet_begin();
    pthread_mutex_lock(&m->lock);
    if (atomic_load(&m->arefs) == 0 && m->attached)
      ash__detach(m);
    pthread_mutex_unlock(&m->lock);
    ash__quiet_end();
  }
  /* Not the last reference: no lock. The last one is dropped under the
   * list lock, the lock under which a released map is revived
   * (ash__map_find): dropped outside it, another thread could revive the
   * map, release it and free it before this one looks at it. */
  long refs = atomic_load(&m->refs);
  while (refs > 1)
    if (atomic_compare_exchange_weak(&m->refs, &refs, refs - 1))
      return;
  /* The last reference: keep the mapping in the cache. */
  ash__quiet_begin();
  ash__map *drop = NULL;
  pthread_mutex_lock(&ash__list_lock);
  if (atomic_fetch_sub(&m->refs, 1) == 1) {
    if (!m->listed) {
      m->next = drop; /* inspection or unpublished: not cached */
      drop = m;
    }
    ash__cache_trim_locked(false, &drop);
  }
  pthread_mutex_unlock(&ash__list_lock);
  ash__free_chain(drop);
  ash__quiet_end();
}

/* A cached map is used again only if its segment is as it was validated:
 * the same immutable header fields, the same size (the caller checks the
 * size and the name in ash__attach, or here for an inspection). @live_in:
 * the header as just read, or NULL to read it. */
static bool ash__map_intact(ash__map *m, bool attach,
                            const struct ash__hdr *live_in) {
  struct stat st;
  if (!attach &&
      (fstat(m->fd, &st) != 0 || (uint64_t)st.st_size < m->hdr.total_size))
    return false;
  struct ash__hdr live, mine = m->hdr;
  if (live_in)
    live = *live_in;
  else if (ash__meta_read(m, 0, &live, sizeof live))
    return false;
  live.state = mine.state = 0; /* the fields that change */
  live.arena_used = mine.arena_used = 0;
  live.dir_count = mine.dir_count = 0;
  return memcmp(&live, &mine, sizeof live) == 0;
}

static int ash__map_reuse(ash__map *m, bool writer, bool attach) {
  pthread_mutex_lock(&m->lock);
  int r = ASH_OK;
  bool revive = atomic_load(&m->refs) == 0;
  if (m->stale || (revive && m->unlinked))
    r = ASH__RETRY;
  bool attaching = r == ASH_OK && attach && !m->attached;
  struct ash__hdr live;
  bool have_live = false;
  if (attaching)
    r = ash__attach(m, &live, &have_live);
  if (r == ASH_OK && (revive || attaching) &&
      !ash__map_intact(m, attaching, have_live ? &live : NULL)) {
    if (attaching)
      ash__detach(m);
    m->stale = true;
    r = ASH__RETRY;
  }
  if (r == ASH_OK && atomic_load(&m->writers) == 0 &&
      (writer || atomic_load(&m->refs) == 0))
    r = ash__arena_protect(m, writer);
  if (r == ASH_OK) {
    atomic_fetch_add(&m->refs, 1);
    if (attach)
      atomic_fetch_add(&m->arefs, 1);
    if (writer)
      atomic_fetch_add(&m->writers, 1);
  }
  pthread_mutex_unlock(&m->lock);
  return r;
}

/* Finds the listed map of the object (@dev, @ino), or with @gen != 0 of the
 * segment called @name created at @gen, and takes a reference on it (see
 * ash__map_reuse). *@out is NULL when there is none or it cannot be used
 * (the caller then opens by name). */
int ash__map_find(int backend, dev_t dev, ino_t ino, int64_t gen,
                  const char *name, bool writer, bool attach, ash__map **out) {
  *out = NULL;
  pthread_mutex_lock(&ash__list_lock);
  ash__map *m = ash__list;
  for (; m; m = m->next) {
    if (m->backend != backend)
      continue;
    if (gen ? (m->hdr.ctime_ns == gen &&
               (name == NULL || strcmp(m->name, name) == 0))
            : (m->dev == dev && m->ino == ino))
      break;
  }
  int r = ASH_OK;
  if (m) {
    r = ash__map_reuse(m, writer, attach);
    if (r == ASH_OK && m != ash__list) { /* most recently used first */
      ash__list_unlink_locked(m);
      ash__list_front_locked(m);
    }
  }
  pthread_mutex_unlock(&ash__list_lock);
  if (r == ASH__RETRY)
    return ASH_OK;
  if (r == ASH_OK)
    *out = m;
  return r;
}

/* The first listed map of segment @name (not one this process unlinked,
 * when @live), under the list lock. */
static ash__map *ash__map_by_name(int backend, const char *name, bool live) {
  for (ash__map *m = ash__list; m; m = m->next)
    if (m->backend == backend && !(live && atomic_load(&m->unlinked)) &&
        strcmp(m->name, name) == 0)
      return m;
  return NULL;
}

/* Whether a map of a segment called @name is listed (in use or kept):
 * an open of that name then looks it up by identity first. */
bool ash__map_named(int backend, const char *name) {
  pthread_mutex_lock(&ash__list_lock);
  bool found = ash__map_by_name(backend, name, false) != NULL;
  pthread_mutex_unlock(&ash__list_lock);
  return found;
}

/* A listed map of segment @name that this process did not unlink, with
 * one more reference (ash__map_release(m, false, false)), or NULL. */
ash__map *ash__map_named_ref(int backend, const char *name) {
  pthread_mutex_lock(&ash__list_lock);
  ash__map *found = ash__map_by_name(backend, name, true);
  if (found)
    atomic_fetch_add(&found->refs, 1); /* under the list lock: a revival */
  pthread_mutex_unlock(&ash__list_lock);
  return found;
}

/* Whether this process lists a map of the object (@dev, @ino); if so,
 * *@magic receives the first 8 bytes of it now, read through that map's
 * descriptor (0 when they cannot be read). */
bool ash__map_listed(int backend, dev_t dev, ino_t ino, uint64_t *magic) {
  bool found = false;
  *magic = 0;
  pthread_mutex_lock(&ash__list_lock);
  for (ash__map *m = ash__list; m && !found; m = m->next)
    if (m->backend == backend && m->dev == dev && m->ino == ino) {
      found = true;
      if (pread(m->fd, magic, sizeof *magic, 0) != (ssize_t)sizeof *magic)
        *magic = 0;
    }
  pthread_mutex_unlock(&ash__list_lock);
  return found;
}

/* The name of the object (@dev, @ino) was removed by this process: its map
 * has nothing to unlink at its detach, and a kept one is dropped now. */
void ash__map_unlinked(int backend, dev_t dev, ino_t ino) {
  ash__map *drop = NULL;
  pthread_mutex_lock(&ash__list_lock);
  for (ash__map *m = ash__list; m; m = m->next)
    if (m->backend == backend && m->dev == dev && m->ino == ino)
      m->unlinked = true;
  ash__cache_trim_locked(false, &drop);
  pthread_mutex_unlock(&ash__list_lock);
  ash__free_chain(drop);
}

/* Lists a map made by this process's open or create, unless a map of the
 * same object was listed meanwhile by another thread: then that one is
 * reused and ours returned in *@dup for the caller to drop. */
int ash__map_list_add(ash__map *m, bool writer, ash__map **use,
                      ash__map **dup) {
  pthread_once(&ash__fork_once, ash__fork_register);
  *dup = NULL;
  *use = m;
  int r = ASH_OK;
  pthread_mutex_lock(&ash__list_lock);
  for (ash__map *o = ash__list; o; o = o->next) {
    if (o->backend == m->backend && o->dev == m->dev && o->ino == m->ino &&
        o != m) {
      r = ash__map_reuse(o, writer, m->attached);
      if (r == ASH__RETRY)
        break; /* the other one is dead: list ours */
      *dup = m;
      *use = o;
      pthread_mutex_unlock(&ash__list_lock);
      return r;
    }
  }
  ash__list_front_locked(m);
  pthread_mutex_unlock(&ash__list_lock);
  return ASH_OK;
}

/* ---- the directory ---------------------------------------------------------- */

/* Where the validated copy of entry @i is kept: the first array's inside
 * the map (the common one-array segment needs no allocation), the others'
 * in chunks of ASH__CHUNK pointers made on first need, so that a map's
 * cost does not grow with the directory's capacity. NULL when out of
 * memory. */
static const struct ash__array **ash__entry_slot(ash__map *m, uint32_t i) {
  if (i == 0)
    return &m->arr0p;
  uint32_t c = i / ASH__CHUNK;
  if (m->arrays == NULL) {
    m->arrays = calloc((m->hdr.dir_cap + ASH__CHUNK - 1) / ASH__CHUNK,
                       sizeof *m->arrays);
    if (m->arrays == NULL)
      return NULL;
  }
  if (m->arrays[c] == NULL) {
    m->arrays[c] = calloc(ASH__CHUNK, sizeof **m->arrays);
    if (m->arrays[c] == NULL)
      return NULL;
  }
  return (const struct ash__array **)&m->arrays[c][i % ASH__CHUNK];
}

/* The validated private copy of entry @i (< dir_count), made on first use.
 * Under m->lock. */
static int ash__entry_locked(ash__map *m, uint32_t i,
                             const struct ash__array **out) {
  const struct ash__array **slot = ash__entry_slot(m, i);
  if (slot == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  if (*slot == NULL) {
    struct ash__array *a = i == 0 ? &m->arr0 : malloc(sizeof *a);
    if (a == NULL)
      return ash__err(ASH_E_NOMEM, "out of memory");
    /* From the head first; a damaged entry is read again from the file,
     * which a peer may have repaired since. */
    int r = ASH_E_CORRUPT;
    for (int fresh = 0; fresh < 2 && r != ASH_OK; fresh++) {
      struct ash__entry e;
      r = ash__meta_entry(m, i, &e, fresh);
      if (r == ASH_OK)
        r = ash__validate_entry(&m->hdr, &e, i, m->name, a);
    }
    if (r) {
      if (i != 0)
        free(a);
      return r;
    }
    *slot = a;
  }
  *out = *slot;
  return ASH_OK;
}

static int ash__count_checked(ash__map *m, uint32_t *n) {
  *n = ash__dir_count(m);
  if (*n > m->hdr.dir_cap)
    return ash__err(ASH_E_CORRUPT,
                    "segment \"%s\": directory count exceeds its capacity %u",
                    m->name, m->hdr.dir_cap);
  return ASH_OK;
}

/* Validates every published entry and checks that names are unique. */
int ash__map_ingest_all(ash__map *m) {
  uint32_t n;
  int r = ash__count_checked(m, &n);
  if (r)
    return r;
  pthread_mutex_lock(&m->lock);
  for (uint32_t i = atomic_load(&m->ningested); i < n && r == ASH_OK; i++) {
    const struct ash__array *a;
    r = ash__entry_locked(m, i, &a);
    for (uint32_t j = 0; j < i && r == ASH_OK; j++)
      if (strcmp((*ash__entry_slot(m, j))->name, a->name) == 0) /* ingested */
        r = ash__err(ASH_E_CORRUPT,
                     "segment \"%s\": two arrays are named \"%s\" (corrupted "
                     "directory)",
                     m->name, a->name);
    if (r == ASH_OK)
      atomic_store(&m->ningested, i + 1);
  }
  pthread_mutex_unlock(&m->lock);
  return r;
}

const struct ash__array *ash__array_at(ash__map *m, uint32_t index) {
  uint32_t n;
  /* entries below the count read at open exist: no need to read it again */
  if (index >= m->head_count && (ash__count_checked(m, &n) || index >= n))
    return NULL;
  const struct ash__array *a = NULL;
  pthread_mutex_lock(&m->lock);
  (void)ash__entry_locked(m, index, &a);
  pthread_mutex_unlock(&m->lock);
  return a;
}

/* Positions in [@from, @to) of the name index @index whose hash is @h,
 * appended to @cand (wmemchr: the C library's vectorised search for a
 * 4-byte value, wchar_t being 4 bytes here). */
static uint32_t ash__index_scan(const uint32_t *index, uint32_t from,
                                uint32_t to, uint32_t h, uint16_t *cand,
                                uint32_t ncand) {
  _Static_assert(sizeof(wchar_t) == sizeof(uint32_t), "wchar_t is 4 bytes");
  wchar_t w;
  memcpy(&w, &h, sizeof w);
  const wchar_t *base = (const wchar_t *)(const void *)index;
  for (uint32_t i = from; i < to;) {
    const wchar_t *hit = wmemchr(base + i, w, to - i);
    if (hit == NULL)
      break;
    i = (uint32_t)(hit - base);
    cand[ncand++] = (uint16_t)i++;
  }
  return ncand;
}

/* Validates the candidates and returns the entry named @name: NULL with
 * the error set when none is (ASH_E_NOENT left to the caller: *@r stays
 * ASH_OK) or the directory is damaged (two entries of the name). */
static const struct ash__array *ash__pick(ash__map *m, const char *name,
                                          const uint16_t *cand, uint32_t ncand,
                                          int *r) {
  const struct ash__array *found = NULL;
  pthread_mutex_lock(&m->lock);
  for (uint32_t k = 0; k < ncand && *r == ASH_OK; k++) {
    const struct ash__array *a;
    *r = ash__entry_locked(m, cand[k], &a);
    if (*r == ASH_OK && strcmp(a->name, name) == 0) {
      if (found)
        *r = ash__err(ASH_E_CORRUPT,
                      "segment \"%s\": two arrays are named \"%s\" (corrupted "
                      "directory)",
                      m->name, name);
      found = a;
    }
  }
  pthread_mutex_unlock(&m->lock);
  return *r ? NULL : found;
}

/* Looks an array up by name: through the name index (format 1.1: 4 bytes
 * per array), validating only the entries whose hash matches. The entries
 * known at open (below the count read with the head) are searched first,
 * from the head, without a system call; the directory count is read only
 * when the name is not among them. Two entries of the same name among
 * those searched are a corrupted directory. NULL with the error set when
 * there is none (ASH_E_NOENT) or the directory is damaged. */
const struct ash__array *ash__find_array(ash__map *m, const char *name) {
  uint32_t n;
  if (m->hdr.index_offset == 0) { /* format 1.0: no index */
    if (ash__count_checked(m, &n) || ash__map_ingest_all(m))
      return NULL;
    for (uint32_t i = 0; i < n; i++) {
      const struct ash__array *a = *ash__entry_slot(m, i); /* ingested */
      if (strcmp(a->name, name) == 0)
        return a;
    }
    ash__err(ASH_E_NOENT, "segment \"%s\" has no array \"%s\"", m->name, name);
    return NULL;
  }
  uint32_t h = ash__name_hash(name);
  uint16_t cand[ASH__MAX_ARRAYS];
  const uint32_t *index;
  bool owned;
  int r = ASH_OK;
  uint32_t known = m->head_count, ncand = 0;
  const struct ash__array *found = NULL;
  if (known > 0 && ash__meta_index(m, known, &index, &owned) == ASH_OK) {
    ncand = ash__index_scan(index, 0, known, h, cand, 0);
    if (owned)
      free((void *)(uintptr_t)index);
    found = ash__pick(m, name, cand, ncand, &r);
    if (found || r)
      return found;
  }
  if (ash__count_checked(m, &n))
    return NULL;
  if (n > known) { /* arrays added since the head was read */
    if (ash__meta_index(m, n, &index, &owned))
      return NULL;
    ncand = ash__index_scan(index, known, n, h, cand, 0);
    if (owned)
      free((void *)(uintptr_t)index);
    found = ash__pick(m, name, cand, ncand, &r);
  }
  if (found == NULL && r == ASH_OK)
    ash__err(ASH_E_NOENT, "segment \"%s\" has no array \"%s\"", m->name, name);
  return found;
}

int ash__segment_wrap(ash__map *m, bool readonly, bool counted,
                      ash_segment **out) {
  ash_segment *s = malloc(sizeof *s);
  if (s == NULL) {
    ash__map_release(m, !readonly, counted);
    return ash__err(ASH_E_NOMEM, "out of memory");
  }
  atomic_init(&s->refs, 1);
  s->map = m;
  s->readonly = readonly;
  s->counted = counted;
  s->pid = ash__getpid();
  *out = s;
  return ASH_OK;
}
