/* SPDX-License-Identifier: MIT */
/* print.c - ash_view_format(): a view's elements printed as NumPy prints an
 * array.
 *
 * The structure follows numpy/core/arrayprint.py (NumPy >= 1.14 mode):
 * FloatingFormat.fillFormat / __call__, ComplexFloatingFormat,
 * IntegerFormat, BoolFormat, _formatArray and _extendLine. Where NumPy
 * versions differ, the newest is followed (NumPy >= 2.3: see ash__sci_from
 * and the header's ash_view_format). Dragon4's
 * "shortest unique" digits are found with printf("%.*e") and a read-back
 * check in the element's own precision (float16, float32 or float64).
 * ASH_FORMAT_PLAIN swaps the element formatters for unpadded scripting-
 * language spellings; the layout (brackets, summary, wrapping) is NumPy's.
 */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "element.h"
#include "internal.h"

/* ---------------------------------------------------------------------- */
/* Shortest digits                                                          */
/* ---------------------------------------------------------------------- */

/* Rounds @x to the nearest IEEE half-precision value (ties to even). */
static double ash__round_to_half(double x) {
  if (!isfinite(x) || x == 0)
    return x;
  double ax = fabs(x);
  int e;
  frexp(ax, &e);    /* ax = m * 2^e, m in [0.5, 1) */
  int ulp = e - 11; /* 11 significant bits */
  if (ulp < -24)
    ulp = -24; /* subnormal spacing */
  double q = ldexp(rint(ldexp(ax, -ulp)), ulp);
  if (q > 65504.0)
    q = INFINITY;
  return copysign(q, x);
}

/* @x rounded to the element precision @bits (16, 32 or 64), as NumPy
 * converts a Python float for an operation with a float16 / float32 scalar
 * (NEP 50, NumPy >= 2). */
static double ash__in_bits(double x, int bits) {
  return bits == 16 ? ash__round_to_half(x) : bits == 32 ? (double)(float)x : x;
}

/* Where scientific notation starts, by element precision. NumPy >= 2.3
 * switches an array at 10^min(8, finfo.precision): float16 1e3, float32
 * (and complex64's parts) 1e6, float64 1e8; a scalar at 1e3, 1e6 and 1e16
 * (older NumPy: 1e8 and 1e16 for every precision). */
static double ash__sci_from(int bits, int scalar) {
  return bits == 16 ? 1e3 : bits == 32 ? 1e6 : scalar ? 1e16 : 1e8;
}

static int ash__reads_back(const char *s, double ax, int bits) {
  if (bits == 32)
    return (double)strtof(s, NULL) == ax;
  double y = strtod(s, NULL);
  if (bits == 16)
    return ash__round_to_half(y) == ax;
  return y == ax;
}

/* Splits printf's "%e" output into digits (no point) and exponent. */
static int ash__parse_e(const char *buf, char *dig, int *exp10) {
  int n = 0;
  const char *p = buf;
  for (; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9')
      dig[n++] = *p;
  dig[n] = '\0';
  *exp10 = *p == 'e' ? atoi(p + 1) : 0;
  return n;
}

/* Decimal digits d0 d1 ... of finite @ax > 0 such that ax ~ d0.d1... x 10^e:
 * the fewest that read back as @ax in its own precision. */
static int ash__shortest(double ax, int bits, char *dig, int *exp10) {
  int maxp = bits == 16 ? 5 : bits == 32 ? 9 : 17;
  char buf[64];
  for (int p = 1; p <= maxp; p++) {
    snprintf(buf, sizeof buf, "%.*e", p - 1, ax);
    if (p == maxp || ash__reads_back(buf, ax, bits))
      break;
  }
  return ash__parse_e(buf, dig, exp10);
}

/* Digits with at most @prec digits after the first one (scientific). */
static int ash__sci_digits(double ax, int bits, int prec, char *dig,
                           int *exp10) {
  if (ax == 0) {
    strcpy(dig, "0");
    *exp10 = 0;
    return 1;
  }
  int n = ash__shortest(ax, bits, dig, exp10);
  if (prec >= 0 && n - 1 > prec) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.*e", prec, ax);
    n = ash__parse_e(buf, dig, exp10);
  }
  while (n > 1 && dig[n - 1] == '0')
    dig[--n] = '\0';
  return n;
}

#define ASH__PART_MAX 400 /* 1e308 with %f: 309 digits, sign and slack */

