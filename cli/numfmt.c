/* numfmt.c - NumPy-style array printing; see numfmt.h.
 *
 * The structure follows numpy/core/arrayprint.py (NumPy >= 1.14 mode):
 * FloatingFormat.fillFormat / __call__, ComplexFloatingFormat,
 * IntegerFormat, BoolFormat, _formatArray and _extendLine. Dragon4's
 * "shortest unique" digits are found with printf("%.*e") and a read-back
 * check in the element's own precision (float16, float32 or float64). */
#include "numfmt.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* String builder                                                          */
/* ---------------------------------------------------------------------- */

typedef struct sb {
  char *p;
  size_t len, cap;
  int oom;
} sb;

static void sb_putn(sb *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}
static void sb_puts(sb *b, const char *s) { sb_putn(b, s, strlen(s)); }
static void sb_putc(sb *b, char c) { sb_putn(b, &c, 1); }
static void sb_fill(sb *b, char c, int n) {
  for (int i = 0; i < n; i++) sb_putc(b, c);
}
static void sb_free(sb *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* ---------------------------------------------------------------------- */
/* Shortest digits                                                          */
/* ---------------------------------------------------------------------- */

/* Rounds @x to the nearest IEEE half-precision value (ties to even). */
static double round_to_half(double x) {
  if (!isfinite(x) || x == 0) return x;
  double ax = fabs(x);
  int e;
  frexp(ax, &e);             /* ax = m * 2^e, m in [0.5, 1) */
  int ulp = e - 11;          /* 11 significant bits */
  if (ulp < -24) ulp = -24;  /* subnormal spacing */
  double q = ldexp(rint(ldexp(ax, -ulp)), ulp);
  if (q > 65504.0) q = INFINITY;
  return copysign(q, x);
}

static int reads_back(const char *s, double ax, int bits) {
  if (bits == 32) return (double)strtof(s, NULL) == ax;
  double y = strtod(s, NULL);
  if (bits == 16) return round_to_half(y) == ax;
  return y == ax;
}

/* Splits printf's "%e" output into digits (no point) and exponent. */
static int parse_e(const char *buf, char *dig, int *exp10) {
  int n = 0;
  const char *p = buf;
  for (; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') dig[n++] = *p;
  dig[n] = '\0';
  *exp10 = *p == 'e' ? atoi(p + 1) : 0;
  return n;
}

/* Decimal digits d0 d1 ... of finite @ax > 0 such that ax ~ d0.d1... x 10^e:
 * the fewest that read back as @ax in its own precision. */
static int shortest_digits(double ax, int bits, char *dig, int *exp10) {
  int maxp = bits == 16 ? 5 : bits == 32 ? 9 : 17;
  char buf[64];
  for (int p = 1; p <= maxp; p++) {
    snprintf(buf, sizeof buf, "%.*e", p - 1, ax);
    if (p == maxp || reads_back(buf, ax, bits)) break;
  }
  return parse_e(buf, dig, exp10);
}

/* Digits with at most @prec digits after the first one (scientific). */
static int sci_digits(double ax, int bits, int prec, char *dig, int *exp10) {
  if (ax == 0) {
    strcpy(dig, "0");
    *exp10 = 0;
    return 1;
  }
  int n = shortest_digits(ax, bits, dig, exp10);
  if (prec >= 0 && n - 1 > prec) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.*e", prec, ax);
    n = parse_e(buf, dig, exp10);
  }
  while (n > 1 && dig[n - 1] == '0') dig[--n] = '\0';
  return n;
}

#define PART_MAX 400 /* 1e308 with %f: 309 digits, plus sign and slack */

/* Positional (Dragon4 fractional, unique, trim '.'): integer part with its
 * sign in @ip, fraction digits without trailing zeros in @fp.
 * @exact_int: print every integer digit of the exact value even when fewer
 * would read back (Dragon4's min_digits=0, which array printing passes:
 * float16 45248 prints "45248." in an array but "45250.0" as a scalar). */
static void pos_parts(double x, int bits, int prec, int plus, int exact_int,
                      char *ip, char *fp) {
  char dig[32];
  int e;
  double ax = fabs(x);
  char *q = ip;
  if (signbit(x))
    *q++ = '-';
  else if (plus)
    *q++ = '+';
  fp[0] = '\0';
  if (ax == 0) {
    strcpy(q, "0");
    return;
  }
  int n = shortest_digits(ax, bits, dig, &e);
  int frac_needed = n - 1 - e;
  if (exact_int && frac_needed < 0) {
    prec = 0; /* below: "%.0f", the exact integer digits */
  } else if (frac_needed <= prec) {
    if (e >= 0) {
      for (int i = 0; i <= e; i++) *q++ = i < n ? dig[i] : '0';
      *q = '\0';
      if (n > e + 1) strcpy(fp, dig + e + 1);
    } else {
      strcpy(q, "0");
      char *f = fp;
      for (int i = 0; i < -e - 1; i++) *f++ = '0';
      strcpy(f, dig);
    }
    return;
  }
  char buf[PART_MAX];
  snprintf(buf, sizeof buf, "%.*f", prec, ax);
  char *dot = strchr(buf, '.');
  if (dot) {
    *dot = '\0';
    strcpy(fp, dot + 1);
    size_t l = strlen(fp);
    while (l > 0 && fp[l - 1] == '0') fp[--l] = '\0';
  }
  strcpy(q, buf);
}

/* ---------------------------------------------------------------------- */
/* FloatingFormat                                                           */
/* ---------------------------------------------------------------------- */

typedef struct ffmt {
  int bits, plus, prec;
  int exp_format;
  int pad_left, pad_right;
  int precision, min_digits, exp_size;
} ffmt;

static int ndigits_u(unsigned v) {
  int n = 1;
  while (v >= 10) {
    v /= 10;
    n++;
  }
  return n;
}

static void ff_fill(ffmt *f, const double *v, size_t n, int bits, int plus,
                    int prec) {
  memset(f, 0, sizeof *f);
  f->bits = bits;
  f->plus = plus;
  f->prec = prec;
  f->precision = prec;
  f->exp_size = -1;
  size_t nfinite = 0;
  double maxv = 0, minv = INFINITY;
  int any_nonfinite = 0, any_neginf = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(v[i])) {
      any_nonfinite = 1;
      if (isinf(v[i]) && v[i] < 0) any_neginf = 1;
      continue;
    }
    nfinite++;
    double a = fabs(v[i]);
    if (a != 0) {
      if (a > maxv) maxv = a;
      if (a < minv) minv = a;
    }
  }
  if (maxv > 0 && (maxv >= 1e8 || minv < 0.0001 || maxv / minv > 1000.))
    f->exp_format = 1;

  char ip[PART_MAX], fp[PART_MAX], dig[32];
  if (nfinite == 0) {
    f->pad_left = f->pad_right = 0;
  } else if (f->exp_format) {
    int maxfrac = 0, maxint = 0, maxexp = 2;
    for (size_t i = 0; i < n; i++) {
      if (!isfinite(v[i])) continue;
      int e;
      int nd = sci_digits(fabs(v[i]), bits, prec, dig, &e);
      int intlen = 1 + (signbit(v[i]) || plus);
      if (nd - 1 > maxfrac) maxfrac = nd - 1;
      if (intlen > maxint) maxint = intlen;
      int ed = ndigits_u((unsigned)abs(e));
      if (ed > maxexp) maxexp = ed;
    }
    f->exp_size = maxexp;
    f->precision = maxfrac;
    f->min_digits = maxfrac;
    f->pad_left = maxint;
    f->pad_right = f->exp_size + 2 + f->precision;
  } else {
    int maxint = 0, maxfrac = 0;
    for (size_t i = 0; i < n; i++) {
      if (!isfinite(v[i])) continue;
      pos_parts(v[i], bits, prec, plus, 0, ip, fp);
      int li = (int)strlen(ip), lf = (int)strlen(fp);
      if (li > maxint) maxint = li;
      if (lf > maxfrac) maxfrac = lf;
    }
    f->pad_left = maxint;
    f->pad_right = maxfrac;
    f->min_digits = 0;
  }
  if (any_nonfinite) {
    int neginf = plus || any_neginf;
    int nanlen = 3, inflen = 3 + neginf;
    int offset = f->pad_right + 1;
    if (nanlen - offset > f->pad_left) f->pad_left = nanlen - offset;
    if (inflen - offset > f->pad_left) f->pad_left = inflen - offset;
  }
}

