/* Internal declarations of libarrayshare. Not installed. Names: ash__ . */
#ifndef ASH_INTERNAL_H
#define ASH_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "arrayshare.h"

#define ASH__UNUSED __attribute__((unused))
#define ASH__PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ---- errors (error.c) ------------------------------------------------ */

/* Records code and detail for this thread; returns code. */
int ash__err(int code, const char *fmt, ...) ASH__PRINTF(2, 3);
/* Maps an errno from a system call on @what to an ASH_E_* code with detail. */
int ash__syserr(int err, const char *op, const char *what);

/* ---- on-memory format, version 1.0 (segment.c) ------------------------
 *
 * offset 0     struct ash__hdr (256 bytes)
 * offset 256   lock byte: an OFD byte-range lock (fcntl F_OFD_SETLKW) on this
 *              byte guards every header update; the kernel drops it when its
 *              holder dies, so a crash never leaves it held
 * offset 320   reserved up to 512
 * offset 512   attach table: attach_cap slots of struct ash__slot (16 bytes)
 * dir_offset   directory: dir_cap entries of struct ash__entry (512 bytes)
 * arena_offset (page aligned) arena, up to total_size
 *
 * All fields little-endian (the only byte order supported). The header is
 * only ever read and written with pread/pwrite on the segment's descriptor,
 * never through the mapping: a process maps the arena alone, so opening and
 * closing touch no page, and no stray write through a view can reach the
 * header. The creator writes everything, then publishes the magic last.
 */
#define ASH__MAGIC UINT64_C(0x3145524148535241) /* "ARSHARE1" little-endian */
#define ASH__HDR_SIZE 256
#define ASH__LOCK_OFFSET 256
#define ASH__ATTACH_OFFSET 512
#define ASH__ENTRY_SIZE 512
#define ASH__SLOT_SIZE 16
#define ASH__ATTACH_CAP 128
#define ASH__MAX_ARRAYS 4096
#define ASH__BYTE_ORDER_LE 1
#define ASH__LOCK_KIND_OFD 2 /* fcntl OFD lock on byte lock_offset */
#define ASH__PAGE 4096u
#define ASH__ALIGN 64u
#define ASH__LARGE (64u * 1024u)

enum { ASH__STATE_INIT = 1, ASH__STATE_READY = 2, ASH__STATE_DOOMED = 3 };

struct ash__hdr {
  uint64_t magic;          /* 0   */
  uint16_t fmt_major;      /* 8   */
  uint16_t fmt_minor;      /* 10  */
  uint8_t byte_order;      /* 12  */
  uint8_t lock_kind;       /* 13  */
  uint16_t reserved0;      /* 14  */
  uint32_t header_size;    /* 16  = arena_offset, bytes before the arena */
  uint32_t state;          /* 20  ASH__STATE_*, atomic                  */
  uint64_t total_size;     /* 24  */
  uint64_t arena_offset;   /* 32  */
  uint64_t arena_size;     /* 40  */
  uint64_t arena_used;     /* 48  under lock                            */
  int64_t ctime_ns;        /* 56  */
  int64_t creator_pid;     /* 64  */
  uint64_t creator_start;  /* 72  process start time (clock ticks)      */
  uint32_t creator_uid;    /* 80  */
  uint32_t policy;         /* 84  ASH_POLICY_*                          */
  uint32_t flags;          /* 88  reserved (sealed, read-only, ...)     */
  uint32_t attach_cap;     /* 92  */
  uint64_t attach_offset;  /* 96  */
  uint32_t dir_cap;        /* 104 */
  uint32_t dir_count;      /* 108 atomic, release-stored after an entry */
  uint64_t dir_offset;     /* 112 */
  uint32_t entry_size;     /* 120 */
  uint32_t lock_offset;    /* 124 */
  uint32_t slot_size;      /* 128 */
  uint32_t reserved1;      /* 132 */
  char name[64];           /* 136 segment name, for display             */
  uint8_t reserved2[ASH__HDR_SIZE - 200];
};

struct ash__slot {
  int32_t pid;    /* 0 = free */
  uint32_t gen;   /* reserved */
  uint64_t start; /* process start time, clock ticks since boot */
};

struct ash__entry {
  char name[64];          /* 0   NUL-terminated                        */
  uint32_t dtype;         /* 64  */
  uint32_t ndim;          /* 68  */
  uint64_t offset;        /* 72  from the start of the segment          */
  uint64_t nbytes;        /* 80  */
  uint64_t reserved;      /* 88  */
  int64_t shape[ASH_MAX_NDIM]; /* 96 .. 352 */
  uint8_t sync[64];       /* 352 reserved: robust mutex, seq, futex      */
  uint8_t pad[ASH__ENTRY_SIZE - 416];
};

