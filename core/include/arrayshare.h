/* SPDX-License-Identifier: MIT */
/*
 * arrayshare.h - typed N-dimensional arrays shared between processes.
 *
 * This is the one public header of libarrayshare and its stable ABI.
 *
 * Conventions (after libuv, LMDB, SQLite and zstd):
 *  - Every public name starts with ash_ / ASH_.
 *  - Handles (ash_segment, ash_view, ash_list) are opaque. Every function that
 *    makes one has a matching close/release that accepts NULL.
 *  - Functions that can fail return an ash_status: 0 (ASH_OK) on success, a
 *    negative ASH_E_* code on failure. Library codes live in the reserved
 *    range [-1999, -1000]. ash_strerror() names every code; ash_last_error()
 *    gives a thread-local detail message naming the offending value, e.g.
 *    `name "a/b": '/' is not allowed`.
 *  - On failure, a handle out-parameter (ash_segment **, ash_view **,
 *    ash_list **) is set to NULL, other out-parameters are left untouched,
 *    and no state is changed: a failed call loses nothing.
 *  - Only plain C types cross the boundary: no struct by value, no varargs,
 *    no callbacks. Enums are append-only; their values never change.
 *  - Indices are 0-based. Negative element indices count from the end, as in
 *    Python and NumPy.
 *  - All functions are thread-safe. Views are immutable once made.
 *
 * Lifetime in one process: segment handles and views are reference counted
 * and share one mapping per segment. The mapping is removed when the last
 * handle and the last view on it are released, so a view stays valid after
 * its segment handle was closed. Across processes: see ash_segment_create().
 */
#ifndef ARRAYSHARE_H
#define ARRAYSHARE_H

#include <stddef.h>
#include <stdint.h>

#include "arrayshare_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Export macro                                                            */
/* ---------------------------------------------------------------------- */

#if defined(ASH_BUILDING_LIBRARY) && defined(__GNUC__)
#define ASH_EXTERN __attribute__((visibility("default")))
#else
#define ASH_EXTERN /* nothing */
#endif

/* ---------------------------------------------------------------------- */
/* Versions                                                                */
/* ---------------------------------------------------------------------- */

/* ASH_VERSION_MAJOR, _MINOR, _PATCH, _STRING and ASH_VERSION_HEX come from
 * arrayshare_version.h, generated from CMakeLists.txt (the one version
 * source). ASH_FORMAT_MAJOR/MINOR is the on-memory format version. */
#define ASH_FORMAT_MAJOR 1
#define ASH_FORMAT_MINOR 1

/*! ash_version() :
 *  @return the run-time library version as
 *          (major << 16) | (minor << 8) | patch; compare with ASH_VERSION_HEX
 *          to tell the header you compiled against from the library loaded. */
ASH_EXTERN unsigned ash_version(void);

/*! ash_version_string() :
 *  @return the run-time library version as a static string, e.g. "0.1.0". */
ASH_EXTERN const char *ash_version_string(void);

/* ---------------------------------------------------------------------- */
/* Status codes                                                            */
/* ---------------------------------------------------------------------- */

typedef int ash_status;

/* XX(suffix, value, message). Append only; values never change. */
/* clang-format off */
#define ASH_ERRNO_MAP(XX)                                                     \
  XX(INVAL,    -1001, "invalid argument")                                     \
  XX(NAME,     -1002, "invalid name")                                         \
  XX(EXIST,    -1003, "already exists")                                       \
  XX(NOENT,    -1004, "no such segment or array")                             \
  XX(PERM,     -1005, "permission denied")                                    \
  XX(NOSPC,    -1006, "no space left for the segment")                        \
  XX(NOMEM,    -1007, "out of memory")                                        \
  XX(DTYPE,    -1008, "invalid or unsupported dtype")                         \
  XX(SHAPE,    -1009, "invalid shape")                                        \
  XX(OVERFLOW, -1010, "size overflows")                                       \
  XX(INDEX,    -1011, "index out of range")                                   \
  XX(RDONLY,   -1012, "read-only")                                            \
  XX(CORRUPT,  -1013, "not an arrayshare segment or header corrupted")        \
  XX(VERSION,  -1014, "unsupported segment format version")                   \
  XX(TRUNC,    -1015, "segment is smaller than its header says (truncated)")  \
  XX(VALUE,    -1016, "value not representable in the target dtype")          \
  XX(FULL,     -1017, "segment full (arena, directory or attach table)")      \
  XX(DESC,     -1018, "invalid descriptor")                                   \
  XX(CONTIG,   -1019, "operation needs a contiguous view")                    \
  XX(BUSY,     -1020, "segment is being created or removed; retry")           \
  XX(SYS,      -1021, "unexpected system error")                              \
  XX(AXIS,     -1022, "axis out of range")                                  \
  XX(SIGNATURE, -1023, "invalid or unsupported kernel signature or binding")  \
  XX(LIBRARY,  -1024, "shared library or symbol not found")                  \
  XX(OVERLAP,  -1025, "an output overlaps another operand")                 \
  XX(TIMEOUT,  -1026, "timed out")                                           \
  XX(OWNERDEAD, -1027, "the lock's owner died: the caller holds it now and "  \
                       "must make the data consistent")                      \
  XX(NOTRECOVERABLE, -1028, "lock not recoverable: an owner died and the "    \
                            "data was never marked consistent")              \
  XX(TORN,     -1029, "a writer died in the middle of a write: data torn")   \
  XX(DEADLOCK, -1030, "the calling thread holds this lock already")          \
  XX(NOTOWNER, -1031, "the calling thread does not hold this lock")          \
  XX(OVERRUN,  -1032, "ring slot overwritten while it was read")
/* clang-format on */

typedef enum ash_errno {
#define ASH__ERR_ENUM(suffix, value, msg) ASH_E_##suffix = (value),
  ASH_OK = 0,
  ASH_ERRNO_MAP(ASH__ERR_ENUM)
#undef ASH__ERR_ENUM
      ASH_E_FIRST_ = -1999 /* lowest reserved value, not a code */
} ash_errno;

/*! ash_strerror() :
 *  @code : any value.
 *  @return a static, never-NULL English message for @code; "success" for 0 and
 *          "unknown error" for values not in ASH_ERRNO_MAP. */
ASH_EXTERN const char *ash_strerror(int code);

/*! ash_err_name() :
 *  @return the code's symbolic name without prefix ("NOENT", "INDEX", ...),
 *          "OK" for 0 and "UNKNOWN" otherwise. Bindings map codes to their
 *          exception classes by this name. */
ASH_EXTERN const char *ash_err_name(int code);

/*! ash_last_error() :
 *  @return the detail message of the last failed call made by this thread
 *          (e.g. `open "ash.x": no such segment`), or "" when no call has
 *          failed yet. Valid until this thread's next call into the library. */
ASH_EXTERN const char *ash_last_error(void);

/*! ash_last_error_code() :
 *  @return the status of the last failed call made by this thread, 0 if none. */
ASH_EXTERN int ash_last_error_code(void);

/* ---------------------------------------------------------------------- */
/* Limits and names                                                        */
/* ---------------------------------------------------------------------- */

#define ASH_MAX_NDIM 32       /* dimensions of an array or view        */
#define ASH_NAME_MAX 200      /* characters of a segment name          */
#define ASH_ARRAY_NAME_MAX 63 /* characters of an array name           */
#define ASH_SHM_PREFIX "ash." /* names live in /dev/shm as ash.NAME     */

/*! ash_name_check() :
 *  Validates a segment name (@is_array == 0) or an array name (@is_array != 0).
 *  Allowed: 1 to ASH_NAME_MAX (segments) or ASH_ARRAY_NAME_MAX (arrays)
 *  characters from [A-Za-z0-9_.-], the first one a letter, digit or '_'.
 *  @return ASH_OK, or ASH_E_NAME (detail names the bad character or length),
 *          ASH_E_INVAL when @name is NULL. */
ASH_EXTERN ash_status ash_name_check(const char *name, int is_array);

/* ---------------------------------------------------------------------- */
/* dtypes                                                                  */
/* ---------------------------------------------------------------------- */

/* Append only; values never change. Stored in segments as these numbers. */
typedef enum ash_dtype {
  ASH_DTYPE_INVALID = 0,
  ASH_BOOL = 1,
  ASH_INT8 = 2,
  ASH_INT16 = 3,
  ASH_INT32 = 4,
  ASH_INT64 = 5,
  ASH_UINT8 = 6,
  ASH_UINT16 = 7,
  ASH_UINT32 = 8,
  ASH_UINT64 = 9,
  ASH_FLOAT16 = 10,
  ASH_FLOAT32 = 11,
  ASH_FLOAT64 = 12,
  ASH_COMPLEX64 = 13,
  ASH_COMPLEX128 = 14,
  ASH_DTYPE_COUNT_ = 15 /* one past the last; not a dtype */
} ash_dtype;

/*! ash_dtype_parse() :
 *  Parses a dtype as NumPy users write it: names ("float64", "uint8", "bool",
 *  "complex128", also "double", "float", "int", "half", "single", "cfloat",
 *  "cdouble"), codes with an optional byte-order prefix '<', '=' or '|'
 *  ("f8", "<f8", "u1", "i4", "c16", "b1", "?"), and single characters
 *  ("d", "f", "e", "b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "F", "D").
 *  Big-endian ('>' or '!') is refused: segments are native little-endian.
 *  @out : receives the ash_dtype on success.
 *  @return ASH_OK, ASH_E_DTYPE (detail quotes the string), ASH_E_INVAL (NULL). */
ASH_EXTERN ash_status ash_dtype_parse(const char *spelling, int *out);

/*! ash_dtype_name() :
 *  @return the canonical NumPy name ("float64"), or NULL for invalid values. */
ASH_EXTERN const char *ash_dtype_name(int dtype);

/*! ash_dtype_itemsize() :
 *  @return bytes per element (1 to 16), or 0 for invalid values. */
ASH_EXTERN size_t ash_dtype_itemsize(int dtype);

/*! ash_dtype_format() :
 *  @return the PEP 3118 / struct format of one element ("d", "B", "?", "e",
 *          "Zf", "Zd", ...), or NULL for invalid values. */
ASH_EXTERN const char *ash_dtype_format(int dtype);

/*! ash_dtype_str() :
 *  @return NumPy's array-interface typestr ("<f8", "|u1", "|b1"), or NULL. */
ASH_EXTERN const char *ash_dtype_str(int dtype);

/* What kind of number a dtype holds, as returned by ash_dtype_kind(). Append
 * only; values never change. */
typedef enum ash_kind {
  ASH_KIND_INVALID = 0, /* not a dtype                                      */
  ASH_KIND_BOOL = 1,    /* bool: 0 or 1                                     */
  ASH_KIND_INT = 2,     /* int8 .. int64: read exactly with get_i64         */
  ASH_KIND_UINT = 3,    /* uint8 .. uint64: read exactly with get_u64       */
  ASH_KIND_FLOAT = 4,   /* float16, float32, float64: get_f64               */
  ASH_KIND_COMPLEX = 5  /* complex64, complex128: get_c128                  */
} ash_kind;