static void ff_format(const ffmt *f, double x, sb *out) {
  if (!isfinite(x)) {
    const char *r;
    if (isnan(x))
      r = f->plus ? "+nan" : "nan";
    else
      r = x < 0 ? "-inf" : f->plus ? "+inf" : "inf";
    sb_fill(out, ' ', f->pad_left + f->pad_right + 1 - (int)strlen(r));
    sb_puts(out, r);
    return;
  }
  if (f->exp_format) {
    char dig[32];
    int e;
    int nd = sci_digits(fabs(x), f->bits, f->precision, dig, &e);
    if (nd - 1 < f->min_digits) {
      /* Dragon4's min_digits: real digits past the unique ones, rounded. */
      char buf[64];
      snprintf(buf, sizeof buf, "%.*e", f->min_digits, fabs(x));
      nd = parse_e(buf, dig, &e);
    }
    int intlen = 1 + (signbit(x) || f->plus);
    sb_fill(out, ' ', f->pad_left - intlen);
    if (signbit(x))
      sb_putc(out, '-');
    else if (f->plus)
      sb_putc(out, '+');
    sb_putc(out, dig[0]);
    sb_putc(out, '.');
    sb_puts(out, dig + 1);
    sb_fill(out, '0', f->min_digits - (nd - 1));
    char eb[16];
    snprintf(eb, sizeof eb, "e%c%0*d", e < 0 ? '-' : '+', f->exp_size, abs(e));
    sb_puts(out, eb);
    return;
  }
  char ip[PART_MAX], fp[PART_MAX];
  pos_parts(x, f->bits, f->prec, f->plus, 1, ip, fp);
  sb_fill(out, ' ', f->pad_left - (int)strlen(ip));
  sb_puts(out, ip);
  sb_putc(out, '.');
  sb_puts(out, fp);
  sb_fill(out, ' ', f->pad_right - (int)strlen(fp));
}

