/* SPDX-License-Identifier: MIT */
/* Conformance runner for the C ABI: executes the expanded cases (expand.py's
 * output) against arrayshare.h: call, resolve references, compare. See
 * tests/conformance/README.md for the format.
 *
 * usage: ash-conformance-c CASES.json   (ASH_CONFORMANCE_OPS: the ops helper) */
#define _GNU_SOURCE
#include <arrayshare.h>
#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- per-case state ------------------------------------------------------ */

enum kind { K_NONE, K_SEG, K_VIEW, K_LIST, K_VALUE, K_KERNEL, K_RING };

struct var {
  char name[64];
  enum kind kind;
  void *ptr;
  cJSON *value;
};

#define MAX_VARS 64
#define MAX_FILES 64

static struct var vars[MAX_VARS];
static int nvars;
static char files[MAX_FILES][512]; /* what the case's names and paths are */
static int nfiles;
static int case_no;
static int run_id; /* the runner's pid, fixed at start: children share names */
static char failure[2048];
static char tmpdir[256];

static void fail(const char *fmt, ...) {
  if (failure[0])
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(failure, sizeof failure, fmt, ap);
  va_end(ap);
}

/* Remembers a file of this case (removed when it ends). */
static void case_file(const char *path) {
  for (int i = 0; i < nfiles; i++)
    if (strcmp(files[i], path) == 0)
      return;
  if (nfiles < MAX_FILES)
    snprintf(files[nfiles++], sizeof files[0], "%s", path);
}

static struct var *find_var(const char *name) {
  for (int i = 0; i < nvars; i++)
    if (strcmp(vars[i].name, name) == 0)
      return &vars[i];
  return NULL;
}

static void release_var(struct var *v) {
  switch (v->kind) {
  case K_SEG:
    ash_segment_close(v->ptr);
    break;
  case K_VIEW:
    ash_view_release(v->ptr);
    break;
  case K_LIST:
    ash_list_free(v->ptr);
    break;
  case K_KERNEL:
    ash_kernel_close(v->ptr);
    break;
  case K_RING:
    ash_ring_close(v->ptr);
    break;
  default:
    break;
  }
  cJSON_Delete(v->value);
  memset(v, 0, sizeof *v);
}

static void end_case(void) {
  for (int i = nvars - 1; i >= 0; i--)
    release_var(&vars[i]);
  nvars = 0;
  for (int i = 0; i < nfiles; i++) /* foreign files too: remove directly */
    (void)unlink(files[i]);
  nfiles = 0;
}

/* ---- constants ------------------------------------------------------------ */

struct konst {
  const char *name;
  long long value;
};

static const struct konst konsts[] = {
#define K(x) {#x, (long long)(x)},
#define KE(suffix, value, msg) {"ASH_E_" #suffix, value},
    ASH_ERRNO_MAP(KE) K(ASH_OK) K(ASH_DTYPE_INVALID) K(ASH_BOOL) K(ASH_INT8)
        K(ASH_INT16) K(ASH_INT32) K(ASH_INT64) K(ASH_UINT8) K(ASH_UINT16)
            K(ASH_UINT32) K(ASH_UINT64) K(ASH_FLOAT16) K(ASH_FLOAT32)
                K(ASH_FLOAT64) K(ASH_COMPLEX64) K(ASH_COMPLEX128) K(ASH_PERSIST)
                    K(ASH_OR_OPEN) K(ASH_RDONLY) K(ASH_FILE) K(ASH_NOATTACH)
                        K(ASH_SLICE_STRICT) K(ASH_UNPUBLISHED) K(ASH_DRY_RUN) K(ASH_ANON)
                        K(ASH_POLICY_AUTO)
                            K(ASH_POLICY_PERSIST) K(ASH_VIEW_READONLY)
                                K(ASH_VIEW_C_CONTIGUOUS) K(ASH_VIEW_F_CONTIGUOUS)
                                    K(ASH_NONE) K(ASH_MAX_NDIM) K(ASH_NAME_MAX)
                                        K(ASH_ARRAY_NAME_MAX) K(ASH_VERSION_HEX)
                                            K(ASH_VERSION_MAJOR)
                                                K(ASH_VERSION_MINOR)
                                                    K(ASH_VERSION_PATCH)
                                                        K(ASH_FORMAT_MAJOR)
                                                            K(ASH_FORMAT_MINOR)
    K(ASH_KERNEL_PLAIN) K(ASH_KERNEL_MAP) K(ASH_KERNEL_LOOP)
    K(ASH_KERNEL_MAX_OPERANDS)
    K(ASH_KIND_INVALID) K(ASH_KIND_BOOL) K(ASH_KIND_INT) K(ASH_KIND_UINT)
    K(ASH_KIND_FLOAT) K(ASH_KIND_COMPLEX) K(ASH_DESC_GEN) K(ASH_DESC_NO_RO)
    K(ASH_FORMAT_COMMA) K(ASH_FORMAT_PLAIN) K(ASH_FORMAT_ONELINE)
    K(ASH_LOCK_FREE) K(ASH_LOCK_HELD) K(ASH_LOCK_OWNER_DEAD)
    K(ASH_LOCK_ABANDONED) K(ASH_LOCK_INCONSISTENT) K(ASH_LOCK_NOTRECOVERABLE)
    K(ASH_ATOMIC_LOAD) K(ASH_ATOMIC_STORE) K(ASH_ATOMIC_EXCHANGE)
    K(ASH_ATOMIC_CAS) K(ASH_ATOMIC_ADD) K(ASH_ATOMIC_SUB) K(ASH_ATOMIC_AND)
    K(ASH_ATOMIC_OR) K(ASH_ATOMIC_XOR) K(ASH_RING_BACKPRESSURE)
    K(ASH_RING_CONSUMER) K(ASH_RING_MAX_CONSUMERS)
#undef K
#undef KE
};

static bool konst(const char *name, long long *out) {
  for (size_t i = 0; i < sizeof konsts / sizeof konsts[0]; i++)
    if (strcmp(konsts[i].name, name) == 0) {
      *out = konsts[i].value;
      return true;
    }
  if (strcmp(name, "ASH_VERSION_STRING") == 0)
    return false;
  return false;
}

/* ---- resolving values (the forms of expand.py) ---------------------------- */

static cJSON *arg(cJSON *args, int i) {
  cJSON *a = cJSON_GetArrayItem(args, i);
  if (a == NULL)
    fail("argument %d is missing", i);
  return a;
}

static cJSON *obj_key(cJSON *a, const char *key) {
  return cJSON_IsObject(a) ? cJSON_GetObjectItemCaseSensitive(a, key) : NULL;
}

static char strbuf[8][16384];
static int strbuf_i;

