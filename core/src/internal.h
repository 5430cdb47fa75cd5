/* SPDX-License-Identifier: MIT */
/* Internal declarations of libarrayshare. Not installed. Names: ash__ . */
#ifndef ASH_INTERNAL_H
#define ASH_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "arrayshare.h"

#define ASH__UNUSED __attribute__((unused))
#define ASH__PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ---- errors (error.c) ------------------------------------------------ */

/* Records code and detail for this thread; returns code. */
int ash__err(int code, const char *fmt, ...) ASH__PRINTF(2, 3);
/* Between these, errors are returned but not recorded: for work done on no
 * caller's behalf (detaching at a release, trimming the cache), which must
 * not overwrite the detail of the caller's last failed call. */
void ash__quiet_begin(void);
void ash__quiet_end(void);
/* Maps an errno from a system call on @what to an ASH_E_* code with detail. */
int ash__syserr(int err, const char *op, const char *what);

/* ---- on-memory format, version 1.1 (format.c) --------------------------
 *
 * offset 0          struct ash__hdr (256 bytes)
 * offset 256        header lock byte: an OFD byte-range lock (fcntl) on it
 *                   guards directory updates; the kernel drops it when its
 *                   holder dies, so a crash never leaves it held
 * offset 257        doom lock byte: held by a process deciding whether to
 *                   unlink an "auto" segment (see attach.c)
 * offset 320        segment sync block (64 bytes, minor >= 1)
 * offset 512        attach table: attach_cap slots of struct ash__slot
 * index_offset      name index: dir_cap u32 name hashes (minor >= 1)
 * dir_offset        directory: dir_cap entries of struct ash__entry
 * arena_offset      (page aligned) arena, up to total_size
 *
 * All fields little-endian (the only byte order supported). Every attacher
 * maps the whole segment; the header is copied into private memory and
 * validated before any field is used (a peer can write it at any time).
 * docs/format.md is the normative description.
 */
#define ASH__MAGIC UINT64_C(0x3145524148535241) /* "ARSHARE1" little-endian */
#define ASH__HDR_SIZE 256
#define ASH__LOCK_OFFSET 256
#define ASH__DOOM_OFFSET 257
#define ASH__BUILD_OFFSET 258 /* held while built under a temporary name */
#define ASH__SEGSYNC_OFFSET 320
#define ASH__ATTACH_OFFSET 512
#define ASH__ENTRY_SIZE 512
#define ASH__ENTRY_SYNC 448 /* per-array sync block inside an entry */
#define ASH__SLOT_SIZE 16
#define ASH__ATTACH_CAP_V10 128 /* format 1.0 */
#define ASH__ATTACH_CAP_DEFAULT 128
#define ASH__ATTACH_CAP_MAX 65536
#define ASH__MAX_ARRAYS 4096
#define ASH__CHUNK 64 /* entries per chunk of a map's table of copies */
#define ASH__BYTE_ORDER_LE 1
#define ASH__LOCK_KIND_OFD 2 /* fcntl OFD locks on bytes 256.. */
#define ASH__PAGE 4096u
#define ASH__ALIGN 64u
#define ASH__LARGE (64u * 1024u)

/* Header flag bits (offset 88). */
enum {
  ASH__HF_SEALED = 1u << 0,
  ASH__HF_WSEALED = 1u << 1,
  /* built under a temporary name (no O_TMPFILE): until that name is gone
   * the file has two, so a link count above 0 does not prove that the
   * segment still has its own name (attach.c, ash__name_still_there) */
  ASH__HF_TMPNAME = 1u << 2
};
enum { ASH__STATE_INIT = 1, ASH__STATE_READY = 2, ASH__STATE_DOOMED = 3 };

