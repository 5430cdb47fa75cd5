/* SPDX-License-Identifier: MIT */
/* Conformance runner for the C ABI: executes tests/conformance/cases/ *.json
 * against arrayshare.h. See tests/conformance/README.md for the format.
 *
 * usage: ash-conformance-c CASE.json... */
#define _GNU_SOURCE
#include <arrayshare.h>
#include <cjson/cJSON.h>
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

enum kind { K_NONE, K_SEG, K_VIEW, K_LIST, K_VALUE };

struct var {
  char name[64];
  enum kind kind;
  void *ptr;
  cJSON *value;
};

#define MAX_VARS 64
#define MAX_NAMES 32

static struct var vars[MAX_VARS];
static int nvars;
static char names[MAX_NAMES][2][256]; /* [i][0] key, [i][1] unique name */
static int nnames;
static char paths[MAX_NAMES][2][512];
static int npaths;
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

static const char *unique_name(const char *key) {
  for (int i = 0; i < nnames; i++)
    if (strcmp(names[i][0], key) == 0)
      return names[i][1];
  if (nnames == MAX_NAMES)
    return "too_many_names";
  snprintf(names[nnames][0], 256, "%s", key);
  snprintf(names[nnames][1], 256, "cfc%d_%d_%s", run_id, case_no, key);
  return names[nnames++][1];
}

static const char *unique_path(const char *key) {
  for (int i = 0; i < npaths; i++)
    if (strcmp(paths[i][0], key) == 0)
      return paths[i][1];
  if (npaths == MAX_NAMES)
    return "/nonexistent/too_many_paths";
  snprintf(paths[npaths][0], 512, "%s", key);
  snprintf(paths[npaths][1], 512, "%s/c%d_%s", tmpdir, case_no, key);
  return paths[npaths++][1];
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
  for (int i = 0; i < nnames; i++) { /* foreign files too: remove directly */
    char p[512];
    snprintf(p, sizeof p, "/dev/shm/ash.%s", names[i][1]);
    (void)unlink(p);
  }
  for (int i = 0; i < npaths; i++)
    (void)unlink(paths[i][1]);
  nnames = npaths = 0;
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
                        K(ASH_SLICE_STRICT) K(ASH_POLICY_AUTO)
                            K(ASH_POLICY_PERSIST) K(ASH_VIEW_READONLY)
                                K(ASH_VIEW_C_CONTIGUOUS) K(ASH_VIEW_F_CONTIGUOUS)
                                    K(ASH_NONE) K(ASH_MAX_NDIM) K(ASH_NAME_MAX)
                                        K(ASH_ARRAY_NAME_MAX) K(ASH_VERSION_HEX)
                                            K(ASH_VERSION_MAJOR)
                                                K(ASH_VERSION_MINOR)
                                                    K(ASH_VERSION_PATCH)
                                                        K(ASH_FORMAT_MAJOR)
                                                            K(ASH_FORMAT_MINOR)
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

/* ---- argument decoding ------------------------------------------------------ */

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

static const char *to_str(cJSON *a) {
  cJSON *k;
  if (a == NULL || cJSON_IsNull(a))
    return NULL;
  if (cJSON_IsString(a))
    return a->valuestring;
  if ((k = obj_key(a, "name")))
    return unique_name(k->valuestring);
  if ((k = obj_key(a, "path")))
    return unique_path(k->valuestring);
  char *buf = strbuf[strbuf_i++ % 8];
  if ((k = obj_key(a, "concat"))) { /* strings, numbers and saved values */
    size_t n = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, k) {
      cJSON *src = e, *r;
      if ((r = obj_key(e, "ref"))) {
        struct var *v = find_var(r->valuestring);
        src = v && v->kind == K_VALUE ? v->value : NULL;
        if (src == NULL)
          fail("concat: no saved value named %s", r->valuestring);
      }
      if (src == NULL)
        continue;
      if (cJSON_IsNumber(src))
        n += (size_t)snprintf(buf + n, 16384 - n, "%lld", (long long)src->valuedouble);
      else if (cJSON_IsString(src))
        n += (size_t)snprintf(buf + n, 16384 - n, "%s", src->valuestring);
      else
        n += (size_t)snprintf(buf + n, 16384 - n, "%s", to_str(src));
      if (n >= 16000)
        break;
    }
    buf[n] = '\0';
    return buf;
  }
  if ((k = obj_key(a, "repeat"))) {
    int count = cJSON_GetObjectItem(a, "count")->valueint;
    size_t n = 0, len = strlen(k->valuestring);
    for (int i = 0; i < count && n + len < 16000; i++, n += len)
      memcpy(buf + n, k->valuestring, len);
    buf[n] = '\0';
    return buf;
  }
  if ((k = obj_key(a, "desc"))) {
    const char *s = k->valuestring;
    size_t n = 0;
    while (*s && n < 16000) {
      if (*s == '{') {
        const char *e = strchr(s, '}');
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(e - s - 1), s + 1);
        n += (size_t)snprintf(buf + n, 16384 - n, "%s", unique_name(key));
        s = e + 1;
      } else {
        buf[n++] = *s++;
      }
    }
    buf[n] = '\0';
    return buf;
  }
  fail("cannot make a string of argument %s", cJSON_PrintUnformatted(a));
  return NULL;
}