/* A part of {"str": [...]}: a string, {"name"}, {"path"}, {"ref"}. */
static size_t str_part(cJSON *p, char *buf, size_t cap) {
  cJSON *k;
  char path[512];
  if (cJSON_IsString(p))
    return (size_t)snprintf(buf, cap, "%s", p->valuestring);
  if ((k = obj_key(p, "name"))) {
    snprintf(path, sizeof path, "/dev/shm/ash.cfc%d_%d_%s", run_id, case_no,
             k->valuestring);
    case_file(path);
    return (size_t)snprintf(buf, cap, "%s", path + strlen("/dev/shm/ash."));
  }
  if ((k = obj_key(p, "path"))) {
    snprintf(path, sizeof path, "%s/%d_%s", tmpdir, case_no, k->valuestring);
    case_file(path);
    return (size_t)snprintf(buf, cap, "%s", path);
  }
  struct var *v = (k = obj_key(p, "ref")) ? find_var(k->valuestring) : NULL;
  cJSON *val = v && v->kind == K_VALUE ? v->value : NULL;
  if (cJSON_IsNumber(val))
    return (size_t)snprintf(buf, cap, "%lld", (long long)val->valuedouble);
  if (cJSON_IsString(val))
    return (size_t)snprintf(buf, cap, "%s", val->valuestring);
  fail("not a string part: %s", cJSON_PrintUnformatted(p));
  return 0;
}

static const char *to_str(cJSON *a) {
  cJSON *k, *p;
  if (a == NULL || cJSON_IsNull(a))
    return NULL;
  if (cJSON_IsString(a))
    return a->valuestring;
  char *buf = strbuf[strbuf_i++ % 8];
  size_t n = 0;
  buf[0] = '\0';
  if ((k = obj_key(a, "str")) == NULL) { /* a saved string: {"ref": name} */
    str_part(a, buf, sizeof strbuf[0]);
    return buf;
  }
  cJSON_ArrayForEach(p, k) {
    n += str_part(p, buf + n, sizeof strbuf[0] - n);
    if (n >= sizeof strbuf[0] - 1)
      break;
  }
  return buf;
}

static double to_double(cJSON *a) {
  cJSON *k = obj_key(a, "float");
  if (cJSON_IsNumber(a))
    return a->valuedouble;
  if (k && strcmp(k->valuestring, "nan") == 0)
    return NAN;
  if (k)
    return k->valuestring[0] == '-' ? -INFINITY : INFINITY;
  fail("not a double: %s", cJSON_PrintUnformatted(a));
  return 0;
}

static long long to_int(cJSON *a) {
  cJSON *k, *e;
  long long v = 0, f = 0;
  if (cJSON_IsNumber(a)) /* cJSON keeps doubles: exact up to 2^53 */
    return (long long)a->valuedouble;
  if (cJSON_IsBool(a))
    return cJSON_IsTrue(a);
  if ((k = obj_key(a, "int"))) /* exact, as a decimal string */
    return k->valuestring[0] == '-'
               ? strtoll(k->valuestring, NULL, 10)
               : (long long)strtoull(k->valuestring, NULL, 10);
  if ((k = obj_key(a, "ref"))) { /* a saved number */
    struct var *saved = find_var(k->valuestring);
    if (saved && saved->kind == K_VALUE && cJSON_IsNumber(saved->value))
      return (long long)saved->value->valuedouble;
    fail("no saved number named %s", k->valuestring);
    return 0;
  }
  if ((k = obj_key(a, "const")) && cJSON_IsString(k)) {
    if (!konst(k->valuestring, &v))
      fail("unknown constant %s", k->valuestring);
    return v;
  }
  cJSON_ArrayForEach(e, k) { /* {"const": [names]}: the OR */
    if (!konst(e->valuestring, &v))
      fail("unknown constant %s", e->valuestring);
    f |= v;
  }
  if (k == NULL)
    fail("not an integer: %s", cJSON_PrintUnformatted(a));
  return f;
}

static unsigned long long to_uint(cJSON *a) {
  return (unsigned long long)to_int(a);
}

static int to_i64list(cJSON *a, int64_t *out, int max) {
  if (cJSON_IsNull(a))
    return -1;
  if (!cJSON_IsArray(a)) {
    fail("not a list: %s", cJSON_PrintUnformatted(a));
    return 0;
  }
  int n = 0;
  cJSON *e;
  cJSON_ArrayForEach(e, a) {
    if (n < max)
      out[n] = (int64_t)to_int(e);
    n++;
  }
  return n;
}

/* {"bytes": "hex"} into @buf; returns the byte count. */
static size_t to_bytes(cJSON *a, unsigned char *buf, size_t cap) {
  cJSON *k = obj_key(a, "bytes");
  if (k == NULL) {
    fail("not a bytes value: %s", cJSON_PrintUnformatted(a));
    return 0;
  }
  size_t n = strlen(k->valuestring) / 2;
  for (size_t i = 0; i < n && i < cap; i++)
    sscanf(k->valuestring + 2 * i, "%2hhx", &buf[i]);
  return n < cap ? n : cap;
}

static void *to_ref(cJSON *a, enum kind kind) {
  cJSON *k;
  if (cJSON_IsNull(a))
    return NULL;
  if ((k = obj_key(a, "ref"))) {
    struct var *v = find_var(k->valuestring);
    if (v && v->kind == kind)
      return v->ptr;
    fail("no saved %s named %s", kind == K_VIEW ? "view" : "handle",
         k->valuestring);
    return NULL;
  }
  fail("not a reference: %s", cJSON_PrintUnformatted(a));
  return NULL;
}

/* A list of saved views, or of saved... anything else fails. NULL for null. */
static int to_views(cJSON *a, ash_view **out, int max) {
  int n = 0;
  cJSON *e;
  if (cJSON_IsNull(a))
    return 0;
  cJSON_ArrayForEach(e, a) {
    if (n < max)
      out[n] = to_ref(e, K_VIEW);
    n++;
  }
  return n;
}

#define VIEW(i) ((ash_view *)to_ref(arg(args, i), K_VIEW))
#define KERNEL(i) ((ash_kernel *)to_ref(arg(args, i), K_KERNEL))
#define SEG(i) ((ash_segment *)to_ref(arg(args, i), K_SEG))
#define LIST(i) ((ash_list *)to_ref(arg(args, i), K_LIST))
#define RING(i) ((ash_ring *)to_ref(arg(args, i), K_RING))
#define STR(i) to_str(arg(args, i))
#define INT(i) to_int(arg(args, i))
#define DBL(i) to_double(arg(args, i))

/* ---- results --------------------------------------------------------------- */