struct ash__hdr {
  uint64_t magic;         /* 0   */
  uint16_t fmt_major;     /* 8   */
  uint16_t fmt_minor;     /* 10  */
  uint8_t byte_order;     /* 12  */
  uint8_t lock_kind;      /* 13  */
  uint16_t reserved0;     /* 14  */
  uint32_t header_size;   /* 16  = arena_offset, bytes before the arena */
  uint32_t state;         /* 20  written READY; 1.0 used it, 1.1 ignores it */
  uint64_t total_size;    /* 24  */
  uint64_t arena_offset;  /* 32  */
  uint64_t arena_size;    /* 40  */
  uint64_t arena_used;    /* 48  under the header lock                 */
  int64_t ctime_ns;       /* 56  */
  int64_t creator_pid;    /* 64  */
  uint64_t creator_start; /* 72  process start time (clock ticks)      */
  uint32_t creator_uid;   /* 80  */
  uint32_t policy;        /* 84  ASH_POLICY_*                          */
  uint32_t flags;         /* 88  ASH__HF_*                             */
  uint32_t attach_cap;    /* 92  */
  uint64_t attach_offset; /* 96  */
  uint32_t dir_cap;       /* 104 */
  uint32_t dir_count;     /* 108 atomic, release-stored after an entry */
  uint64_t dir_offset;    /* 112 */
  uint32_t entry_size;    /* 120 */
  uint32_t lock_offset;   /* 124 */
  uint32_t slot_size;     /* 128 */
  uint32_t index_offset;  /* 132 name index (minor >= 1; 0 = none)      */
  char name[64];          /* 136 segment name, for display             */
  uint8_t reserved2[ASH__HDR_SIZE - 200];
};

struct ash__slot {
  int32_t pid;    /* 0 = free (display only: liveness is the slot lock) */
  uint32_t gen;   /* bumped by every claim (minor >= 1)               */
  uint64_t start; /* process start time, clock ticks since boot       */
};

struct ash__entry {
  char name[64];               /* 0   NUL-terminated                        */
  uint32_t dtype;              /* 64  */
  uint32_t ndim;               /* 68  */
  uint64_t offset;             /* 72  from the start of the segment          */
  uint64_t nbytes;             /* 80  */
  uint64_t reserved;           /* 88  */
  int64_t shape[ASH_MAX_NDIM]; /* 96 .. 352 */
  uint8_t reserved_v10[64];    /* 352 reserved by 1.0, unused             */
  uint32_t kind;               /* 416 (1.1) ASH__KIND_ARRAY or ASH__KIND_RING */
  uint32_t ring_flags;         /* 420 ASH_RING_BACKPRESSURE                   */
  uint64_t ring_ctl;           /* 424 offset of the ring's control block      */
  uint32_t ring_cons;          /* 432 entries of its consumer table           */
  uint32_t pad0;               /* 436 */
  uint64_t pad1;               /* 440 */
  uint8_t sync[64];            /* 448 per-array sync block (minor >= 1)      */
};
enum { ASH__KIND_ARRAY = 0, ASH__KIND_RING = 1 }; /* others: read as arrays */

_Static_assert(sizeof(struct ash__hdr) == ASH__HDR_SIZE, "header size");
_Static_assert(sizeof(struct ash__entry) == ASH__ENTRY_SIZE, "entry size");
_Static_assert(sizeof(struct ash__slot) == ASH__SLOT_SIZE, "slot size");
_Static_assert(offsetof(struct ash__entry, sync) == ASH__ENTRY_SYNC, "sync");

/* A validated private copy of a directory entry. */
struct ash__array {
  char name[ASH_ARRAY_NAME_MAX + 1];
  int dtype;
  int ndim;
  uint32_t index; /* position in the directory */
  uint64_t offset;
  uint64_t nbytes;
  int64_t shape[ASH_MAX_NDIM];
  uint64_t ring_ctl; /* a ring's control block offset; 0: an array */
  uint32_t ring_flags;
  uint32_t ring_cons;
};

/* A ring's control block (ring.c; docs/format.md, "Rings"): 64 bytes of
 * header, ring_cons consumer entries of 16 bytes, nslots sequence words of
 * 8 bytes, rounded up to 64. */
#define ASH__RING_MAGIC UINT64_C(0x31474E4952485341) /* "ASHRING1" */
#define ASH__RING_MAX_SLOTS (INT64_C(1) << 31)
static inline uint64_t ash__ring_ctl_bytes(uint64_t nslots, uint32_t cons) {
  return (64 + (uint64_t)cons * 16 + nslots * 8 + 63) & ~(uint64_t)63;
}
/* What ash__segment_add needs to add a ring rather than an array. */
struct ash__ringspec {
  uint32_t flags, cons;
  const void *init; /* the control block's first bytes */
  size_t init_len;
};