/* Positional (Dragon4 fractional, unique, trim '.'): integer part with its
 * sign in @ip, fraction digits without trailing zeros in @fp.
 * @exact_int: print every integer digit of the exact value even when fewer
 * would read back (Dragon4's min_digits=0, which array printing passes:
 * float16 45248 prints "45248." in an array but "45250.0" as a scalar). */
static void ash__pos_parts(double x, int bits, int prec, int plus,
                           int exact_int, char *ip, char *fp) {
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
  int n = ash__shortest(ax, bits, dig, &e);
  int frac_needed = n - 1 - e;
  if (exact_int && frac_needed < 0) {
    prec = 0; /* below: "%.0f", the exact integer digits */
  } else if (frac_needed <= prec) {
    if (e >= 0) {
      for (int i = 0; i <= e; i++)
        *q++ = i < n ? dig[i] : '0';
      *q = '\0';
      if (n > e + 1)
        strcpy(fp, dig + e + 1);
    } else {
      strcpy(q, "0");
      char *f = fp;
      for (int i = 0; i < -e - 1; i++)
        *f++ = '0';
      strcpy(f, dig);
    }
    return;
  }
  char buf[ASH__PART_MAX];
  snprintf(buf, sizeof buf, "%.*f", prec, ax);
  char *dot = strchr(buf, '.');
  if (dot) {
    *dot = '\0';
    strcpy(fp, dot + 1);
    size_t l = strlen(fp);
    while (l > 0 && fp[l - 1] == '0')
      fp[--l] = '\0';
  }
  strcpy(q, buf);
}

/* ---------------------------------------------------------------------- */
/* FloatingFormat                                                           */
/* ---------------------------------------------------------------------- */

struct ash__ffmt {
  int bits, plus, prec;
  int exp_format;
  int pad_left, pad_right;
  int precision, min_digits, exp_size;
};

static int ash__ndigits(unsigned v) {
  int n = 1;
  while (v >= 10) {
    v /= 10;
    n++;
  }
  return n;
}

static void ash__ff_fill(struct ash__ffmt *f, const double *v, size_t n,
                         int bits, int plus, int prec) {
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
      if (isinf(v[i]) && v[i] < 0)
        any_neginf = 1;
      continue;
    }
    nfinite++;
    double a = fabs(v[i]);
    if (a != 0) {
      if (a > maxv)
        maxv = a;
      if (a < minv)
        minv = a;
    }
  }
  /* NumPy: max_val >= cutoff or min_val < 0.0001 or max_val / min_val >
   * 1000., on scalars of the element type: the quotient is rounded to it
   * (float16 through float, as NumPy divides halves) and so is 0.0001. */
  if (maxv > 0) {
    double ratio;
    if (bits == 64) {
      ratio = maxv / minv;
    } else {
      float q = (float)maxv / (float)minv;
      ratio = bits == 16 ? ash__round_to_half(q) : q;
    }
    if (maxv >= ash__sci_from(bits, 0) || minv < ash__in_bits(0.0001, bits) ||
        ratio > 1000.)
      f->exp_format = 1;
  }

  char ip[ASH__PART_MAX], fp[ASH__PART_MAX], dig[32];
  if (nfinite == 0) {
    f->pad_left = f->pad_right = 0;
  } else if (f->exp_format) {
    int maxfrac = 0, maxint = 0, maxexp = 2;
    for (size_t i = 0; i < n; i++) {
      if (!isfinite(v[i]))
        continue;
      int e;
      int nd = ash__sci_digits(fabs(v[i]), bits, prec, dig, &e);
      int intlen = 1 + (signbit(v[i]) || plus);
      if (nd - 1 > maxfrac)
        maxfrac = nd - 1;
      if (intlen > maxint)
        maxint = intlen;
      int ed = ash__ndigits((unsigned)abs(e));
      if (ed > maxexp)
        maxexp = ed;
    }
    f->exp_size = maxexp;
    f->precision = maxfrac;
    f->min_digits = maxfrac;
    f->pad_left = maxint;
    f->pad_right = f->exp_size + 2 + f->precision;
  } else {
    int maxint = 0, maxfrac = 0;
    for (size_t i = 0; i < n; i++) {
      if (!isfinite(v[i]))
        continue;
      ash__pos_parts(v[i], bits, prec, plus, 0, ip, fp);
      int li = (int)strlen(ip), lf = (int)strlen(fp);
      if (li > maxint)
        maxint = li;
      if (lf > maxfrac)
        maxfrac = lf;
    }
    f->pad_left = maxint;
    f->pad_right = maxfrac;
    f->min_digits = 0;
  }
  if (any_nonfinite) {
    int neginf = plus || any_neginf;
    int nanlen = 3, inflen = 3 + neginf;
    int offset = f->pad_right + 1;
    if (nanlen - offset > f->pad_left)
      f->pad_left = nanlen - offset;
    if (inflen - offset > f->pad_left)
      f->pad_left = inflen - offset;
  }
}