static cJSON *num(double d) {
  if (isnan(d))
    return cJSON_CreateString("nan");
  if (isinf(d))
    return cJSON_CreateString(d > 0 ? "inf" : "-inf");
  return cJSON_CreateNumber(d);
}

static cJSON *hexbytes(const unsigned char *b, size_t n) {
  char *s = malloc(2 * n + 1);
  for (size_t i = 0; i < n; i++)
    sprintf(s + 2 * i, "%02x", b[i]);
  s[2 * n] = '\0';
  cJSON *r = cJSON_CreateString(s);
  free(s);
  return r;
}

static cJSON *i64list(const int64_t *v, int n) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; i < n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
  return a;
}

/* A call's outcome: status, plus a result value or a handle. */
struct outcome {
  int status;
  cJSON *value;
  enum kind kind;
  void *handle;
};

#define HANDLE(k, p) (o->kind = (k), o->handle = (p))

/* ---- dispatch ------------------------------------------------------------------ */

/* A [hex bytes, number] pair, as the bindings return a copy and its
 * version or sequence number. */
static cJSON *bytes_and(const unsigned char *b, size_t n, int64_t x) {
  cJSON *a = cJSON_CreateArray();
  cJSON_AddItemToArray(a, hexbytes(b, n));
  cJSON_AddItemToArray(a, cJSON_CreateNumber((double)x));
  return a;
}

static cJSON *pair(double a, double b) {
  cJSON *p = cJSON_CreateArray();
  cJSON_AddItemToArray(p, cJSON_CreateNumber(a));
  cJSON_AddItemToArray(p, cJSON_CreateNumber(b));
  return p;
}

/* An integer, exact: beyond 2^53 as a decimal string. */
static cJSON *exact_u64(uint64_t x) {
  char b[32];
  snprintf(b, sizeof b, "%llu", (unsigned long long)x);
  return x > (1ULL << 53) ? cJSON_CreateString(b)
                          : cJSON_CreateNumber((double)x);
}

/* The coordination functions (locks, versions, waits, atomics, rings). */
static bool coordination(const char *fn, cJSON *args, struct outcome *o) {
  int64_t l1[64], l2[64];
  int n, m, st = 0, idx = 0;
  int64_t x = 0, pid = 0;
#define IS(name) (strcmp(fn, #name) == 0)
  if (IS(ash_view_lock)) {
    o->status = ash_view_lock(VIEW(0), DBL(1));
  } else if (IS(ash_view_trylock)) {
    o->status = ash_view_trylock(VIEW(0));
  } else if (IS(ash_view_unlock)) {
    o->status = ash_view_unlock(VIEW(0));
  } else if (IS(ash_view_consistent)) {
    o->status = ash_view_consistent(VIEW(0));
  } else if (IS(ash_view_lock_state) || IS(ash_segment_lock_state)) {
    o->status = IS(ash_view_lock_state) ? ash_view_lock_state(VIEW(0), &st, &pid)
                                        : ash_segment_lock_state(SEG(0), &st, &pid);
    o->value = pair(st, (double)pid);
  } else if (IS(ash_lock_state_name)) {
    const char *nm = ash_lock_state_name((int)INT(0));
    o->value = nm ? cJSON_CreateString(nm) : cJSON_CreateNull();
  } else if (IS(ash_segment_lock)) {
    o->status = ash_segment_lock(SEG(0), DBL(1));
  } else if (IS(ash_segment_trylock)) {
    o->status = ash_segment_trylock(SEG(0));
  } else if (IS(ash_segment_unlock)) {
    o->status = ash_segment_unlock(SEG(0));
  } else if (IS(ash_segment_consistent)) {
    o->status = ash_segment_consistent(SEG(0));
  } else if (IS(ash_segment_retain)) {
    ash_segment *s = ash_segment_retain(SEG(0));
    HANDLE(K_SEG, s);
  } else if (IS(ash_view_version)) {
    o->status = ash_view_version(VIEW(0), &x);
    o->value = cJSON_CreateNumber((double)x);
  } else if (IS(ash_view_write_begin)) {
    o->status = ash_view_write_begin(VIEW(0), DBL(1));
  } else if (IS(ash_view_write_end)) {
    o->status = ash_view_write_end(VIEW(0));
  } else if (IS(ash_view_read_snapshot) || IS(ash_ring_read)) {
    uint64_t nb = to_uint(arg(args, 1));
    unsigned char *buf = malloc(nb ? nb : 1);
    o->status = IS(ash_ring_read)
                    ? ash_ring_read(RING(0), buf, nb, DBL(2), &x)
                    : ash_view_read_snapshot(VIEW(0), buf, nb, DBL(2), &x);
    o->value = bytes_and(buf, o->status ? 0 : nb, x);
    free(buf);
  } else if (IS(ash_view_wait_change)) {
    o->status = ash_view_wait_change(VIEW(0), INT(1), DBL(2), &x);
    o->value = cJSON_CreateNumber((double)x);
  } else if (IS(ash_view_wait_any)) {
    ash_view *views[128];
    n = to_views(arg(args, 0), views, 128);
    m = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_wait_any(n, views, m < 0 ? 0 : m, l1, DBL(2), &idx);
    o->value = cJSON_CreateNumber(idx);
  } else if (IS(ash_view_notify)) {
    o->status = ash_view_notify(VIEW(0), (int)INT(1), &idx);
    o->value = cJSON_CreateNumber(idx);
  } else if (IS(ash_view_atomic_i64)) {
    n = to_i64list(arg(args, 2), l1, 64);
    o->status = ash_view_atomic_i64(VIEW(0), (int)INT(1), n, l1, INT(3),
                                    INT(4), &x);
    o->value = cJSON_CreateNumber((double)x);
  } else if (IS(ash_view_atomic_u64)) {
    uint64_t u = 0;
    n = to_i64list(arg(args, 2), l1, 64);
    o->status = ash_view_atomic_u64(VIEW(0), (int)INT(1), n, l1,
                                    to_uint(arg(args, 3)),
                                    to_uint(arg(args, 4)), &u);
    o->value = exact_u64(u);
  } else if (IS(ash_view_atomic_vec)) {
    n = to_i64list(arg(args, 2), l1, 64);
    m = to_i64list(arg(args, 3), l2, 64);
    int64_t olds[64];
    o->status = ash_view_atomic_vec(VIEW(0), (int)INT(1), n, l1, m, l2, olds);
    o->value = i64list(olds, o->status ? 0 : n);
  } else if (IS(ash_ring_arena_bytes)) {
    uint64_t total = to_uint(arg(args, 3));
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_ring_arena_bytes((int)INT(0), n, l1, INT(2), &total);
    o->value = cJSON_CreateNumber((double)total);
  } else if (IS(ash_ring_create)) {
    ash_ring *r = NULL;
    n = to_i64list(arg(args, 3), l1, 64);
    o->status = ash_ring_create(SEG(0), STR(1), (int)INT(2), n, l1, INT(4),
                                (unsigned)INT(5), &r);
    HANDLE(K_RING, r);
  } else if (IS(ash_ring_attach)) {
    ash_ring *r = NULL;
    o->status = ash_ring_attach(STR(0), (unsigned)INT(1), &r);
    HANDLE(K_RING, r);
  } else if (IS(ash_ring_retain)) {
    ash_ring *r = ash_ring_retain(RING(0));
    HANDLE(K_RING, r);
  } else if (IS(ash_ring_close)) {
    struct var *v = find_var(obj_key(arg(args, 0), "ref")->valuestring);
    if (v) {
      ash_ring_close(v->ptr);
      v->kind = K_NONE;
    }
  } else if (IS(ash_ring_write_begin) || IS(ash_ring_read_begin)) {
    ash_view *v = NULL;
    o->status = IS(ash_ring_write_begin)
                    ? ash_ring_write_begin(RING(0), DBL(1), &v)
                    : ash_ring_read_begin(RING(0), DBL(1), &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_ring_write_end)) {
    o->status = ash_ring_write_end(RING(0));
  } else if (IS(ash_ring_read_end)) {
    o->status = ash_ring_read_end(RING(0));
  } else if (IS(ash_ring_write)) {
    static unsigned char buf[1 << 16];
    size_t nb = to_bytes(arg(args, 1), buf, sizeof buf);
    o->status = ash_ring_write(RING(0), buf, nb, DBL(2));
  } else if (IS(ash_ring_nslots) || IS(ash_ring_head) ||
             IS(ash_ring_cursor) || IS(ash_ring_missed)) {
    ash_ring *r = RING(0);
    x = IS(ash_ring_nslots)  ? ash_ring_nslots(r)
        : IS(ash_ring_head)  ? ash_ring_head(r)
        : IS(ash_ring_cursor) ? ash_ring_cursor(r)
                             : ash_ring_missed(r);
    o->value = cJSON_CreateNumber((double)x);
  } else if (IS(ash_ring_slot_nbytes)) {
    o->value = cJSON_CreateNumber((double)ash_ring_slot_nbytes(RING(0)));
  } else if (IS(ash_ring_consumers)) {
    o->value = cJSON_CreateNumber(ash_ring_consumers(RING(0)));
  } else if (IS(ash_ring_view)) {
    ash_view *v = NULL;
    o->status = ash_ring_view(RING(0), &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_ring_producer)) {
    o->status = ash_ring_producer(RING(0), &pid, &st);
    o->value = pair((double)pid, st);
  } else if (IS(ash_ring_consumer_list)) {
    ash_list *l = NULL;
    o->status = ash_ring_consumer_list(RING(0), &l);
    HANDLE(K_LIST, l);
  } else {
    return false;
  }
#undef IS
  return true;
}