static double to_double(cJSON *a) {
  cJSON *k;
  if (cJSON_IsNumber(a))
    return a->valuedouble;
  if ((k = obj_key(a, "float"))) {
    if (strcmp(k->valuestring, "nan") == 0)
      return NAN;
    if (strcmp(k->valuestring, "inf") == 0)
      return INFINITY;
    if (strcmp(k->valuestring, "-inf") == 0)
      return -INFINITY;
  }
  fail("not a double: %s", cJSON_PrintUnformatted(a));
  return 0;
}

static long long to_int(cJSON *a) {
  cJSON *k;
  long long v;
  if (cJSON_IsNumber(a)) {
    /* cJSON keeps doubles: exact up to 2^53, enough for our cases */
    return (long long)a->valuedouble;
  }
  if (cJSON_IsBool(a))
    return cJSON_IsTrue(a);
  if ((k = obj_key(a, "const"))) {
    if (konst(k->valuestring, &v))
      return v;
    fail("unknown constant %s", k->valuestring);
    return 0;
  }
  if ((k = obj_key(a, "flags"))) {
    long long f = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, k) {
      if (konst(e->valuestring, &v))
        f |= v;
      else
        fail("unknown flag %s", e->valuestring);
    }
    return f;
  }
  if ((k = obj_key(a, "int"))) /* exact 64-bit integers as strings */
    return strtoll(k->valuestring, NULL, 0);
  fail("not an integer: %s", cJSON_PrintUnformatted(a));
  return 0;
}