static void ash__ff_format(const struct ash__ffmt *f, double x,
                           struct ash__sb *out) {
  if (!isfinite(x)) {
    const char *r;
    if (isnan(x))
      r = f->plus ? "+nan" : "nan";
    else
      r = x < 0 ? "-inf" : f->plus ? "+inf" : "inf";
    ash__sb_fill(out, ' ', f->pad_left + f->pad_right + 1 - (int)strlen(r));
    ash__sb_str(out, r);
    return;
  }
  if (f->exp_format) {
    char dig[32];
    int e;
    int nd = ash__sci_digits(fabs(x), f->bits, f->precision, dig, &e);
    if (nd - 1 < f->min_digits) {
      /* Dragon4's min_digits: real digits past the unique ones, rounded. */
      char buf[64];
      snprintf(buf, sizeof buf, "%.*e", f->min_digits, fabs(x));
      nd = ash__parse_e(buf, dig, &e);
    }
    int intlen = 1 + (signbit(x) || f->plus);
    ash__sb_fill(out, ' ', f->pad_left - intlen);
    if (signbit(x))
      ash__sb_str(out, "-");
    else if (f->plus)
      ash__sb_str(out, "+");
    ash__sb_add(out, dig, 1);
    ash__sb_str(out, ".");
    ash__sb_str(out, dig + 1);
    ash__sb_fill(out, '0', f->min_digits - (nd - 1));
    char eb[16];
    snprintf(eb, sizeof eb, "e%c%0*d", e < 0 ? '-' : '+', f->exp_size, abs(e));
    ash__sb_str(out, eb);
    return;
  }
  char ip[ASH__PART_MAX], fp[ASH__PART_MAX];
  ash__pos_parts(x, f->bits, f->prec, f->plus, 1, ip, fp);
  ash__sb_fill(out, ' ', f->pad_left - (int)strlen(ip));
  ash__sb_str(out, ip);
  ash__sb_str(out, ".");
  ash__sb_str(out, fp);
  ash__sb_fill(out, ' ', f->pad_right - (int)strlen(fp));
}

/* ---------------------------------------------------------------------- */
/* Scalars: 0-d views print as NumPy scalars do; ASH_FORMAT_PLAIN elements  */
/* ---------------------------------------------------------------------- */

/* Python/NumPy scalar repr of a float: "1.0", "0.1", "1e-05", "1.5e+16".
 * @drop_zero: omit a ".0" fraction (inside complex reprs: "(1+2j)").
 * @sci_from: where scientific notation starts (1e16 for plain values, as
 * Python, Ruby and Lua 5.4 print doubles; ash__sci_from for NumPy's). */
static void ash__scalar_float(double x, int bits, int drop_zero,
                              double sci_from, struct ash__sb *out) {
  if (isnan(x)) {
    ash__sb_str(out, "nan");
    return;
  }
  if (isinf(x)) {
    ash__sb_str(out, x < 0 ? "-inf" : "inf");
    return;
  }
  double ax = fabs(x);
  if (signbit(x))
    ash__sb_str(out, "-");
  if (ax == 0 || (ax >= 1e-4 && ax < sci_from)) {
    char ip[ASH__PART_MAX], fp[ASH__PART_MAX];
    ash__pos_parts(ax, bits, 1000, 0, 0, ip, fp);
    ash__sb_str(out, ip);
    if (fp[0]) {
      ash__sb_str(out, ".");
      ash__sb_str(out, fp);
    } else if (!drop_zero) {
      ash__sb_str(out, ".0");
    }
    return;
  }
  char dig[32], eb[16];
  int e;
  int nd = ash__sci_digits(ax, bits, -1, dig, &e);
  ash__sb_add(out, dig, 1);
  if (nd > 1) {
    ash__sb_str(out, ".");
    ash__sb_str(out, dig + 1);
  }
  snprintf(eb, sizeof eb, "e%c%02d", e < 0 ? '-' : '+', abs(e));
  ash__sb_str(out, eb);
}