/*! ash_dtype_kind() :
 *  Tells which accessor reads a dtype's elements without loss, and how a
 *  binding represents them (NumPy's dtype.kind: 'b', 'i', 'u', 'f', 'c').
 *  @return an ash_kind; ASH_KIND_INVALID for values that are no dtype. */
ASH_EXTERN int ash_dtype_kind(int dtype);

/* ---------------------------------------------------------------------- */
/* Segments                                                                */
/* ---------------------------------------------------------------------- */

typedef struct ash_segment ash_segment;
typedef struct ash_view ash_view;
typedef struct ash_list ash_list;

/* Flags for ash_segment_create / ash_segment_open / ash_create / ash_attach /
 * ash_unlink. Bits; append only. */
enum ash_flags {
  ASH_PERSIST = 1u << 0,  /* create: lifetime policy "persist"             */
  ASH_OR_OPEN = 1u << 1,  /* create: open instead when the name exists     */
  ASH_RDONLY = 1u << 2,   /* open: map the arrays read-only                */
  ASH_FILE = 1u << 3,     /* the name is a filesystem path (file backend)  */
  ASH_NOATTACH = 1u << 4, /* open: inspect only; read-only, not counted
                               as an attacher (used by the command line)     */
  ASH_SLICE_STRICT = 1u << 5, /* ash_view_slice: refuse bounds that Python
                               would clamp                                   */
  ASH_UNPUBLISHED = 1u << 6,  /* create: build without a name; see
                               ash_segment_publish()                         */
  ASH_DRY_RUN = 1u << 7, /* ash_gc_match: report, remove nothing          */
  ASH_ANON = 1u << 8     /* create: an anonymous, size-sealed segment (see
                               ash_segment_open_fd())                        */
};

/* Lifetime policies, as returned by ash_segment_policy(). */
enum ash_policy { ASH_POLICY_AUTO = 0, ASH_POLICY_PERSIST = 1 };

/*! ash_segment_create() :
 *  Creates a segment that can hold up to @max_arrays arrays whose storage
 *  (with alignment padding) adds up to @arena_bytes.
 *
 *  @name : a segment name (see ash_name_check), stored as /dev/shm/ash.NAME;
 *          with ASH_FILE, a filesystem path instead.
 *  @arena_bytes : bytes available to arrays, rounded up to a whole page
 *          (so ash_segment_arena_free() may report more); each array takes
 *          its size rounded up to 64 bytes and starts on 64 bytes (on 4096
 *          for arrays of 64 KiB or more). ash_arena_bytes_for() computes a
 *          sufficient total for a list of arrays.
 *  @max_arrays : directory capacity, 1 to 4096, fixed for the segment's life.
 *  @flags : ASH_PERSIST, ASH_OR_OPEN, ASH_FILE, ASH_UNPUBLISHED (not with
 *          ASH_OR_OPEN), or ASH_ANON alone (an anonymous segment: @name is
 *          only its label; see ash_segment_open_fd()).
 *  @mode : permission bits, e.g. 0600 (applied exactly, not masked by umask);
 *          0 means 0600.
 *  @out : receives the handle; set to NULL on failure.
 *
 *  The whole size is reserved up front (posix_fallocate): a full /dev/shm or
 *  disk is ASH_E_NOSPC here, never a SIGBUS later. Exclusive by default: two
 *  processes racing on one name, exactly one creates and the other gets
 *  ASH_E_EXIST, or (with ASH_OR_OPEN) attaches to the winner's segment.
 *
 *  Nothing is visible under @name until the segment is complete: it is
 *  built in a file without a name and named in one step (O_TMPFILE, then
 *  linkat). A creator killed half-way leaves nothing behind. With
 *  ASH_UNPUBLISHED the name is given by ash_segment_publish() instead, so
 *  arrays can be added first (several arrays appear at once); closing an
 *  unpublished handle leaves nothing.
 *
 *  Lifetime across processes. Every process that opens the segment counts
 *  once in its attach table (ash_segment_create_ex() sets the table's
 *  capacity; 128 here): the process holds a lock on its slot that the
 *  kernel drops when it dies, so a dead attacher is told from a live one
 *  (and from a reused pid) without asking anyone. Policy "auto" (default):
 *  the name is unlinked when the last attacher detaches, or, when the
 *  attachers all died, by the next process that lists the segments, runs
 *  ash_gc(), or creates under the name. Policy "persist" (ASH_PERSIST): the
 *  segment lives until ash_unlink(). Attaching never unlinks anything. A
 *  process killed at any point of these steps leaves no lock held and no
 *  segment unusable (docs/format.md, "Lifetime protocol").
 *
 *  @return ASH_OK, ASH_E_NAME, ASH_E_EXIST, ASH_E_PERM, ASH_E_NOSPC,
 *          ASH_E_INVAL (max_arrays or mode out of range), ASH_E_OVERFLOW
 *          (sizes too large), ASH_E_NOMEM, ASH_E_CORRUPT / ASH_E_VERSION /
 *          ASH_E_TRUNC / ASH_E_BUSY (ASH_OR_OPEN found a bad segment),
 *          ASH_E_SYS. */
ASH_EXTERN ash_status ash_segment_create(const char *name, uint64_t arena_bytes,
                                         uint32_t max_arrays, unsigned flags,
                                         unsigned mode, ash_segment **out);

/*! ash_segment_create_ex() :
 *  ash_segment_create() with the attach table's capacity: at most
 *  @max_attachers processes (1 to 65536) can be attached at once; one more
 *  gets ASH_E_FULL. Each slot takes 16 bytes of the segment.
 *  @return as ash_segment_create; ASH_E_INVAL for @max_attachers out of
 *          range. */
ASH_EXTERN ash_status ash_segment_create_ex(
    const char *name, uint64_t arena_bytes, uint32_t max_arrays,
    uint32_t max_attachers, unsigned flags, unsigned mode, ash_segment **out);

/*! ash_segment_publish() :
 *  Gives a segment created with ASH_UNPUBLISHED its name, with every array
 *  added so far, in one step. Exclusive: if the name exists (and is not an
 *  "auto" segment whose attachers all died, which is removed first), the
 *  segment stays unpublished and usable, and ASH_E_EXIST is returned.
 *  @return ASH_OK, ASH_E_EXIST, ASH_E_INVAL (NULL, or published already),
 *          ASH_E_PERM, ASH_E_SYS. */
ASH_EXTERN ash_status ash_segment_publish(ash_segment *seg);

/*! ash_segment_open_fd() :
 *  Attaches the segment open on file descriptor @fd: an anonymous segment
 *  (ASH_ANON) received from another process (SCM_RIGHTS; Python's
 *  socket.recv_fds, Ruby's UNIXSocket#recv_io), or any segment file. The
 *  library works on its own duplicate: the caller keeps @fd and closes it
 *  when it likes.
 *
 *  Anonymous segments: ash_segment_create(name, ..., ASH_ANON, ...) makes
 *  one in memory that has no name in any file system (memfd), with its size
 *  sealed, so no peer can truncate it (no SIGBUS) and nothing is left
 *  behind when its holders exit or crash: it lives while a process holds
 *  its descriptor or a mapping. Hand it over by descriptor passing
 *  (ash_segment_fd()), or by its view descriptors "ash+fd://PID/FD?...",
 *  which any process of the same user can attach with ash_attach() while
 *  process PID keeps it (they always carry gen=, so a reused pid or
 *  descriptor number is refused). ash_segment_seal() makes it read-only for
 *  every process that attaches afterwards.
 *  @flags : ASH_RDONLY (required when @fd is read-only), ASH_NOATTACH.
 *  @return ASH_OK, ASH_E_INVAL (bad flags, NULL), ASH_E_RDONLY (a read-only
 *          @fd without ASH_RDONLY), ASH_E_CORRUPT, ASH_E_VERSION,
 *          ASH_E_TRUNC, ASH_E_FULL, ASH_E_NOMEM, ASH_E_SYS. */
ASH_EXTERN ash_status ash_segment_open_fd(int fd, unsigned flags,
                                          ash_segment **out);

/*! ash_segment_fd() :
 *  @return the descriptor this process holds for the segment (to pass to
 *          another process with SCM_RIGHTS), owned by the library: valid
 *          while @seg is open; do not close it. -1 for NULL. */
ASH_EXTERN int ash_segment_fd(const ash_segment *seg);

/*! ash_segment_seal() :
 *  Seals an anonymous segment against writes (F_SEAL_FUTURE_WRITE): from
 *  now on no process can map it writable or write to it; mappings made
 *  before (this process's, and those of processes already attached
 *  writable) keep working. Seal after filling it and before handing it
 *  over, for a read-only publication. Attachers map it read-only and
 *  record no pid (they are still counted by their lock). Sealing a sealed
 *  segment again is ASH_OK. Needs Linux 5.1 or newer (the seal's
 *  minimum); on an older kernel it is ASH_E_SYS and the segment stays
 *  writable.
 *  @return ASH_OK, ASH_E_INVAL (not anonymous, NULL), ASH_E_RDONLY (a
 *          read-only handle), ASH_E_SYS. */
ASH_EXTERN ash_status ash_segment_seal(ash_segment *seg);

/*! ash_arena_bytes_for() :
 *  Adds to *@total the arena bytes one array of @dtype and shape
 *  (@ndim, @shape) can take, worst-case alignment padding included (up to
 *  4032 bytes for arrays of 64 KiB or more), so a segment created with the
 *  sum holds all of them, in any order.
 *  @return ASH_OK, ASH_E_DTYPE, ASH_E_SHAPE, ASH_E_OVERFLOW, ASH_E_INVAL. */
ASH_EXTERN ash_status ash_arena_bytes_for(int dtype, int ndim,
                                          const int64_t *shape,
                                          uint64_t *total);

/*! ash_segment_open() :
 *  Opens an existing segment by name (or path, with ASH_FILE) and attaches.
 *  The header is copied and checked against the real size before any field
 *  is used: magic, format major (a different major is refused, an older or
 *  newer minor is accepted), byte order, every offset and size in range.
 *  A process maps each segment once: further opens share the mapping and
 *  its one attach slot, whatever mix of read-only and writable opens.
 *
 *  Read-only model: a handle or view opened with ASH_RDONLY (or derived
 *  read-only) refuses every write through the API with ASH_E_RDONLY. Its
 *  memory is mapped PROT_READ while the process holds no writable handle or
 *  view of the same segment; while it holds one, the one mapping is
 *  writable (a raw pointer from a read-only view can then be written
 *  through, which the API never does).
 *
 *  Released handles: when the last handle and view of a segment go, the
 *  process detaches (no longer counts as an attacher) but keeps the mapping
 *  for a while (up to 8 segments; dropped as soon as the segment is seen
 *  removed, at most 0.1 s after a later open or close, or by
 *  ash_cache_clear()), so that opening it again costs a lock instead of a
 *  mapping.
 *
 *  @flags : ASH_RDONLY, ASH_FILE, ASH_NOATTACH (read-only inspection that
 *           is not counted as an attacher).
 *  @out : receives the handle; set to NULL on failure.
 *  @return ASH_OK, ASH_E_NAME, ASH_E_NOENT, ASH_E_PERM, ASH_E_CORRUPT (not
 *          a segment: a foreign or empty file, a symbolic link),
 *          ASH_E_VERSION, ASH_E_TRUNC, ASH_E_FULL (attach table full),
 *          ASH_E_BUSY (its last attacher has been removing it for 0.6 s),
 *          ASH_E_NOMEM, ASH_E_SYS. */