static bool call(const char *fn, cJSON *args, struct outcome *o) {
  int64_t l1[64], l2[64];
  int n;
  memset(o, 0, sizeof *o);
#define IS(name) (strcmp(fn, #name) == 0)
  if (IS(ash_version)) {
    o->value = cJSON_CreateNumber(ash_version());
  } else if (IS(ash_version_string)) {
    o->value = cJSON_CreateString(ash_version_string());
  } else if (IS(ash_strerror)) {
    o->value = cJSON_CreateString(ash_strerror((int)INT(0)));
  } else if (IS(ash_err_name)) {
    o->value = cJSON_CreateString(ash_err_name((int)INT(0)));
  } else if (IS(ash_last_error)) {
    o->value = cJSON_CreateString(ash_last_error());
  } else if (IS(ash_last_error_code)) {
    o->value = cJSON_CreateNumber(ash_last_error_code());
  } else if (IS(ash_name_check)) {
    o->status = ash_name_check(STR(0), (int)INT(1));
  } else if (IS(ash_dtype_parse)) {
    int d = 0;
    o->status = ash_dtype_parse(STR(0), &d);
    o->value = cJSON_CreateNumber(d);
  } else if (IS(ash_dtype_name) || IS(ash_dtype_format) || IS(ash_dtype_str)) {
    int d = (int)INT(0);
    const char *s = IS(ash_dtype_name)     ? ash_dtype_name(d)
                    : IS(ash_dtype_format) ? ash_dtype_format(d)
                                           : ash_dtype_str(d);
    o->value = s ? cJSON_CreateString(s) : cJSON_CreateNull();
  } else if (IS(ash_dtype_kind)) {
    o->value = cJSON_CreateNumber(ash_dtype_kind((int)INT(0)));
  } else if (IS(ash_dtype_itemsize)) {
    o->value = cJSON_CreateNumber((double)ash_dtype_itemsize((int)INT(0)));
  } else if (IS(ash_segment_create)) {
    ash_segment *s = NULL;
    o->status = ash_segment_create(STR(0), to_uint(arg(args, 1)),
                                   (uint32_t)INT(2), (unsigned)INT(3),
                                   (unsigned)INT(4), &s);
    HANDLE(K_SEG, s);
  } else if (IS(ash_segment_create_ex)) {
    ash_segment *s = NULL;
    o->status = ash_segment_create_ex(STR(0), to_uint(arg(args, 1)),
                                      (uint32_t)INT(2), (uint32_t)INT(3),
                                      (unsigned)INT(4), (unsigned)INT(5), &s);
    HANDLE(K_SEG, s);
  } else if (IS(ash_segment_open_fd)) {
    ash_segment *s = NULL;
    o->status = ash_segment_open_fd((int)INT(0), (unsigned)INT(1), &s);
    HANDLE(K_SEG, s);
  } else if (IS(ash_segment_fd)) {
    cJSON *a0 = arg(args, 0);
    o->value = cJSON_CreateNumber(
        ash_segment_fd(cJSON_IsNull(a0) ? NULL : SEG(0)));
  } else if (IS(ash_segment_seal)) {
    o->status = ash_segment_seal(SEG(0));
  } else if (IS(ash_segment_publish)) {
    o->status = ash_segment_publish(SEG(0));
  } else if (IS(ash_segment_attacher_list)) {
    ash_list *l = NULL;
    o->status = ash_segment_attacher_list(SEG(0), &l);
    HANDLE(K_LIST, l);
  } else if (IS(ash_arena_bytes_for)) {
    uint64_t total = to_uint(arg(args, 2));
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_arena_bytes_for((int)INT(0), n < 0 ? 0 : n,
                                    n < 0 ? NULL : l1, &total);
    o->value = cJSON_CreateNumber((double)total);
  } else if (IS(ash_segment_open)) {
    ash_segment *s = NULL;
    o->status = ash_segment_open(STR(0), (unsigned)INT(1), &s);
    HANDLE(K_SEG, s);
  } else if (IS(ash_segment_close)) {
    struct var *v = find_var(obj_key(arg(args, 0), "ref")->valuestring);
    if (v) {
      ash_segment_close(v->ptr);
      v->kind = K_NONE;
    }
  } else if (IS(ash_unlink)) {
    o->status = ash_unlink(STR(0), (unsigned)INT(1));
  } else if (IS(ash_segment_unlink)) {
    o->status = ash_segment_unlink(SEG(0));
  } else if (IS(ash_segment_name)) {
    const char *s = ash_segment_name(SEG(0));
    o->value = s ? cJSON_CreateString(s) : cJSON_CreateNull();
  } else if (IS(ash_segment_size)) {
    o->value = cJSON_CreateNumber((double)ash_segment_size(SEG(0)));
  } else if (IS(ash_segment_arena_free)) {
    o->value = cJSON_CreateNumber((double)ash_segment_arena_free(SEG(0)));
  } else if (IS(ash_segment_policy)) {
    o->value = cJSON_CreateNumber(ash_segment_policy(SEG(0)));
  } else if (IS(ash_segment_readonly)) {
    o->value = cJSON_CreateNumber(ash_segment_readonly(SEG(0)));
  } else if (IS(ash_segment_creator_pid)) {
    o->value = cJSON_CreateNumber((double)ash_segment_creator_pid(SEG(0)));
  } else if (IS(ash_segment_ctime)) { /* ns: beyond 2^53, kept exact */
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)ash_segment_ctime(SEG(0)));
    o->value = cJSON_CreateString(b);
  } else if (IS(ash_segment_format_minor)) {
    o->value = cJSON_CreateNumber(ash_segment_format_minor(SEG(0)));
  } else if (IS(ash_segment_attachers)) {
    int alive = 0, dead = 0;
    o->status = ash_segment_attachers(SEG(0), &alive, &dead);
    o->value = cJSON_CreateArray();
    cJSON_AddItemToArray(o->value, cJSON_CreateNumber(alive));
    cJSON_AddItemToArray(o->value, cJSON_CreateNumber(dead));
  } else if (IS(ash_segment_attacher)) {
    int64_t pid = 0;
    int alive = 0;
    o->status = ash_segment_attacher(SEG(0), (int)INT(1), &pid, &alive);
    o->value = cJSON_CreateArray();
    cJSON_AddItemToArray(o->value, cJSON_CreateNumber((double)pid));
    cJSON_AddItemToArray(o->value, cJSON_CreateNumber(alive));
  } else if (IS(ash_segment_array_count)) {
    o->value = cJSON_CreateNumber(ash_segment_array_count(SEG(0)));
  } else if (IS(ash_segment_array_name)) {
    const char *s = ash_segment_array_name(SEG(0), (int)INT(1));
    o->value = s ? cJSON_CreateString(s) : cJSON_CreateNull();
  } else if (IS(ash_segment_add_array)) {
    ash_view *v = NULL;
    n = to_i64list(arg(args, 3), l1, 64);
    o->status = ash_segment_add_array(SEG(0), STR(1), (int)INT(2), n < 0 ? 0 : n,
                                      n < 0 ? NULL : l1, &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_segment_view)) {
    ash_view *v = NULL;
    o->status = ash_segment_view(SEG(0), STR(1), &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_create)) {
    ash_view *v = NULL;
    n = to_i64list(arg(args, 2), l1, 64);
    o->status = ash_create(STR(0), (int)INT(1), n < 0 ? 0 : n, n < 0 ? NULL : l1,
                           (unsigned)INT(3), (unsigned)INT(4), &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_attach) || IS(ash_view_from_descriptor)) {
    ash_view *v = NULL;
    o->status = IS(ash_attach)
                    ? ash_attach(STR(0), (unsigned)INT(1), &v)
                    : ash_view_from_descriptor(STR(0), (unsigned)INT(1), &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_view_retain)) {
    ash_view *v = ash_view_retain(VIEW(0));
    HANDLE(K_VIEW, v);
  } else if (IS(ash_view_release)) {
    struct var *v = find_var(obj_key(arg(args, 0), "ref")->valuestring);
    if (v) {
      ash_view_release(v->ptr);
      v->kind = K_NONE;
    }
  } else if (IS(ash_view_dtype)) {
    o->value = cJSON_CreateNumber(ash_view_dtype(VIEW(0)));
  } else if (IS(ash_view_ndim)) {
    o->value = cJSON_CreateNumber(ash_view_ndim(VIEW(0)));
  } else if (IS(ash_view_shape) || IS(ash_view_strides)) {
    ash_view *v = VIEW(0);
    o->value = i64list(IS(ash_view_shape) ? ash_view_shape(v) : ash_view_strides(v),
                       ash_view_ndim(v));
  } else if (IS(ash_view_dim)) {
    o->value = cJSON_CreateNumber((double)ash_view_dim(VIEW(0), (int)INT(1)));
  } else if (IS(ash_view_stride)) {
    o->value = cJSON_CreateNumber((double)ash_view_stride(VIEW(0), (int)INT(1)));
  } else if (IS(ash_view_size)) {
    o->value = cJSON_CreateNumber((double)ash_view_size(VIEW(0)));
  } else if (IS(ash_view_itemsize)) {
    o->value = cJSON_CreateNumber((double)ash_view_itemsize(VIEW(0)));
  } else if (IS(ash_view_nbytes)) {
    o->value = cJSON_CreateNumber((double)ash_view_nbytes(VIEW(0)));
  } else if (IS(ash_view_data)) {
    /* the address, as the bindings give it (below 2^53: exact in JSON) */
    o->value = cJSON_CreateNumber((double)(uintptr_t)ash_view_data(VIEW(0)));
  } else if (IS(ash_view_offset)) {
    o->value = cJSON_CreateNumber((double)ash_view_offset(VIEW(0)));
  } else if (IS(ash_view_flags)) {
    o->value = cJSON_CreateNumber(ash_view_flags(VIEW(0)));
  } else if (IS(ash_view_array_name)) {
    o->value = cJSON_CreateString(ash_view_array_name(VIEW(0)));
  } else if (IS(ash_view_segment_name)) {
    o->value = cJSON_CreateString(ash_view_segment_name(VIEW(0)));
  } else if (IS(ash_view_segment)) {
    ash_segment *s = NULL;
    o->status = ash_view_segment(VIEW(0), &s);
    HANDLE(K_SEG, s);
  } else if (IS(ash_view_slice)) {
    ash_view *v = NULL;
    o->status = ash_view_slice(VIEW(0), (int)INT(1), INT(2), INT(3), INT(4),
                               (unsigned)INT(5), &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_view_index)) {
    ash_view *v = NULL;
    o->status = ash_view_index(VIEW(0), (int)INT(1), INT(2), &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_view_permute)) {
    ash_view *v = NULL;
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_permute(VIEW(0), n < 0 ? 0 : n, n < 0 ? NULL : l1, &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_view_transpose)) {
    ash_view *v = NULL;
    o->status = ash_view_transpose(VIEW(0), &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_view_reshape)) {
    ash_view *v = NULL;
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_reshape(VIEW(0), n < 0 ? 0 : n, n < 0 ? NULL : l1, &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_view_reinterpret)) {
    ash_view *v = NULL;
    o->status = ash_view_reinterpret(VIEW(0), (int)INT(1), &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_view_readonly)) {
    ash_view *v = NULL;
    o->status = ash_view_readonly(VIEW(0), &v);
    HANDLE(K_VIEW, v);
  } else if (IS(ash_view_get_f64)) {
    double d = 0;
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_get_f64(VIEW(0), n, l1, &d);
    o->value = num(d);
  } else if (IS(ash_view_get_i64)) {
    int64_t x = 0;
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_get_i64(VIEW(0), n, l1, &x);
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)x);
    o->value = (x > (1LL << 53) || x < -(1LL << 53)) ? cJSON_CreateString(b)
                                                      : cJSON_CreateNumber((double)x);
  } else if (IS(ash_view_get_u64)) {
    uint64_t x = 0;
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_get_u64(VIEW(0), n, l1, &x);
    char b[32];
    snprintf(b, sizeof b, "%llu", (unsigned long long)x);
    o->value = x > (1ULL << 53) ? cJSON_CreateString(b)
                                : cJSON_CreateNumber((double)x);
  } else if (IS(ash_view_get_c128)) {
    double re = 0, im = 0;
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_get_c128(VIEW(0), n, l1, &re, &im);
    o->value = cJSON_CreateArray();
    cJSON_AddItemToArray(o->value, num(re));
    cJSON_AddItemToArray(o->value, num(im));
  } else if (IS(ash_view_set_f64)) {
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_set_f64(VIEW(0), n, l1, DBL(2));
  } else if (IS(ash_view_set_i64)) {
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_set_i64(VIEW(0), n, l1, INT(2));
  } else if (IS(ash_view_set_u64)) {
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_set_u64(VIEW(0), n, l1, to_uint(arg(args, 2)));
  } else if (IS(ash_view_set_c128)) {
    n = to_i64list(arg(args, 1), l1, 64);
    o->status = ash_view_set_c128(VIEW(0), n, l1, DBL(2), DBL(3));
  } else if (IS(ash_view_read)) {
    uint64_t nb = to_uint(arg(args, 1));
    unsigned char *buf = malloc(nb ? nb : 1);
    o->status = ash_view_read(VIEW(0), buf, nb);
    o->value = hexbytes(buf, o->status ? 0 : nb);
    free(buf);
  } else if (IS(ash_view_write)) {
    static unsigned char buf[1 << 16];
    size_t nb = to_bytes(arg(args, 1), buf, sizeof buf);
    o->status = ash_view_write(VIEW(0), buf, nb);
  } else if (IS(ash_view_copy)) {
    o->status = ash_view_copy(VIEW(0), VIEW(1));
  } else if (IS(ash_view_fill_f64)) {
    o->status = ash_view_fill_f64(VIEW(0), DBL(1));
  } else if (IS(ash_view_fill_i64)) {
    o->status = ash_view_fill_i64(VIEW(0), INT(1));
  } else if (IS(ash_view_fill_u64)) {
    o->status = ash_view_fill_u64(VIEW(0), to_uint(arg(args, 1)));
  } else if (IS(ash_view_fill_c128)) {
    o->status = ash_view_fill_c128(VIEW(0), DBL(1), DBL(2));
  } else if (IS(ash_view_descriptor) || IS(ash_view_descriptor_ex)) {
    const char *s = IS(ash_view_descriptor)
                        ? ash_view_descriptor(VIEW(0))
                        : ash_view_descriptor_ex(VIEW(0), (unsigned)INT(1));
    o->value = s ? cJSON_CreateString(s) : cJSON_CreateNull();
  } else if (IS(ash_view_format)) { /* the bindings return the text */
    size_t need = 0;
    const ash_view *v = VIEW(0);
    unsigned fl = (unsigned)INT(1);
    long long th = INT(2), edge = INT(3), width = INT(4), indent = INT(5);
    o->status = ash_view_format(v, fl, th, (int)edge, (int)width, (int)indent,
                                NULL, 0, &need);
    char *text = o->status ? NULL : malloc(need + 1);
    if (text)
      o->status = ash_view_format(v, fl, th, (int)edge, (int)width,
                                  (int)indent, text, need + 1, &need);
    o->value = text ? cJSON_CreateString(text) : cJSON_CreateNull();
    free(text);
  } else if (IS(ash_list_segments)) {
    ash_list *l = NULL;
    o->status = ash_list_segments(&l);
    HANDLE(K_LIST, l);
  } else if (IS(ash_list_count)) {
    o->value = cJSON_CreateNumber(ash_list_count(LIST(0)));
  } else if (IS(ash_list_name)) {
    const char *s = ash_list_name(LIST(0), (int)INT(1));
    o->value = s ? cJSON_CreateString(s) : cJSON_CreateNull();
  } else if (IS(ash_list_free)) {
    struct var *v = find_var(obj_key(arg(args, 0), "ref")->valuestring);
    if (v) {
      ash_list_free(v->ptr);
      v->kind = K_NONE;
    }
  } else if (IS(ash_list_value)) {
    o->value = cJSON_CreateNumber((double)ash_list_value(LIST(0), (int)INT(1)));
  } else if (IS(ash_list_flag)) {
    o->value = cJSON_CreateNumber(ash_list_flag(LIST(0), (int)INT(1)));
  } else if (IS(ash_gc_match)) {
    ash_list *l = NULL;
    cJSON *g = arg(args, 0);
    o->status = ash_gc_match(cJSON_IsNull(g) ? NULL : STR(0), (unsigned)INT(1), &l);
    HANDLE(K_LIST, l);
  } else if (IS(ash_cache_clear)) {
    o->status = ash_cache_clear();
  } else if (IS(ash_kernel_open) || IS(ash_kernel_from_address)) {
    ash_kernel *k = NULL;
    o->status = IS(ash_kernel_open)
                    ? ash_kernel_open(STR(0), STR(1), STR(2), &k)
                    : ash_kernel_from_address(to_uint(arg(args, 0)), STR(1),
                                              STR(2), &k);
    HANDLE(K_KERNEL, k);
  } else if (IS(ash_kernel_retain)) {
    ash_kernel *k = ash_kernel_retain(KERNEL(0));
    HANDLE(K_KERNEL, k);
  } else if (IS(ash_kernel_close)) {
    struct var *v = find_var(obj_key(arg(args, 0), "ref")->valuestring);
    if (v) {
      ash_kernel_close(v->ptr);
      v->kind = K_NONE;
    }
  } else if (IS(ash_kernel_kind)) {
    o->value = cJSON_CreateNumber(ash_kernel_kind(KERNEL(0)));
  } else if (IS(ash_kernel_signature)) {
    const char *s = ash_kernel_signature(KERNEL(0));
    o->value = s ? cJSON_CreateString(s) : cJSON_CreateNull();
  } else if (IS(ash_kernel_nviews) || IS(ash_kernel_nscalars)) {
    ash_kernel *k = KERNEL(0);
    o->value = cJSON_CreateNumber(IS(ash_kernel_nviews) ? ash_kernel_nviews(k)
                                                       : ash_kernel_nscalars(k));
  } else if (IS(ash_kernel_view_name) || IS(ash_kernel_scalar_name)) {
    ash_kernel *k = KERNEL(0);
    const char *s = IS(ash_kernel_view_name)
                        ? ash_kernel_view_name(k, (int)INT(1))
                        : ash_kernel_scalar_name(k, (int)INT(1));
    o->value = s ? cJSON_CreateString(s) : cJSON_CreateNull();
  } else if (IS(ash_kernel_result_dtype)) {
    o->value = cJSON_CreateNumber(ash_kernel_result_dtype(KERNEL(0)));
  } else if (IS(ash_kernel_view_writes)) {
    o->value = cJSON_CreateNumber(ash_kernel_view_writes(KERNEL(0), (int)INT(1)));
  } else if (IS(ash_kernel_call)) {
    ash_view *views[ASH_KERNEL_MAX_OPERANDS];
    double scalars[ASH_KERNEL_MAX_OPERANDS], out = -1;
    int nv = to_views(arg(args, 1), views, ASH_KERNEL_MAX_OPERANDS), ns = 0;
    cJSON *e, *sl = arg(args, 2);
    if (!cJSON_IsNull(sl))
      cJSON_ArrayForEach(e, sl) {
        if (ns < ASH_KERNEL_MAX_OPERANDS)
          scalars[ns] = to_double(e);
        ns++;
      }
    o->status = ash_kernel_call(KERNEL(0), nv,
                                nv > ASH_KERNEL_MAX_OPERANDS ? NULL : views, ns,
                                ns > ASH_KERNEL_MAX_OPERANDS ? NULL : scalars,
                                (int)INT(3), &out);
    o->value = num(out);
  } else if (IS(ash_kernel_max_threads)) {
    int threads = 0;
    o->status = ash_kernel_max_threads(&threads);
    o->value = cJSON_CreateNumber(threads);
  } else if (coordination(fn, args, o)) {
  } else if (IS(ash_gc)) {
    int reaped = 0;
    o->status = ash_gc(&reaped);
    o->value = cJSON_CreateNumber(reaped);
  } else {
    return false;
  }
