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
#define ASH_FORMAT_MINOR 0

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
  XX(AXIS,     -1022, "axis out of range")

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

#define ASH_MAX_NDIM 32          /* dimensions of an array or view        */
#define ASH_NAME_MAX 200         /* characters of a segment name          */
#define ASH_ARRAY_NAME_MAX 63    /* characters of an array name           */
#define ASH_SHM_PREFIX "ash."    /* names live in /dev/shm as ash.NAME     */

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

/* ---------------------------------------------------------------------- */
/* Segments                                                                */
/* ---------------------------------------------------------------------- */

typedef struct ash_segment ash_segment;
typedef struct ash_view ash_view;
typedef struct ash_list ash_list;

/* Flags for ash_segment_create / ash_segment_open / ash_create / ash_attach /
 * ash_unlink. Bits; append only. */
enum ash_flags {
  ASH_PERSIST = 1u << 0,    /* create: lifetime policy "persist"             */
  ASH_OR_OPEN = 1u << 1,    /* create: open instead when the name exists     */
  ASH_RDONLY = 1u << 2,     /* open: map the arrays read-only                */
  ASH_FILE = 1u << 3,       /* the name is a filesystem path (file backend)  */
  ASH_NOATTACH = 1u << 4,   /* open: inspect only; read-only, not counted
                               as an attacher (used by the command line)     */
  ASH_SLICE_STRICT = 1u << 5 /* ash_view_slice: refuse bounds that Python
                               would clamp                                   */
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
 *  @flags : ASH_PERSIST, ASH_OR_OPEN, ASH_FILE.
 *  @mode : permission bits, e.g. 0600 (applied exactly, not masked by umask);
 *          0 means 0600.
 *  @out : receives the handle; set to NULL on failure.
 *
 *  The whole size is reserved up front (posix_fallocate): a full /dev/shm or
 *  disk is ASH_E_NOSPC here, never a SIGBUS later. Exclusive by default: two
 *  processes racing on one name, exactly one creates and the other gets
 *  ASH_E_EXIST, or (with ASH_OR_OPEN) attaches to the winner's segment.
 *
 *  Lifetime across processes. Every mapping counts its process once in the
 *  segment's attach table: a slot records the pid, and the attacher holds a
 *  lock on the slot that the kernel drops when the process dies, so a dead
 *  attacher is told from a live one (and from a reused pid) without asking
 *  anyone. Policy "auto" (default): the name is unlinked when
 *  the last attacher detaches, or by ash_gc() once all attachers are dead.
 *  Policy "persist" (ASH_PERSIST): the segment lives until ash_unlink().
 *  Attaching never unlinks anything.
 *
 *  @return ASH_OK, ASH_E_NAME, ASH_E_EXIST, ASH_E_PERM, ASH_E_NOSPC,
 *          ASH_E_INVAL (max_arrays or mode out of range), ASH_E_OVERFLOW
 *          (sizes too large), ASH_E_NOMEM, ASH_E_CORRUPT / ASH_E_VERSION /
 *          ASH_E_TRUNC / ASH_E_BUSY (ASH_OR_OPEN found a bad segment),
 *          ASH_E_SYS. */
ASH_EXTERN ash_status ash_segment_create(const char *name, uint64_t arena_bytes,
                                         uint32_t max_arrays, unsigned flags,
                                         unsigned mode, ash_segment **out);

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
 *  A process opens each segment once: further opens share the mapping.
 *
 *  @flags : ASH_RDONLY (arrays mapped PROT_READ; every write through the API
 *           is ASH_E_RDONLY), ASH_FILE, ASH_NOATTACH (read-only inspection
 *           that is not counted as an attacher).
 *  @out : receives the handle; set to NULL on failure.
 *  @return ASH_OK, ASH_E_NAME, ASH_E_NOENT, ASH_E_PERM, ASH_E_CORRUPT,
 *          ASH_E_VERSION, ASH_E_TRUNC, ASH_E_FULL (attach table full),
 *          ASH_E_BUSY (being created or removed), ASH_E_NOMEM, ASH_E_SYS. */
ASH_EXTERN ash_status ash_segment_open(const char *name, unsigned flags,
                                       ash_segment **out);

/*! ash_segment_close() :
 *  Releases the handle. The mapping stays while views on it exist; when the
 *  last one goes, this process detaches (auto: and unlinks when it was the
 *  last attacher). @seg may be NULL. */
ASH_EXTERN void ash_segment_close(ash_segment *seg);

/*! ash_unlink() :
 *  Removes a segment's name (ASH_FILE: the file). Processes that have it
 *  mapped keep using it; the memory is freed when the last one detaches.
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
 *  @flags : ASH_PERSIST, ASH_FILE. Always exclusive: ASH_OR_OPEN is
 *           ASH_E_INVAL (attach with ash_attach instead).
 *  @mode : as ash_segment_create.
 *  @return as ash_segment_create and ash_segment_add_array. */
ASH_EXTERN ash_status ash_create(const char *name, int dtype, int ndim,
                                 const int64_t *shape, unsigned flags,
                                 unsigned mode, ash_view **out);

/*! ash_attach() :
 *  Attaches by name or descriptor and returns a view: "frames" or
 *  "ash://frames" (the first array), "ash://frames/labels", a full view
 *  descriptor from ash_view_descriptor(), or "frames/labels[1:3, ::-1]".
 *  @flags : ASH_RDONLY, ASH_FILE (a plain path), ASH_NOATTACH.
 *  @return as ash_segment_open and ash_view_from_descriptor. */
ASH_EXTERN ash_status ash_attach(const char *name_or_descriptor,
                                 unsigned flags, ash_view **out);

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

/*! ash_view_fill_f64() / ash_view_fill_i64() :
 *  Sets every element to @value, with the conversion rules of set_f64 /
 *  set_i64 (checked once, before anything is written).
 *  @return ASH_OK, ASH_E_VALUE, ASH_E_RDONLY, ASH_E_INVAL. */
ASH_EXTERN ash_status ash_view_fill_f64(const ash_view *v, double value);
ASH_EXTERN ash_status ash_view_fill_i64(const ash_view *v, int64_t value);

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
/* Listing and garbage collection                                          */
/* ---------------------------------------------------------------------- */

/*! ash_list_segments() :
 *  Lists this library's segments in /dev/shm (names with the ASH_SHM_PREFIX,
 *  prefix removed), sorted by name. Other files are never listed.
 *  @return ASH_OK, ASH_E_NOMEM, ASH_E_SYS. */
ASH_EXTERN ash_status ash_list_segments(ash_list **out);
/*! ash_list_count() / ash_list_name() : entries; NULL when out of range. */
ASH_EXTERN int ash_list_count(const ash_list *l);
ASH_EXTERN const char *ash_list_name(const ash_list *l, int index);
/*! ash_list_free() : @l may be NULL. */
ASH_EXTERN void ash_list_free(ash_list *l);

/*! ash_gc() :
 *  Scans this library's segments: removes dead processes from attach tables,
 *  unlinks "auto" segments with no live attacher left, and unlinks segments
 *  whose creator died before finishing them. "persist" segments are kept.
 *  Segments this user may not open are skipped.
 *  @reaped : receives the number of segments unlinked (may be NULL).
 *  @return ASH_OK, ASH_E_SYS (cannot read /dev/shm), ASH_E_NOMEM. */
ASH_EXTERN ash_status ash_gc(int *reaped);

#ifdef __cplusplus
}
#endif
#endif /* ARRAYSHARE_H */