_Static_assert(sizeof(struct ash__hdr) == ASH__HDR_SIZE, "header size");
_Static_assert(sizeof(struct ash__entry) == ASH__ENTRY_SIZE, "entry size");
_Static_assert(sizeof(struct ash__slot) == ASH__SLOT_SIZE, "slot size");

/* A validated private copy of a directory entry. */
struct ash__array {
  char name[ASH_ARRAY_NAME_MAX + 1];
  int dtype;
  int ndim;
  uint64_t offset;
  uint64_t nbytes;
  int64_t shape[ASH_MAX_NDIM];
};

enum { ASH__BACKEND_SHM = 0, ASH__BACKEND_FILE = 1 };

/* One mapping of one segment in this process, shared by handles and views. */
typedef struct ash__map {
  atomic_long refs;
  pthread_mutex_t lock; /* guards the directory cache below */
  int backend;
  char *name;     /* user name, or absolute path for files */
  char *path;     /* "/ash.NAME" for shm_open, or the absolute path */
  int fd;         /* kept open: header I/O and the OFD lock go through it */
  bool fd_rw;     /* fd opened O_RDWR (can lock, attach, add arrays) */
  dev_t dev;
  ino_t ino;
  uint8_t *base;  /* the arena (hdr.arena_offset into the segment) */
  uint8_t *map_addr; /* what mmap returned: the arena, or for the creator
                        the whole segment */
  uint64_t map_len;
  uint64_t size;  /* arena bytes (hdr.arena_size) */
  _Atomic bool unlinked; /* this process unlinked the name: nothing left to
                            do (atomic: ash_unlink of a name this process
                            maps sets it while other threads detach) */
  bool writable;  /* arena mapped PROT_WRITE */
  bool attached;  /* holds an attach slot */
  int slot;
  pid_t owner;    /* process that mapped it (fork children do not detach) */
  struct ash__hdr hdr; /* validated private copy of the immutable fields */
  struct ash__array **arrays; /* dir_cap pointers, filled as published */
  uint32_t narrays;
  struct ash__map *next; /* process-wide list of attached maps */
} ash__map;

struct ash_segment {
  ash__map *map;
  bool readonly;
};

struct ash_view {
  atomic_long refs;
  ash__map *map;
  const struct ash__array *arr;
  int dtype;
  int ndim;
  unsigned flags;
  size_t itemsize;
  int64_t offset; /* byte offset of element 0 from the array start */
  int64_t size;
  uint8_t *data;
  int64_t shape[ASH_MAX_NDIM];
  int64_t strides[ASH_MAX_NDIM];
  _Atomic(char *) desc;
};

/* segment.c */
void ash__map_retain(ash__map *m);
void ash__map_release(ash__map *m);
int ash__map_refresh(ash__map *m);
int ash__open_map(const char *name, unsigned flags, ash__map **out);
int ash__open_gen(const char *name, unsigned flags, int64_t gen,
                  ash_segment **out);
const struct ash__array *ash__find_array(ash__map *m, const char *name);
const char *ash__shm_dir(void);

/* view.c */
int ash__view_new(ash__map *m, const struct ash__array *a, bool readonly,
                  ash_view **out);
ash_view *ash__view_clone(const ash_view *v);
void ash__view_update_flags(ash_view *v);
int ash__view_check_bounds(const ash_view *v);
int ash__view_apply_index(const char *spec, ash_view **vp); /* descriptor.c */

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
int64_t ash__now_ns(void);
bool ash__mul_u64(uint64_t a, uint64_t b, uint64_t *out);
bool ash__add_u64(uint64_t a, uint64_t b, uint64_t *out);
uint64_t ash__round_up(uint64_t v, uint64_t align);
int ash__shape_nbytes(int dtype, int ndim, const int64_t *shape,
                      uint64_t *nbytes, int64_t *count);
/* Number of elements of @shape (dimensions >= 0): 0 when any dimension is
 * 0, whatever the others; otherwise their product, which the caller has
 * bounded (ash__shape_nbytes). Never overflows. */
int64_t ash__shape_count(int ndim, const int64_t *shape);
/* The strides of a fresh C-order layout of @shape: C strides when it has
 * elements; all 0 when it has none (see docs/c-api.md, "Zero-size views").
 * The caller has bounded the element count times @itemsize (at most 2^62
 * bytes), so nothing overflows. */
void ash__c_strides(int ndim, const int64_t *shape, int64_t itemsize,
                    int64_t *strides);

/* dtype.c */
bool ash__dtype_valid(int dtype);

#endif
