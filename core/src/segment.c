/* SPDX-License-Identifier: MIT */
/* Segments: open, create and publish, unlink, queries, arrays.
 *
 * Creation builds the whole segment in a file that has no name yet
 * (O_TMPFILE), then gives it its name in one step (linkat, which fails if
 * the name exists): a name never refers to a half-made segment, and a
 * creator killed half-way leaves nothing behind. ASH_UNPUBLISHED defers the
 * naming to ash_segment_publish(), after arrays were added. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define ASH__OPEN_PATIENCE_NS 600000000LL /* retry opens for 0.6 s */

/* ---- open ------------------------------------------------------------- */

static int ash__not_segment(const char *name, int fd, uint64_t size) {
  uint64_t magic = 0;
  ssize_t got = pread(fd, &magic, sizeof magic, 0);
  if (got == (ssize_t)sizeof magic && magic == ASH__MAGIC)
    return ash__err(ASH_E_TRUNC,
                    "segment \"%s\" is %llu bytes, smaller than its header "
                    "(truncated by another process?)",
                    name, (unsigned long long)size);
  return ash__err(ASH_E_CORRUPT,
                  "\"%s\" is not an arrayshare segment (%llu bytes, no header)",
                  name, (unsigned long long)size);
}

/* An anonymous segment is known by the name its creator gave it, kept in
 * the header for display. */