/* format.c */
struct ash__seglayout {
  uint32_t attach_cap, dir_cap, index_offset;
  uint64_t dir_offset, arena_offset, arena_size, total;
};
int ash__layout_make(uint64_t arena_bytes, uint32_t max_arrays,
                     uint32_t max_attachers, const char *name,
                     struct ash__seglayout *out);
/* @uid: the creator's, as the owner of the file it made (its fstat). */
void ash__hdr_init(struct ash__hdr *h, const struct ash__seglayout *lay,
                   int policy, uint32_t hflags, uint32_t uid,
                   const char *display_name);
int ash__validate_header(const struct ash__hdr *h, uint64_t real_size,
                         const char *name);
int ash__validate_entry(const struct ash__hdr *h, const struct ash__entry *e,
                        uint32_t index, const char *seg, struct ash__array *a);
uint32_t ash__name_hash(const char *name);
uint64_t ash__array_align(uint64_t nbytes);
uint64_t ash__array_alloc(uint64_t nbytes);

/* ---- synchronisation words (docs/format.md, "Sync block") ---------------
 * A 64-byte, 64-aligned block of our own words: one per array (directory
 * entry offset 448) and one for the whole segment (header offset 320). All
 * are used through the mapping with C11 atomics; the 32-bit ones that
 * processes sleep on are shared futexes (futex.c). Zero is the initial
 * state: unlocked, version 0, nobody waiting. */
struct ash__sync {
  _Atomic uint32_t lock;    /* 0  lock word (below)                      */
  _Atomic uint32_t tid;     /* 4  thread id of the holder, 0 when free   */
  _Atomic uint64_t seq;     /* 8  2 x version; odd while a write runs    */
  _Atomic uint32_t writer;  /* 16 owner id of the writer (bit 31: its
                                   write_begin took the lock), 0: none    */
  _Atomic uint32_t notify;  /* 20 futex: +1 by every notify and publish  */
  _Atomic uint32_t waiters; /* 24 threads sleeping on notify             */
  uint32_t reserved[9];     /* 28 zero                                   */
};
_Static_assert(sizeof(struct ash__sync) == 64, "sync block size");

/* The lock word: bits 0-16 the owner's attach slot + 1 (0: no owner), bits
 * 17-29 the owner's slot generation modulo 8192 (together: the "owner
 * id"), bit 30 DIED (the last owner died holding it: the next locker gets
 * ASH_E_OWNERDEAD; set together with an owner while that owner has not
 * called consistent), bit 31 WAITERS (someone may sleep on the word: the
 * unlocker wakes it). Owner id 0x3FFFFFFF with DIED: not recoverable. */
#define ASH__LK_SLOT_MASK 0x1FFFFu
#define ASH__LK_GEN_SHIFT 17
#define ASH__LK_GEN_MASK 0x1FFFu
#define ASH__LK_ID_MASK 0x3FFFFFFFu
#define ASH__LK_DIED (1u << 30)
#define ASH__LK_WAITERS (1u << 31)
#define ASH__LK_NOTREC (ASH__LK_ID_MASK | ASH__LK_DIED)
#define ASH__WR_LOCKED (1u << 31) /* writer word: write_begin took the lock */

static inline uint32_t ash__owner_id(int slot, uint32_t gen) {
  return ((uint32_t)slot + 1) | ((gen & ASH__LK_GEN_MASK) << ASH__LK_GEN_SHIFT);
}

/* futex.c: deadlines in CLOCK_MONOTONIC ns, waits in bounded slices. */
#define ASH__SLICE_FIRST_NS 1000000LL /* 1 ms, doubling ...              */
#define ASH__SLICE_MAX_NS 16000000LL  /* ... to 16 ms: liveness re-check */
#define ASH__WAITV_MAX 128            /* futex_waitv's limit               */
struct ash__deadline {
  int64_t end, slice;
  bool forever;
};
int64_t ash__clock_ns(void);
/* @timeout in seconds, negative: no limit; NaN is ASH_E_INVAL. */
int ash__deadline_init(double timeout, struct ash__deadline *d);
/* The next slice to sleep (ns), 0 once the deadline passed. */
int64_t ash__deadline_slice(struct ash__deadline *d);
bool ash__deadline_passed(const struct ash__deadline *d);
void ash__futex_wait(_Atomic uint32_t *w, uint32_t val, int64_t ns);
int ash__futex_wake(_Atomic uint32_t *w, int n);
/* Index of a woken word, -1 (changed, timed out, interrupted), or -ENOSYS
 * when futex_waitv is unavailable. */