static unsigned long long to_uint(cJSON *a) {
  cJSON *k;
  if ((k = obj_key(a, "uint")))
    return strtoull(k->valuestring, NULL, 0);
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

/* Packed bytes: {"f64": [...]}, {"u8": [...]}, ..., {"hex": "00ff"}. */
static size_t to_bytes(cJSON *a, unsigned char *buf, size_t cap) {
  static const struct {
    const char *key;
    int size, kind; /* 0 int, 1 uint, 2 float */
  } packs[] = {{"i8", 1, 0},  {"i16", 2, 0}, {"i32", 4, 0}, {"i64", 8, 0},
               {"u8", 1, 1},  {"u16", 2, 1}, {"u32", 4, 1}, {"u64", 8, 1},
               {"f32", 4, 2}, {"f64", 8, 2}, {"bool", 1, 1}};
  cJSON *k;
  if ((k = obj_key(a, "hex"))) {
    size_t n = strlen(k->valuestring) / 2;
    for (size_t i = 0; i < n && i < cap; i++)
      sscanf(k->valuestring + 2 * i, "%2hhx", &buf[i]);
    return n;
  }
  for (size_t p = 0; p < sizeof packs / sizeof packs[0]; p++) {
    if ((k = obj_key(a, packs[p].key)) == NULL)
      continue;
    size_t n = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, k) {
      if (n + (size_t)packs[p].size > cap)
        break;
      unsigned char tmp[8];
      if (packs[p].kind == 2 && packs[p].size == 8) {
        double d = to_double(e);
        memcpy(tmp, &d, 8);
      } else if (packs[p].kind == 2) {
        float f = (float)to_double(e);
        memcpy(tmp, &f, 4);
      } else {
        int64_t v = packs[p].kind == 1 ? (int64_t)to_uint(e) : to_int(e);
        memcpy(tmp, &v, 8); /* little-endian: low bytes first */
      }
      memcpy(buf + n, tmp, (size_t)packs[p].size);
      n += (size_t)packs[p].size;
    }
    return n;
  }
  fail("not a bytes value: %s", cJSON_PrintUnformatted(a));
  return 0;
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

#define VIEW(i) ((ash_view *)to_ref(arg(args, i), K_VIEW))
#define SEG(i) ((ash_segment *)to_ref(arg(args, i), K_SEG))
#define LIST(i) ((ash_list *)to_ref(arg(args, i), K_LIST))
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
  } else if (IS(ash_dtype_itemsize)) {
    o->value = cJSON_CreateNumber((double)ash_dtype_itemsize((int)INT(0)));
  } else if (IS(ash_segment_create)) {
    ash_segment *s = NULL;
    o->status = ash_segment_create(STR(0), to_uint(arg(args, 1)),
                                   (uint32_t)INT(2), (unsigned)INT(3),
                                   (unsigned)INT(4), &s);
    HANDLE(K_SEG, s);
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
    o->value = cJSON_CreateBool(ash_view_data(VIEW(0)) != NULL);
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
  } else if (IS(ash_view_descriptor)) {
    const char *s = ash_view_descriptor(VIEW(0));
    o->value = s ? cJSON_CreateString(s) : cJSON_CreateNull();
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

static const char *helper_path;

static void shm_path(const char *name, char *buf, size_t n) {
  snprintf(buf, n, "/dev/shm/ash.%s", name);
}

static bool op(const char *name, cJSON *args, struct outcome *o) {
  memset(o, 0, sizeof *o);
  char path[600];
  if (strcmp(name, "kill_attacher") == 0 || strcmp(name, "kill_creator") == 0) {
    bool create = strcmp(name, "kill_creator") == 0;
    int fds[2];
    if (pipe(fds) != 0) {
      fail("pipe: %s", strerror(errno));
      return true;
    }
    pid_t p = fork();
    if (p == 0) {
      close(fds[0]);
      ash_view *v;
      int64_t shape[1] = {4};
      char c = (create ? ash_create(STR(0), ASH_FLOAT64, 1, shape, 0, 0600, &v)
                       : ash_attach(STR(0), 0, &v)) == ASH_OK
                   ? 'y'
                   : 'n';
      if (write(fds[1], &c, 1) != 1)
        _exit(2);
      pause();
      _exit(0);
    }
    close(fds[1]);
    char c = 'n';
    if (read(fds[0], &c, 1) != 1 || c != 'y')
      fail("%s: the helper could not %s", name, create ? "create" : "attach");
    close(fds[0]);
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
  } else if (strcmp(name, "poke") == 0) {
    static unsigned char buf[4096];
    shm_path(STR(0), path, sizeof path);
    size_t n = to_bytes(arg(args, 2), buf, sizeof buf);
    int fd = open(path, O_WRONLY);
    if (fd < 0 || pwrite(fd, buf, n, (off_t)INT(1)) != (ssize_t)n)
      fail("poke %s: %s", path, strerror(errno));
    if (fd >= 0)
      close(fd);
  } else if (strcmp(name, "truncate") == 0) {
    shm_path(STR(0), path, sizeof path);
    if (truncate(path, (off_t)INT(1)) != 0)
      fail("truncate %s: %s", path, strerror(errno));
  } else if (strcmp(name, "write_file") == 0) {
    static unsigned char buf[4096];
    cJSON *a0 = arg(args, 0);
    if (obj_key(a0, "path"))
      snprintf(path, sizeof path, "%s", STR(0));
    else
      shm_path(STR(0), path, sizeof path);
    size_t n = to_bytes(arg(args, 1), buf, sizeof buf);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, buf, n) != (ssize_t)n)
      fail("write_file %s: %s", path, strerror(errno));
    if (fd >= 0)
      close(fd);
  } else if (strcmp(name, "exists") == 0) {
    shm_path(STR(0), path, sizeof path);
    o->value = cJSON_CreateBool(access(path, F_OK) == 0);
  } else if (strcmp(name, "list_has") == 0) {
    ash_list *l = LIST(0);
    const char *want = STR(1);
    bool has = false;
    for (int i = 0; i < ash_list_count(l); i++)
      has = has || strcmp(ash_list_name(l, i), want) == 0;
    o->value = cJSON_CreateBool(has);
  } else if (strcmp(name, "shm_total") == 0) {
    struct statvfs sv;
    statvfs("/dev/shm", &sv);
    o->value = cJSON_CreateNumber((double)sv.f_blocks * (double)sv.f_frsize);
  } else {
    return false;
  }
  (void)helper_path;
  return true;
}

