/* SPDX-License-Identifier: MIT */
/* Internal declarations of the kernel subsystem (kernel*.c). Not installed.
 *
 *   kernel_sig.c   the signature grammar: C prototypes, map, loop
 *   kernel_bind.c  the binder of plain kernels: parsing, checks, arguments
 *   kernel_ffi.c   dlopen/dlsym and libffi call descriptions (cached)
 *   kernel_iter.c  outer-dimension iteration with NumPy broadcasting
 *   kernel_map.c   element-wise scalar functions as inner loops
 *   kernel_pool.c  the thread pool
 *   kernel.c       the public functions
 */
#ifndef ASH_KERNEL_H
#define ASH_KERNEL_H

#include <ffi.h>

#include "internal.h"

#define ASH__K_MAXPARAM 64 /* parameters of a prototype          */
#define ASH__K_MAXOP ASH_KERNEL_MAX_OPERANDS
#define ASH__K_MAXCORE 32 /* distinct core dimensions of a loop */
#define ASH__K_NAME 64    /* names of operands and parameters   */
#define ASH__K_MAXCHAIN 4 /* sources of one binder item         */

/* ---- C types (kernel_sig.c) -------------------------------------------- */

enum ash__ckind {
  ASH__C_VOID,
  ASH__C_BOOL,
  ASH__C_CHAR, /* plain char: int8, uint8 or bool data */
  ASH__C_I8,
  ASH__C_U8,
  ASH__C_I16,
  ASH__C_U16,
  ASH__C_I32,
  ASH__C_U32,
  ASH__C_I64,
  ASH__C_U64,
  ASH__C_F32,
  ASH__C_F64,
  ASH__C_C64,    /* float _Complex, through pointers only  */
  ASH__C_C128,   /* double _Complex, through pointers only */
  ASH__C_OPAQUE, /* struct or union, through pointers only */
  ASH__C_COUNT_
};

struct ash__ctype {
  uint8_t kind; /* ash__ckind: the type, or the pointee for pointers */
  bool ptr;     /* one level of pointer */
  bool cnst;    /* pointer to const */
};

struct ash__param {
  struct ash__ctype t;
  char name[ASH__K_NAME]; /* "" when the prototype has none */
  int col;                /* 1-based column in the signature */
};

struct ash__operand { /* an operand of a loop or map kernel */
  char name[ASH__K_NAME];
  int dtype;
  int ncore;
  int core[ASH_MAX_NDIM]; /* indices into sig.dim */
};

struct ash__sig {
  int kind; /* ASH_KERNEL_* */
  char name[128];
  /* plain and map */
  struct ash__ctype ret;
  int nparam;
  struct ash__param param[ASH__K_MAXPARAM];
  /* loop and map: operands, inputs first */
  int nin, nout;
  struct ash__operand op[ASH__K_MAXOP];
  int ndim; /* distinct core dimensions     */
  char dim[ASH__K_MAXCORE][ASH__K_NAME];
  int64_t dimfixed[ASH__K_MAXCORE]; /* fixed size, or -1 for a name */
};

/* Parses @text into @s (zeroed first). ASH_E_SIGNATURE with the column. */
int ash__sig_parse(const char *text, struct ash__sig *s);
/* The canonical form of @s, malloc'ed; NULL when out of memory. */
char *ash__sig_format(const struct ash__sig *s);
/* "double", "const int32_t *", ... into buf. */
const char *ash__ctype_str(struct ash__ctype t, char *buf, size_t n);
size_t ash__ckind_size(int kind);
bool ash__ckind_int(int kind); /* bool, char and the integers */
bool ash__ckind_signed(int kind);
/* Whether a view of @dtype may be the pointee of @kind (void: any). */
bool ash__ckind_accepts(int kind, int dtype);
/* The dtype of an arithmetic C type, or ASH_DTYPE_INVALID. */
int ash__ckind_dtype(int kind);