int ash__futex_waitv(_Atomic uint32_t *const *w, const uint32_t *vals, int n,
                     int64_t ns);

/* ---- names and paths (loc.c) -------------------------------------------- */

enum { ASH__BACKEND_SHM = 0, ASH__BACKEND_FILE = 1, ASH__BACKEND_MEMFD = 2 };

#define ASH__PATH_CAP 4200
/* Where a segment lives: shm segments are files in the namespace directory
 * (/dev/shm), named prefix + NAME; file segments are absolute paths. */
struct ash__loc {
  int backend;
  const char *name; /* user-facing: points into buf (shm) or is the path */
  char path[ASH__PATH_CAP]; /* absolute path of the file */
};
int ash__loc_make(const char *name, unsigned flags, struct ash__loc *l);
const char *ash__shm_dir(void);
const char *ash__shm_prefix(void);
int ash__loc_open(const struct ash__loc *l, int oflag);
int ash__loc_unlink(const struct ash__loc *l);
int ash__open_error(const struct ash__loc *l, int err);
/* Calls @fn for every valid segment name in the namespace (@tmp: instead
 * for every file name PREFIX.tmp-* of a creation without O_TMPFILE); stops
 * at the first non-zero return, which it returns. */
int ash__scan_names(int (*fn)(const char *name, void *ctx), void *ctx,
                    bool tmp);

/* ---- mappings (map.c) ---------------------------------------------------- */

/* One mapping of one segment in this process, shared by handles and views.
 * It maps the whole segment (header, tables and arena) once. */
typedef struct ash__map {
  atomic_long refs;     /* handles and views in this process */
  atomic_long arefs;    /* those opened by this process (not inherited
                          through fork): attached while there are any */
  atomic_long writers;  /* writable handles and views */
  pthread_mutex_t lock; /* directory cache, protection, attach state */
  int backend;
  char *name; /* user name, absolute path, or memfd display name */
  int fd;     /* kept open: locks and header updates go through it */
  bool fd_rw; /* fd opened O_RDWR (can lock, attach, add arrays) */
  dev_t dev;
  ino_t ino;
  uint8_t *addr; /* the mapping: the whole segment */
  uint64_t len;
  uint8_t *base; /* the arena (addr + hdr.arena_offset) */
  uint64_t size; /* arena bytes (hdr.arena_size) */
  bool arena_rw; /* arena currently mapped PROT_WRITE */
  bool attached; /* holds attach slot `slot` */
  int slot;
  uint32_t slot_gen;
  atomic_bool sync_used; /* this process locked or wrote in the segment */
  _Atomic uint32_t
      lock_id;           /* owner id of this process for the sync words: set at
                       attach when it may lock (format 1.1, writable
                       words), 0 otherwise and once detached */
  _Atomic bool unlinked; /* this process unlinked the name (atomic: ash_unlink
                            of a name this process maps sets it while other
                            threads detach) */
  bool stale;       /* removed, truncated or rewritten since it was cached */
  bool listed;      /* on the process-wide list */
  bool noattach;    /* an inspection map (ASH_NOATTACH): never listed */
  bool sealed;      /* memfd with size seals: cannot be truncated */
  bool wsealed;     /* memfd sealed against writes: mapped read-only */
  bool norecord;    /* write no attach records (sealed by this process) */
  bool unpublished; /* created with ASH_UNPUBLISHED, not linked yet */
  char *tmp_path; /* unpublished, made without O_TMPFILE: its temporary name */
  struct ash__hdr hdr; /* validated private copy of the immutable fields */
  uint8_t *head;       /* the segment's first head_len bytes, read at open */
  uint32_t head_len;
  uint32_t head_count;         /* dir_count when the head was read */
  struct ash__array ***arrays; /* chunks of ASH__CHUNK pointers, made and
                                  filled on demand; entry 0 is arr0 */
  struct ash__array arr0;      /* entry 0's copy, once arr0p is set */
  const struct ash__array *arr0p;
  _Atomic uint32_t ningested; /* entries [0, ningested) are all validated
                                 (atomic: read without the lock) */
  struct ash__map *next;
} ash__map;