#undef IS
  (void)l2;
  return true;
}

/* ---- runner operations ------------------------------------------------------------ */

/* list_has here; the others by the ops helper, as in every runner. */
static bool op(const char *name, cJSON *args, struct outcome *o) {
  memset(o, 0, sizeof *o);
  if (strcmp(name, "list_has") == 0) {
    ash_list *l = LIST(0);
    const char *want = STR(1);
    bool has = false;
    for (int i = 0; l && want && i < ash_list_count(l); i++)
      has = has || strcmp(ash_list_name(l, i), want) == 0;
    o->value = cJSON_CreateBool(has);
    return true;
  }
  if (strcmp(name, "symbol_address") == 0) { /* an address in this process */
    void *h = dlopen(STR(0), RTLD_NOW);
    void *sym = h ? dlsym(h, STR(1)) : NULL;
    if (sym == NULL)
      fail("symbol_address: %s", dlerror());
    o->value = cJSON_CreateNumber((double)(uintptr_t)sym); /* < 2^53 */
    /* h stays open: the kernel made from the address uses it */
    return true;
  }
  char cmd[8192], out[256];
  size_t n = (size_t)snprintf(cmd, sizeof cmd, "'%s' %s",
                              getenv("ASH_CONFORMANCE_OPS"), name);
  cJSON *a, *k;
  cJSON_ArrayForEach(a, args) {
    if ((k = obj_key(a, "bytes")))
      n += (size_t)snprintf(cmd + n, sizeof cmd - n, " %s", k->valuestring);
    else if (cJSON_IsNumber(a))
      n += (size_t)snprintf(cmd + n, sizeof cmd - n, " %lld", to_int(a));
    else
      n += (size_t)snprintf(cmd + n, sizeof cmd - n, " '%s'", to_str(a));
  }
  FILE *p = popen(cmd, "r");
  size_t got = p ? fread(out, 1, sizeof out - 1, p) : 0;
  out[got] = '\0';
  if (p == NULL || pclose(p) != 0)
    fail("%s failed: %s", name, out);
  else if (got > 0)
    o->value = cJSON_Parse(out);
  return true;
}