static int ash__anon_name(ash__map *m) {
  char name[sizeof m->hdr.name + 1];
  memcpy(name, m->hdr.name, sizeof m->hdr.name);
  name[sizeof m->hdr.name] = '\0';
  if (ash__name_check(name, 0) != ASH_OK)
    snprintf(name, sizeof name, "anonymous");
  char *copy = strdup(name);
  if (copy == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  free(m->name);
  m->name = copy;
  return ASH_OK;
}

/* Reads the head (header, attach table start, name index and first
 * entries: the first page, or up to the first entry when the tables are
 * larger, at most 64 KiB) and validates the header against the size the
 * file had. */
#define ASH__HEAD_MIN 4096u
#define ASH__HEAD_MAX 65536u
/* Validates the header in the first @got bytes of the head against the
 * size the file had, and extends the head for large tables. */
static int ash__head_finish(ash__map *m, uint32_t got, uint64_t size) {
  m->head_len = got;
  memcpy(&m->hdr, m->head, sizeof m->hdr);
  int r = ash__validate_header(&m->hdr, size, m->name);
  if (r)
    return r;
  m->head_count = m->hdr.dir_count <= m->hdr.dir_cap ? m->hdr.dir_count : 0;
  uint64_t want = m->hdr.dir_offset + ASH__ENTRY_SIZE;
  if (want > got && got < size) { /* large tables: read up to entry 0 */
    uint32_t more = (uint32_t)(want < ASH__HEAD_MAX ? want : ASH__HEAD_MAX);
    uint8_t *h = realloc(m->head, more);
    if (h == NULL)
      return ash__err(ASH_E_NOMEM, "out of memory");
    m->head = h;
    r = ash__pread_all(m->fd, h + got, more - got, got, m->name);
    if (r)
      return r;
    m->head_len = more;
  }
  return ASH_OK;
}

static int ash__read_header(ash__map *m, uint64_t size) {
  uint32_t len = size < ASH__HEAD_MIN ? (uint32_t)size : ASH__HEAD_MIN;
  m->head = malloc(len);
  if (m->head == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  int r = ash__pread_all(m->fd, m->head, len, 0, m->name);
  return r ? r : ash__head_finish(m, len, size);
}

static int ash__gen_mismatch(const char *name, int64_t gen, int64_t now) {
  return ash__err(ASH_E_NOENT,
                  "segment \"%s\" was re-created since the descriptor was made "
                  "(generation %lld, now %lld)",
                  name, (long long)gen, (long long)now);
}

/* The end of an open that found this process's map @m of the segment
 * (ash__map_find's result @r): refused when a descriptor pinned another
 * generation @gen. */
static int ash__found(ash__map *m, int r, const char *name, int64_t gen,
                      bool writer, bool counted, ash__map **out) {
  if (r == ASH_OK && gen && m->hdr.ctime_ns != gen) {
    r = ash__gen_mismatch(name, gen, m->hdr.ctime_ns);
    ash__map_release(m, writer, counted);
  }
  *out = r ? NULL : m;
  return r;
}

/* The end of an open that made the new map @m (@r: how it went): its
 * references set, then listed (an inspection map is not). */
static int ash__opened(ash__map *m, int r, bool writer, bool noattach,
                       ash__map **out) {
  if (r) {
    ash__map_free(m);
    return r;
  }
  if (writer)
    atomic_store(&m->writers, 1);
  if (!noattach)
    atomic_store(&m->arefs, 1);
  if (noattach) {
    *out = m;
    return ASH_OK;
  }
  ash__map *use, *dup;
  r = ash__map_list_add(m, writer, &use, &dup);
  if (dup) /* another thread listed the same segment first */
    ash__map_release(dup, writer, true);
  *out = r ? NULL : use;
  return r;
}

/* Makes (or finds) this process's map of the segment open on @fd, which
 * it takes over (closed on failure and when a map exists already). @name
 * is the user-facing name; @rw: fd opened O_RDWR. Returns ASH_OK, an
 * error, or ASH__RETRY. */
int ash__open_fd_once(const char *name, int backend, int fd, bool rw,
                      unsigned flags, int64_t gen, ash__map **out) {
  bool noattach = flags & ASH_NOATTACH;
  bool writer = !(flags & (ASH_RDONLY | ASH_NOATTACH));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return ash__syserr(e, "fstat", name);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return ash__err(ASH_E_CORRUPT, "\"%s\" is not a regular file", name);
  }
  ash__map *m;
  int r = ash__map_find(backend, st.st_dev, st.st_ino, 0, NULL, writer,
                        !noattach, &m);
  if (r || m) { /* this process maps it already */
    close(fd);
    return ash__found(m, r, name, gen, writer, !noattach, out);
  }
  uint64_t size = (uint64_t)st.st_size;
  if (size < ASH__ATTACH_OFFSET) {
    r = ash__not_segment(name, fd, size);
    close(fd);
    return r;
  }
  m = ash__map_new(name, backend, fd, rw);
  if (m == NULL) {
    close(fd);
    return ash__err(ASH_E_NOMEM, "out of memory");
  }
  m->dev = st.st_dev;
  m->ino = st.st_ino;
  m->noattach = noattach;
  if (backend == ASH__BACKEND_MEMFD) {
    int seals = fcntl(fd, F_GET_SEALS);
    m->sealed = seals > 0 && (seals & F_SEAL_SHRINK);
    m->wsealed = seals > 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
  }
  r = ash__read_header(m, size);
  if (r == ASH_OK)
    r = ash__map_mmap(m, size);
  if (r == ASH_OK && gen && m->hdr.ctime_ns != gen)
    r = ash__gen_mismatch(name, gen, m->hdr.ctime_ns);
  if (r == ASH_OK && backend == ASH__BACKEND_MEMFD)
    r = ash__anon_name(m);
  if (r == ASH_OK)
    r = ash__map_arena(m, writer);
  if (r == ASH_OK && !noattach)
    r = ash__attach(m, NULL, NULL);
  return ash__opened(m, r, writer, noattach, out);
}

/* The first open of a segment in this process, in the order that needs
 * the fewest system calls: the attach slot this process guesses first
 * (pid modulo the default table size) is locked before anything is read,
 * so that one read of the head gives the header, the table's first slots
 * and that slot's generation as its holder left it; the doom byte is
 * probed after the lock, and the one fstat (size, identity) also checks,
 * after the lock, that the file still has its name: the attacher's side
 * of the lifetime protocol (docs/format.md), steps in the same order as
 * ash__attach. Anything unusual (the guess taken or outside this
 * segment's table, a short read, not a regular file) goes the general way
 * through ash__open_fd_once, with the same descriptor. Takes over @fd;
 * returns ASH_OK, an error, or ASH__RETRY. */
static int ash__open_fresh(const struct ash__loc *l, int fd, bool rw,
                           unsigned flags, int64_t gen, ash__map **out) {
  bool writer = !(flags & ASH_RDONLY);
  uint32_t guess = (uint32_t)ash__getpid() % ASH__ATTACH_CAP_DEFAULT;
  uint64_t slot_off = ASH__ATTACH_OFFSET + (uint64_t)guess * ASH__SLOT_SIZE;
  bool locked =
      ash__lockop(fd, rw ? F_WRLCK : F_RDLCK, slot_off, 1, false) == 0;
  uint8_t *head = locked ? malloc(ASH__HEAD_MIN) : NULL;
  ssize_t got = -1;
  if (head != NULL)
    do
      got = pread(fd, head, ASH__HEAD_MIN, 0);
    while (got < 0 && errno == EINTR);
  /* the protocol's order: slot lock, doom byte, then the name (fstat) */
  struct stat st;
  int r = ASH_OK;
  bool usual = got >= (ssize_t)(slot_off + ASH__SLOT_SIZE);
  if (usual && ash__probe(fd, ASH__DOOM_OFFSET, 1))
    r = ASH__RETRY; /* a remover is deciding: open the name again */
  usual = usual && r == ASH_OK && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
          (uint64_t)got == ((uint64_t)st.st_size < ASH__HEAD_MIN
                                ? (uint64_t)st.st_size
                                : ASH__HEAD_MIN);
  if (usual &&
      !ash__name_still_there(
          l->path, &st, ((const struct ash__hdr *)(const void *)head)->flags))
    r = ASH__RETRY; /* removed since we opened it (the name may be back) */
  if (!usual || r) {
    free(head);
    if (locked)
      (void)ash__lockop(fd, F_UNLCK, slot_off, 1, false);
    if (r) {
      close(fd);
      return r;
    }
    return ash__open_fd_once(l->name, l->backend, fd, rw, flags, gen, out);
  }
  ash__map *m;
  r = ash__map_find(l->backend, st.st_dev, st.st_ino, 0, NULL, writer, true,
                    &m);
  if (r || m) { /* another thread listed it meanwhile */
    free(head);
    close(fd); /* drops the guessed slot's lock */
    return ash__found(m, r, l->name, gen, writer, true, out);
  }
  m = ash__map_new(l->name, l->backend, fd, rw);
  if (m == NULL) {
    free(head);
    close(fd);
    return ash__err(ASH_E_NOMEM, "out of memory");
  }
  m->dev = st.st_dev;
  m->ino = st.st_ino;
  m->head = head;
  struct ash__slot old;
  memcpy(&old, head + slot_off, sizeof old);
  r = ash__head_finish(m, (uint32_t)got, (uint64_t)st.st_size);
  if (r == ASH_OK)
    r = ash__map_mmap(m, (uint64_t)st.st_size);
  if (r == ASH_OK && gen && m->hdr.ctime_ns != gen)
    r = ash__gen_mismatch(l->name, gen, m->hdr.ctime_ns);
  if (r == ASH_OK)
    r = ash__map_arena(m, writer);
  if (r == ASH_OK) {
    if (m->hdr.attach_offset == ASH__ATTACH_OFFSET &&
        guess < m->hdr.attach_cap) {
      ash__attach_held(m, (int)guess, &old);
    } else { /* a smaller table: the guess is not a slot of it */
      (void)ash__lockop(fd, F_UNLCK, slot_off, 1, false);
      r = ash__attach(m, NULL, NULL);
    }
  }
  return ash__opened(m, r, writer, false, out);
}

/* One attempt by name; returns ASH_OK, an error, or ASH__RETRY. A segment
 * this process maps already (a map of this name is listed) is found by its
 * identity, which lstat gives without opening the name; any other
 * attaching open takes the shorter path of ash__open_fresh. */
static int ash__open_once(const struct ash__loc *l, unsigned flags, int64_t gen,
                          ash__map **out) {
  bool named = ash__map_named(l->backend, l->name);
  struct stat st;
  /* open(2) would check permissions: so does this shortcut, for the owner
   * (anyone else opens the name) */
  mode_t need =
      (flags & (ASH_RDONLY | ASH_NOATTACH)) ? S_IRUSR : S_IRUSR | S_IWUSR;
  if (named && lstat(l->path, &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_uid == geteuid() && (st.st_mode & need) == need) {
    bool noattach = flags & ASH_NOATTACH;
    ash__map *m;
    int r =
        ash__map_find(l->backend, st.st_dev, st.st_ino, 0, NULL,
                      !(flags & (ASH_RDONLY | ASH_NOATTACH)), !noattach, &m);
    if (r || m)
      return ash__found(m, r, l->name, gen,
                        !(flags & (ASH_RDONLY | ASH_NOATTACH)), !noattach, out);
  }
  bool rw = !(flags & ASH_NOATTACH);
  int fd = ash__loc_open(l, rw ? O_RDWR : O_RDONLY);
  if (fd < 0 && rw && errno == EACCES && (flags & ASH_RDONLY)) {
    rw = false; /* read permission only: a reader holding a read lock */
    fd = ash__loc_open(l, O_RDONLY);
  }
  if (fd < 0)
    return ash__open_error(l, errno);
  if (!(flags & ASH_NOATTACH) && !named)
    return ash__open_fresh(l, fd, rw, flags, gen, out);
  return ash__open_fd_once(l->name, l->backend, fd, rw, flags, gen, out);
}

static int64_t ash__mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Retries while a remover decides (a few microseconds) or a name is being
 * replaced, for up to 0.6 s in all. */
static int ash__open_loc(const struct ash__loc *l, unsigned flags, int64_t gen,
                         ash__map **out) {
  int64_t start = 0;
  long wait_ns = 20000;
  for (;;) {
    int r = ash__open_once(l, flags, gen, out);
    if (r != ASH__RETRY)
      return r;
    int64_t now = ash__mono_ns();
    if (start == 0)
      start = now;
    else if (now - start > ASH__OPEN_PATIENCE_NS)
      return ash__err(ASH_E_BUSY,
                      "segment \"%s\" is being removed by its last attacher; "
                      "gave up after 0.6 s",
                      l->name);
    struct timespec ts = {0, wait_ns};
    nanosleep(&ts, NULL);
    if (wait_ns < 20000000L)
      wait_ns *= 2;
  }
}

int ash__open_map(const char *name, unsigned flags, int64_t gen,
                  ash__map **out) {
  *out = NULL;
  struct ash__loc l;
  int r = ash__loc_make(name, flags, &l);
  if (r)
    return r;
  if (gen) { /* a descriptor pinned to one segment: maybe mapped already */
    bool noattach = flags & ASH_NOATTACH;
    r = ash__map_find(l.backend, 0, 0, gen, l.name,
                      !(flags & (ASH_RDONLY | ASH_NOATTACH)), !noattach, out);
    if (r || *out)
      return r;
  }
  return ash__open_loc(&l, flags, gen, out);
}

int ash__open_gen(const char *name, unsigned flags, int64_t gen,
                  ash_segment **out) {
  *out = NULL;
  ash__map *m;
  int r = ash__open_map(name, flags, gen, &m);
  if (r)
    return r;
  return ash__segment_wrap(m, (flags & (ASH_RDONLY | ASH_NOATTACH)) != 0,
                           !(flags & ASH_NOATTACH), out);
}

ash_status ash_segment_open(const char *name, unsigned flags,
                            ash_segment **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output handle pointer is NULL");
  return ash__open_gen(name, flags, 0, out);
}

ash_segment *ash_segment_retain(ash_segment *seg) {
  if (seg)
    atomic_fetch_add(&seg->refs, 1);
  return seg;
}

void ash_segment_close(ash_segment *seg) {
  if (seg == NULL || atomic_fetch_sub(&seg->refs, 1) != 1)
    return;
  ash__map_release(seg->map, !seg->readonly, ASH__COUNTED(seg));
  free(seg);
}

/* ---- create ------------------------------------------------------------ */

/* The array ash_create() puts in the directory before the segment is
 * named, saving the add-array round trip. */
struct ash__first {
  const char *name;
  int dtype, ndim;
  const int64_t *shape;
  uint64_t nbytes;
};

static bool ash__no_tmpfile(void) {
  static int v = -1;
  if (v < 0)
    v = getenv("ASH_TEST_NO_TMPFILE") != NULL;
  return v;
}

/* A file for the new segment that has no name yet: O_TMPFILE in the
 * directory of the final name or, where the file system or /proc lacks
 * what that needs, a temporary name that only ash_gc() lists
 * ("PREFIX.tmp-PID-N", held under the header lock while it is built). */
static int ash__tmp_open(const struct ash__loc *l, unsigned mode, char **tmp) {
  *tmp = NULL;
  char dir[ASH__PATH_CAP];
  const char *slash = strrchr(l->path, '/');
  size_t dn = slash == l->path ? 1 : (size_t)(slash - l->path);
  memcpy(dir, l->path, dn);
  dir[dn] = '\0';
  static atomic_int procfs = -1; /* whether /proc/self/fd is there */
  if (atomic_load(&procfs) < 0)
    atomic_store(&procfs, access("/proc/self/fd", X_OK) == 0);
  if (!ash__no_tmpfile() && atomic_load(&procfs) == 1) {
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
      return fd;
  }
  static atomic_uint counter;
  const char *base = slash + 1;
  for (int attempt = 0; attempt < 8; attempt++) {
    char path[ASH__PATH_CAP + 64];
    if (l->backend == ASH__BACKEND_SHM)
      snprintf(path, sizeof path, "%s/%s.tmp-%d-%u", dir, ash__shm_prefix(),
               (int)ash__getpid(), atomic_fetch_add(&counter, 1));
    else
      snprintf(path, sizeof path, "%s/.%s.ash-tmp-%d-%u", dir, base,
               (int)ash__getpid(), atomic_fetch_add(&counter, 1));
    int fd =
        open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0 && errno == EEXIST)
      continue; /* a dead process of the same pid left it: another name */
    if (fd < 0)
      return -1;
    /* The build byte says "being built" until the segment is published.
     * gc removes a temporary file only while holding that byte itself: if
     * it holds it now, or took the file away before we held it, start
     * again under another name. */
    struct stat st;
    if (ash__lockop(fd, F_WRLCK, ASH__BUILD_OFFSET, 1, false) != 0 ||
        fstat(fd, &st) != 0 || st.st_nlink == 0) {
      close(fd);
      continue;
    }
    if ((*tmp = strdup(path)) == NULL) {
      unlink(path);
      close(fd);
      errno = ENOMEM;
      return -1;
    }
    return fd;
  }
  errno = EAGAIN;
  return -1;
}

/* Gives the built segment its name; fails with EEXIST if the name is
 * taken. Returns 0 or an errno value. */
static int ash__link(ash__map *m, const char *path) {
  int r;
  if (m->tmp_path) {
    r = link(m->tmp_path, path);
    if (r == 0) {
      unlink(m->tmp_path);
      free(m->tmp_path);
      m->tmp_path = NULL;
      (void)ash__lockop(m->fd, F_UNLCK, ASH__BUILD_OFFSET, 1, false);
    }
  } else {
    /* linkat(AT_EMPTY_PATH) links the descriptor's file itself, without
     * resolving /proc/self/fd/N (2 us of the 20 a small segment's create
     * and unlink take). Kernels before 6.10 allow it to processes with
     * CAP_DAC_READ_SEARCH only and say ENOENT to the others: those use
     * /proc from then on. */
    static atomic_int flink = 1;
    r = -1;
    if (atomic_load_explicit(&flink, memory_order_relaxed)) {
      r = linkat(m->fd, "", AT_FDCWD, path, AT_EMPTY_PATH);
      if (r != 0 && errno == ENOENT)
        atomic_store_explicit(&flink, 0, memory_order_relaxed);
      else if (r != 0)
        return errno;
    }
    if (r != 0) {
      char proc[32];
      r = linkat(AT_FDCWD, ash__proc_fd_path(proc, m->fd), AT_FDCWD, path,
                 AT_SYMLINK_FOLLOW);
    }
  }
  return r == 0 ? 0 : errno;
}

static void ash__fill_entry(struct ash__entry *e, const char *name, int dtype,
                            int ndim, const int64_t *shape, uint64_t offset,
                            uint64_t nbytes) {
  memset(e, 0, sizeof *e);
  ash__copy_str(e->name, name, sizeof e->name);
  e->dtype = (uint32_t)dtype;
  e->ndim = (uint32_t)ndim;
  e->offset = offset;
  e->nbytes = nbytes;
  if (ndim > 0)
    memcpy(e->shape, shape, sizeof(int64_t) * (size_t)ndim);
}

/* Zeros for the parts of the creation's one write that a fresh file has
 * already: the attach table around the creator's record. */
static const uint8_t ash__zeros[4096];

/* Appends the parts [@from, @to) of zeros to @iov (at most 16 for a head). */
static int ash__iov_zeros(struct iovec *iov, int k, uint64_t from,
                          uint64_t to) {
  for (; from < to; from += iov[k++].iov_len) {
    iov[k].iov_base = (void *)(uintptr_t)ash__zeros;
    iov[k].iov_len =
        (size_t)(to - from < sizeof ash__zeros ? to - from : sizeof ash__zeros);
  }
  return k;
}

/* Writes the header of a new segment, the record of the creator's attach
 * slot @slot (whose lock it holds) and its first array's entry, in one
 * pwritev; the buffer becomes the map's head. The file has no name yet:
 * nobody can read it half-written. *@recorded: whether the record was
 * written (not when the tables are too large for one write). The head's
 * attach table bytes are left unset (a head serves the header, name index
 * and entries only) and written from zeros. */
static int ash__init_segment(ash__map *m, const struct ash__seglayout *lay,
                             unsigned flags, const struct ash__first *first,
                             uint32_t slot, uint32_t uid, bool *recorded) {
  uint64_t slot_off = ASH__ATTACH_OFFSET + (uint64_t)slot * ASH__SLOT_SIZE;
  uint64_t slot_end = slot_off + ASH__SLOT_SIZE;
  uint64_t entry_end = lay->dir_offset + ASH__ENTRY_SIZE;
  uint64_t end = first ? entry_end : slot_end;
  if (end > ASH__HEAD_MAX) /* large tables: the rest is written apart */
    end = slot_end <= ASH__HEAD_MAX ? slot_end : ASH__ATTACH_OFFSET;
  /* [ASH__ATTACH_OFFSET, tab_end): the table (and padding), as zeros */
  uint64_t tab_end = lay->index_offset < end ? lay->index_offset : end;
  uint8_t *buf = malloc(end);
  if (buf == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  memset(buf, 0, ASH__ATTACH_OFFSET);
  memset(buf + tab_end, 0, end - tab_end);
  struct ash__hdr *h = (struct ash__hdr *)(void *)buf;
  ash__hdr_init(
      h, lay, (flags & ASH_PERSIST) ? ASH_POLICY_PERSIST : ASH_POLICY_AUTO,
      (m->sealed ? ASH__HF_SEALED : 0) | (m->tmp_path ? ASH__HF_TMPNAME : 0),
      uid, m->backend == ASH__BACKEND_FILE ? "" : m->name);
  h->magic = ASH__MAGIC;
  struct ash__entry e;
  uint32_t hash = 0;
  if (first) {
    uint64_t alloc = ash__array_alloc(first->nbytes);
    if (alloc > h->arena_size) {
      free(buf);
      return ash__err(ASH_E_FULL, "create \"%s\": arena too small", m->name);
    }
    ash__fill_entry(&e, first->name, first->dtype, first->ndim, first->shape,
                    h->arena_offset, first->nbytes);
    hash = ash__name_hash(first->name);
    h->arena_used = alloc;
    h->dir_count = 1;
    if (end == entry_end) {
      memcpy(buf + lay->dir_offset, &e, sizeof e);
      memcpy(buf + lay->index_offset, &hash, sizeof hash);
    }
  }
  struct iovec iov[2 * (ASH__HEAD_MAX / sizeof ash__zeros) + 3];
  int k = 1;
  iov[0].iov_base = buf;
  iov[0].iov_len = ASH__ATTACH_OFFSET;
  struct ash__slot rec;
  *recorded = slot_end <= end;
  uint64_t pos = ASH__ATTACH_OFFSET;
  if (*recorded) {
    ash__slot_record(&rec, 1);
    k = ash__iov_zeros(iov, k, pos, slot_off);
    iov[k].iov_base = &rec;
    iov[k++].iov_len = sizeof rec;
    pos = slot_end;
  }
  k = ash__iov_zeros(iov, k, pos, tab_end);
  if (end > tab_end) {
    iov[k].iov_base = buf + tab_end;
    iov[k++].iov_len = (size_t)(end - tab_end);
  }
  m->hdr = *h;
  m->head = buf;
  m->head_len = (uint32_t)end;
  m->head_count = h->dir_count;
  int r = ash__meta_writev(m, 0, iov, k);
  if (r == ASH_OK && first && end != entry_end) {
    r = ash__meta_write(m, lay->dir_offset, &e, sizeof e);
    if (r == ASH_OK)
      r = ash__meta_write(m, lay->index_offset, &hash, sizeof hash);
  }
  return r;
}

/* An anonymous file for ASH_ANON: it exists while a process holds it. */
static int ash__memfd(const char *name) {
  char label[ASH_NAME_MAX + 8];
  snprintf(label, sizeof label, "ash:%s", name);
  return memfd_create(label, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

/* Builds a complete, attached, nameless segment. */
static int ash__build(const struct ash__loc *l,
                      const struct ash__seglayout *lay, unsigned flags,
                      unsigned mode, const struct ash__first *first,
                      ash__map **out) {
  char *tmp = NULL;
  bool anon = flags & ASH_ANON;
  int fd = anon ? ash__memfd(l->name) : ash__tmp_open(l, mode, &tmp);
  if (fd < 0)
    return ash__syserr(errno, "create", l->name);
  ash__map *m =
      ash__map_new(l->name, anon ? ASH__BACKEND_MEMFD : l->backend, fd, true);
  if (m == NULL) {
    if (tmp)
      unlink(tmp);
    free(tmp);
    close(fd);
    return ash__err(ASH_E_NOMEM, "out of memory");
  }
  m->tmp_path = tmp;
  m->unpublished = !anon;
  int r = ASH_OK;
  struct stat st;
  int fe = posix_fallocate(fd, 0, (off_t)lay->total);
  /* An anonymous segment's size is sealed: nobody can truncate it. */
  if (fe == 0 && anon &&
      fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
    fe = errno;
  m->sealed = anon;
  if (fe == ENOSPC || fe == EFBIG || fe == EDQUOT)
    r = ash__err(ASH_E_NOSPC,
                 "create \"%s\": cannot reserve %llu bytes (%s); nothing was "
                 "created",
                 l->name, (unsigned long long)lay->total, strerror(fe));
  else if (fe != 0)
    r = ash__syserr(fe, "reserve space for", l->name);
  else if (fstat(fd, &st) != 0)
    r = ash__syserr(errno, "fstat", l->name);
  /* The umask may have removed bits: the mode is applied exactly. */
  else if ((st.st_mode & 07777) != mode && fchmod(fd, mode) != 0)
    r = ash__syserr(errno, "chmod", l->name);
  if (r == ASH_OK) {
    m->dev = st.st_dev;
    m->ino = st.st_ino;
    r = ash__map_mmap(m, lay->total);
  }
  /* The creator's attach slot: its guess (as ash__slot_claim's) is free in
   * a file nobody else can have opened; locked before the first write, so
   * that the record goes with the header, the protocol's order (slot
   * lock, then record). No doom probe, no name check: it has no name. */
  uint32_t slot = (uint32_t)ash__getpid() % lay->attach_cap;
  if (r == ASH_OK &&
      ash__lockop(fd, F_WRLCK,
                  ASH__ATTACH_OFFSET + (uint64_t)slot * ASH__SLOT_SIZE, 1,
                  false) != 0)
    r = ash__syserr(errno, "lock a slot of", l->name);
  bool recorded = false;
  if (r == ASH_OK)
    r = ash__init_segment(m, lay, flags, first, slot, (uint32_t)st.st_uid,
                          &recorded);
  if (r == ASH_OK)
    r = ash__map_arena(m, true);
  if (r == ASH_OK && recorded) {
    ash__attach_recorded(m, (int)slot, 1);
  } else if (r == ASH_OK) {
    static const struct ash__slot none = {0, 0, 0};
    ash__attach_held(m, (int)slot, &none);
  }
  if (r) {
    if (m->tmp_path)
      unlink(m->tmp_path);
    free(m->tmp_path);
    m->tmp_path = NULL;
    ash__map_free(m);
    return r;
  }
  atomic_store(&m->writers, 1);
  atomic_store(&m->arefs, 1);
  *out = m;
  return ASH_OK;
}

/* Names a built segment. ASH_E_EXIST when the name is taken by a live
 * segment; a dead "auto" segment under the name is removed first. */
static int ash__publish(ash__map *m) {
  struct ash__loc l;
  int r = ash__loc_make(m->name, m->backend == ASH__BACKEND_FILE ? ASH_FILE : 0,
                        &l);
  if (r)
    return r;
  for (int attempt = 0;; attempt++) {
    int e = ash__link(m, l.path);
    if (e == 0)
      break;
    if (e == EEXIST && attempt == 0 && l.backend == ASH__BACKEND_SHM) {
      /* A dead auto segment under the name is removed (by us, or by
       * whoever looked at it first); then the name may be free. */
      int reaped = 0;
      (void)ash__reap_name(m->name, ASH__REAP_LIST, &reaped);
      continue;
    }
    if (e == EEXIST)
      return ash__err(ASH_E_EXIST,
                      "create \"%s\": a segment with this name exists",
                      m->name);
    return ash__syserr(e, "create", m->name);
  }
  m->unpublished = false;
  ash__map *use, *dup;
  r = ash__map_list_add(m, true, &use, &dup); /* a new inode: never a dup */
  return r;
}

/* @opened (may be NULL): set when ASH_OR_OPEN opened an existing
 * segment instead of creating one. */
static ash_status ash__create(const char *name, uint64_t arena_bytes,
                              uint32_t max_arrays, uint32_t max_attachers,
                              unsigned flags, unsigned mode,
                              const struct ash__first *first, ash_segment **out,
                              bool *opened) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output handle pointer is NULL");
  *out = NULL;
  if (flags & (ASH_RDONLY | ASH_NOATTACH))
    return ash__err(ASH_E_INVAL,
                    "create: flags RDONLY and NOATTACH are for open");
  if ((flags & ASH_UNPUBLISHED) && (flags & ASH_OR_OPEN))
    return ash__err(
        ASH_E_INVAL,
        "create: ASH_UNPUBLISHED and ASH_OR_OPEN exclude each other");
  if ((flags & ASH_ANON) &&
      (flags & (ASH_PERSIST | ASH_OR_OPEN | ASH_FILE | ASH_UNPUBLISHED)))
    return ash__err(ASH_E_INVAL,
                    "create: an anonymous segment (ASH_ANON) has no name to "
                    "publish, open or keep: it lives while a process holds "
                    "it (no ASH_PERSIST, ASH_OR_OPEN, ASH_FILE, "
                    "ASH_UNPUBLISHED)");
  if (mode & ~07777u)
    return ash__err(ASH_E_INVAL, "mode %o: only permission bits (07777)", mode);
  if (mode == 0)
    mode = 0600;
  struct ash__seglayout lay;
  struct ash__loc l;
  int r = ash__loc_make(name, flags, &l);
  if (r == ASH_OK)
    r = ash__layout_make(arena_bytes, max_arrays, max_attachers, l.name, &lay);
  if (r)
    return r;
  for (int attempt = 0;; attempt++) {
    ash__map *m = NULL;
    r = ash__build(&l, &lay, flags, mode, first, &m);
    if (r)
      return r;
    if (flags & ASH_UNPUBLISHED)
      return ash__segment_wrap(m, false, true, out);
    if (flags & ASH_ANON) {
      ash__map *use, *dup;
      (void)ash__map_list_add(m, true, &use, &dup); /* a new inode */
      return ash__segment_wrap(m, false, true, out);
    }
    r = ash__publish(m);
    if (r == ASH_OK)
      return ash__segment_wrap(m, false, true, out);
    ash__map_release(m, true, true); /* nameless: nothing is left */
    if (r != ASH_E_EXIST || !(flags & ASH_OR_OPEN))
      return r;
    ash__map *o;
    r = ash__open_loc(&l, flags & ~(unsigned)ASH_OR_OPEN, 0, &o);
    if (r == ASH_OK && opened)
      *opened = true;
    if (r == ASH_OK)
      return ash__segment_wrap(o, false, true, out);
    if (r != ASH_E_NOENT || attempt >= 8)
      return r; /* removed between our two calls: create again */
  }
}

ash_status ash_segment_create(const char *name, uint64_t arena_bytes,
                              uint32_t max_arrays, unsigned flags,
                              unsigned mode, ash_segment **out) {
  return ash__create(name, arena_bytes, max_arrays, 0, flags, mode, NULL, out,
                     NULL);
}

ash_status ash_segment_create_ex(const char *name, uint64_t arena_bytes,
                                 uint32_t max_arrays, uint32_t max_attachers,
                                 unsigned flags, unsigned mode,
                                 ash_segment **out) {
  if (max_attachers == 0) {
    if (out)
      *out = NULL;
    return ash__err(ASH_E_INVAL, "max_attachers 0: must be 1 to %d",
                    ASH__ATTACH_CAP_MAX);
  }
  return ash__create(name, arena_bytes, max_arrays, max_attachers, flags, mode,
                     NULL, out, NULL);
}

ash_status ash_segment_publish(ash_segment *seg) {
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  ash__map *m = seg->map;
  pthread_mutex_lock(&m->lock);
  int r;
  if (!m->unpublished)
    r = ash__err(ASH_E_INVAL, "segment \"%s\" is published already", m->name);
  else
    r = ash__publish(m);
  pthread_mutex_unlock(&m->lock);
  return r;
}

/* ---- unlink ------------------------------------------------------------ */

/* ash_unlink of a segment this process maps, through its map's descriptor
 * (no open, fstat and close of the name): the doom byte taken without
 * waiting, then the check that the name still refers to that segment and
 * that it still is one (its magic: a peer may have overwritten it), then
 * the unlink, the byte held from the check to the unlink as for every
 * removal (see attach.c). The map's lock keeps
 * this process's other users of the same open file description (whose
 * lock on the byte would not exclude this one: a detach's removal,
 * ash_segment_unlink) out meanwhile. Anything else (the byte held, the
 * name gone or now another file, not a segment, an empty file, a failed
 * unlink) goes the general way: ASH__RETRY. */
static int ash__unlink_mapped(const struct ash__loc *l) {
  ash__map *m = ash__map_named_ref(l->backend, l->name);
  if (m == NULL)
    return ASH__RETRY;
  int r = ASH__RETRY;
  pthread_mutex_lock(&m->lock);
  if (m->fd_rw && !atomic_load(&m->unlinked) &&
      ash__lockop(m->fd, F_WRLCK, ASH__DOOM_OFFSET, 1, false) == 0) {
    if (ash__unlink_held(m, l, true) == ASH_OK)
      r = ASH_OK; /* else: said (or done) the general way */
    ash__doom_drop(m->fd);
  }
  pthread_mutex_unlock(&m->lock);
  dev_t dev = m->dev;
  ino_t ino = m->ino;
  ash__map_release(m, false, false);
  /* A kept map of it has nothing left to do: dropped now. */
  if (r == ASH_OK)
    ash__map_unlinked(l->backend, dev, ino);
  return r;
}

ash_status ash_unlink(const char *name, unsigned flags) {
  struct ash__loc l;
  int r = ash__loc_make(name, flags, &l);
  if (r)
    return r;
  if ((r = ash__unlink_mapped(&l)) != ASH__RETRY)
    return r;
  struct stat st;
  if (lstat(l.path, &st) != 0)
    return errno == ENOENT
               ? ash__err(ASH_E_NOENT, "unlink \"%s\": no such segment", l.name)
               : ash__syserr(errno, "unlink", l.name);
  /* A symbolic link squatting a segment name is removed (never followed);
   * other non-files and files that are not segments are left alone. The
   * magic of a file this process maps is read through its descriptor. */
  uint64_t magic = 0;
  bool known = S_ISREG(st.st_mode) &&
               ash__map_listed(l.backend, st.st_dev, st.st_ino, &magic);
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    int fd = known ? -1 : ash__loc_open(&l, O_RDONLY);
    ssize_t got = fd < 0 ? -1 : pread(fd, &magic, sizeof magic, 0);
    if (fd >= 0)
      close(fd);
    if ((known || fd >= 0) &&
        !((known || got == (ssize_t)sizeof magic) && magic == ASH__MAGIC))
      return ash__err(ASH_E_CORRUPT,
                      "unlink \"%s\": not an arrayshare segment; left alone",
                      l.name);
  } else if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    return ash__err(ASH_E_CORRUPT,
                    "unlink \"%s\": not a regular file; left alone", l.name);
  }
  /* A segment's name is removed holding its doom byte (see attach.c):
   * nobody else removes it meanwhile, and no new segment can take the
   * name while it is there. Symbolic links and empty files have none. */
  int e = 0, fd = -1;
  bool rw = true;
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    fd = ash__loc_open(&l, O_RDWR);
    if (fd < 0 && errno == EACCES) {
      rw = false;
      fd = ash__loc_open(&l, O_RDONLY);
    }
    struct stat fst;
    if (fd < 0)
      e = errno;
    else if (fstat(fd, &fst) != 0)
      e = errno;
    else if (fst.st_dev != st.st_dev || fst.st_ino != st.st_ino)
      e = ESTALE;
    else if ((r = ash__doom_take(fd, rw, l.name)) != ASH_OK) {
      close(fd);
      return r;
    }
  }
  struct stat now;
  if (e == 0) {
    if (lstat(l.path, &now) != 0)
      e = errno;
    else if (now.st_dev != st.st_dev || now.st_ino != st.st_ino)
      e = ESTALE; /* replaced since we looked: look again */
    else if (ash__loc_unlink(&l) != 0)
      e = errno;
  }
  if (fd >= 0)
    close(fd); /* drops the doom byte */
  if (e == ESTALE)
    return ash_unlink(name, flags);
  if (e)
    return e == ENOENT
               ? ash__err(ASH_E_NOENT, "unlink \"%s\": no such segment", l.name)
               : ash__syserr(e, "unlink", l.name);
  /* A mapping of it in this process: nothing left to do at its detach. */
  if (known)
    ash__map_unlinked(l.backend, st.st_dev, st.st_ino);
  return ASH_OK;
}

ash_status ash_segment_unlink(ash_segment *seg) {
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  if (seg->map->unpublished)
    return ash__err(ASH_E_NOENT, "segment \"%s\" has no name yet (unpublished)",
                    seg->map->name);
  return ash__unlink_if_same(seg->map, false);
}

/* Removes the segment called @name if its policy is "auto" and none of its
 * attachers lives (ASH__REAP_DRY: only counts it), and (ASH__REAP_GC)
 * clears the records of dead attachers. Segments this process cannot open read-write,
 * corrupted and foreign ones are left alone. */
int ash__reap_name(const char *name, int mode, int *reaped) {
  struct ash__loc l;
  int r = ash__loc_make(name, 0, &l);
  if (r)
    return r;
  int fd = ash__loc_open(&l, O_RDWR);
  if (fd < 0)
    return ASH_OK; /* gone, or not ours to touch */
  struct stat st;
  struct ash__hdr h;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      (uint64_t)st.st_size < ASH__ATTACH_OFFSET ||
      pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h ||
      ash__validate_header(&h, (uint64_t)st.st_size, l.name) != ASH_OK) {
    close(fd);
    return ASH_OK;
  }
  ash__map *m = ash__map_new(l.name, l.backend, fd, true);
  if (m == NULL) {
    close(fd);
    return ash__err(ASH_E_NOMEM, "out of memory");
  }
  m->dev = st.st_dev;
  m->ino = st.st_ino;
  m->hdr = h;
  bool alive =
      ash__probe(fd, h.attach_offset, (uint64_t)h.attach_cap * ASH__SLOT_SIZE);
  if (h.policy == ASH_POLICY_AUTO && !alive) {
    if (mode == ASH__REAP_DRY)
      (*reaped)++;
    else
      *reaped += ash__reap_auto(m);
  } else if (mode == ASH__REAP_GC) {
    ash__clear_dead_records(m);
  }
  ash__map_free(m);
  return ASH_OK;
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
  ash__map *m = seg->map;
  uint64_t used = 0;
  if (ash__meta_read(m, offsetof(struct ash__hdr, arena_used), &used,
                     sizeof used))
    return 0;
  uint64_t size = m->hdr.arena_size;
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

/* ---- the attach table, as the user sees it ------------------------------ */

struct ash__attacher {
  int64_t pid;
  int alive;
};

/* One pass over the table: every recorded attacher, alive or dead. */
static int ash__snapshot(ash_segment *seg, struct ash__attacher **out, int *n) {
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  ash__map *m = seg->map;
  uint32_t cap = m->hdr.attach_cap;
  struct ash__attacher *a = malloc(sizeof *a * cap);
  struct ash__slot *slots = malloc(sizeof *slots * cap);
  int r = a && slots ? ash__read_slots(m, slots)
                     : ash__err(ASH_E_NOMEM, "out of memory");
  int k = 0;
  for (uint32_t i = 0; r == ASH_OK && i < cap; i++) {
    if (slots[i].pid == 0)
      continue;
    a[k].pid = slots[i].pid;
    a[k].alive = ash__slot_alive(m, i);
    k++;
  }
  free(slots);
  if (r) {
    free(a);
    return r;
  }
  *out = a;
  *n = k;
  return ASH_OK;
}

ash_status ash_segment_attachers(ash_segment *seg, int *alive, int *dead) {
  struct ash__attacher *a;
  int n;
  int r = ash__snapshot(seg, &a, &n);
  if (r)
    return r;
  int live = 0;
  for (int i = 0; i < n; i++)
    live += a[i].alive;
  free(a);
  if (alive)
    *alive = live;
  if (dead)
    *dead = n - live;
  return ASH_OK;
}

ash_status ash_segment_attacher(ash_segment *seg, int index, int64_t *pid,
                                int *alive) {
  struct ash__attacher *a;
  int n;
  int r = ash__snapshot(seg, &a, &n);
  if (r)
    return r;
  if (index < 0 || index >= n)
    r = ash__err(ASH_E_INDEX, "attacher index %d: the table has %d entries",
                 index, n);
  else {
    if (pid)
      *pid = a[index].pid;
    if (alive)
      *alive = a[index].alive;
  }
  free(a);
  return r;
}

ash_status ash_segment_attacher_list(ash_segment *seg, ash_list **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output list pointer is NULL");
  *out = NULL;
  struct ash__attacher *a;
  int n;
  int r = ash__snapshot(seg, &a, &n);
  if (r)
    return r;
  ash_list *l = ash__list_new(n);
  for (int i = 0; l && i < n; i++) {
    char pid[24];
    snprintf(pid, sizeof pid, "%lld", (long long)a[i].pid);
    if (ash__list_push(l, pid, a[i].pid, a[i].alive))
      l = NULL; /* freed by push */
  }
  free(a);
  if (l == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  *out = l;
  return ASH_OK;
}

/* ---- arrays ------------------------------------------------------------ */

int ash_segment_array_count(ash_segment *seg) {
  if (seg == NULL || ash__map_ingest_all(seg->map) != ASH_OK)
    return 0;
  return (int)atomic_load(&seg->map->ningested);
}

const char *ash_segment_array_name(ash_segment *seg, int index) {
  if (seg == NULL || index < 0)
    return NULL;
  const struct ash__array *a = ash__array_at(seg->map, (uint32_t)index);
  return a ? a->name : NULL;
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

/* Under the header lock: carves the array and publishes its entry (entry
 * and index first, then the counters, dir_count last). */
static int ash__add_locked(ash__map *m, const char *name, int dtype, int ndim,
                           const int64_t *shape, uint64_t nbytes,
                           const struct ash__ringspec *ring) {
  struct ash__hdr live;
  int r = ash__meta_read(m, 0, &live, sizeof live);
  if (r)
    return r;
  uint32_t count = live.dir_count;
  uint64_t used = live.arena_used;
  if (count > m->hdr.dir_cap)
    return ash__err(ASH_E_CORRUPT, "segment \"%s\": directory count corrupted",
                    m->name);
  const struct ash__array *other = ash__find_array(m, name);
  if (other)
    return ash__err(ASH_E_EXIST, "segment \"%s\" already has an array \"%s\"",
                    m->name, name);
  if (ash_last_error_code() != ASH_E_NOENT)
    return ash_last_error_code(); /* the directory is damaged */
  if (count == m->hdr.dir_cap)
    return ash__err(ASH_E_FULL, "segment \"%s\": directory full (%u arrays)",
                    m->name, m->hdr.dir_cap);
  uint64_t start = m->hdr.arena_offset + used, ctl = 0;
  if (ring) { /* the control block first, then the slots */
    ctl = ash__round_up(start, ASH__ALIGN);
    start = ctl + ash__ring_ctl_bytes((uint64_t)shape[0], ring->cons);
  }
  uint64_t off = ash__round_up(start, ash__array_align(nbytes));
  uint64_t alloc = ash__array_alloc(nbytes), end;
  if (ctl)
    start = ctl;
  if (used > m->hdr.arena_size || !ash__add_u64(off, alloc, &end) ||
      end > m->hdr.total_size)
    return ash__err(
        ASH_E_FULL,
        "segment \"%s\": array \"%s\" needs %llu bytes, %llu left in "
        "the arena",
        m->name, name, (unsigned long long)(alloc + (off - start)),
        (unsigned long long)(used > m->hdr.arena_size
                                 ? 0
                                 : m->hdr.arena_size - used));
  if (m->hdr.index_offset == 0)
    return ash__err(ASH_E_VERSION,
                    "segment \"%s\" has format 1.0: this library adds arrays "
                    "only to format 1.1 segments",
                    m->name);
  /* The entry and its hash first, then the counters, dir_count last. */
  struct ash__entry e;
  ash__fill_entry(&e, name, dtype, ndim, shape, off, nbytes);
  size_t elen = offsetof(struct ash__entry, reserved_v10);
  if (ring) {
    e.kind = ASH__KIND_RING;
    e.ring_flags = ring->flags;
    e.ring_ctl = ctl;
    e.ring_cons = ring->cons;
    elen = offsetof(struct ash__entry, sync);
  }
  uint32_t hash = ash__name_hash(name);
  uint64_t new_used = end - m->hdr.arena_offset;
  uint32_t new_count = count + 1;
  r = ring ? ash__meta_write(m, ctl, ring->init, ring->init_len) : ASH_OK;
  if (r == ASH_OK)
    r = ash__meta_write(
        m, m->hdr.dir_offset + (uint64_t)count * ASH__ENTRY_SIZE, &e, elen);
  if (r == ASH_OK)
    r = ash__meta_write(m, m->hdr.index_offset + (uint64_t)count * 4, &hash,
                        sizeof hash);
  if (r == ASH_OK)
    r = ash__meta_write(m, offsetof(struct ash__hdr, arena_used), &new_used,
                        sizeof new_used);
  if (r == ASH_OK)
    r = ash__meta_write(m, offsetof(struct ash__hdr, dir_count), &new_count,
                        sizeof new_count);
  return r;
}

ash_status ash_segment_add_array(ash_segment *seg, const char *name, int dtype,
                                 int ndim, const int64_t *shape,
                                 ash_view **out) {
  return ash__segment_add(seg, name, dtype, ndim, shape, NULL, out);
}

int ash__segment_add(ash_segment *seg, const char *name, int dtype, int ndim,
                     const int64_t *shape, const struct ash__ringspec *ring,
                     ash_view **out) {
  if (out)
    *out = NULL;
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  ash__map *m = seg->map;
  if (seg->readonly || !m->fd_rw || m->noattach)
    return ash__err(ASH_E_RDONLY,
                    "add array to \"%s\": segment opened read-only", m->name);
  int r = ash__name_check(name, 1);
  if (r)
    return r;
  uint64_t nbytes;
  r = ash__shape_nbytes(dtype, ndim, shape, &nbytes, NULL);
  if (r)
    return r;
  if ((r = ash__hdr_lock(m)))
    return r;
  r = ash__add_locked(m, name, dtype, ndim, shape, nbytes, ring);
  ash__hdr_unlock(m);
  if (r == ASH_OK && out)
    r = ash_segment_view(seg, name, out);
  return r;
}

/* A view of array @name (NULL or "": the first) of @m. */
int ash__map_view(ash__map *m, const char *name, bool readonly, bool counted,
                  ash_view **out) {
  const struct ash__array *a;
  if (name == NULL || name[0] == '\0') {
    a = ash__array_at(m, 0);
    if (a == NULL && ash__dir_count(m) == 0)
      ash__err(ASH_E_NOENT, "segment \"%s\" has no arrays", m->name);
  } else {
    a = ash__find_array(m, name);
  }
  if (a == NULL)
    return ash_last_error_code();
  return ash__view_new(m, a, readonly, counted, out);
}

ash_status ash_segment_view(ash_segment *seg, const char *name,
                            ash_view **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output view pointer is NULL");
  *out = NULL;
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  return ash__map_view(seg->map, name, seg->readonly, ASH__COUNTED(seg), out);
}

/* ---- one-call API -------------------------------------------------------- */

/* ASH_OR_OPEN found segment @name: its first array must be what
 * ash_create was asked for, else ASH_E_EXIST saying what it is. */
static int ash__same_array(const ash_view *v, const char *name, int dtype,
                           int ndim, const int64_t *shape) {
  if (ash_view_dtype(v) == dtype && ash_view_ndim(v) == ndim &&
      (ndim == 0 ||
       memcmp(ash_view_shape(v), shape, sizeof(int64_t) * (size_t)ndim) == 0))
    return ASH_OK;
  char have[ASH_MAX_NDIM * 21 + 4], want[ASH_MAX_NDIM * 21 + 4];
  const int64_t *hs = ash_view_shape(v);
  size_t a = 0, b = 0;
  for (int i = 0; i < ash_view_ndim(v); i++)
    a += (size_t)snprintf(have + a, sizeof have - a, "%s%lld", i ? ", " : "",
                          (long long)hs[i]);
  for (int i = 0; i < ndim; i++)
    b += (size_t)snprintf(want + b, sizeof want - b, "%s%lld", i ? ", " : "",
                          (long long)shape[i]);
  have[a] = want[b] = '\0';
  return ash__err(ASH_E_EXIST,
                  "create \"%s\": a segment with this name exists, holding "
                  "%s (%s), not %s (%s)",
                  name, ash_dtype_name(ash_view_dtype(v)), have,
                  ash_dtype_name(dtype), want);
}

ash_status ash_create(const char *name, int dtype, int ndim,
                      const int64_t *shape, unsigned flags, unsigned mode,
                      ash_view **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output view pointer is NULL");
  *out = NULL;
  if (flags & ASH_UNPUBLISHED)
    return ash__err(ASH_E_INVAL,
                    "ash_create publishes at once: use ash_segment_create with "
                    "ASH_UNPUBLISHED");
  uint64_t arena = 0, nbytes;
  int r = ash_arena_bytes_for(dtype, ndim, shape, &arena);
  if (r)
    return r;
  r = ash__shape_nbytes(dtype, ndim, shape, &nbytes, NULL);
  if (r)
    return r;
  struct ash__first first = {"data", dtype, ndim, shape, nbytes};
  ash_segment *seg;
  bool opened = false;
  r = ash__create(name, arena, 1, 0, flags, mode, &first, &seg, &opened);
  if (r)
    return r;
  r = ash_segment_view(seg, NULL, out); /* "data", entry 0 */
  if (r == ASH_OK && opened) {
    r = ash__same_array(*out, name, dtype, ndim, shape);
    if (r) {
      ash_view_release(*out);
      *out = NULL;
    }
  } else if (r == ASH_E_NOENT && opened) {
    r = ash__err(ASH_E_EXIST,
                 "create \"%s\": a segment with this name exists, holding "
                 "no array",
                 name);
  }
  if (r && !opened)
    (void)ash_segment_unlink(seg);
  ash_segment_close(seg);
  return r;
}

ash_status ash_view_segment(const ash_view *v, ash_segment **out) {
  if (out == NULL || v == NULL)
    return ash__err(ASH_E_INVAL, "view or output pointer is NULL");
  *out = NULL;
  bool ro = (v->flags & ASH_VIEW_READONLY) != 0;
  bool counted = ASH__COUNTED(v);
  ash__map_retain(v->map, !ro, counted);
  return ash__segment_wrap(v->map, ro, counted, out);
}