/* ---------------------------------------------------------------------- */
/* Scalars (0-d arrays print as NumPy scalars do)                           */
/* ---------------------------------------------------------------------- */

/* Python/NumPy scalar repr of a float: "1.0", "0.1", "1e-05", "1.5e+16".
 * @drop_zero: omit a ".0" fraction (inside complex reprs: "(1+2j)"). */
static void scalar_float(double x, int bits, int drop_zero, sb *out) {
  if (isnan(x)) {
    sb_puts(out, "nan");
    return;
  }
  if (isinf(x)) {
    sb_puts(out, x < 0 ? "-inf" : "inf");
    return;
  }
  double ax = fabs(x);
  if (signbit(x)) sb_putc(out, '-');
  if (ax == 0 || (ax >= 1e-4 && ax < 1e16)) {
    char ip[PART_MAX], fp[PART_MAX];
    pos_parts(ax, bits, 1000, 0, 0, ip, fp);
    sb_puts(out, ip);
    if (fp[0]) {
      sb_putc(out, '.');
      sb_puts(out, fp);
    } else if (!drop_zero) {
      sb_puts(out, ".0");
    }
    return;
  }
  char dig[32], eb[16];
  int e;
  int nd = sci_digits(ax, bits, -1, dig, &e);
  sb_putc(out, dig[0]);
  if (nd > 1) {
    sb_putc(out, '.');
    sb_puts(out, dig + 1);
  }
  snprintf(eb, sizeof eb, "e%c%02d", e < 0 ? '-' : '+', abs(e));
  sb_puts(out, eb);
}

static void format_scalar(const nf_array *a, const nf_value *v, sb *out) {
  char buf[32];
  switch (a->kind) {
  case NF_BOOL: sb_puts(out, v->i ? "True" : "False"); break;
  case NF_INT:
    snprintf(buf, sizeof buf, "%" PRId64, v->i);
    sb_puts(out, buf);
    break;
  case NF_UINT:
    snprintf(buf, sizeof buf, "%" PRIu64, v->u);
    sb_puts(out, buf);
    break;
  case NF_FLOAT: scalar_float(v->re, a->float_bits, 0, out); break;
  case NF_COMPLEX:
    if (v->re == 0 && !signbit(v->re)) {
      scalar_float(v->im, a->float_bits, 1, out);
      sb_putc(out, 'j');
    } else {
      sb_putc(out, '(');
      scalar_float(v->re, a->float_bits, 1, out);
      if (!signbit(v->im) || isnan(v->im)) sb_putc(out, '+');
      scalar_float(v->im, a->float_bits, 1, out);
      sb_puts(out, "j)");
    }
    break;
  }
}

/* ---------------------------------------------------------------------- */
/* Layout (_formatArray)                                                    */
/* ---------------------------------------------------------------------- */