/* ---- matching --------------------------------------------------------------------- */

static bool match(cJSON *exp, cJSON *act) {
  cJSON *k;
  if (exp == NULL || act == NULL)
    return exp == act;
  if ((k = obj_key(exp, "min"))) /* exact integers may come as strings */
    return (cJSON_IsNumber(act) && act->valuedouble >= k->valuedouble) ||
           (cJSON_IsString(act) && strtod(act->valuestring, NULL) >= k->valuedouble);
  if ((k = obj_key(exp, "nonnull")))
    return cJSON_IsTrue(act) || (cJSON_IsNumber(act) && act->valuedouble != 0);
  if ((k = obj_key(exp, "ref"))) { /* equal to a saved value */
    struct var *sv = find_var(k->valuestring);
    return sv && sv->kind == K_VALUE && cJSON_Compare(sv->value, act, true);
  }
  if ((k = obj_key(exp, "prefix")))
    return cJSON_IsString(act) &&
           strncmp(act->valuestring, k->valuestring, strlen(k->valuestring)) == 0;
  if ((k = obj_key(exp, "contains")))
    return cJSON_IsString(act) && strstr(act->valuestring, k->valuestring);
  if ((k = obj_key(exp, "bytes")))
    return cJSON_IsString(act) && strcmp(act->valuestring, k->valuestring) == 0;
  if ((k = obj_key(exp, "int"))) {
    if (cJSON_IsString(act))
      return strcmp(act->valuestring, k->valuestring) == 0;
    return cJSON_IsNumber(act) && act->valuedouble == strtod(k->valuestring, NULL);
  }
  if (obj_key(exp, "str"))
    return cJSON_IsString(act) && strcmp(act->valuestring, to_str(exp)) == 0;
  if (obj_key(exp, "const"))
    return cJSON_IsNumber(act) && act->valuedouble == (double)to_int(exp);
  if (cJSON_IsBool(exp))
    return (cJSON_IsBool(act) && cJSON_IsTrue(exp) == cJSON_IsTrue(act)) ||
           (cJSON_IsNumber(act) && act->valuedouble == (cJSON_IsTrue(exp) ? 1 : 0));
  if (cJSON_IsNumber(exp))
    return (cJSON_IsNumber(act) && act->valuedouble == exp->valuedouble) ||
           (cJSON_IsBool(act) && exp->valuedouble == (cJSON_IsTrue(act) ? 1 : 0));
  if (cJSON_IsString(exp))
    return cJSON_IsString(act) && strcmp(exp->valuestring, act->valuestring) == 0;
  if (cJSON_IsNull(exp))
    return cJSON_IsNull(act);
  if (cJSON_IsArray(exp)) {
    if (!cJSON_IsArray(act) ||
        cJSON_GetArraySize(exp) != cJSON_GetArraySize(act))
      return false;
    for (int i = 0; i < cJSON_GetArraySize(exp); i++)
      if (!match(cJSON_GetArrayItem(exp, i), cJSON_GetArrayItem(act, i)))
        return false;
    return true;
  }
  return false;
}