ASH_EXTERN ash_status ash_segment_open(const char *name, unsigned flags,
                                       ash_segment **out);

/*! ash_segment_retain() :
 *  Adds a reference to the handle (ash_segment_close drops one; the last
 *  one closes it), for a binding that lends the handle to a call running
 *  without its interpreter's lock. @return @seg. */
ASH_EXTERN ash_segment *ash_segment_retain(ash_segment *seg);

/*! ash_segment_close() :
 *  Releases the handle. The mapping stays while views on it exist; when the
 *  last one goes, this process detaches (auto: and unlinks when it was the
 *  last attacher). @seg may be NULL. */
ASH_EXTERN void ash_segment_close(ash_segment *seg);

/*! ash_unlink() :
 *  Removes a segment's name (ASH_FILE: the file). Processes that have it
 *  mapped keep using it; the memory is freed when the last one unmaps it.
 *  A symbolic link squatting the name is removed too (links are never
 *  followed), as is an empty file (a creation an older version abandoned);
 *  a file that is not a segment is left alone.
 *  @return ASH_OK, ASH_E_NAME, ASH_E_NOENT, ASH_E_PERM, ASH_E_CORRUPT (the
 *          name exists but is not an arrayshare segment: left alone),
 *          ASH_E_SYS. */
ASH_EXTERN ash_status ash_unlink(const char *name, unsigned flags);

/*! ash_segment_unlink() :
 *  Removes the name of the segment this handle maps, if the name still
 *  refers to it (a segment re-created under the same name is left alone).
 *  @return ASH_OK, ASH_E_NOENT, ASH_E_INVAL (NULL), ASH_E_PERM, ASH_E_SYS. */
ASH_EXTERN ash_status ash_segment_unlink(ash_segment *seg);

/*! ash_segment_name() : @return the name (or path) given at open/create. */
ASH_EXTERN const char *ash_segment_name(const ash_segment *seg);

/*! ash_segment_size() : @return the mapped size in bytes, header included. */
ASH_EXTERN uint64_t ash_segment_size(const ash_segment *seg);

/*! ash_segment_arena_free() : @return arena bytes not yet given to arrays. */
ASH_EXTERN uint64_t ash_segment_arena_free(const ash_segment *seg);

/*! ash_segment_policy() : @return ASH_POLICY_AUTO or ASH_POLICY_PERSIST. */
ASH_EXTERN int ash_segment_policy(const ash_segment *seg);

/*! ash_segment_readonly() : @return 1 if opened read-only, else 0. */
ASH_EXTERN int ash_segment_readonly(const ash_segment *seg);

/*! ash_segment_creator_pid() : @return the pid that created the segment. */
ASH_EXTERN int64_t ash_segment_creator_pid(const ash_segment *seg);

/*! ash_segment_ctime() :
 *  @return creation time, nanoseconds since the Unix epoch. */
ASH_EXTERN int64_t ash_segment_ctime(const ash_segment *seg);

/*! ash_segment_format_minor() :
 *  @return the format minor version of the segment (its major is
 *          ASH_FORMAT_MAJOR, or it would not have opened). */
ASH_EXTERN int ash_segment_format_minor(const ash_segment *seg);

/*! ash_segment_attachers() :
 *  Counts the attach table's entries now: @alive receives those whose
 *  process is attached (holds its slot lock), @dead those recorded by a
 *  process that died without detaching (until ash_gc() or a new attacher
 *  clears them). Either pointer may be NULL. A reader with read permission
 *  only is not recorded.
 *  @return ASH_OK, ASH_E_INVAL (seg NULL), ASH_E_SYS. */
ASH_EXTERN ash_status ash_segment_attachers(ash_segment *seg, int *alive,
                                            int *dead);

/*! ash_segment_attacher() :
 *  @index : 0 .. alive+dead-1, in table order.
 *  @pid, @alive : receive the attacher's pid and 1 if it runs, 0 if dead.
 *  @return ASH_OK, ASH_E_INDEX, ASH_E_INVAL. */
ASH_EXTERN ash_status ash_segment_attacher(ash_segment *seg, int index,
                                           int64_t *pid, int *alive);

/*! ash_segment_attacher_list() :
 *  One snapshot of the attach table: an entry per recorded attacher, in
 *  table order, whose ash_list_name() is the pid in decimal,
 *  ash_list_value() the pid and ash_list_flag() 1 if the process is alive
 *  (attached), 0 if it died without detaching. Free with ash_list_free().
 *  @return ASH_OK, ASH_E_INVAL, ASH_E_NOMEM, ASH_E_TRUNC. */
ASH_EXTERN ash_status ash_segment_attacher_list(ash_segment *seg,
                                                ash_list **out);

/*! ash_segment_array_count() :
 *  @return the number of arrays now in the segment (other processes may add
 *          more; the count is re-read on every call). */
ASH_EXTERN int ash_segment_array_count(ash_segment *seg);

/*! ash_segment_array_name() :
 *  @index : 0 .. ash_segment_array_count()-1, in creation order.
 *  @return the array's name (valid while @seg is open), or NULL when out of
 *          range. */
ASH_EXTERN const char *ash_segment_array_name(ash_segment *seg, int index);

/*! ash_segment_add_array() :
 *  Carves a new zero-filled array from the arena and publishes it in the
 *  directory. Names are unique per segment.
 *  @name : array name (ash_name_check with is_array = 1).
 *  @dtype : an ash_dtype.
 *  @ndim, @shape : 0 to ASH_MAX_NDIM dimensions, each >= 0 (0-d arrays and
 *          zero-length dimensions are allowed).
 *  @out : receives a view of the whole array, or may be NULL.
 *  @return ASH_OK, ASH_E_NAME, ASH_E_EXIST (name taken), ASH_E_DTYPE,
 *          ASH_E_SHAPE (ndim or a dimension out of range), ASH_E_OVERFLOW,
 *          ASH_E_FULL (arena or directory full), ASH_E_RDONLY, ASH_E_INVAL. */
ASH_EXTERN ash_status ash_segment_add_array(ash_segment *seg, const char *name,
                                            int dtype, int ndim,
                                            const int64_t *shape,
                                            ash_view **out);

/*! ash_segment_view() :
 *  Makes a view of a whole array.
 *  @name : the array's name; NULL or "" means the segment's first array.
 *  @return ASH_OK, ASH_E_NOENT (no such array, or the segment has none),
 *          ASH_E_CORRUPT (its directory entry is out of range), ASH_E_INVAL,
 *          ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_segment_view(ash_segment *seg, const char *name,
                                       ash_view **out);

/* ---------------------------------------------------------------------- */
/* One-call create and attach (one array in one segment)                  */
/* ---------------------------------------------------------------------- */

/*! ash_create() :
 *  Creates segment @name holding one array named "data" and returns a view
 *  of it; the view holds the segment open (no segment handle to close).
 *  The array is in the directory before the segment is published: one step,
 *  no window in which the segment exists without its array.
 *  @flags : ASH_PERSIST, ASH_FILE, ASH_OR_OPEN (create-or-open: when the
 *           name exists, its first array is attached instead, provided it
 *           has this dtype and shape; otherwise ASH_E_EXIST, whose detail
 *           says what the segment holds. An opened segment keeps its own
 *           policy and mode). Without ASH_OR_OPEN the create is exclusive.
 *  @mode : as ash_segment_create.
 *  @return as ash_segment_create and ash_segment_add_array; ASH_E_EXIST
 *          also when ASH_OR_OPEN found another array (or none). */
ASH_EXTERN ash_status ash_create(const char *name, int dtype, int ndim,
                                 const int64_t *shape, unsigned flags,
                                 unsigned mode, ash_view **out);

/*! ash_attach() :
 *  Attaches by name or descriptor and returns a view: "frames" or
 *  "ash://frames" (the first array), "ash://frames/labels", a full view
 *  descriptor from ash_view_descriptor(), or "frames/labels[1:3, ::-1]".
 *  @flags : ASH_RDONLY, ASH_FILE (a plain path), ASH_NOATTACH.
 *  @return as ash_segment_open and ash_view_from_descriptor. */
ASH_EXTERN ash_status ash_attach(const char *name_or_descriptor, unsigned flags,
                                 ash_view **out);

/* ---------------------------------------------------------------------- */
/* Views                                                                   */
/* ---------------------------------------------------------------------- */

/* View flag bits, as returned by ash_view_flags(). */
enum ash_view_flag {
  ASH_VIEW_READONLY = 1u << 0,
  ASH_VIEW_C_CONTIGUOUS = 1u << 1,
  ASH_VIEW_F_CONTIGUOUS = 1u << 2
};

/* "No value" for ash_view_slice start/stop, like Python's None. */
#define ASH_NONE INT64_MIN

/*! ash_view_retain() : adds a reference; @return @v. */
ASH_EXTERN ash_view *ash_view_retain(ash_view *v);

/*! ash_view_release() :
 *  Drops a reference; the last one frees the view and its hold on the
 *  segment mapping. @v may be NULL. */
ASH_EXTERN void ash_view_release(ash_view *v);

/* Accessors. @v must be a valid view; they cannot fail. The pointers returned
 * stay valid while @v is alive. */
ASH_EXTERN int ash_view_dtype(const ash_view *v);
ASH_EXTERN int ash_view_ndim(const ash_view *v);
/*! ash_view_shape() / ash_view_strides() : @return ndim dimensions / strides
 *  in bytes (strides may be negative or 0). A fresh layout of an empty
 *  shape (a 0 dimension: the whole-array view, reshape) has every stride 0,
 *  as NumPy's np.empty; an empty view addresses nothing (docs/c-api.md). */
ASH_EXTERN const int64_t *ash_view_shape(const ash_view *v);
ASH_EXTERN const int64_t *ash_view_strides(const ash_view *v);
/*! ash_view_dim() / ash_view_stride() : one axis; negative counts from the
 *  end; @return 0 when @axis is out of range. */
ASH_EXTERN int64_t ash_view_dim(const ash_view *v, int axis);
ASH_EXTERN int64_t ash_view_stride(const ash_view *v, int axis);
/*! ash_view_size() : @return the number of elements (product of shape). */
ASH_EXTERN int64_t ash_view_size(const ash_view *v);
ASH_EXTERN size_t ash_view_itemsize(const ash_view *v);
/*! ash_view_nbytes() : @return size() * itemsize(). */
ASH_EXTERN uint64_t ash_view_nbytes(const ash_view *v);
/*! ash_view_data() : @return the address of element (0, ..., 0); with
 *  negative strides other elements lie below it. Writes through it bypass the
 *  read-only check: respect ASH_VIEW_READONLY. */
ASH_EXTERN void *ash_view_data(const ash_view *v);
/*! ash_view_offset() : @return the byte offset of element (0, ..., 0) from
 *  the start of the array. */