/* ---- matching --------------------------------------------------------------------- */

static bool match(cJSON *exp, cJSON *act) {
  cJSON *k;
  if (exp == NULL || act == NULL)
    return exp == act;
  if ((k = obj_key(exp, "const"))) {
    long long v;
    return konst(k->valuestring, &v) && cJSON_IsNumber(act) &&
           act->valuedouble == (double)v;
  }
  if ((k = obj_key(exp, "float")))
    return cJSON_IsString(act) && strcmp(act->valuestring, k->valuestring) == 0;
  if ((k = obj_key(exp, "min"))) /* exact integers may come as strings */
    return (cJSON_IsNumber(act) && act->valuedouble >= k->valuedouble) ||
           (cJSON_IsString(act) && strtod(act->valuestring, NULL) >= k->valuedouble);
  if ((k = obj_key(exp, "nonnull")))
    return cJSON_IsTrue(act);
  if ((k = obj_key(exp, "prefix")))
    return cJSON_IsString(act) &&
           strncmp(act->valuestring, k->valuestring, strlen(k->valuestring)) == 0;
  if ((k = obj_key(exp, "contains")))
    return cJSON_IsString(act) && strstr(act->valuestring, k->valuestring);
  if ((k = obj_key(exp, "int")) || (k = obj_key(exp, "uint"))) {
    if (cJSON_IsString(act))
      return strcmp(act->valuestring, k->valuestring) == 0;
    return cJSON_IsNumber(act) && act->valuedouble == strtod(k->valuestring, NULL);
  }
  if (obj_key(exp, "name") || obj_key(exp, "desc") || obj_key(exp, "path"))
    return cJSON_IsString(act) && strcmp(act->valuestring, to_str(exp)) == 0;
  if (cJSON_IsObject(exp)) { /* packed bytes */
    unsigned char buf[1 << 14];
    size_t n = to_bytes(exp, buf, sizeof buf);
    cJSON *h = hexbytes(buf, n);
    bool ok = cJSON_IsString(act) && strcmp(h->valuestring, act->valuestring) == 0;
    cJSON_Delete(h);
    return ok;
  }
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
  cJSON *nap = cJSON_GetObjectItem(c, "not_applicable");
  cJSON *why = nap ? cJSON_GetObjectItem(nap, "c") : NULL;
  if (why) {
    printf("N/A   %s: %s\n", name, why->valuestring);
    na++;
    if (results)
      fprintf(results, "%s\tna\t%s\n", name, why->valuestring);
    return;
  }
  failure[0] = '\0';
  case_no++;
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
  helper_path = getenv("ASH_HOLD_HELPER");
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