struct ash_segment {
  atomic_long refs;
  ash__map *map;
  bool readonly;
  bool counted; /* holds one of map->arefs, in process pid */
  pid_t pid;
};

/* A handle or view counts toward its map's arefs in the process that
 * opened it, not in a fork child that inherited it. */
#define ASH__COUNTED(x) ((x)->counted && (x)->pid == ash__getpid())

ash__map *ash__map_new(const char *name, int backend, int fd, bool fd_rw);
void ash__map_free(ash__map *m);
int ash__map_mmap(ash__map *m, uint64_t size);
int ash__map_arena(ash__map *m, bool rw);
void ash__map_retain(ash__map *m, bool writer, bool counted);
void ash__map_release(ash__map *m, bool writer, bool counted);
int ash__map_add_writer(ash__map *m);
void ash__map_drop_writer(ash__map *m);
int ash__map_find(int backend, dev_t dev, ino_t ino, int64_t gen,
                  const char *name, bool writer, bool attach, ash__map **out);
int ash__map_list_add(ash__map *m, bool writer, ash__map **use, ash__map **dup);
bool ash__map_named(int backend, const char *name);
bool ash__map_listed(int backend, dev_t dev, ino_t ino, uint64_t *magic);
ash__map *ash__map_named_ref(int backend, const char *name);
void ash__map_unlinked(int backend, dev_t dev, ino_t ino);
const struct ash__array *ash__find_array(ash__map *m, const char *name);
const struct ash__array *ash__array_at(ash__map *m, uint32_t index);
int ash__map_ingest_all(ash__map *m);
int ash__segment_wrap(ash__map *m, bool readonly, bool counted,
                      ash_segment **out);

/* ---- header, table and directory I/O (meta.c) ---------------------------- */
int ash__pread_all(int fd, void *buf, size_t n, uint64_t off, const char *name);
int ash__meta_read(ash__map *m, uint64_t off, void *dst, size_t len);
int ash__meta_write(ash__map *m, uint64_t off, const void *src, size_t len);
struct iovec;
int ash__meta_writev(ash__map *m, uint64_t off, struct iovec *iov, int n);
int ash__meta_entry(ash__map *m, uint32_t i, struct ash__entry *e, bool fresh);
int ash__meta_index(ash__map *m, uint32_t n, const uint32_t **buf, bool *owned);
uint32_t ash__dir_count(ash__map *m);

/* ---- the SIGBUS guard (sigbus.c) ------------------------------------------
 * Accesses of a mapping that a peer may have truncated run inside a guard:
 *   struct ash__guard g;
 *   if (ASH__GUARD(g, m, NULL)) return ash__guard_fault(m); // already popped
 *   ... touch m's memory ...
 *   ash__guard_pop(&g);
 * Nothing between the two may take a lock or allocate (a fault jumps out). */
struct ash__guard {
  sigjmp_buf env;
  const uint8_t *lo[2], *hi[2];
  struct ash__guard *prev;
};
void ash__guard_push(struct ash__guard *g, const ash__map *a,
                     const ash__map *b);
void ash__guard_pop(struct ash__guard *g);
int ash__guard_fault(const ash__map *m);
#define ASH__GUARD(g, a, b)                                                    \
  (ash__guard_push(&(g), (a), (b)), sigsetjmp((g).env, 0) != 0)

/* ---- attach table, locks and liveness (attach.c) ----------------------- */

enum { ASH__RETRY = 1 }; /* internal: open the name again */

int ash__lockop(int fd, short type, uint64_t start, uint64_t len, bool wait);
int ash__probe(int fd, uint64_t start, uint64_t len);
bool ash__name_still_there(const char *path, const struct stat *st,
                           uint32_t hflags);