/* A lexer shared by the signature and binder parsers. */
enum {
  ASH__T_END,
  ASH__T_IDENT,
  ASH__T_INT,
  ASH__T_FLOAT,
  ASH__T_PUNCT,
  ASH__T_ARROW,
  ASH__T_ELLIPSIS
};
struct ash__tok {
  int kind;
  const char *s;
  size_t len;
  int col;
  int64_t ival;
  double fval;
};
struct ash__lex {
  const char *text;
  const char *p;
  const char *what; /* "signature" or "binder", for messages */
  struct ash__tok t;
};
void ash__lex_init(struct ash__lex *lx, const char *text, const char *what);
int ash__lex_next(struct ash__lex *lx); /* ASH_OK or ASH_E_SIGNATURE */
bool ash__tok_is(const struct ash__tok *t, const char *word);
bool ash__tok_punct(const struct ash__tok *t, char c);
/* ASH_E_SIGNATURE "<what> "<text>", column N: <message>". */
int ash__lex_err(const struct ash__lex *lx, int col, const char *fmt, ...)
    ASH__PRINTF(3, 4);

/* ---- binder of plain kernels (kernel_bind.c) ---------------------------- */

enum ash__src {
  ASH__S_INT,    /* literal integer                       */
  ASH__S_FLOAT,  /* literal float                         */
  ASH__S_NULL,   /* NULL pointer                          */
  ASH__S_DATA,   /* a view's data pointer                 */
  ASH__S_SCALAR, /* a call-time scalar                    */
  ASH__S_SIZE,   /* number of elements                    */
  ASH__S_LEN,    /* first dimension                       */
  ASH__S_DIM,    /* one dimension                         */
  ASH__S_STRIDE, /* element stride (pointer at element 0) */
  ASH__S_INC,    /* BLAS increment                        */
  ASH__S_LD      /* leading dimension, row-major          */
};

struct ash__source {
  uint8_t what; /* ash__src */
  int index;    /* view or scalar */
  int axis;     /* ASH__S_DIM */
  int64_t i;
  double f;
};

struct ash__binding {
  int nsrc;
  struct ash__source src[ASH__K_MAXCHAIN];
};

/* How a view operand of a plain kernel is laid out for the callee. */
enum ash__layout {
  ASH__L_SHAPE,  /* only its shape is used            */
  ASH__L_CONTIG, /* data pointer, C-contiguous        */
  ASH__L_STRIDE, /* data + stride(), element 0        */
  ASH__L_INC,    /* data + inc(): BLAS, lowest address */
  ASH__L_LD      /* data + ld(): 2-d, unit row stride */
};

struct ash__kview {
  char name[ASH__K_NAME];
  int pointee; /* ash__ckind of the pointer it is passed to, -1 if none */
  bool writes;
  uint8_t layout;
};

/* The bound plan of a plain kernel, made once at open. */
struct ash__plain {
  struct ash__binding bind[ASH__K_MAXPARAM];
  int split; /* parameter index, or -1 */
};

/* Everything a kernel operand list needs, shared by the three kinds. */
struct ash__operands {
  int nviews;
  struct ash__kview view[ASH__K_MAXOP];
  int nscalars;
  char scalar[ASH__K_MAXOP][ASH__K_NAME];
};

/* Parses @bind against @s (a plain kernel): fills @plan and @ops.
 * ASH_E_SIGNATURE (syntax, unknown, unbound or doubly bound parameter),
 * ASH_E_OVERFLOW (literal out of range). */
int ash__bind_parse(const struct ash__sig *s, const char *bind,
                    struct ash__plain *plan, struct ash__operands *ops);
/* Parses the binder of a loop kernel ("data=ADDRESS" or nothing). */
int ash__bind_parse_loop(const char *bind, void **data);

/* Checks a view operand: not NULL, dtype (@is_kind: @dtype_or_kind is the
 * ash__ckind of a pointee, else a dtype), writable if @writes, aligned. */
int ash__check_view(const char *name, const ash_view *v, int dtype_or_kind,
                    bool is_kind, bool writes);

/* A scalar parameter value ready for ffi_call. */
union ash__arg {
  _Bool b;
  int8_t i8;
  uint8_t u8;
  int16_t i16;
  uint16_t u16;
  int32_t i32;
  uint32_t u32;
  int64_t i64;
  uint64_t u64;
  float f32;
  double f64;
  void *p;
};

/* One plain call being prepared: the views as the callee sees them and the
 * argument values. */
struct ash__vstate {
  const ash_view *v;
  int64_t bstride; /* bytes between consecutive elements (C order) */
  int64_t ld;      /* ld() */
};