ASH_EXTERN int64_t ash_view_offset(const ash_view *v);
/*! ash_view_flags() : @return ASH_VIEW_* bits. */
ASH_EXTERN unsigned ash_view_flags(const ash_view *v);
/*! ash_view_array_name() / ash_view_segment_name() : @return names. */
ASH_EXTERN const char *ash_view_array_name(const ash_view *v);
ASH_EXTERN const char *ash_view_segment_name(const ash_view *v);

/*! ash_view_segment() :
 *  Opens a new handle on the segment this view maps (close it with
 *  ash_segment_close). @return ASH_OK, ASH_E_NOMEM, ASH_E_INVAL. */
ASH_EXTERN ash_status ash_view_segment(const ash_view *v, ash_segment **out);

/*! ash_view_slice() :
 *  Slices one axis with Python's semantics: @start and @stop may be negative
 *  (counted from the end) or ASH_NONE; @step is non-zero and may be negative.
 *  Bounds outside the axis clamp as Python's do, unless @flags has
 *  ASH_SLICE_STRICT, which refuses a start or stop outside [-n, n] with
 *  ASH_E_INDEX. An empty result is a valid view.
 *  @return ASH_OK, ASH_E_AXIS, ASH_E_INVAL (step 0, NULL), ASH_E_INDEX
 *          (strict), ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_view_slice(const ash_view *v, int axis, int64_t start,
                                     int64_t stop, int64_t step, unsigned flags,
                                     ash_view **out);

/*! ash_view_index() :
 *  Selects one position of @axis and drops that axis (a[i] in NumPy).
 *  @index : -n .. n-1.
 *  @return ASH_OK, ASH_E_AXIS, ASH_E_INDEX, ASH_E_INVAL, ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_view_index(const ash_view *v, int axis, int64_t index,
                                     ash_view **out);

/*! ash_view_permute() :
 *  Reorders axes: output axis i is input axis @axes[i]. @naxes must equal
 *  ndim and @axes be a permutation (negative values count from the end).
 *  @return ASH_OK, ASH_E_AXIS (not a permutation), ASH_E_INVAL, ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_view_permute(const ash_view *v, int naxes,
                                       const int64_t *axes, ash_view **out);

/*! ash_view_transpose() : reverses the axes (a.T). @return as permute. */
ASH_EXTERN ash_status ash_view_transpose(const ash_view *v, ash_view **out);

/*! ash_view_reshape() :
 *  Gives a C-contiguous view a new shape with the same number of elements.
 *  One dimension may be -1 (inferred).
 *  @return ASH_OK, ASH_E_CONTIG (view not C-contiguous), ASH_E_SHAPE (element
 *          count differs, ndim out of range, more than one -1, other
 *          negatives), ASH_E_OVERFLOW, ASH_E_INVAL, ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_view_reshape(const ash_view *v, int ndim,
                                       const int64_t *shape, ash_view **out);

/*! ash_view_reinterpret() :
 *  Reads the same bytes as another dtype (NumPy's a.view(dtype)). Same
 *  itemsize: any view. Otherwise the last axis must be contiguous (stride ==
 *  itemsize; an empty view always is) and its byte length divisible by the
 *  new itemsize; the last dimension is rescaled. A 0-d view needs the same
 *  itemsize.
 *  @return ASH_OK, ASH_E_DTYPE, ASH_E_CONTIG, ASH_E_SHAPE, ASH_E_OVERFLOW
 *          (an empty view whose rescaled last dimension exceeds INT64_MAX),
 *          ASH_E_INVAL, ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_view_reinterpret(const ash_view *v, int dtype,
                                           ash_view **out);

/*! ash_view_readonly() :
 *  @return in *@out a read-only view of the same elements. ASH_OK,
 *          ASH_E_INVAL, ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_view_readonly(const ash_view *v, ash_view **out);

/* Element access.
 *
 * @nidx, @idx: either ndim indices (a multi-index) or exactly one index (a
 * flat index into the view's elements in C order). For a 1-d view both are
 * the same; for a 0-d view use nidx = 0 or the flat index 0. Negative indices
 * count from the end. Anything else is ASH_E_INDEX.
 *
 * Conversion rules (nothing is lost silently):
 *  - get_f64 succeeds for every real dtype (int64/uint64 beyond 2^53 round
 *    to nearest) and for complex values whose imaginary part is 0.
 *  - get_i64 / get_u64 succeed when the value is integral and in range
 *    (bool reads as 0/1); otherwise ASH_E_VALUE (e.g. 2.5, NaN, -1 as u64).
 *  - set_f64 into an integer dtype or bool needs an integral value in the
 *    dtype's range (bool: 0 or 1): 300 into uint8, 2.5, NaN or inf into an
 *    integer are ASH_E_VALUE. Into float16/32 the value rounds to nearest; a
 *    finite value whose magnitude overflows the dtype is ASH_E_VALUE, NaN and
 *    inf are stored as is. Into complex: imaginary part 0.
 *  - set_i64 / set_u64 into an integer needs the value in range; into a float
 *    it must be exactly representable (2^53 + 1 into float64 is ASH_E_VALUE).
 *  - get_c128 / set_c128 read and write any numeric dtype; writing a non-zero
 *    imaginary part into a real dtype is ASH_E_VALUE.
 * Errors: ASH_E_INDEX, ASH_E_VALUE, ASH_E_RDONLY (set on a read-only view),
 * ASH_E_INVAL (NULL). */
ASH_EXTERN ash_status ash_view_get_f64(const ash_view *v, int nidx,
                                       const int64_t *idx, double *out);
ASH_EXTERN ash_status ash_view_set_f64(const ash_view *v, int nidx,
                                       const int64_t *idx, double value);
ASH_EXTERN ash_status ash_view_get_i64(const ash_view *v, int nidx,
                                       const int64_t *idx, int64_t *out);
ASH_EXTERN ash_status ash_view_set_i64(const ash_view *v, int nidx,
                                       const int64_t *idx, int64_t value);
ASH_EXTERN ash_status ash_view_get_u64(const ash_view *v, int nidx,
                                       const int64_t *idx, uint64_t *out);
ASH_EXTERN ash_status ash_view_set_u64(const ash_view *v, int nidx,
                                       const int64_t *idx, uint64_t value);
ASH_EXTERN ash_status ash_view_get_c128(const ash_view *v, int nidx,
                                        const int64_t *idx, double *re,
                                        double *im);
ASH_EXTERN ash_status ash_view_set_c128(const ash_view *v, int nidx,
                                        const int64_t *idx, double re,
                                        double im);

/* Bulk access. */

/*! ash_view_read() :
 *  Copies the view's elements, in C order, packed, into @dst.
 *  @nbytes : must equal ash_view_nbytes(v).
 *  @return ASH_OK, ASH_E_INVAL (size mismatch, names both sizes; NULL). */
ASH_EXTERN ash_status ash_view_read(const ash_view *v, void *dst,
                                    uint64_t nbytes);

/*! ash_view_write() :
 *  Copies packed C-order elements from @src into the view.
 *  @return ASH_OK, ASH_E_INVAL (size mismatch; NULL), ASH_E_RDONLY. */
ASH_EXTERN ash_status ash_view_write(const ash_view *v, const void *src,
                                     uint64_t nbytes);

/*! ash_view_copy() :
 *  Copies @src into @dst element by element; both must have the same dtype
 *  and shape (they may overlap: the copy behaves as if through a buffer).
 *  @return ASH_OK, ASH_E_DTYPE, ASH_E_SHAPE, ASH_E_RDONLY, ASH_E_INVAL,
 *          ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_view_copy(const ash_view *dst, const ash_view *src);

/*! ash_view_fill_f64() / ash_view_fill_i64() / ash_view_fill_u64() /
 *  ash_view_fill_c128() :
 *  Sets every element to one value, with the conversion rules of the
 *  matching element setter (set_f64, set_i64, set_u64, set_c128): every
 *  value a setter accepts fills, uint64 values above INT64_MAX and complex
 *  values included. The view is checked for writability and the value
 *  converted once, before anything is written: on an error nothing changes.
 *  @return ASH_OK, ASH_E_VALUE, ASH_E_RDONLY, ASH_E_INVAL. */
ASH_EXTERN ash_status ash_view_fill_f64(const ash_view *v, double value);
ASH_EXTERN ash_status ash_view_fill_i64(const ash_view *v, int64_t value);
ASH_EXTERN ash_status ash_view_fill_u64(const ash_view *v, uint64_t value);
ASH_EXTERN ash_status ash_view_fill_c128(const ash_view *v, double re,
                                         double im);

/* ---------------------------------------------------------------------- */
/* Descriptors                                                             */
/* ---------------------------------------------------------------------- */

/*! ash_view_descriptor() :
 *  @return a short string that names this view: "ash://SEG/ARRAY" for a
 *          whole array, plus "?dtype=<f8&shape=2,3&strides=-24,8&offset=48"
 *          (and "&ro=1" for read-only views) otherwise; file-backed segments
 *          use "ash+file:///abs/path?array=ARRAY&...". Parsed by
 *          ash_view_from_descriptor() in any process into an equal view.
 *          Append "gen=" ash_segment_ctime() (with '?' or '&') to pin it to
 *          this very segment (see ash_view_from_descriptor).
 *          Owned by the view; NULL only when out of memory. */
ASH_EXTERN const char *ash_view_descriptor(const ash_view *v);

/* Flags of ash_view_descriptor_ex(). Bits; append only. */
enum ash_desc_flags {
  ASH_DESC_GEN = 1u << 0,  /* add "gen=" ash_segment_ctime(): the descriptor
                              names this very segment (what pickling, Marshal
                              and the bindings' serialisation send)          */
  ASH_DESC_NO_RO = 1u << 1 /* leave "ro=1" out: name the elements, not how
                              this process opened them (the command line's
                              inspection, which opens everything read-only) */
};

/*! ash_view_descriptor_ex() :
 *  ash_view_descriptor() with variants chosen by @flags (ASH_DESC_*), in one
 *  call: with 0 it returns exactly what ash_view_descriptor() does.
 *  ASH_DESC_GEN appends "gen=N" (with '?' or '&'), N being the creation
 *  time of the view's segment, so that ash_view_from_descriptor() reuses
 *  this mapping where the process has it, and refuses a segment re-created
 *  under the same name.
 *  @return the descriptor, owned by the view (one string per variant, valid
 *          while @v is alive); NULL when out of memory, @v is NULL or @flags
 *          has unknown bits (ash_last_error() says which). */
ASH_EXTERN const char *ash_view_descriptor_ex(const ash_view *v,
                                              unsigned flags);