int ash__hdr_lock(ash__map *m);
void ash__hdr_unlock(ash__map *m);
int ash__attach(ash__map *m, struct ash__hdr *live, bool *have_live);
void ash__attach_held(ash__map *m, int slot, const struct ash__slot *old);
void ash__attach_recorded(ash__map *m, int slot, uint32_t gen);
void ash__detach(ash__map *m);
bool ash__slot_alive(ash__map *m, uint32_t i);
/* Whether owner id @id (slot + generation) names a live process still in
 * that slot; an id outside the table is dead. */
bool ash__owner_alive(ash__map *m, uint32_t id);
/* sync.c, for ring.c: sleeping on a futex word in slices until @ready
 * (1: ready, 0: not yet, negative: an error to return; @check: a whole
 * slice passed without a wake, time to look at liveness) or the deadline
 * (ASH__EXPIRED); and waking its sleepers (@count: how many sleep). */
enum { ASH__EXPIRED = 2 };
int ash__sync_wait(_Atomic uint32_t *word, _Atomic uint32_t *count,
                   bool counted, int (*ready)(void *ctx, bool check), void *ctx,
                   struct ash__deadline *d);
int ash__sync_wake(_Atomic uint32_t *word, _Atomic uint32_t *count, bool all);
/* The pid in the slot of owner id @id, 0 when unknown (display only). */
int64_t ash__owner_pid(const ash__map *m, uint32_t id);
/* Where the sync blocks are: the segment's (index -1) or entry @index's.
 * Format 1.1 only. */
static inline struct ash__sync *ash__sync_block(const ash__map *m,
                                                int64_t index) {
  uint64_t off = index < 0
                     ? ASH__SEGSYNC_OFFSET
                     : m->hdr.dir_offset + (uint64_t)index * ASH__ENTRY_SIZE +
                           ASH__ENTRY_SYNC;
  return (struct ash__sync *)(void *)(m->addr + off);
}
int ash__reap_auto(ash__map *m);
int ash__unlink_held(ash__map *m, const struct ash__loc *l, bool magic);
int ash__unlink_if_same(ash__map *m, bool have_doom);
int ash__doom_take(int fd, bool rw, const char *name);
void ash__doom_drop(int fd);
void ash__clear_dead_records(ash__map *m);
int ash__read_slots(ash__map *m, struct ash__slot *slots);

/* ---- segments (segment.c) ------------------------------------------------ */

int ash__open_map(const char *name, unsigned flags, int64_t gen,
                  ash__map **out);
int ash__open_gen(const char *name, unsigned flags, int64_t gen,
                  ash_segment **out);
int ash__map_view(ash__map *m, const char *name, bool readonly, bool counted,
                  ash_view **out);
/* ash__reap_name modes: list (remove dead auto segments), dry run (count
 * them), gc (remove them and clear dead attachers' records). */
enum { ASH__REAP_LIST = 0, ASH__REAP_DRY = 1, ASH__REAP_GC = 2 };
int ash__reap_name(const char *name, int mode, int *reaped);
/* Adds an array (@ring NULL) or a ring to @seg; @out may be NULL. */
int ash__segment_add(ash_segment *seg, const char *name, int dtype, int ndim,
                     const int64_t *shape, const struct ash__ringspec *ring,
                     ash_view **out);
int ash__open_fd_once(const char *name, int backend, int fd, bool rw,
                      unsigned flags, int64_t gen, ash__map **out);

/* ---- anonymous segments (anon.c) ----------------------------------------- */
int ash__open_anon(int64_t pid, int64_t fdnum, unsigned flags, int64_t gen,
                   ash_segment **out);

/* ---- string lists (list.c) ------------------------------------------------ */
ash_list *ash__list_new(int cap);
/* Appends; on failure frees @l and returns ASH_E_NOMEM. */
int ash__list_push(ash_list *l, const char *name, int64_t value, int flag);
void ash__list_sort_names(ash_list *l);

