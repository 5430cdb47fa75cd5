/* SPDX-License-Identifier: MIT */
/* Descriptors: short strings naming a view, parsed back in any process.
 *
 *   ash://SEG[/ARRAY][[INDEX]][?QUERY]
 *   ash+file://ABSOLUTE-PATH[[INDEX]][?QUERY]      (path %-encoded)
 *   ash+fd://PID/FD[[INDEX]]?array=NAME&gen=N...   (anonymous segments)
 *   SEG[/ARRAY][[INDEX]]                           (shorthand)
 *
 * QUERY: '&'-separated key=value: array=NAME, dtype=<f8, shape=2,3,
 * strides=-24,8 (bytes), offset=48 (bytes from the array start), ro=1,
 * gen=N (the segment's creation time, ns: pins the descriptor to that one
 * segment; added by the bindings' pickling, see ash_view_from_descriptor).
 * INDEX: NumPy-style integers and slices, applied after QUERY, strictly.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void ash__sb_i64(struct ash__sb *b, int64_t v) {
  char t[32];
  int n = snprintf(t, sizeof t, "%lld", (long long)v);
  ash__sb_add(b, t, (size_t)n);
}

static void ash__sb_list(struct ash__sb *b, const int64_t *v, int n) {
  for (int i = 0; i < n; i++) {
    if (i)
      ash__sb_add(b, ",", 1);
    ash__sb_i64(b, v[i]);
  }
}

static bool ash__path_safe(unsigned char c) {
  return isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '~';
}

/* ---- formatting ---------------------------------------------------------- */

/* The view is its whole array as ash__view_new makes it: strides that
 * matter (axes of extent > 1) are the fresh ones; for an empty view every
 * stride must be, so that the round trip is exact. */
static bool ash__is_whole(const ash_view *v) {
  const struct ash__array *a = v->arr;
  if (v->dtype != a->dtype || v->ndim != a->ndim || v->offset != 0)
    return false;
  int64_t fresh[ASH_MAX_NDIM];
  ash__c_strides(a->ndim, a->shape, (int64_t)v->itemsize, fresh);
  for (int i = 0; i < v->ndim; i++) {
    if (v->shape[i] != a->shape[i])
      return false;
    if ((v->shape[i] > 1 || v->size == 0) && v->strides[i] != fresh[i])
      return false;
  }
  return true;
}