/*! ash_view_from_descriptor() :
 *  Opens the segment a descriptor names and makes its view. Besides the
 *  output of ash_view_descriptor(), accepts "ash://SEG", "SEG", "SEG/ARRAY"
 *  and a bracketed NumPy-style index after the array or segment, e.g.
 *  "ash://x/a[1:3, ::-1, 0]" (integers and slices; bounds are strict).
 *  The view's dtype, shape, strides and offset are checked to stay inside
 *  the array, and its elements to take no more bytes than the array has
 *  (views made by slicing and the like never overlap themselves; a
 *  descriptor with zero or overlapping strides cannot make a view whose
 *  traversal costs more than its array).
 *  A query key "gen=N", N being ash_segment_ctime() of the segment, pins the
 *  descriptor to that one segment: if this process maps it already, the
 *  mapping is reused without any system call (a worker receiving many
 *  descriptors); otherwise the segment is opened by name and refused with
 *  ASH_E_NOENT if the name now refers to a segment created at another time
 *  (unlinked and re-created). The bindings' pickling adds it.
 *  @flags : ASH_RDONLY, ASH_NOATTACH (ASH_FILE is implied by ash+file:).
 *  @return ASH_OK, ASH_E_DESC (syntax; detail points at the character),
 *          ASH_E_INDEX (view outside the array), the errors of
 *          ash_segment_open and ash_segment_view. */
ASH_EXTERN ash_status ash_view_from_descriptor(const char *descriptor,
                                               unsigned flags, ash_view **out);

/* ---------------------------------------------------------------------- */
/* Printing                                                                */
/* ---------------------------------------------------------------------- */

/* Flags of ash_view_format(). Bits; append only. */
enum ash_format_flags {
  ASH_FORMAT_COMMA = 1u << 0,  /* ", " between elements (NumPy's
                                  separator=", ", as repr() prints) instead
                                  of " " (as str() prints)                   */
  ASH_FORMAT_PLAIN = 1u << 1,  /* each element as scripting languages print
                                  numbers, unpadded: 1.0, 0.1, 1e-05, true,
                                  1.5-2.0i, nan, inf (NumPy: aligned columns,
                                  "1. ", " True", "1.5-2.j")                  */
  ASH_FORMAT_ONELINE = 1u << 2 /* no line breaks: rows are joined by the
                                  separator as elements are, nothing wraps   */
};

/*! ash_view_format() :
 *  Prints the view's elements as NumPy's str() of an array does
 *  (numpy.array2string with its default print options, legacy=False):
 *  nested brackets; one formatter for all the elements shown, so columns
 *  align (floats in the shortest form that reads back as the same value of
 *  their own dtype, with at most 8 fractional digits, in scientific
 *  notation when the magnitudes call for it; integers right-aligned;
 *  " True"/"False"; complex "1.+2.j"); lines wrapped at @linewidth; more
 *  than @threshold elements summarised with "..." and @edgeitems items at
 *  each end of every axis. A 0-d view prints as its scalar does ("1.5",
 *  "(1+2j)"); an empty view as "[]". @flags (ASH_FORMAT_*) select the
 *  separator and element style. One implementation serves the command line
 *  (arrayshare dump) and every binding's repr / inspect / tostring.
 *
 *  NumPy versions: the output is NumPy 1.24's and NumPy 2.x's wherever the
 *  two agree. Where they differ, it follows the newest NumPy (2.3 and
 *  later, what most users run): (1) scientific notation starts by the
 *  element's precision: an array whose largest finite magnitude is at
 *  least 1e3 (float16), 1e6 (float32, complex64's parts) or 1e8 (float64),
 *  a 0-d view from 1e3, 1e6 or 1e16 (NumPy < 2.3: 1e8 for every array,
 *  1e16 for every scalar): float16 [1000.] prints "[1.e+03]", a 0-d
 *  float32 1e6 "1e+06"; (2) NumPy's "smallest magnitude below 0.0001"
 *  test is made in the element's precision (NEP 50, NumPy >= 2), so
 *  float32 [0.0001, 0.0002] prints "[0.0001 0.0002]" (NumPy 1.x:
 *  "[1.e-04 2.e-04]"). ASH_FORMAT_PLAIN elements are not NumPy's: they
 *  switch to scientific notation at 1e16 whatever the dtype.
 *
 *  @threshold : summarise when the size exceeds it; negative: 1000 (NumPy's
 *          default); INT64_MAX: never.
 *  @edgeitems : items at each end of a summarised axis; 0 or less: 3.
 *  @linewidth : characters per line; 0 or less: 75.
 *  @indent : columns already taken on the first line (NumPy's len(prefix),
 *          e.g. 5 after "view("): continuation lines are indented by
 *          @indent + 1 so that nested brackets line up; 0 to 1000.
 *  @buf, @cap : receive the text, NUL-terminated, cut to @cap - 1 bytes
 *          (snprintf-style); @buf may be NULL when @cap is 0.
 *  @needed : receives the length of the whole text, without the NUL: when
 *          it is @cap or more, call again with a buffer of @needed + 1.
 *  @return ASH_OK, ASH_E_INVAL (NULL view or @needed, NULL @buf with @cap,
 *          unknown flags, @indent out of range), ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_view_format(const ash_view *v, unsigned flags,
                                      int64_t threshold, int edgeitems,
                                      int linewidth, int indent, char *buf,
                                      size_t cap, size_t *needed);

/* ---------------------------------------------------------------------- */
/* Listing and garbage collection                                          */
/* ---------------------------------------------------------------------- */

/*! ash_list_segments() :
 *  Lists this library's segments in /dev/shm (names with the prefix, prefix
 *  removed), sorted by name. Other files are never listed. An "auto"
 *  segment whose attachers all died is removed on the way, not listed.
 *  The prefix is ASH_SHM_PREFIX, or the value of the environment variable
 *  ASH_SHM_PREFIX when it is a valid name of up to 32 characters (tests
 *  use it to keep to themselves).
 *  @return ASH_OK, ASH_E_NOMEM, ASH_E_SYS. */
ASH_EXTERN ash_status ash_list_segments(ash_list **out);
/*! ash_list_count() / ash_list_name() : entries; NULL when out of range. */
ASH_EXTERN int ash_list_count(const ash_list *l);
ASH_EXTERN const char *ash_list_name(const ash_list *l, int index);
/*! ash_list_value() / ash_list_flag() : the integer and the flag of an
 *  entry (0 when out of range): for ash_segment_attacher_list(), the pid
 *  and 1 if that process is alive; 0 in the other lists. */
ASH_EXTERN int64_t ash_list_value(const ash_list *l, int index);
ASH_EXTERN int ash_list_flag(const ash_list *l, int index);
/*! ash_list_free() : @l may be NULL. */
ASH_EXTERN void ash_list_free(ash_list *l);

/*! ash_gc() :
 *  Scans this library's segments: unlinks "auto" segments whose attachers
 *  all died, and clears the attach records of dead processes. "persist"
 *  segments are kept; segments this user may not open read-write,
 *  corrupted and foreign files are left alone. A segment whose last
 *  attacher is deciding at that moment is left to it.
 *  @reaped : receives the number of segments unlinked (may be NULL).
 *  @return ASH_OK, ASH_E_SYS (cannot read /dev/shm), ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_gc(int *reaped);

/*! ash_gc_match() :
 *  ash_gc() restricted to the names that match the shell pattern @glob
 *  (fnmatch; NULL: all), returning the names it removed, or with
 *  ASH_DRY_RUN would remove, sorted.
 *  @flags : 0 or ASH_DRY_RUN.
 *  @return ASH_OK, ASH_E_INVAL, ASH_E_SYS, ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_gc_match(const char *glob, unsigned flags,
                                   ash_list **out);

/*! ash_cache_clear() :
 *  Drops the mappings this process keeps of segments it no longer uses
 *  (see ash_segment_open()), returning their memory and address space at
 *  once. Handles and views in use are not affected.
 *  @return ASH_OK. */
ASH_EXTERN ash_status ash_cache_clear(void);

/* ---------------------------------------------------------------------- */
/* Coordination: locks, versions, wait/notify, atomics, rings              */
/* ---------------------------------------------------------------------- */

/* Every array of a format 1.1 segment carries a 64-byte synchronisation
 * block of the library's own words (docs/format.md, "Sync block": no libc
 * object lives in shared memory), and the segment one more for a
 * whole-segment lock. On a format 1.0 segment every call below returns
 * ASH_E_VERSION. A view locks, versions and notifies its whole array,
 * whatever part of it the view shows.
 *
 * Timeouts are in seconds (0.25 is 250 ms); a negative value waits
 * without limit (NaN is ASH_E_INVAL). Whatever the timeout, the library
 * never sleeps more than 16 ms at a time without looking again at what it
 * waits for and at whether the process it waits on still lives: a waiter
 * is never left hanging by a dead peer. An expired timeout is
 * ASH_E_TIMEOUT, and changes nothing.
 *
 * Locks. ash_view_lock() takes the array's lock; the owner is the calling
 * thread of the calling process (threads of one process exclude each
 * other). Uncontended: one compare-and-swap, no system call. Contended:
 * a short spin, then a shared futex wait. Owner death is recognised by the
 * attach table's slot locks (the kernel drops them when a process dies; no
 * pid is trusted, so it works across pid namespaces) and, inside one
 * process, by the holding thread's disappearance. The next locker then
 * gets the lock together with ASH_E_OWNERDEAD: it holds the lock, must
 * make the data consistent and call ash_view_consistent() before
 * unlocking, or the lock becomes unusable (ASH_E_NOTRECOVERABLE for every
 * later locker): POSIX robust-mutex semantics. A process that exits or
 * detaches (closes its last handle and view of the segment) while holding
 * a lock releases it with the same owner-died semantics, and wakes its
 * waiters at once. Locks do not recurse: locking a lock the calling thread
 * holds is ASH_E_DEADLOCK. To lock, a process must be attached (a handle
 * or view it opened itself, not one inherited through fork) with a
 * descriptor it may write (not read permission only, not a sealed
 * segment): otherwise ASH_E_INVAL or ASH_E_RDONLY. Read-only views may
 * lock: the lock guards how the data is read, too.
 *
 * Versions. Each array counts its completed writes (its version, from 0).
 * ash_view_write_begin() takes the lock (unless the calling thread holds
 * it already) and marks a write in progress; ash_view_write_end()
 * publishes the next version, wakes the waiters and releases the lock it
 * took. ash_view_read_snapshot() copies the array without locking and is
 * sure the copy is one version, never a mix; if the writer died in the
 * middle of its write it says so (ASH_E_TORN) instead of spinning.
 *
 * Wait and notify. ash_view_wait_change() sleeps until the version
 * differs from the one given (a write_end, a ring slot, or
 * ash_view_notify() published a new one) or the timeout passes;
 * ash_view_wait_any() waits on several arrays at once (futex_waitv on
 * Linux 5.16 and later; earlier kernels poll the other arrays every
 * millisecond). A version is state, not an event: a waiter that starts
 * late still sees it, and no wake-up is ever lost. Publishing costs no
 * system call while nobody waits.
 *
 * Memory order: lock is an acquire and unlock a release operation;
 * write_end releases the data written since write_begin to every reader
 * that sees the new version (wait_change, version, snapshot acquire it);
 * element atomics are sequentially consistent. */

/* The wait without limit, for every timeout parameter. */
#define ASH_FOREVER (-1.0)