struct ash_view {
  atomic_long refs;
  ash__map *map;
  const struct ash__array *arr;
  int dtype;
  int ndim;
  unsigned flags;
  /* ndim when ash_view_get_f64 / set_f64 may take their fast path (a
   * float64 view; for set, writable), else -1: one compare for both
   * conditions. Kept by ash__view_update_flags and ash__view_drop_write. */
  int f64_get, f64_set;
  size_t itemsize;
  int64_t offset; /* byte offset of element 0 from the array start */
  int64_t size;
  uint8_t *data;
  int64_t shape[ASH_MAX_NDIM];
  int64_t strides[ASH_MAX_NDIM];
  _Atomic(char *) desc[4]; /* descriptors made, by ASH_DESC_* flags */
  bool counted;            /* see ASH__COUNTED */
  pid_t pid;
};

/* view.c */
int ash__view_new(ash__map *m, const struct ash__array *a, bool readonly,
                  bool counted, ash_view **out);
ash_view *ash__view_clone(const ash_view *v);
void ash__view_drop_write(ash_view *v);
void ash__view_update_flags(ash_view *v);
int ash__view_check_bounds(const ash_view *v);
int ash__view_apply_index(const char *spec, ash_view **vp); /* descriptor.c */
int ash__view_locate(const ash_view *v, int nidx, const int64_t *idx,
                     uint8_t **p);
int ash__view_writable(const ash_view *v);

/* convert.c: one element <-> scalar, with the documented rules */
int ash__load_f64(int dtype, const void *p, double *out);
int ash__load_i64(int dtype, const void *p, int64_t *out);
int ash__load_u64(int dtype, const void *p, uint64_t *out);
int ash__load_c128(int dtype, const void *p, double *re, double *im);
int ash__pack_f64(int dtype, double v, void *item);
int ash__pack_i64(int dtype, int64_t v, void *item);
int ash__pack_u64(int dtype, uint64_t v, void *item);
int ash__pack_c128(int dtype, double re, double im, void *item);

/* Largest byte size accepted for one array or segment, and largest stride
 * magnitude of a view: keeps every offset and every stride product far from
 * int64 overflow. */
#define ASH__MAX_BYTES (UINT64_C(1) << 62)
#define ASH__MAX_STRIDE (INT64_C(1) << 62)

/* util.c */
int ash__name_check(const char *name, int is_array);
uint64_t ash__self_start(void);
pid_t ash__getpid(void);

/* This process's attach record for a slot it claimed with generation
 * @gen. */
static inline void ash__slot_record(struct ash__slot *rec, uint32_t gen) {
  rec->pid = (int32_t)ash__getpid();
  rec->gen = gen;
  rec->start = ash__self_start();
}
int64_t ash__now_ns(void);
bool ash__mul_u64(uint64_t a, uint64_t b, uint64_t *out);
bool ash__add_u64(uint64_t a, uint64_t b, uint64_t *out);
uint64_t ash__round_up(uint64_t v, uint64_t align);
int ash__shape_nbytes(int dtype, int ndim, const int64_t *shape,
                      uint64_t *nbytes, int64_t *count);
void ash__copy_str(char *dst, const char *src, size_t cap);
char *ash__proc_fd_path(char *buf, int fd);

/* util.c: a growable string; after a failed allocation ->oom is set and
 * further additions are ignored */
struct ash__sb {
  char *s;
  size_t n, cap;
  bool oom;
};
void ash__sb_add(struct ash__sb *b, const char *s, size_t n);
void ash__sb_str(struct ash__sb *b, const char *s);
void ash__sb_fill(struct ash__sb *b, char c, int n);
/* Number of elements of @shape (dimensions >= 0): 0 when any dimension is
 * 0, whatever the others; otherwise their product, which the caller has
 * bounded (ash__shape_nbytes). Never overflows. */
int64_t ash__shape_count(int ndim, const int64_t *shape);
/* The strides of a fresh C-order layout of @shape: C strides when it has
 * elements; all 0 when it has none (see docs/c-api.md, "Zero-size views").
 * Returns the element count. The caller has bounded the element count
 * times @itemsize (at most 2^62 bytes), so nothing overflows. */
int64_t ash__c_strides(int ndim, const int64_t *shape, int64_t itemsize,
                       int64_t *strides);

/* dtype.c */
bool ash__dtype_valid(int dtype);

#endif