static char *ash__format(const ash_view *v, unsigned flags) {
  struct ash__sb b = {0};
  bool file = v->map->backend == ASH__BACKEND_FILE;
  char sep = '?';
  if (v->map->backend == ASH__BACKEND_MEMFD) {
    /* This process's descriptor of it; always pinned by generation: a pid
     * and a descriptor number are reused. */
    ash__sb_str(&b, "ash+fd://");
    ash__sb_i64(&b, ash__getpid());
    ash__sb_str(&b, "/");
    ash__sb_i64(&b, v->map->fd);
    ash__sb_str(&b, "?array=");
    ash__sb_str(&b, v->arr->name);
    sep = '&';
    flags |= ASH_DESC_GEN;
  } else if (file) {
    ash__sb_str(&b, "ash+file://");
    for (const unsigned char *p = (const unsigned char *)v->map->name; *p;
         p++) {
      if (ash__path_safe(*p)) {
        ash__sb_add(&b, (const char *)p, 1);
      } else {
        char t[4];
        snprintf(t, sizeof t, "%%%02X", *p);
        ash__sb_add(&b, t, 3);
      }
    }
    ash__sb_str(&b, "?array=");
    ash__sb_str(&b, v->arr->name);
    sep = '&';
  } else {
    ash__sb_str(&b, "ash://");
    ash__sb_str(&b, v->map->name);
    ash__sb_str(&b, "/");
    ash__sb_str(&b, v->arr->name);
  }
  if (!ash__is_whole(v)) {
    ash__sb_add(&b, &sep, 1);
    sep = '&';
    ash__sb_str(&b, "dtype=");
    ash__sb_str(&b, ash_dtype_str(v->dtype));
    ash__sb_str(&b, "&shape=");
    ash__sb_list(&b, v->shape, v->ndim);
    ash__sb_str(&b, "&strides=");
    ash__sb_list(&b, v->strides, v->ndim);
    ash__sb_str(&b, "&offset=");
    ash__sb_i64(&b, v->offset);
  }
  if ((v->flags & ASH_VIEW_READONLY) && !(flags & ASH_DESC_NO_RO)) {
    ash__sb_add(&b, &sep, 1);
    sep = '&';
    ash__sb_str(&b, "ro=1");
  }
  if (flags & ASH_DESC_GEN) {
    ash__sb_add(&b, &sep, 1);
    ash__sb_str(&b, "gen=");
    ash__sb_i64(&b, v->map->hdr.ctime_ns);
  }
  if (b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

const char *ash_view_descriptor_ex(const ash_view *v, unsigned flags) {
  if (v == NULL) {
    ash__err(ASH_E_INVAL, "view is NULL");
    return NULL;
  }
  if (flags & ~(unsigned)(ASH_DESC_GEN | ASH_DESC_NO_RO)) {
    ash__err(ASH_E_INVAL, "descriptor flags 0x%x: unknown bits", flags);
    return NULL;
  }
  _Atomic(char *) *slot = &((ash_view *)(uintptr_t)v)->desc[flags];
  char *d = atomic_load(slot);
  if (d)
    return d;
  char *mine = ash__format(v, flags);
  if (mine == NULL) {
    ash__err(ASH_E_NOMEM, "out of memory");
    return NULL;
  }
  char *expected = NULL;
  if (!atomic_compare_exchange_strong(slot, &expected, mine)) {
    free(mine);
    return expected;
  }
  return mine;
}

const char *ash_view_descriptor(const ash_view *v) {
  return v == NULL ? NULL : ash_view_descriptor_ex(v, 0);
}

/* ---- parsing ------------------------------------------------------------- */

static int ash__desc_err(const char *desc, const char *at, const char *why) {
  return ash__err(ASH_E_DESC, "descriptor \"%.300s\": %s at position %d", desc,
                  why, (int)(at - desc));
}

static bool ash__parse_i64(const char *s, const char *end, int64_t *out) {
  while (s < end && isspace((unsigned char)*s))
    s++;
  while (end > s && isspace((unsigned char)end[-1]))
    end--;
  if (s == end || end - s > 24)
    return false;
  /* strtoll's decimal grammar (a sign, then digits), without its locale
   * and copying: descriptors are parsed on every unpickling */
  bool neg = *s == '-';
  if (*s == '-' || *s == '+')
    s++;
  if (s == end)
    return false;
  uint64_t v = 0, lim = neg ? UINT64_C(1) << 63 : (UINT64_C(1) << 63) - 1;
  for (; s < end; s++) {
    unsigned d = (unsigned)(*s - '0');
    if (d > 9 || v > (lim - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

static bool ash__blank(const char *s, const char *end) {
  while (s < end && isspace((unsigned char)*s))
    s++;
  return s == end;
}

/* Applies "1:3, ::-1, 0" to *vp, strictly. @spec is the text inside []. */
int ash__view_apply_index(const char *spec, ash_view **vp) {
  int axis = 0;
  const char *p = spec;
  if (ash__blank(spec, spec + strlen(spec)))
    return ASH_OK;
  for (;;) {
    const char *end = strchr(p, ',');
    if (end == NULL)
      end = p + strlen(p);
    ash_view *v = *vp, *nv = NULL;
    if (axis >= v->ndim)
      return ash__err(ASH_E_INDEX,
                      "index \"%s\": too many indices for a %d-d "
                      "view",
                      spec, (*vp)->ndim + 0);
    const char *c1 = memchr(p, ':', (size_t)(end - p));
    int r;
    if (c1 == NULL) {
      int64_t i;
      if (!ash__parse_i64(p, end, &i))
        return ash__err(ASH_E_DESC, "index \"%s\": \"%.*s\" is not an integer",
                        spec, (int)(end - p), p);
      r = ash_view_index(v, axis, i, &nv);
    } else {
      const char *c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
      const char *stop_end = c2 ? c2 : end;
      int64_t start = ASH_NONE, stop = ASH_NONE, step = 1;
      if (!ash__blank(p, c1) && !ash__parse_i64(p, c1, &start))
        return ash__err(ASH_E_DESC, "index \"%s\": bad slice start", spec);
      if (!ash__blank(c1 + 1, stop_end) &&
          !ash__parse_i64(c1 + 1, stop_end, &stop))
        return ash__err(ASH_E_DESC, "index \"%s\": bad slice stop", spec);
      if (c2 && !ash__blank(c2 + 1, end) && !ash__parse_i64(c2 + 1, end, &step))
        return ash__err(ASH_E_DESC, "index \"%s\": bad slice step", spec);
      r = ash_view_slice(v, axis, start, stop, step, ASH_SLICE_STRICT, &nv);
      axis++;
    }
    if (r)
      return r;
    ash_view_release(v);
    *vp = nv;
    if (*end == '\0')
      return ASH_OK;
    p = end + 1;
  }
}

static bool ash__parse_list(const char *s, int64_t *out, int *n) {
  *n = 0;
  if (*s == '\0')
    return true;
  for (;;) {
    const char *end = strchr(s, ',');
    if (end == NULL)
      end = s + strlen(s);
    if (*n >= ASH_MAX_NDIM || !ash__parse_i64(s, end, &out[*n]))
      return false;
    (*n)++;
    if (*end == '\0')
      return true;
    s = end + 1;
  }
}

static int ash__hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* A descriptor, parsed once: its location, its query's keys and its index.
 * Every string is owned. Nothing here has touched a segment yet. */
struct ash__desc {
  char *seg; /* segment name or decoded path */
  bool file;
  bool anon; /* ash+fd://PID/FD */
  int64_t pid, fd;
  char *array; /* NULL or "": the first array */
  char *index; /* text inside [], may be NULL */
  bool has_gen, has_dtype, has_offset, ro;
  int64_t gen, offset;
  int dtype;
  int nshape, nstrides; /* -1: absent */
  int64_t shape[ASH_MAX_NDIM], strides[ASH_MAX_NDIM];
};

static void ash__desc_free(struct ash__desc *d) {
  free(d->seg);
  free(d->array);
  free(d->index);
}

static char *ash__dup(const char *s, const char *e) {
  char *t = malloc((size_t)(e - s) + 1);
  if (t) {
    memcpy(t, s, (size_t)(e - s));
    t[e - s] = '\0';
  }
  return t;
}

/* The location part: scheme, segment (or %-decoded path), array, index. */
static int ash__desc_location(const char *desc, struct ash__desc *d,
                              const char **query) {
  const char *s = desc;
  if (strncmp(s, "ash+file://", 11) == 0) {
    d->file = true;
    s += 11;
    if (*s != '/')
      return ash__desc_err(desc, s, "a file path must be absolute");
  } else if (strncmp(s, "ash+fd://", 9) == 0) {
    d->anon = true;
    s += 9;
  } else if (strncmp(s, "ash://", 6) == 0) {
    s += 6;
  } else if (strstr(s, "://") != NULL) {
    return ash__desc_err(desc, s,
                         "unknown scheme (expected ash://, ash+file:// or "
                         "ash+fd://)");
  }
  const char *q = strchr(s, '?');
  const char *qend = q ? q : s + strlen(s);
  const char *br = memchr(s, '[', (size_t)(qend - s));
  const char *loc_end = br ? br : qend;
  *query = q ? q + 1 : NULL;
  if (br) {
    const char *close = memchr(br, ']', (size_t)(qend - br));
    if (close == NULL || close + 1 != qend)
      return ash__desc_err(desc, br,
                           "unbalanced '[' (the index ends with ']')");
    if ((d->index = ash__dup(br + 1, close)) == NULL)
      return ash__err(ASH_E_NOMEM, "out of memory");
  }
  if (d->file) {
    char *path = malloc((size_t)(loc_end - s) + 1);
    if (path == NULL)
      return ash__err(ASH_E_NOMEM, "out of memory");
    size_t n = 0;
    for (const char *c = s; c < loc_end; c++) {
      if (*c == '%') {
        if (c + 2 >= loc_end || ash__hexval(c[1]) < 0 ||
            ash__hexval(c[2]) < 0) {
          free(path);
          return ash__desc_err(desc, c, "bad %-escape in the path");
        }
        path[n++] = (char)(ash__hexval(c[1]) * 16 + ash__hexval(c[2]));
        c += 2;
      } else {
        path[n++] = *c;
      }
    }
    path[n] = '\0';
    d->seg = path;
    return ASH_OK;
  }
  if (d->anon) { /* PID/FD */
    const char *slash = memchr(s, '/', (size_t)(loc_end - s));
    if (slash == NULL || !ash__parse_i64(s, slash, &d->pid) || d->pid <= 0 ||
        !ash__parse_i64(slash + 1, loc_end, &d->fd) || d->fd < 0 ||
        d->fd > INT32_MAX)
      return ash__desc_err(desc, s,
                           "ash+fd:// needs a process id and a descriptor "
                           "number: ash+fd://PID/FD");
    if ((d->seg = ash__dup(s, loc_end)) == NULL)
      return ash__err(ASH_E_NOMEM, "out of memory");
    return ASH_OK;
  }
  const char *slash = memchr(s, '/', (size_t)(loc_end - s));
  d->seg = ash__dup(s, slash ? slash : loc_end);
  if (slash && (d->array = ash__dup(slash + 1, loc_end)) == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  if (d->seg == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  if (d->seg[0] == '\0')
    return ash__desc_err(desc, s, "the segment name is empty");
  return ASH_OK;
}

/* One key=value of the query (@key and @val are NUL-terminated copies). */
static int ash__desc_key(const char *desc, struct ash__desc *d, const char *key,
                         const char *val) {
  if (strcmp(key, "array") == 0) {
    if (d->array)
      return ash__err(ASH_E_DESC,
                      "descriptor \"%.300s\": the array is named twice", desc);
    d->array = strdup(val);
    return d->array ? ASH_OK : ash__err(ASH_E_NOMEM, "out of memory");
  }
  if (strcmp(key, "dtype") == 0) {
    if (ash_dtype_parse(val, &d->dtype) != ASH_OK)
      return ash__err(ASH_E_DESC, "descriptor \"%.300s\": bad dtype \"%s\"",
                      desc, val);
    d->has_dtype = true;
  } else if (strcmp(key, "shape") == 0) {
    if (!ash__parse_list(val, d->shape, &d->nshape))
      return ash__err(ASH_E_DESC, "descriptor \"%.300s\": bad shape \"%s\"",
                      desc, val);
  } else if (strcmp(key, "strides") == 0) {
    if (!ash__parse_list(val, d->strides, &d->nstrides))
      return ash__err(ASH_E_DESC, "descriptor \"%.300s\": bad strides \"%s\"",
                      desc, val);
  } else if (strcmp(key, "offset") == 0) {
    if (!ash__parse_i64(val, val + strlen(val), &d->offset))
      return ash__err(ASH_E_DESC, "descriptor \"%.300s\": bad offset \"%s\"",
                      desc, val);
    d->has_offset = true;
  } else if (strcmp(key, "gen") == 0) {
    if (!ash__parse_i64(val, val + strlen(val), &d->gen))
      return ash__err(ASH_E_DESC, "descriptor \"%.300s\": bad gen", desc);
    d->has_gen = true;
  } else if (strcmp(key, "ro") == 0) {
    if (strcmp(val, "1") != 0 && strcmp(val, "0") != 0)
      return ash__err(ASH_E_DESC, "descriptor \"%.300s\": ro must be 0 or 1",
                      desc);
    d->ro = d->ro || val[0] == '1';
  } else {
    return ash__err(ASH_E_DESC, "descriptor \"%.300s\": unknown key \"%s\"",
                    desc, key);
  }
  return ASH_OK;
}

/* Parses @desc into *@d, scanning it once: location, then every query key,
 * then the checks that need the whole (an array name that is one). */
static int ash__desc_parse(const char *desc, struct ash__desc *d) {
  memset(d, 0, sizeof *d);
  d->nshape = d->nstrides = -1;
  const char *query = NULL;
  int r = ash__desc_location(desc, d, &query);
  for (const char *tok = query; r == ASH_OK && tok && *tok;) {
    const char *amp = strchr(tok, '&');
    const char *end = amp ? amp : tok + strlen(tok);
    const char *eq = memchr(tok, '=', (size_t)(end - tok));
    char *key = ash__dup(tok, eq ? eq : end);
    char *val = eq ? ash__dup(eq + 1, end) : NULL;
    if (key == NULL || (eq && val == NULL))
      r = ash__err(ASH_E_NOMEM, "out of memory");
    else if (eq == NULL)
      r = ash__err(ASH_E_DESC, "descriptor \"%.300s\": \"%s\" has no '='", desc,
                   key);
    else
      r = ash__desc_key(desc, d, key, val);
    free(key);
    free(val);
    tok = amp ? amp + 1 : NULL;
  }
  if (r == ASH_OK && d->nstrides >= 0 && d->nshape < 0)
    r = ash__err(ASH_E_DESC, "descriptor \"%.300s\": strides without shape",
                 desc);
  if (r == ASH_OK && d->array && d->array[0] &&
      ash__name_check(d->array, 1) != ASH_OK) {
    char why[300];
    snprintf(why, sizeof why, "%s", ash_last_error());
    r = ash__err(ASH_E_DESC, "descriptor \"%.300s\": %s", desc, why);
  }
  return r;
}

/* Applies the descriptor's explicit layout (dtype, shape, strides, offset)
 * to a whole-array view. */
static int ash__desc_layout(const char *desc, const struct ash__desc *d,
                            ash_view **vp) {
  if (d->nshape < 0 && !d->has_dtype && !d->has_offset)
    return ASH_OK;
  ash_view *v = *vp;
  int dtype = d->has_dtype ? d->dtype : v->dtype;
  ash_view *c = ash__view_clone(v);
  if (c == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  c->dtype = dtype;
  c->itemsize = ash_dtype_itemsize(dtype);
  if (d->nshape >= 0) {
    c->ndim = d->nshape;
    memcpy(c->shape, d->shape, sizeof(int64_t) * (size_t)d->nshape);
  }
  for (int i = 0; i < c->ndim; i++) {
    if (c->shape[i] < 0) {
      ash_view_release(c);
      return ash__err(ASH_E_DESC, "descriptor \"%.300s\": negative dimension",
                      desc);
    }
  }
  if (d->nstrides >= 0 && d->nstrides != d->nshape) {
    ash_view_release(c);
    return ash__err(ASH_E_DESC,
                    "descriptor \"%.300s\": %d strides for %d dimensions", desc,
                    d->nstrides, d->nshape);
  }
  uint64_t nb;
  int64_t count;
  int r = ash__shape_nbytes(dtype, c->ndim, c->shape, &nb, &count);
  if (r) {
    ash_view_release(c);
    return r == ASH_E_OVERFLOW ? ash__err(ASH_E_INDEX,
                                          "descriptor \"%.300s\": view larger "
                                          "than its array",
                                          desc)
                               : r;
  }
  c->size = count;
  /* Views made by slicing, indexing, permuting, reshaping and
   * reinterpreting never overlap themselves, so they hold at most the
   * array's bytes. A descriptor may not claim more (zero or overlapping
   * strides): going through its elements would cost more than the array,
   * up to 2^62 elements over one byte. */
  if (nb > v->arr->nbytes) {
    ash_view_release(c);
    return ash__err(ASH_E_INDEX,
                    "descriptor \"%.300s\": %lld elements of %zu bytes do "
                    "not fit array \"%s\" of %llu bytes",
                    desc, (long long)count, ash_dtype_itemsize(dtype),
                    v->arr->name, (unsigned long long)v->arr->nbytes);
  }
  if (d->nstrides >= 0)
    memcpy(c->strides, d->strides, sizeof(int64_t) * (size_t)d->nstrides);
  else /* bounded by ash__shape_nbytes */
    ash__c_strides(c->ndim, c->shape, (int64_t)c->itemsize, c->strides);
  for (int i = 0; i < c->ndim; i++) {
    if (c->strides[i] > ASH__MAX_STRIDE || c->strides[i] < -ASH__MAX_STRIDE) {
      ash_view_release(c);
      return ash__err(ASH_E_INDEX, "descriptor \"%.300s\": stride out of range",
                      desc);
    }
  }
  /* Bounds in integers first; the pointer only once it is inside. */
  c->offset = d->offset;
  ash__view_update_flags(c);
  r = ash__view_check_bounds(c);
  if (r) {
    ash_view_release(c);
    return r;
  }
  c->data = v->data - v->offset + d->offset;
  ash_view_release(v);
  *vp = c;
  return ASH_OK;
}

ash_status ash_view_from_descriptor(const char *desc, unsigned flags,
                                    ash_view **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output view pointer is NULL");
  *out = NULL;
  if (desc == NULL)
    return ash__err(ASH_E_INVAL, "descriptor is NULL");
  if (strlen(desc) > 8192)
    return ash__err(ASH_E_DESC, "descriptor is longer than 8192 bytes");
  struct ash__desc d;
  int r = ash__desc_parse(desc, &d);
  if (r) {
    ash__desc_free(&d);
    return r;
  }
  unsigned oflags = (flags & (ASH_RDONLY | ASH_NOATTACH)) |
                    (d.file ? (unsigned)ASH_FILE : 0u);
  ash_segment *seg = NULL;
  ash_view *v = NULL;
  if (d.anon) {
    r = ash__open_anon(d.pid, d.fd, oflags, d.has_gen ? d.gen : 0, &seg);
    if (r == ASH_OK)
      r = ash_segment_view(seg, d.array, &v);
    ash_segment_close(seg);
  } else { /* the map's reference stands for a handle: none is made */
    ash__map *m;
    bool ro = (oflags & (ASH_RDONLY | ASH_NOATTACH)) != 0;
    bool counted = !(oflags & ASH_NOATTACH);
    r = ash__open_map(d.seg, oflags, d.has_gen ? d.gen : 0, &m);
    if (r == ASH_OK) {
      r = ash__map_view(m, d.array, ro, counted, &v);
      ash__map_release(m, !ro, counted);
    }
  }
  if (r == ASH_OK)
    r = ash__desc_layout(desc, &d, &v);
  if (r == ASH_OK && d.index)
    r = ash__view_apply_index(d.index, &v);
  if (r == ASH_OK && d.ro)
    ash__view_drop_write(v); /* v is ours alone until returned */
  ash__desc_free(&d);
  if (r) {
    ash_view_release(v);
    return r;
  }
  *out = v;
  return ASH_OK;
}

ash_status ash_attach(const char *name_or_descriptor, unsigned flags,
                      ash_view **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output view pointer is NULL");
  *out = NULL;
  if (flags & ASH_FILE) {
    ash_segment *seg;
    int r = ash_segment_open(name_or_descriptor, flags, &seg);
    if (r)
      return r;
    r = ash_segment_view(seg, NULL, out);
    ash_segment_close(seg);
    return r;
  }
  return ash_view_from_descriptor(name_or_descriptor, flags, out);
}