/*! ash_view_lock() :
 *  Takes the lock of @v's array, waiting up to @timeout seconds (negative:
 *  without limit).
 *  @return ASH_OK (the calling thread holds the lock);
 *          ASH_E_OWNERDEAD: it holds the lock too, but its previous owner
 *          died holding it: repair the data, call ash_view_consistent(),
 *          then unlock;
 *          ASH_E_NOTRECOVERABLE (an owner died and the next one unlocked
 *          without ash_view_consistent(): the lock is unusable for good),
 *          ASH_E_TIMEOUT, ASH_E_DEADLOCK (this thread holds it already),
 *          ASH_E_RDONLY (read permission only, or sealed), ASH_E_INVAL
 *          (NULL, NaN timeout, this process not attached), ASH_E_VERSION
 *          (format 1.0 segment). */
ASH_EXTERN ash_status ash_view_lock(const ash_view *v, double timeout);

/*! ash_view_trylock() :
 *  ash_view_lock() without waiting: ASH_E_TIMEOUT at once when another
 *  thread holds the lock. A dead owner's lock is taken (ASH_E_OWNERDEAD).
 *  @return as ash_view_lock. */
ASH_EXTERN ash_status ash_view_trylock(const ash_view *v);

/*! ash_view_unlock() :
 *  Releases the lock the calling thread holds. After ASH_E_OWNERDEAD
 *  without ash_view_consistent(), the lock becomes not recoverable (the
 *  unlock itself succeeds).
 *  @return ASH_OK, ASH_E_NOTOWNER (not locked, or held by another thread
 *          or process), ASH_E_INVAL (a write_begin is open: end it with
 *          ash_view_write_end), ASH_E_RDONLY, ASH_E_VERSION. */
ASH_EXTERN ash_status ash_view_unlock(const ash_view *v);

/*! ash_view_consistent() :
 *  Marks the data consistent after ASH_E_OWNERDEAD (pthread's
 *  pthread_mutex_consistent): the lock stays held and is normal again.
 *  @return ASH_OK, ASH_E_NOTOWNER, ASH_E_INVAL (the lock is consistent
 *          already), ASH_E_RDONLY, ASH_E_VERSION. */
ASH_EXTERN ash_status ash_view_consistent(const ash_view *v);

/* Lock states, as returned by ash_view_lock_state(). Append only. */
enum ash_lock_state {
  ASH_LOCK_FREE = 0,          /* nobody holds it                            */
  ASH_LOCK_HELD = 1,          /* a live process holds it                    */
  ASH_LOCK_OWNER_DEAD = 2,    /* held by a process that died: the next
                                 locker gets it with ASH_E_OWNERDEAD         */
  ASH_LOCK_ABANDONED = 3,     /* released by an owner that exited holding
                                 it: the next locker gets ASH_E_OWNERDEAD    */
  ASH_LOCK_INCONSISTENT = 4,  /* held after ASH_E_OWNERDEAD, not yet marked
                                 consistent                                 */
  ASH_LOCK_NOTRECOVERABLE = 5 /* unusable: see ash_view_lock()              */
};

/*! ash_lock_state_name() :
 *  @return the name of an ash_lock_state: "free", "held", "owner_dead",
 *          "abandoned", "inconsistent", "not_recoverable"; NULL for other
 *          values. The command line and the bindings show states by it. */
ASH_EXTERN const char *ash_lock_state_name(int state);

/*! ash_view_lock_state() :
 *  Inspects the lock of @v's array (the command line's info; works on
 *  read-only and inspection opens).
 *  @state : receives an ash_lock_state.
 *  @pid : receives the holder's pid as its attach slot records it, 0 when
 *         free or unknown (a dead holder's slot taken by another process).
 *  @return ASH_OK, ASH_E_INVAL, ASH_E_VERSION. */
ASH_EXTERN ash_status ash_view_lock_state(const ash_view *v, int *state,
                                          int64_t *pid);

/*! ash_segment_lock() / ash_segment_trylock() / ash_segment_unlock() /
 *  ash_segment_consistent() / ash_segment_lock_state() :
 *  The whole-segment lock (its own sync block at header offset 320), with
 *  the semantics of the array lock above: for updates that span several
 *  arrays. It is independent of the arrays' locks: taking it does not
 *  take theirs.
 *  @return as ash_view_lock, ash_view_trylock, ash_view_unlock,
 *          ash_view_consistent and ash_view_lock_state. */
ASH_EXTERN ash_status ash_segment_lock(ash_segment *seg, double timeout);
ASH_EXTERN ash_status ash_segment_trylock(ash_segment *seg);
ASH_EXTERN ash_status ash_segment_unlock(ash_segment *seg);
ASH_EXTERN ash_status ash_segment_consistent(ash_segment *seg);
ASH_EXTERN ash_status ash_segment_lock_state(ash_segment *seg, int *state,
                                             int64_t *pid);

/*! ash_view_version() :
 *  @out : receives the number of completed writes of @v's array (0 for a
 *         new array); a ring's version is its number of published slots.
 *  @return ASH_OK, ASH_E_INVAL, ASH_E_VERSION. */
ASH_EXTERN ash_status ash_view_version(const ash_view *v, int64_t *out);

/*! ash_view_write_begin() :
 *  Starts a write of @v's array: takes its lock (waiting up to @timeout)
 *  unless the calling thread holds it already, and marks the array as
 *  being written (readers' snapshots wait, or see ASH_E_TORN if this
 *  process dies before ash_view_write_end()).
 *  @return ASH_OK; ASH_E_OWNERDEAD (the lock's owner died: the write is
 *          begun and the lock held; write the whole array, and
 *          ash_view_write_end() marks it consistent); the errors of
 *          ash_view_lock; ASH_E_RDONLY (a read-only view); ASH_E_INVAL
 *          (a write is in progress already; the array is a ring). */
ASH_EXTERN ash_status ash_view_write_begin(const ash_view *v, double timeout);

/*! ash_view_write_end() :
 *  Publishes the write: the version goes up by one, waiters wake, and the
 *  lock is released if ash_view_write_begin() took it (and marked
 *  consistent if it had got ASH_E_OWNERDEAD: the array was rewritten).
 *  @return ASH_OK, ASH_E_INVAL (no write of this process in progress),
 *          ASH_E_NOTOWNER (begun by another thread), ASH_E_RDONLY,
 *          ASH_E_VERSION. */
ASH_EXTERN ash_status ash_view_write_end(const ash_view *v);

/*! ash_view_read_snapshot() :
 *  Copies @v's elements as ash_view_read() does, without locking, and
 *  makes sure the copy is one version: a copy that a write overlapped is
 *  made again; while a live writer is writing it waits (up to @timeout).
 *  Meant for small arrays that change often.
 *  @dst, @nbytes : as ash_view_read (nbytes == ash_view_nbytes(v)).
 *  @out : receives the version copied.
 *  @return ASH_OK, ASH_E_TORN (the writer died in the middle of a write:
 *          the data is torn until the next complete write), ASH_E_TIMEOUT,
 *          ASH_E_INVAL (size, NULL), ASH_E_TRUNC, ASH_E_VERSION. */
ASH_EXTERN ash_status ash_view_read_snapshot(const ash_view *v, void *dst,
                                             uint64_t nbytes, double timeout,
                                             int64_t *out);

/*! ash_view_wait_change() :
 *  Sleeps until the version of @v's array differs from @version (returns
 *  at once if it does already), or @timeout passes. A process with read
 *  permission only can wait too (it polls every millisecond: it cannot
 *  register as a waiter).
 *  @out : receives the version then.
 *  @return ASH_OK, ASH_E_TIMEOUT, ASH_E_TORN (the writer died in the
 *          middle of a write: no version will come from it), ASH_E_INVAL,
 *          ASH_E_VERSION. */
ASH_EXTERN ash_status ash_view_wait_change(const ash_view *v, int64_t version,
                                           double timeout, int64_t *out);

/*! ash_view_wait_any() :
 *  ash_view_wait_change() on several arrays at once: returns when any of
 *  them has a version other than its entry of @versions.
 *  @nviews, @views : 1 to 128 views (of any segments).
 *  @nversions, @versions : one version per view.
 *  @out : receives the index of a view that changed (the first, when
 *         several did).
 *  @return ASH_OK, ASH_E_TIMEOUT, ASH_E_TORN, ASH_E_INVAL (counts, NULL),
 *          ASH_E_VERSION. */
ASH_EXTERN ash_status ash_view_wait_any(int nviews, ash_view *const *views,
                                        int nversions, const int64_t *versions,
                                        double timeout, int *out);

/*! ash_view_notify() :
 *  Publishes a new version of @v's array without a write (for data
 *  changed through element atomics or the raw pointer) and wakes its
 *  waiters (ash_view_wait_change, ash_view_wait_any): @all non-zero wakes
 *  every sleeper at once, 0 one of them (the others see the new version
 *  when they next look, within 16 ms). No system call while nobody
 *  waits. ash_view_write_end() and ring slots publish by themselves. Does
 *  not need the lock; an open write stays open.
 *  @out : receives how many sleeping waiters were woken (may be NULL).
 *  @return ASH_OK, ASH_E_RDONLY (read permission only), ASH_E_INVAL,
 *          ASH_E_VERSION. */
ASH_EXTERN ash_status ash_view_notify(const ash_view *v, int all, int *out);

/* Element atomics: operations of ash_view_atomic_*(). Append only. */
enum ash_atomic_op {
  ASH_ATOMIC_LOAD = 0,     /* result: the value                            */
  ASH_ATOMIC_STORE = 1,    /* stores value; result: value                  */
  ASH_ATOMIC_EXCHANGE = 2, /* stores value; result: the old value          */
  ASH_ATOMIC_CAS = 3,      /* stores value if the element equals expected;
                              result: the old value (== expected: stored)  */
  ASH_ATOMIC_ADD = 4,      /* fetch-add: result the old value              */
  ASH_ATOMIC_SUB = 5,      /* fetch-sub                                    */
  ASH_ATOMIC_AND = 6,      /* fetch-and                                    */
  ASH_ATOMIC_OR = 7,       /* fetch-or                                     */
  ASH_ATOMIC_XOR = 8       /* fetch-xor                                    */
};

/*! ash_view_atomic_i64() :
 *  One atomic operation (ASH_ATOMIC_*) on element (@nidx, @idx) of @v (as
 *  in ash_view_get_i64), sequentially consistent, lock-free: other
 *  processes and threads see it whole. Dtypes int8, int16, int32, int64,
 *  uint8, uint16, uint32 (uint64: ash_view_atomic_u64). Add and sub wrap
 *  around at the dtype's width (two's complement), as C's atomics do.
 *  @value : the operand (ignored by LOAD); must fit the dtype.
 *  @expected : for ASH_ATOMIC_CAS (must fit the dtype), else ignored.
 *  @out : receives the result (the old value, see ash_atomic_op).
 *  @return ASH_OK, ASH_E_DTYPE (bool, float, complex, or uint64),
 *          ASH_E_VALUE (an operand that does not fit), ASH_E_INVAL (an
 *          element not aligned to its size, as a reinterpreted view can
 *          have; unknown op; NULL), ASH_E_RDONLY (anything but LOAD on a
 *          read-only view), ASH_E_INDEX. */