/* ---- running ------------------------------------------------------------------------ */

static void run_step(cJSON *step, int index) {
  cJSON *fn = cJSON_GetObjectItem(step, "call");
  cJSON *opn = cJSON_GetObjectItem(step, "op");
  cJSON *args = cJSON_GetObjectItem(step, "args");
  cJSON *expect = cJSON_GetObjectItem(step, "expect");
  cJSON *error = cJSON_GetObjectItem(step, "error");
  cJSON *save = cJSON_GetObjectItem(step, "save");
  cJSON *empty = NULL;
  if (args == NULL)
    args = empty = cJSON_CreateArray();
  struct outcome o;
  const char *what = fn ? fn->valuestring : opn ? opn->valuestring : "?";
  bool known = fn ? call(fn->valuestring, args, &o)
                  : opn ? op(opn->valuestring, args, &o) : false;
  cJSON_Delete(empty);
  if (!known) {
    fail("step %d: unknown %s \"%s\"", index, fn ? "function" : "op", what);
    return;
  }
  if (failure[0]) {
    char tmp[2048];
    snprintf(tmp, sizeof tmp, "%s", failure);
    failure[0] = '\0';
    fail("step %d (%s): %s", index, what, tmp);
    goto out;
  }
  if (error) {
    if (o.status == 0)
      fail("step %d (%s): expected error %s, got success", index, what,
           error->valuestring);
    else if (strcmp(ash_err_name(o.status), error->valuestring) != 0)
      fail("step %d (%s): expected error %s, got %s (%s)", index, what,
           error->valuestring, ash_err_name(o.status), ash_last_error());
    goto out;
  }
  if (o.status != 0) {
    fail("step %d (%s): unexpected error %s: %s", index, what,
         ash_err_name(o.status), ash_last_error());
    goto out;
  }
  if (expect && !match(expect, o.value)) {
    char *e = cJSON_PrintUnformatted(expect);
    char *a = o.value ? cJSON_PrintUnformatted(o.value) : strdup("(handle)");
    fail("step %d (%s): expected %s, got %s", index, what, e, a);
    free(e);
    free(a);
    goto out;
  }
  if (save) {
    if (nvars == MAX_VARS) {
      fail("too many saved values");
      goto out;
    }
    struct var *v = &vars[nvars++];
    snprintf(v->name, sizeof v->name, "%s", save->valuestring);
    v->kind = o.handle ? o.kind : K_VALUE;
    v->ptr = o.handle;
    v->value = o.value;
    o.handle = NULL;
    o.value = NULL;
  }
out:
  if (o.handle) {
    struct var tmp = {.kind = o.kind, .ptr = o.handle};
    release_var(&tmp);
  }
  cJSON_Delete(o.value);
}