struct ash__pcall {
  const struct ash__sig *s;
  const struct ash__plain *plan;
  const struct ash__operands *ops;
  struct ash__vstate vs[ASH__K_MAXOP];
  union ash__arg args[ASH__K_MAXPARAM];
  int64_t ival[ASH__K_MAXPARAM]; /* integer values of the parameters */
  int64_t split_n;               /* the split parameter's value */
};

/* Checks @views and computes every argument (s, plan, ops set). */
int ash__bind_prepare(struct ash__pcall *pc, ash_view *const *views,
                      const double *scalars);
/* The arguments for elements [lo, hi) of a split call. */
void ash__bind_range(const struct ash__pcall *pc, int64_t lo, int64_t hi,
                     union ash__arg *args);

/* The value of an arithmetic result as a double. */
double ash__arg_to_double(int kind, const void *p);

/* ---- libffi (kernel_ffi.c) --------------------------------------------- */

typedef struct ash__cif ash__cif; /* a cached, prepared ffi_cif */

/* The prepared description of a call ret(args...), shared by every kernel
 * with the same C types. Serialised; ASH_E_SIGNATURE if libffi refuses. */
int ash__cif_get(struct ash__ctype ret, int nargs,
                 const struct ash__ctype *args, ash__cif **out);
void ash__cif_put(ash__cif *c);
ffi_cif *ash__cif_ffi(ash__cif *c);

/* dlopen(@library) (NULL or "": the program) and dlsym(@symbol), serialised.
 * ASH_E_LIBRARY with dlerror's text. */
int ash__dl_open(const char *library, const char *symbol, void **handle,
                 void (**fn)(void));
void ash__dl_close(void *handle);

/* ---- iteration (kernel_iter.c) ------------------------------------------ */

/* One call's outer iteration over broadcast operands, in inner-loop
 * convention. */
struct ash__iter {
  int nop;
  int ndim; /* outer dimensions after merging, >= 1 */
  int64_t shape[ASH_MAX_NDIM];
  int64_t stride[ASH_MAX_NDIM][ASH__K_MAXOP]; /* bytes, 0 when broadcast */
  char *base[ASH__K_MAXOP];
  int64_t total; /* outer iterations */
  int ncore;     /* dims[1..ncore] */
  int64_t dims[1 + ASH__K_MAXCORE];
  int nsteps;
  int64_t steps[ASH__K_MAXOP * (1 + ASH_MAX_NDIM)];
  ash_loop_fn *fn;
  void *data;
};

/* Checks @views against the operands of @s (dtypes, writability, core
 * shapes, broadcasting) and fills @it. */
int ash__iter_init(struct ash__iter *it, const struct ash__sig *s,
                   ash_view *const *views);
/* Runs outer iterations [lo, hi). */
void ash__iter_run(const struct ash__iter *it, int64_t lo, int64_t hi);

/* Extent of a view in memory: [lo, hi); false when empty. */
bool ash__view_extent(const ash_view *v, uintptr_t *lo, uintptr_t *hi);
/* Refuses (ASH_E_OVERLAP) an output that overlaps any other operand
 * unless both are the very same elements. @writes[i]: operand i is
 * written. */
int ash__check_overlap(int n, ash_view *const *views, const bool *writes,
                       const char *const *names);

/* ---- map kernels (kernel_map.c) ----------------------------------------- */

struct ash__ew {
  void (*fn)(void);
  ash__cif *cif;     /* for the general path */
  ash_loop_fn *loop; /* typed fast path or the general loop */
  int nin;
  uint8_t in[ASH__K_MAXOP]; /* parameter kinds */
  uint8_t ret;
};

/* Chooses the inner loop for @m (fn, cif, nin, in, ret set). */
void ash__ew_select(struct ash__ew *m);

/* ---- thread pool (kernel_pool.c) ---------------------------------------- */

/* Threads a call may use: @nthreads (0: all) capped at the pool size. */
int ash__pool_threads(int nthreads, int *out);
/* Runs fn(ctx, c) for c in [0, nchunks) on up to @threads threads, the
 * caller's included; returns when all are done. */
void ash__pool_run(int threads, int64_t nchunks,
                   void (*fn)(void *ctx, int64_t chunk), void *ctx);

#endif