ASH_EXTERN ash_status ash_view_atomic_i64(const ash_view *v, int op, int nidx,
                                          const int64_t *idx, int64_t value,
                                          int64_t expected, int64_t *out);

/*! ash_view_atomic_u64() :
 *  ash_view_atomic_i64() for unsigned dtypes (uint8 to uint64), with
 *  unsigned operands and result.
 *  @return as ash_view_atomic_i64; ASH_E_DTYPE for signed dtypes. */
ASH_EXTERN ash_status ash_view_atomic_u64(const ash_view *v, int op, int nidx,
                                          const int64_t *idx, uint64_t value,
                                          uint64_t expected, uint64_t *out);

/*! ash_view_atomic_vec() :
 *  Many atomic operations in one call (for scripting languages): @op on
 *  the elements at the flat C-order indices @index (negative from the
 *  end), each atomic on its own (not the whole batch). Dtypes as
 *  ash_view_atomic_i64. Every index and value is checked before the
 *  first element changes.
 *  @nindex, @index : the elements (0 or more; repeats allowed).
 *  @nvalues, @values : one value per index, or one for all (none for
 *          LOAD).
 *  @olds : receives @nindex results (the old values), or NULL.
 *  @return as ash_view_atomic_i64; ASH_E_INVAL for ASH_ATOMIC_CAS (no
 *          vector form) and for value counts other than 1 or @nindex. */
ASH_EXTERN ash_status ash_view_atomic_vec(const ash_view *v, int op, int nindex,
                                          const int64_t *index, int nvalues,
                                          const int64_t *values, int64_t *olds);

/* ---- rings of arrays ---------------------------------------------------- */

/* A ring is an array of shape (nslots, *slot_shape) in a segment, plus a
 * control block, for one producer and many consumers (video frames, sensor
 * blocks, batches). The producer fills slots in turn; each slot has its own
 * sequence word (a seqlock), so a consumer never gets a slot that is half
 * written or that was overwritten while it copied it. A consumer that
 * falls more than nslots behind skips to the oldest slot still there and
 * is told how many it missed. With ASH_RING_BACKPRESSURE the producer
 * waits instead of overwriting a slot a registered consumer has not read
 * yet. The ring is an ordinary array too: any process attaches its view
 * by name ("seg/frames"), and the version of that view is the number of
 * slots published (ash_view_wait_change and ash_view_wait_any work on it).
 *
 * A slot is identified by its sequence number (0, 1, ...: slot n lives in
 * ring position n % nslots). A handle is a producer (the first
 * ash_ring_write_begin claims the ring's one producer role) or a consumer
 * with its own cursor, starting at the head (the next slot to come) when
 * it is attached. Handles are thread-safe; one handle reads one stream. */
typedef struct ash_ring ash_ring;

/* Flags of ash_ring_create() and ash_ring_attach(). Bits; append only. */
enum ash_ring_flags {
  ASH_RING_BACKPRESSURE = 1u << 0, /* create: the producer waits for the
                                      registered consumers               */
  ASH_RING_CONSUMER = 1u << 1      /* register this handle as a consumer
                                      (counted by back-pressure, listed by
                                      ash_ring_consumer_list)            */
};

/* Registered consumers a ring has room for. */
#define ASH_RING_MAX_CONSUMERS 32

/*! ash_ring_arena_bytes() :
 *  Adds to *@total the arena bytes a ring takes (its slots and its control
 *  block, alignment included), as ash_arena_bytes_for() does for arrays.
 *  @return ASH_OK, ASH_E_DTYPE, ASH_E_SHAPE, ASH_E_OVERFLOW, ASH_E_INVAL
 *          (@nslots < 1 or above 2^31). */
ASH_EXTERN ash_status ash_ring_arena_bytes(int dtype, int ndim,
                                           const int64_t *shape, int64_t nslots,
                                           uint64_t *total);

/*! ash_ring_create() :
 *  Adds ring @name to segment @seg: @nslots slots of @dtype and shape
 *  (@ndim, @shape) (so an array of shape (nslots, *shape), at most
 *  ASH_MAX_NDIM - 1 slot dimensions).
 *  @flags : ASH_RING_BACKPRESSURE, ASH_RING_CONSUMER.
 *  @out : receives a handle (producer or consumer, as its first use says).
 *  @return ASH_OK, the errors of ash_segment_add_array, ASH_E_INVAL (flags,
 *          nslots), ASH_E_FULL (ASH_RING_CONSUMER: no free registration). */
ASH_EXTERN ash_status ash_ring_create(ash_segment *seg, const char *name,
                                      int dtype, int ndim, const int64_t *shape,
                                      int64_t nslots, unsigned flags,
                                      ash_ring **out);

/*! ash_ring_attach() :
 *  Attaches a ring by name or descriptor ("seg/frames",
 *  "ash://seg/frames"), as ash_attach() attaches an array.
 *  @flags : ASH_RDONLY (read only: a consumer that is not registered),
 *          ASH_RING_CONSUMER (register: not with ASH_RDONLY), ASH_FILE,
 *          ASH_NOATTACH (inspection, read-only: the command line's info).
 *  @return ASH_OK, the errors of ash_attach, ASH_E_INVAL (not a ring, a
 *          part of one, bad flags), ASH_E_FULL (no free registration),
 *          ASH_E_CORRUPT (its control block is damaged). */
ASH_EXTERN ash_status ash_ring_attach(const char *name_or_descriptor,
                                      unsigned flags, ash_ring **out);

/*! ash_ring_retain() : adds a reference to the handle; @return @r. */
ASH_EXTERN ash_ring *ash_ring_retain(ash_ring *r);

/*! ash_ring_close() :
 *  Drops a reference; the last one gives up the handle's producer role or
 *  consumer registration and frees it. @r may be NULL. A process that dies holding either needs no close:
 *  a dead producer is replaced by the next one, a dead consumer no longer
 *  holds back the producer. */
ASH_EXTERN void ash_ring_close(ash_ring *r);

/*! ash_ring_write_begin() :
 *  Claims the ring's producer role (if this handle does not hold it) and
 *  the next slot, waiting up to @timeout for room when the ring has
 *  back-pressure; @out receives a writable view of the slot (release it).
 *  @return ASH_OK, ASH_E_EXIST (another live process or handle is the
 *          producer), ASH_E_TIMEOUT, ASH_E_RDONLY, ASH_E_INVAL (a write is
 *          open already), ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_ring_write_begin(ash_ring *r, double timeout,
                                           ash_view **out);

/*! ash_ring_write_end() :
 *  Publishes the slot of ash_ring_write_begin() and wakes the consumers.
 *  @return ASH_OK, ASH_E_INVAL (no write open). */
ASH_EXTERN ash_status ash_ring_write_end(ash_ring *r);

/*! ash_ring_write() :
 *  Writes one slot from @src (@nbytes == ash_ring_slot_nbytes(), packed C
 *  order) and publishes it: write_begin, copy, write_end.
 *  @return as ash_ring_write_begin; ASH_E_INVAL for a size mismatch. */
ASH_EXTERN ash_status ash_ring_write(ash_ring *r, const void *src,
                                     uint64_t nbytes, double timeout);

/*! ash_ring_read() :
 *  Copies the next slot for this handle into @dst (@nbytes ==
 *  ash_ring_slot_nbytes()), waiting up to @timeout for one to be
 *  published, and advances the cursor. Slots the producer overwrote before
 *  this handle read them are skipped and counted (ash_ring_missed); a
 *  slot is never torn.
 *  @out : receives the slot's sequence number.
 *  @return ASH_OK, ASH_E_TIMEOUT, ASH_E_INVAL (size, NULL, a zero-copy
 *          read open). */
ASH_EXTERN ash_status ash_ring_read(ash_ring *r, void *dst, uint64_t nbytes,
                                    double timeout, int64_t *out);

/*! ash_ring_read_begin() :
 *  Zero-copy read: @out receives a read-only view of the next slot (its
 *  sequence number is ash_ring_cursor()); use it, release it, then call
 *  ash_ring_read_end(), which says whether it stayed intact. A registered
 *  consumer of a back-pressure ring holds the producer back until then.
 *  @return as ash_ring_read. */
ASH_EXTERN ash_status ash_ring_read_begin(ash_ring *r, double timeout,
                                          ash_view **out);

/*! ash_ring_read_end() :
 *  Ends the read of ash_ring_read_begin() and advances the cursor.
 *  @return ASH_OK (the slot was intact all along), ASH_E_OVERRUN (the
 *          producer overwrote it meanwhile: what was read is not valid;
 *          counted as missed), ASH_E_INVAL (no read open). */
ASH_EXTERN ash_status ash_ring_read_end(ash_ring *r);

/* Ring accessors; @r must be valid. */
/*! ash_ring_nslots() : @return the number of slots. */
ASH_EXTERN int64_t ash_ring_nslots(const ash_ring *r);
/*! ash_ring_slot_nbytes() : @return the bytes of one slot. */
ASH_EXTERN uint64_t ash_ring_slot_nbytes(const ash_ring *r);
/*! ash_ring_head() : @return the number of slots published so far (the
 *  sequence number the next one gets). */
ASH_EXTERN int64_t ash_ring_head(const ash_ring *r);
/*! ash_ring_cursor() : @return the sequence number this handle reads
 *  next (or is reading, between read_begin and read_end). */
ASH_EXTERN int64_t ash_ring_cursor(const ash_ring *r);
/*! ash_ring_missed() : @return how many slots this handle skipped because
 *  the producer overwrote them first. */
ASH_EXTERN int64_t ash_ring_missed(const ash_ring *r);
/*! ash_ring_consumers() : @return the registered consumers that live. */
ASH_EXTERN int ash_ring_consumers(const ash_ring *r);

/*! ash_ring_view() :
 *  @out : receives a view of the whole ring array (nslots, *slot_shape).
 *  @return ASH_OK, ASH_E_INVAL, ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_ring_view(const ash_ring *r, ash_view **out);

/*! ash_ring_producer() :
 *  @pid : receives the producer's pid (0: none, or unknown);
 *  @alive : receives 1 if the producer lives, else 0.
 *  @return ASH_OK, ASH_E_INVAL. */
ASH_EXTERN ash_status ash_ring_producer(const ash_ring *r, int64_t *pid,
                                        int *alive);

/*! ash_ring_consumer_list() :
 *  The registered consumers: per entry, ash_list_name() is the pid in
 *  decimal, ash_list_value() the sequence number it reads next,
 *  ash_list_flag() 1 if it lives. Free with ash_list_free().
 *  @return ASH_OK, ASH_E_INVAL, ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_ring_consumer_list(const ash_ring *r, ash_list **out);

/* ---------------------------------------------------------------------- */
/* Kernels: compiled code on views (libffi)                                */
/* ---------------------------------------------------------------------- */