static void ash__scalar_int(const ash_elem *e, int width, struct ash__sb *out) {
  char buf[32];
  if (e->kind == ASH_KIND_UINT)
    snprintf(buf, sizeof buf, "%*" PRIu64, width, e->u);
  else
    snprintf(buf, sizeof buf, "%*" PRId64, width, e->i);
  ash__sb_str(out, buf);
}

/* One element alone: as NumPy prints a scalar ("True", "1.5", "(1+2j)"), or
 * with @plain as scripting languages print values ("true", "1.5",
 * "1.0+2.0i"). */
static void ash__scalar(const ash_elem *e, int bits, bool plain,
                        struct ash__sb *out) {
  double from = plain ? 1e16 : ash__sci_from(bits, 1);
  switch (e->kind) {
  case ASH_KIND_BOOL:
    ash__sb_str(out,
                e->i ? (plain ? "true" : "True") : (plain ? "false" : "False"));
    break;
  case ASH_KIND_INT:
  case ASH_KIND_UINT:
    ash__scalar_int(e, 0, out);
    break;
  case ASH_KIND_FLOAT:
    ash__scalar_float(e->re, bits, 0, from, out);
    break;
  default:
    if (plain) {
      ash__scalar_float(e->re, bits, 0, from, out);
      if (!signbit(e->im) || isnan(e->im))
        ash__sb_str(out, "+");
      ash__scalar_float(e->im, bits, 0, from, out);
      ash__sb_str(out, "i");
    } else if (e->re == 0 && !signbit(e->re)) {
      ash__scalar_float(e->im, bits, 1, from, out);
      ash__sb_str(out, "j");
    } else {
      ash__sb_str(out, "(");
      ash__scalar_float(e->re, bits, 1, from, out);
      if (!signbit(e->im) || isnan(e->im))
        ash__sb_str(out, "+");
      ash__scalar_float(e->im, bits, 1, from, out);
      ash__sb_str(out, "j)");
    }
    break;
  }
}

/* ---------------------------------------------------------------------- */
/* Layout (_formatArray)                                                    */
/* ---------------------------------------------------------------------- */

struct ash__layout {
  int ndim;
  const int64_t *shape;
  const int64_t *shown_stride; /* strides in the gathered (shown) elements */
  int summarize, edge;
  const char *sep;     /* between elements: " " or ", "                 */
  const char *row_sep; /* between rows: sep without trailing blanks, or
                           sep itself when nothing breaks lines          */
  int newlines;        /* line breaks between rows                      */
  int step;            /* hanging indent added per level: 1, or 0       */
  char **strs;
};

static void ash__extend_line(struct ash__sb *s, struct ash__sb *line,
                             const char *word, int width, int h) {
  int needs_wrap = (int)(line->n + strlen(word)) > width;
  if ((int)line->n <= h)
    needs_wrap = 0;
  if (needs_wrap) {
    size_t l = line->n;
    while (l > 0 && line->s[l - 1] == ' ')
      l--;
    ash__sb_add(s, line->s, l);
    ash__sb_str(s, "\n");
    line->n = 0;
    ash__sb_fill(line, ' ', h);
  }
  ash__sb_str(line, word);
}