static int passed, failed, na;
static FILE *results;

static void run_case(cJSON *c) {
  const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
  cJSON *nap = cJSON_GetObjectItem(c, "na");
  cJSON *why = nap ? cJSON_GetObjectItem(nap, "c") : NULL;
  if (why) {
    printf("N/A   %s: %s\n", name, why->valuestring);
    na++;
    if (results)
      fprintf(results, "%s\tna\t%s\n", name, why->valuestring);
    return;
  }
  failure[0] = '\0';
  case_no = cJSON_GetObjectItem(c, "number")->valueint;
  cJSON *steps = cJSON_GetObjectItem(c, "steps");
  int i = 0;
  cJSON *s;
  cJSON_ArrayForEach(s, steps) {
    run_step(s, i++);
    if (failure[0])
      break;
  }
  end_case();
  if (failure[0]) {
    printf("FAIL  %s: %s\n", name, failure);
    failed++;
  } else {
    printf("PASS  %s\n", name);
    passed++;
  }
  if (results)
    fprintf(results, "%s\t%s\t%s\n", name, failure[0] ? "fail" : "pass",
            failure);
}

int main(int argc, char **argv) {
  run_id = (int)getpid();
  snprintf(tmpdir, sizeof tmpdir, "/tmp/ash-conformance-c-%d", run_id);
  mkdir(tmpdir, 0700);
  const char *out = getenv("ASH_CONFORMANCE_OUT");
  if (out) {
    char p[600];
    mkdir(out, 0755);
    snprintf(p, sizeof p, "%s/c.tsv", out);
    results = fopen(p, "w");
  }
  for (int a = 1; a < argc; a++) {
    FILE *f = fopen(argv[a], "rb");
    if (f == NULL) {
      fprintf(stderr, "cannot open %s\n", argv[a]);
      return 2;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    size_t got = fread(text, 1, (size_t)n, f);
    text[got] = '\0';
    fclose(f);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    if (doc == NULL) {
      fprintf(stderr, "%s: invalid JSON near: %.40s\n", argv[a],
              cJSON_GetErrorPtr());
      return 2;
    }
    cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "cases")) run_case(c);
    cJSON_Delete(doc);
  }
  if (results)
    fclose(results);
  rmdir(tmpdir);
  printf("conformance (c): %d passed, %d failed, %d not applicable\n", passed,
         failed, na);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