/* A kernel is a function from a shared library (or a raw address) that the
 * library calls on views, with a signature decided at run time. It is
 * opened once (dlopen/dlsym, signature parsed, libffi call description
 * prepared and cached; opening is serialised) and then called any number of
 * times, from any thread, through ash_kernel_call(): one call, one array of
 * views, one array of scalars, whatever the kernel. docs/kernels.md is the
 * guide; the grammar, in short:
 *
 * Plain C functions: a C prototype as written in a header, and a binder that
 * says where every parameter comes from.
 *   "void cblas_daxpy(int n, double alpha, const double *x, int incx,
 *                     double *y, int incy)"
 *   bind "n=size(x)=size(y), alpha=a, x=x, incx=inc(x), y=y, incy=inc(y),
 *         split(n)"
 * Types: void, _Bool/bool, char, signed/unsigned char/short/int/long/long
 * long, float, double, int8_t..uint64_t, size_t, ssize_t, ptrdiff_t,
 * intptr_t, uintptr_t, npy_intp, enum X (an int), float/double _Complex
 * (through pointers only), "struct X *" (opaque), qualifiers const,
 * volatile, restrict; "T name[]" is a pointer; one level of pointer;
 * "typedef TYPE NAME;" items may precede the prototype. Refused, with the
 * column: structs or unions by value, varargs, long double, pointers to
 * pointers, function pointers, unknown type names.
 * Binder items, comma-separated; every parameter bound exactly once:
 *   PARAM=SOURCE[=SOURCE...]  all sources must agree at call time
 *                             (ASH_E_SHAPE otherwise), e.g. n=size(x)=size(y)
 *   split(PARAM)              PARAM is the length of every view operand:
 *                             the call may be split into ranges of it
 * Sources: an integer or float literal, null; a name: for a pointer
 * parameter a view operand (its data), for an arithmetic one a call-time
 * scalar; size(V) (elements), len(V) (first dimension), dim(V,AXIS),
 * stride(V) (element stride, data points at element 0), inc(V) (BLAS
 * increment: with a negative increment the pointer passed is the lowest
 * address, as BLAS expects), ld(V) (leading dimension of a 2-d view whose
 * rows have unit stride: row-major BLAS/LAPACK). A view bound to a pointer
 * with neither stride(), inc() nor ld() must be C-contiguous: nothing is
 * ever copied.
 *
 * Element-wise scalar functions: "map" and a prototype whose parameters and
 * result are arithmetic: "map double sin(double x)". Operands: one view per
 * parameter, then the output view "out"; broadcast like NumPy's ufuncs. The
 * common shapes (double f(double), double f(double, double), float f(float),
 * float f(float, float)) run through typed function pointers, the others
 * through libffi. No binder.
 *
 * Loop kernels: NumPy's inner-loop convention (see ash_loop_fn) with a
 * gufunc signature: "loop NAME(OPERANDS -> OPERANDS)", each operand
 * "DTYPE[(CORE DIMS)] [NAME]":
 *   "loop add(float64 a, float64 b -> float64 out)"            (a ufunc)
 *   "loop matmul(float64(m,n) a, float64(n,p) b -> float64(m,p) c)"
 * DTYPE is any ash_dtype_parse spelling; core dimensions are names or fixed
 * sizes. The library iterates the outer dimensions with NumPy's broadcasting
 * rules and passes strides: strided and reversed views need no copy. Binder
 * (optional): "data=ADDRESS" for the loop's void *data (default NULL).
 *
 * Operands (ash_kernel_view_name, ash_kernel_scalar_name): loop and map
 * kernels' views are their operands in order; a plain kernel's views are
 * numbered by the pointer parameters they are passed to, then views used
 * only for their shape, and its scalars by the parameters that use them. Before a call, every view is checked: dtype
 * against the pointee or operand type (ASH_E_DTYPE), writable when the
 * kernel may write (ASH_E_RDONLY), layout (ASH_E_CONTIG), alignment
 * (ASH_E_INVAL), shapes (ASH_E_SHAPE), integer parameters in range
 * (ASH_E_OVERFLOW), scalars representable (ASH_E_VALUE); the detail names
 * the parameter or operand.
 *
 * Threads: a call may run on several threads of a pool the library owns
 * (started on first use, sized by the environment variable ASH_NUM_THREADS
 * or else the CPU affinity mask, safe across fork()). A call uses one
 * thread, the caller's, unless it asks for more; loop and map kernels split
 * their outer iterations, plain kernels only with split(PARAM). A split
 * call whose output overlaps another operand (other than exactly, element
 * for element) is refused with ASH_E_OVERLAP. Libraries that start their
 * own threads (OpenBLAS: OPENBLAS_NUM_THREADS) should be called with one. */

typedef struct ash_kernel ash_kernel;

/* Kinds of kernel, as returned by ash_kernel_kind(). Append only. */
enum ash_kernel_type {
  ASH_KERNEL_PLAIN = 1, /* a C function called through libffi           */
  ASH_KERNEL_MAP = 2,   /* an element-wise scalar function               */
  ASH_KERNEL_LOOP = 3   /* a NumPy-style inner loop                      */
};

/* Most view operands and call-time scalars a kernel may have. */
#define ASH_KERNEL_MAX_OPERANDS 32

/* The inner-loop convention of loop kernels, bit-compatible with NumPy's
 * PyUFuncGenericFunction on LP64 platforms (npy_intp is int64_t there):
 * args[i] points at the first element of operand i, dims[0] is the number
 * of outer iterations of this call, dims[1..] the core dimensions in the
 * order the signature first names them, steps[i] the byte stride of
 * operand i along the outer iteration, then the byte strides of each
 * operand's core dimensions, operand by operand. */
typedef void ash_loop_fn(char **args, const int64_t *dims, const int64_t *steps,
                         void *data);

/*! ash_kernel_open() :
 *  Opens @library (a path or a soname such as "libopenblas.so.0"; NULL or ""
 *  means the program and the libraries it already loaded), looks up the
 *  function the signature names and prepares the call.
 *  @signature : see above: a C prototype, "map" + prototype, or "loop".
 *  @bind : the binder; NULL or "" for none.
 *  @out : receives the kernel; set to NULL on failure.
 *  @return ASH_OK, ASH_E_SIGNATURE (syntax or unsupported type: the detail
 *          gives the column; binder: unbound, doubly bound or unknown
 *          parameter), ASH_E_LIBRARY (library or symbol not found, with
 *          dlerror's text), ASH_E_OVERFLOW / ASH_E_VALUE (an integer /
 *          float literal does not fit its parameter), ASH_E_INVAL (NULL),
 *          ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_kernel_open(const char *library,
                                      const char *signature, const char *bind,
                                      ash_kernel **out);

/*! ash_kernel_from_address() :
 *  As ash_kernel_open, for a function at @address (a ctypes pointer, a
 *  numba cfunc, a JIT): the name in the signature is a label only. The
 *  function must stay valid until the kernel is closed.
 *  @return as ash_kernel_open; ASH_E_INVAL when @address is 0. */
ASH_EXTERN ash_status ash_kernel_from_address(uint64_t address,
                                              const char *signature,
                                              const char *bind,
                                              ash_kernel **out);

/*! ash_kernel_retain() : adds a reference; @return @k. */
ASH_EXTERN ash_kernel *ash_kernel_retain(ash_kernel *k);

/*! ash_kernel_close() :
 *  Drops a reference; the last one frees the kernel and closes its library.
 *  A call in progress holds its own reference. @k may be NULL. */
ASH_EXTERN void ash_kernel_close(ash_kernel *k);

/* Accessors. They cannot fail; NULL reads as a kernel without operands
 * (kind 0, signature NULL, no views or scalars). */
/*! ash_kernel_kind() : @return an ash_kernel_type (ASH_KERNEL_*). */
ASH_EXTERN int ash_kernel_kind(const ash_kernel *k);
/*! ash_kernel_signature() :
 *  @return the signature in canonical form (typedefs resolved, one space
 *          between tokens), e.g. "void f(int n, const double *x)" or
 *          "loop dot(float64(n) a, float64(n) b -> float64 out)". */
ASH_EXTERN const char *ash_kernel_signature(const ash_kernel *k);
/*! ash_kernel_nviews() / ash_kernel_nscalars() : @return the number of view
 *  operands / call-time scalars ash_kernel_call() takes. */
ASH_EXTERN int ash_kernel_nviews(const ash_kernel *k);
ASH_EXTERN int ash_kernel_nscalars(const ash_kernel *k);
/*! ash_kernel_view_name() / ash_kernel_scalar_name() :
 *  @return the name of operand @index (0-based), or NULL when out of range.
 *          Bindings use them for keyword arguments. */
ASH_EXTERN const char *ash_kernel_view_name(const ash_kernel *k, int index);
ASH_EXTERN const char *ash_kernel_scalar_name(const ash_kernel *k, int index);
/*! ash_kernel_view_writes() :
 *  @return 1 if the kernel may write view operand @index (an output, or a
 *          non-const pointer), 0 if it only reads it, -1 out of range. */
ASH_EXTERN int ash_kernel_view_writes(const ash_kernel *k, int index);

/*! ash_kernel_result_dtype() :
 *  @return the dtype of a plain kernel's result (ASH_INT32 for int,
 *          ASH_FLOAT64 for double, ASH_INT8 for char, ...), so a binding can
 *          return the value ash_kernel_call() gives as a double in the
 *          right type; ASH_DTYPE_INVALID (0) for a void result and for map
 *          and loop kernels (their results are in their output views). */
ASH_EXTERN int ash_kernel_result_dtype(const ash_kernel *k);

/*! ash_kernel_call() :
 *  Calls the kernel on @views and @scalars (in operand order). The views
 *  are retained for the call: one released or unlinked meanwhile stays
 *  mapped until the call returns. Everything is checked before the kernel
 *  runs; once it runs, the call cannot fail.
 *  @nviews, @views : ash_kernel_nviews() views.
 *  @nscalars, @scalars : ash_kernel_nscalars() values; an integer parameter
 *          needs an integral value in its range (exact up to 2^53).
 *  @nthreads : 1 runs on the calling thread only (the default bindings
 *          use); n > 1 up to n threads (at most ash_kernel_max_threads());
 *          0 as many as ash_kernel_max_threads().
 *  @out : receives a plain kernel's return value as a double (integers
 *          beyond 2^53 round to nearest), 0 otherwise; may be NULL.
 *  @return ASH_OK, ASH_E_INVAL (counts, NULL, negative @nthreads,
 *          misaligned view, invalid ASH_NUM_THREADS), ASH_E_DTYPE,
 *          ASH_E_RDONLY, ASH_E_CONTIG, ASH_E_SHAPE, ASH_E_OVERFLOW,
 *          ASH_E_VALUE, ASH_E_OVERLAP, ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_kernel_call(ash_kernel *k, int nviews,
                                      ash_view *const *views, int nscalars,
                                      const double *scalars, int nthreads,
                                      double *out);

/*! ash_kernel_max_threads() :
 *  @out : receives the size of the kernel thread pool: ASH_NUM_THREADS
 *         (1 to 1024) when set, else the number of CPUs in this process's
 *         affinity mask. Read once, at the first use.
 *  @return ASH_OK, ASH_E_INVAL (ASH_NUM_THREADS is not such a number). */
ASH_EXTERN ash_status ash_kernel_max_threads(int *out);

#ifdef __cplusplus
}
#endif
#endif /* ARRAYSHARE_H */