static void ash__recurse(const struct ash__layout *L, int axis, int64_t base,
                         int h, int width, struct ash__sb *out) {
  int axes_left = L->ndim - axis;
  if (axes_left == 0) {
    ash__sb_str(out, L->strs[base]);
    return;
  }
  int64_t a_len = L->shape[axis];
  int show_summary = L->summarize && 2 * (int64_t)L->edge < a_len;
  int64_t leading = show_summary ? L->edge : 0;
  int64_t trailing = show_summary ? L->edge : a_len;
  int64_t m = show_summary ? 2 * (int64_t)L->edge : a_len; /* shown length */
  int64_t st = L->shown_stride[axis];
  int nh = h + L->step;
  struct ash__sb s = {0};

  if (axes_left == 1) {
    int elem_width = width - 1;
    struct ash__sb line = {0};
    ash__sb_fill(&line, ' ', h);
    for (int64_t i = 0; i < leading; i++) {
      ash__extend_line(&s, &line, L->strs[base + i * st], elem_width, h);
      ash__sb_str(&line, L->sep);
    }
    if (show_summary) {
      ash__extend_line(&s, &line, "...", elem_width, h);
      ash__sb_str(&line, L->sep);
    }
    for (int64_t i = trailing; i > 1; i--) {
      ash__extend_line(&s, &line, L->strs[base + (m - i) * st], elem_width, h);
      ash__sb_str(&line, L->sep);
    }
    ash__extend_line(&s, &line, L->strs[base + (m - 1) * st], elem_width, h);
    if (line.oom)
      s.oom = true;
    if (line.s)
      ash__sb_add(&s, line.s, line.n);
    free(line.s);
  } else {
    int nl = L->newlines ? axes_left - 1 : 0;
    for (int64_t i = 0; i < leading + trailing; i++) {
      if (show_summary && i == leading) {
        ash__sb_fill(&s, ' ', h);
        ash__sb_str(&s, "...");
        ash__sb_str(&s, L->row_sep);
        ash__sb_fill(&s, '\n', nl);
      }
      int64_t k = i < leading ? i : m - (leading + trailing - i);
      ash__sb_fill(&s, ' ', h);
      ash__recurse(L, axis + 1, base + k * st, nh, width - 1, &s);
      if (i + 1 < leading + trailing) {
        ash__sb_str(&s, L->row_sep);
        ash__sb_fill(&s, '\n', nl);
      }
    }
  }
  ash__sb_str(out, "[");
  if (s.s && s.n > (size_t)h)
    ash__sb_add(out, s.s + h, s.n - (size_t)h);
  ash__sb_str(out, "]");
  if (s.oom)
    out->oom = true;
  free(s.s);
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                              */
/* ---------------------------------------------------------------------- */

static int ash__float_bits(int dtype) {
  return dtype == ASH_FLOAT16                             ? 16
         : dtype == ASH_FLOAT32 || dtype == ASH_COMPLEX64 ? 32
                                                          : 64;
}

/* The shown elements' strings, one formatter for all (NumPy), or each on
 * its own (@plain). */
static int ash__format_elems(const ash_elem *vals, int64_t n, int bits,
                             bool plain, char **strs) {
  size_t cnt = (size_t)n;
  double *re = malloc(cnt * sizeof *re), *im = malloc(cnt * sizeof *im);
  int rc = ASH_E_NOMEM, kind = vals[0].kind, width = 0;
  struct ash__ffmt fr, fi;
  if (re == NULL || im == NULL)
    goto done;
  for (size_t f = 0; f < cnt; f++) {
    re[f] = vals[f].re;
    im[f] = vals[f].im;
  }
  if (!plain && (kind == ASH_KIND_FLOAT || kind == ASH_KIND_COMPLEX))
    ash__ff_fill(&fr, re, cnt, bits, 0, 8);
  if (!plain && kind == ASH_KIND_COMPLEX)
    ash__ff_fill(&fi, im, cnt, bits, 1, 8);
  if (!plain && (kind == ASH_KIND_INT || kind == ASH_KIND_UINT)) {
    for (size_t f = 0; f < cnt; f++) {
      struct ash__sb e = {0};
      ash__scalar_int(&vals[f], 0, &e);
      if ((int)e.n > width)
        width = (int)e.n;
      free(e.s);
    }
  }
  for (size_t f = 0; f < cnt; f++) {
    struct ash__sb e = {0};
    if (plain) {
      ash__scalar(&vals[f], bits, true, &e);
    } else if (kind == ASH_KIND_BOOL) {
      ash__sb_str(&e, vals[f].i ? " True" : "False");
    } else if (kind == ASH_KIND_INT || kind == ASH_KIND_UINT) {
      ash__scalar_int(&vals[f], width, &e);
    } else if (kind == ASH_KIND_FLOAT) {
      ash__ff_format(&fr, re[f], &e);
    } else {
      ash__ff_format(&fr, re[f], &e);
      struct ash__sb i = {0};
      ash__ff_format(&fi, im[f], &i);
      if (i.s) {
        size_t l = i.n;
        while (l > 0 && i.s[l - 1] == ' ')
          l--;
        ash__sb_add(&e, i.s, l);
        ash__sb_str(&e, "j");
        ash__sb_add(&e, i.s + l, i.n - l);
      }
      if (i.oom)
        e.oom = true;
      free(i.s);
    }
    if (e.oom || e.s == NULL) {
      free(e.s);
      goto done;
    }
    strs[f] = e.s;
  }
  rc = ASH_OK;
done:
  free(re);
  free(im);
  return rc;
}

/* Formats @v into *@out (malloc'ed). */
static int ash__format_view(const ash_view *v, unsigned flags,
                            int64_t threshold, int edge, int linewidth,
                            int indent, struct ash__sb *out) {
  int nd = v->ndim;
  bool plain = (flags & ASH_FORMAT_PLAIN) != 0;
  int bits = ash__float_bits(v->dtype);
  ash_elem one;
  if (nd == 0) {
    ash_elem_load(v->dtype, v->data, &one);
    ash__scalar(&one, bits, plain, out);
    return out->oom ? ASH_E_NOMEM : ASH_OK;
  }
  if (v->size == 0) {
    ash__sb_str(out, "[]");
    return out->oom ? ASH_E_NOMEM : ASH_OK;
  }
  int summarize = v->size > threshold;
  int64_t shown_len[ASH_MAX_NDIM], shown_stride[ASH_MAX_NDIM], nshown = 1;
  for (int k = 0; k < nd; k++) {
    shown_len[k] = summarize && v->shape[k] > 2 * (int64_t)edge
                       ? 2 * (int64_t)edge
                       : v->shape[k];
    nshown *= shown_len[k];
  }
  int64_t acc = 1;
  for (int k = nd - 1; k >= 0; k--) {
    shown_stride[k] = acc;
    acc *= shown_len[k];
  }
  if ((uint64_t)nshown > SIZE_MAX / sizeof(ash_elem))
    return ASH_E_NOMEM;
  /* Gather the shown elements (NumPy's _leading_trailing) in C order. */
  int rc = ASH_E_NOMEM;
  ash_elem *vals = malloc((size_t)nshown * sizeof *vals);
  char **strs = calloc((size_t)nshown, sizeof *strs);
  int64_t pos[ASH_MAX_NDIM] = {0};
  if (vals == NULL || strs == NULL)
    goto done;
  for (int64_t f = 0; f < nshown; f++) {
    const uint8_t *p = v->data;
    for (int k = 0; k < nd; k++) {
      int64_t q = pos[k];
      int64_t idx = shown_len[k] == v->shape[k] || q < edge
                        ? q
                        : v->shape[k] - (2 * edge - q);
      p += idx * v->strides[k];
    }
    ash_elem_load(v->dtype, p, &vals[f]);
    for (int k = nd - 1; k >= 0; k--) {
      if (++pos[k] < shown_len[k])
        break;
      pos[k] = 0;
    }
  }
  if ((rc = ash__format_elems(vals, nshown, bits, plain, strs)) != ASH_OK)
    goto done;
  bool oneline = (flags & ASH_FORMAT_ONELINE) != 0;
  const char *sep = (flags & ASH_FORMAT_COMMA) ? ", " : " ";
  struct ash__layout L = {nd,
                          v->shape,
                          shown_stride,
                          summarize,
                          edge,
                          sep,
                          oneline                      ? sep
                          : (flags & ASH_FORMAT_COMMA) ? ","
                                                       : "",
                          !oneline,
                          oneline ? 0 : 1,
                          strs};
  ash__recurse(&L, 0, 0, oneline ? 0 : indent + 1,
               oneline ? INT_MAX : linewidth, out);
  rc = out->oom ? ASH_E_NOMEM : ASH_OK;
done:
  if (strs)
    for (int64_t f = 0; f < nshown; f++)
      free(strs[f]);
  free(strs);
  free(vals);
  return rc;
}

ash_status ash_view_format(const ash_view *v, unsigned flags, int64_t threshold,
                           int edgeitems, int linewidth, int indent, char *buf,
                           size_t cap, size_t *needed) {
  if (v == NULL || needed == NULL || (buf == NULL && cap > 0))
    return ash__err(ASH_E_INVAL, "format: view, buffer or length is NULL");
  if (flags &
      ~(unsigned)(ASH_FORMAT_COMMA | ASH_FORMAT_PLAIN | ASH_FORMAT_ONELINE))
    return ash__err(ASH_E_INVAL, "format: flags 0x%x have unknown bits", flags);
  if (indent < 0 || indent > 1000)
    return ash__err(ASH_E_INVAL, "format: indent %d is not in 0..1000", indent);
  struct ash__sb out = {0};
  int r = ash__format_view(v, flags, threshold < 0 ? 1000 : threshold,
                           edgeitems <= 0 ? 3 : edgeitems,
                           linewidth <= 0 ? 75 : linewidth, indent, &out);
  if (r == ASH_E_NOMEM)
    r = ash__err(ASH_E_NOMEM, "format: out of memory");
  if (r == ASH_OK) {
    *needed = out.n;
    if (cap > 0) {
      size_t n = out.n < cap - 1 ? out.n : cap - 1;
      memcpy(buf, out.s, n);
      buf[n] = '\0';
    }
  }
  free(out.s);
  return r;
}