typedef struct layout {
  int ndim;
  const int64_t *shape;
  const int64_t *shown_stride; /* strides in the gathered (shown) elements */
  int summarize, edge;
  char **strs;
} layout;

static void extend_line(sb *s, sb *line, const char *word, int width, int h) {
  int needs_wrap = (int)(line->len + strlen(word)) > width;
  if ((int)line->len <= h) needs_wrap = 0;
  if (needs_wrap) {
    size_t l = line->len;
    while (l > 0 && line->p[l - 1] == ' ') l--;
    sb_putn(s, line->p, l);
    sb_putc(s, '\n');
    line->len = 0;
    sb_fill(line, ' ', h);
  }
  sb_puts(line, word);
}

static void recurse(const layout *L, int axis, int64_t base, int h, int width,
                    sb *out) {
  int axes_left = L->ndim - axis;
  if (axes_left == 0) {
    sb_puts(out, L->strs[base]);
    return;
  }
  int64_t a_len = L->shape[axis];
  int show_summary = L->summarize && 2 * (int64_t)L->edge < a_len;
  int64_t leading = show_summary ? L->edge : 0;
  int64_t trailing = show_summary ? L->edge : a_len;
  int64_t m = show_summary ? 2 * (int64_t)L->edge : a_len; /* shown length */
  int64_t st = L->shown_stride[axis];
  sb s = {0};

  if (axes_left == 1) {
    int elem_width = width - 1;
    sb line = {0};
    sb_fill(&line, ' ', h);
    for (int64_t i = 0; i < leading; i++) {
      extend_line(&s, &line, L->strs[base + i * st], elem_width, h);
      sb_putc(&line, ' ');
    }
    if (show_summary) {
      extend_line(&s, &line, "...", elem_width, h);
      sb_putc(&line, ' ');
    }
    for (int64_t i = trailing; i > 1; i--) {
      extend_line(&s, &line, L->strs[base + (m - i) * st], elem_width, h);
      sb_putc(&line, ' ');
    }
    extend_line(&s, &line, L->strs[base + (m - 1) * st], elem_width, h);
    if (line.oom) s.oom = 1;
    if (line.p) sb_putn(&s, line.p, line.len);
    sb_free(&line);
  } else {
    for (int64_t i = 0; i < leading; i++) {
      sb_fill(&s, ' ', h);
      recurse(L, axis + 1, base + i * st, h + 1, width - 1, &s);
      sb_fill(&s, '\n', axes_left - 1);
    }
    if (show_summary) {
      sb_fill(&s, ' ', h);
      sb_puts(&s, "...");
      sb_fill(&s, '\n', axes_left - 1);
    }
    for (int64_t i = trailing; i > 1; i--) {
      sb_fill(&s, ' ', h);
      recurse(L, axis + 1, base + (m - i) * st, h + 1, width - 1, &s);
      sb_fill(&s, '\n', axes_left - 1);
    }
    sb_fill(&s, ' ', h);
    recurse(L, axis + 1, base + (m - 1) * st, h + 1, width - 1, &s);
  }
  sb_putc(out, '[');
  if (s.p && s.len > (size_t)h) sb_putn(out, s.p + h, s.len - (size_t)h);
  sb_putc(out, ']');
  if (s.oom) out->oom = 1;
  sb_free(&s);
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                              */
/* ---------------------------------------------------------------------- */

void nf_default_options(nf_options *opt) {
  opt->threshold = 1000;
  opt->edgeitems = 3;
  opt->linewidth = 75;
  opt->precision = 8;
}

int nf_format(const nf_array *a, const nf_options *opt, char **out) {
  int nd = a->ndim;
  int64_t idx[64] = {0}, size = 1;
  *out = NULL;
  if (nd < 0 || nd > 64) return -1;
  /* A 0 dimension first: an empty array may have huge other dimensions
   * whose product overflows; otherwise the product is its element count. */
  for (int k = 0; k < nd; k++)
    if (a->shape[k] == 0) size = 0;
  for (int k = 0; k < nd && size; k++) size *= a->shape[k];

  sb res = {0};
  if (nd == 0) {
    nf_value v;
    int st = a->get(a->ctx, idx, &v);
    if (st) return st;
    format_scalar(a, &v, &res);
    if (res.oom || !res.p) {
      sb_free(&res);
      return -1;
    }
    *out = res.p;
    return 0;
  }
  if (size == 0) {
    *out = strdup("[]");
    return *out ? 0 : -1;
  }

  int summarize = size > opt->threshold;
  int edge = opt->edgeitems < 1 ? 1 : opt->edgeitems;
  int64_t shown_len[64], shown_stride[64];
  int64_t nshown = 1;
  for (int k = 0; k < nd; k++) {
    shown_len[k] = summarize && a->shape[k] > 2 * (int64_t)edge
                       ? 2 * (int64_t)edge
                       : a->shape[k];
    nshown *= shown_len[k];
  }
  int64_t acc = 1;
  for (int k = nd - 1; k >= 0; k--) {
    shown_stride[k] = acc;
    acc *= shown_len[k];
  }

  /* Gather the shown elements (NumPy's _leading_trailing) in C order. */
  int rc = -1;
  nf_value *vals = malloc((size_t)nshown * sizeof *vals);
  double *re = malloc((size_t)nshown * sizeof *re);
  double *im = malloc((size_t)nshown * sizeof *im);
  char **strs = calloc((size_t)nshown, sizeof *strs);
  int64_t pos[64];
  if (!vals || !re || !im || !strs) goto done;
  memset(pos, 0, sizeof pos);
  for (int64_t f = 0; f < nshown; f++) {
    for (int k = 0; k < nd; k++) {
      int64_t p = pos[k];
      idx[k] = shown_len[k] == a->shape[k] ? p
               : p < edge                    ? p
                                             : a->shape[k] - (2 * edge - p);
    }
    int st = a->get(a->ctx, idx, &vals[f]);
    if (st) {
      rc = st;
      goto done;
    }
    re[f] = vals[f].re;
    im[f] = vals[f].im;
    for (int k = nd - 1; k >= 0; k--) {
      if (++pos[k] < shown_len[k]) break;
      pos[k] = 0;
    }
  }

  /* One formatter for all shown elements, then each element's string. */
  ffmt fr, fi;
  int width = 0;
  if (a->kind == NF_FLOAT || a->kind == NF_COMPLEX)
    ff_fill(&fr, re, (size_t)nshown, a->float_bits, 0, opt->precision);
  if (a->kind == NF_COMPLEX)
    ff_fill(&fi, im, (size_t)nshown, a->float_bits, 1, opt->precision);
  if (a->kind == NF_INT || a->kind == NF_UINT) {
    char buf[32];
    for (int64_t f = 0; f < nshown; f++) {
      int l = a->kind == NF_INT
                  ? snprintf(buf, sizeof buf, "%" PRId64, vals[f].i)
                  : snprintf(buf, sizeof buf, "%" PRIu64, vals[f].u);
      if (l > width) width = l;
    }
  }
  for (int64_t f = 0; f < nshown; f++) {
    sb e = {0};
    char buf[48];
    switch (a->kind) {
    case NF_BOOL: sb_puts(&e, vals[f].i ? " True" : "False"); break;
    case NF_INT:
      snprintf(buf, sizeof buf, "%*" PRId64, width, vals[f].i);
      sb_puts(&e, buf);
      break;
    case NF_UINT:
      snprintf(buf, sizeof buf, "%*" PRIu64, width, vals[f].u);
      sb_puts(&e, buf);
      break;
    case NF_FLOAT: ff_format(&fr, re[f], &e); break;
    case NF_COMPLEX: {
      ff_format(&fr, re[f], &e);
      sb i = {0};
      ff_format(&fi, im[f], &i);
      if (i.p) {
        size_t l = i.len;
        while (l > 0 && i.p[l - 1] == ' ') l--;
        sb_putn(&e, i.p, l);
        sb_putc(&e, 'j');
        sb_putn(&e, i.p + l, i.len - l);
      }
      if (i.oom) e.oom = 1;
      sb_free(&i);
      break;
    }
    }
    if (e.oom || !e.p) {
      sb_free(&e);
      goto done;
    }
    strs[f] = e.p;
  }

  layout L = {nd, a->shape, shown_stride, summarize, edge, strs};
  recurse(&L, 0, 0, 1, opt->linewidth, &res);
  if (res.oom) goto done;
  *out = res.p;
  res.p = NULL;
  rc = 0;
done:
  if (strs)
    for (int64_t f = 0; f < nshown; f++) free(strs[f]);
  free(strs);
  free(vals);
  free(re);
  free(im);
  sb_free(&res);
  return rc;
}
