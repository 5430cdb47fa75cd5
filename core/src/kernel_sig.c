/* SPDX-License-Identifier: MIT */
/* The signature grammar of kernels: C prototypes (plain and map kernels)
 * and NumPy gufunc signatures with dtypes (loop kernels). See the header's
 * "Kernels" section and docs/kernels.md. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

/* ---- lexer -------------------------------------------------------------- */

void ash__lex_init(struct ash__lex *lx, const char *text, const char *what) {
  memset(lx, 0, sizeof *lx);
  lx->text = text;
  lx->p = text;
  lx->what = what;
}

int ash__lex_err(const struct ash__lex *lx, int col, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return ash__err(ASH_E_SIGNATURE, "%s \"%.300s\", column %d: %s", lx->what,
                  lx->text, col, msg);
}

static bool ash__ident_char(char c, bool first) {
  return c == '_' || isalpha((unsigned char)c) ||
         (!first && isdigit((unsigned char)c));
}

/* A number: an integer (decimal, 0x hex, 0 octal) or a C float literal. */
static int ash__lex_number(struct ash__lex *lx, struct ash__tok *t) {
  char *iend, *fend;
  errno = 0;
  long long iv = strtoll(t->s, &iend, 0);
  int ierr = errno;
  errno = 0;
  double fv = strtod(t->s, &fend);
  if (fend > iend) {
    t->kind = ASH__T_FLOAT;
    t->fval = fv;
    lx->p = fend;
  } else {
    if (ierr == ERANGE)
      return ash__lex_err(lx, t->col, "integer %.*s does not fit 64 bits",
                          (int)(iend - t->s), t->s);
    t->kind = ASH__T_INT;
    t->ival = iv;
    lx->p = iend;
  }
  t->len = (size_t)(lx->p - t->s);
  if (ash__ident_char(*lx->p, false))
    return ash__lex_err(lx, t->col, "bad number \"%.*s\"", (int)(t->len + 1),
                        t->s);
  return ASH_OK;
}

int ash__lex_next(struct ash__lex *lx) {
  while (isspace((unsigned char)*lx->p))
    lx->p++;
  struct ash__tok *t = &lx->t;
  memset(t, 0, sizeof *t);
  t->s = lx->p;
  t->col = (int)(lx->p - lx->text) + 1;
  char c = *lx->p;
  if (c == '\0') {
    t->kind = ASH__T_END;
    return ASH_OK;
  }
  if (ash__ident_char(c, true)) {
    while (ash__ident_char(*lx->p, false))
      lx->p++;
    t->kind = ASH__T_IDENT;
    t->len = (size_t)(lx->p - t->s);
    if (t->len >= ASH__K_NAME)
      return ash__lex_err(lx, t->col, "name longer than %d characters",
                          ASH__K_NAME - 1);
    return ASH_OK;
  }
  if (c == '-' && lx->p[1] == '>') {
    lx->p += 2;
    t->kind = ASH__T_ARROW;
    t->len = 2;
    return ASH_OK;
  }
  if (c == '.' && lx->p[1] == '.' && lx->p[2] == '.') {
    lx->p += 3;
    t->kind = ASH__T_ELLIPSIS;
    t->len = 3;
    return ASH_OK;
  }
  if (isdigit((unsigned char)c) ||
      ((c == '-' || c == '+' || c == '.') && isdigit((unsigned char)lx->p[1])))
    return ash__lex_number(lx, t);
  if (strchr("()*,;=[]", c) == NULL)
    return ash__lex_err(lx, t->col, "unexpected character '%c'", c);
  lx->p++;
  t->kind = ASH__T_PUNCT;
  t->len = 1;
  return ASH_OK;
}

bool ash__tok_is(const struct ash__tok *t, const char *word) {
  return t->kind == ASH__T_IDENT && strlen(word) == t->len &&
         memcmp(t->s, word, t->len) == 0;
}

bool ash__tok_punct(const struct ash__tok *t, char c) {
  return t->kind == ASH__T_PUNCT && t->s[0] == c;
}

static void ash__tok_copy(const struct ash__tok *t, char *buf) {
  memcpy(buf, t->s, t->len); /* t->len < ASH__K_NAME for identifiers */
  buf[t->len] = '\0';
}

/* ---- C types ------------------------------------------------------------ */

static const struct {
  const char *name; /* canonical spelling */
  uint8_t size;
  int dtype;
} ash__ckinds[ASH__C_COUNT_] = {
    [ASH__C_VOID] = {"void", 0, ASH_DTYPE_INVALID},
    [ASH__C_BOOL] = {"_Bool", 1, ASH_BOOL},
    [ASH__C_CHAR] = {"char", 1, ASH_INT8},
    [ASH__C_I8] = {"int8_t", 1, ASH_INT8},
    [ASH__C_U8] = {"uint8_t", 1, ASH_UINT8},
    [ASH__C_I16] = {"int16_t", 2, ASH_INT16},
    [ASH__C_U16] = {"uint16_t", 2, ASH_UINT16},
    [ASH__C_I32] = {"int32_t", 4, ASH_INT32},
    [ASH__C_U32] = {"uint32_t", 4, ASH_UINT32},
    [ASH__C_I64] = {"int64_t", 8, ASH_INT64},
    [ASH__C_U64] = {"uint64_t", 8, ASH_UINT64},
    [ASH__C_F32] = {"float", 4, ASH_FLOAT32},
    [ASH__C_F64] = {"double", 8, ASH_FLOAT64},
    [ASH__C_C64] = {"float _Complex", 8, ASH_COMPLEX64},
    [ASH__C_C128] = {"double _Complex", 16, ASH_COMPLEX128},
    [ASH__C_OPAQUE] = {"void", 0, ASH_DTYPE_INVALID},
};

size_t ash__ckind_size(int kind) { return ash__ckinds[kind].size; }

bool ash__ckind_int(int kind) {
  return kind >= ASH__C_BOOL && kind <= ASH__C_U64;
}

bool ash__ckind_signed(int kind) {
  return kind == ASH__C_CHAR || kind == ASH__C_I8 || kind == ASH__C_I16 ||
         kind == ASH__C_I32 || kind == ASH__C_I64;
}

int ash__ckind_dtype(int kind) { return ash__ckinds[kind].dtype; }

bool ash__ckind_accepts(int kind, int dtype) {
  if (kind == ASH__C_VOID || kind == ASH__C_OPAQUE)
    return true;
  if (kind == ASH__C_CHAR)
    return dtype == ASH_INT8 || dtype == ASH_UINT8 || dtype == ASH_BOOL;
  return ash__ckinds[kind].dtype == dtype;
}

const char *ash__ctype_str(struct ash__ctype t, char *buf, size_t n) {
  snprintf(buf, n, "%s%s%s", t.cnst ? "const " : "", ash__ckinds[t.kind].name,
           t.ptr ? " *" : "");
  return buf;
}

/* Names that stand for a type on LP64 Linux, besides the keywords. */
static const struct {
  const char *name;
  uint8_t kind;
} ash__typenames[] = {
    {"int8_t", ASH__C_I8},     {"uint8_t", ASH__C_U8},
    {"int16_t", ASH__C_I16},   {"uint16_t", ASH__C_U16},
    {"int32_t", ASH__C_I32},   {"uint32_t", ASH__C_U32},
    {"int64_t", ASH__C_I64},   {"uint64_t", ASH__C_U64},
    {"size_t", ASH__C_U64},    {"ssize_t", ASH__C_I64},
    {"ptrdiff_t", ASH__C_I64}, {"intptr_t", ASH__C_I64},
    {"uintptr_t", ASH__C_U64}, {"npy_intp", ASH__C_I64},
    {"npy_uintp", ASH__C_U64}, {"bool", ASH__C_BOOL},
    {"_Bool", ASH__C_BOOL},
};

#define ASH__MAX_TYPEDEFS 16

struct ash__typedefs {
  int n;
  char name[ASH__MAX_TYPEDEFS][ASH__K_NAME];
  struct ash__ctype t[ASH__MAX_TYPEDEFS];
};

/* Specifiers of one declaration, as they come. */
struct ash__spec {
  int sign; /* 0, 's' signed, 'u' unsigned */
  int nshort, nlong;
  int base; /* 0 or 'i' int, 'c' char, 'f' float, 'd' double, 'v' void */
  bool complex_, tagged, have_type, cnst;
  struct ash__ctype named; /* from a typedef name */
  bool is_named;
  int col, long_col, tag_col;
};

static bool ash__qualifier(const struct ash__tok *t) {
  return ash__tok_is(t, "const") || ash__tok_is(t, "volatile") ||
         ash__tok_is(t, "restrict") || ash__tok_is(t, "__restrict") ||
         ash__tok_is(t, "__restrict__");
}

/* Resolves the specifiers to a kind. */
static int ash__spec_kind(struct ash__lex *lx, const struct ash__spec *sp,
                          struct ash__ctype *t) {
  if (sp->is_named) {
    *t = sp->named;
    t->cnst = t->cnst || sp->cnst;
    return ASH_OK;
  }
  t->cnst = sp->cnst;
  if (sp->tagged)
    return ASH_OK; /* kind set by the caller */
  if (sp->base == 'd' && sp->nlong)
    return ash__lex_err(lx, sp->long_col, "long double is not supported");
  if (sp->complex_ && sp->base != 'f' && sp->base != 'd')
    return ash__lex_err(lx, sp->col, "_Complex needs float or double");
  if ((sp->base == 'f' || sp->base == 'd' || sp->base == 'v') &&
      (sp->sign || sp->nshort || sp->nlong))
    return ash__lex_err(lx, sp->col, "invalid combination of type specifiers");
  if (sp->nshort > 1 || sp->nlong > 2 || (sp->nshort && sp->nlong) ||
      ((sp->nshort || sp->nlong) && sp->base == 'c'))
    return ash__lex_err(lx, sp->col, "invalid combination of type specifiers");
  bool u = sp->sign == 'u';
  switch (sp->base) {
  case 'v':
    t->kind = ASH__C_VOID;
    break;
  case 'f':
    t->kind = sp->complex_ ? ASH__C_C64 : ASH__C_F32;
    break;
  case 'd':
    t->kind = sp->complex_ ? ASH__C_C128 : ASH__C_F64;
    break;
  case 'c':
    t->kind = sp->sign == 0 ? ASH__C_CHAR : u ? ASH__C_U8 : ASH__C_I8;
    break;
  default: /* int, or only signed/unsigned/short/long */
    if (sp->nshort)
      t->kind = u ? ASH__C_U16 : ASH__C_I16;
    else if (sp->nlong)
      t->kind = u ? ASH__C_U64 : ASH__C_I64; /* LP64 */
    else
      t->kind = u ? ASH__C_U32 : ASH__C_I32;
  }
  return ASH_OK;
}

/* One specifier keyword into @sp; false if the token is not one. */
static bool ash__spec_word(const struct ash__tok *t, struct ash__spec *sp) {
  static const struct {
    const char *w;
    int base;
  } bases[] = {{"int", 'i'},
               {"char", 'c'},
               {"float", 'f'},
               {"double", 'd'},
               {"void", 'v'}};
  for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
    if (ash__tok_is(t, bases[i].w)) {
      sp->base = sp->base ? -1 : bases[i].base; /* -1: two base types */
      return true;
    }
  if (ash__tok_is(t, "signed") || ash__tok_is(t, "unsigned")) {
    sp->sign = sp->sign ? -1 : t->s[0];
    return true;
  }
  if (ash__tok_is(t, "short")) {
    sp->nshort++;
    return true;
  }
  if (ash__tok_is(t, "long")) {
    if (!sp->long_col)
      sp->long_col = t->col;
    sp->nlong++;
    return true;
  }
  if (ash__tok_is(t, "_Complex") || ash__tok_is(t, "complex")) {
    sp->complex_ = true;
    return true;
  }
  return false;
}

static bool ash__typedef_find(const struct ash__typedefs *td,
                              const struct ash__tok *t,
                              struct ash__ctype *out) {
  for (int i = td->n - 1; i >= 0; i--)
    if (ash__tok_is(t, td->name[i])) {
      *out = td->t[i];
      return true;
    }
  for (size_t i = 0; i < sizeof ash__typenames / sizeof ash__typenames[0]; i++)
    if (ash__tok_is(t, ash__typenames[i].name)) {
      *out = (struct ash__ctype){ash__typenames[i].kind, false, false};
      return true;
    }
  return false;
}

/* Parses "SPECIFIERS [*[QUALIFIERS]] [NAME] [[]]" with the current token at
 * its start; leaves the token after it. @name may be NULL (no declarator
 * name allowed); @name_col receives its column. */
static int ash__parse_decl(struct ash__lex *lx, const struct ash__typedefs *td,
                           struct ash__ctype *t, char *name, int *name_col) {
  struct ash__spec sp = {0};
  int rc;
  sp.col = lx->t.col;
  if (name)
    name[0] = '\0';
  for (;;) {
    struct ash__tok *k = &lx->t;
    if (k->kind != ASH__T_IDENT)
      break;
    bool any = sp.base || sp.sign || sp.nshort || sp.nlong || sp.is_named ||
               sp.tagged || sp.complex_;
    if (ash__tok_is(k, "const")) {
      sp.cnst = true;
    } else if (ash__qualifier(k) || ash__tok_is(k, "extern")) {
      /* no effect on the call */
    } else if (ash__tok_is(k, "struct") || ash__tok_is(k, "union") ||
               ash__tok_is(k, "enum")) {
      if (any)
        return ash__lex_err(lx, k->col,
                            "invalid combination of type "
                            "specifiers");
      bool is_enum = k->s[0] == 'e';
      sp.tag_col = k->col;
      if ((rc = ash__lex_next(lx)) != ASH_OK)
        return rc;
      if (lx->t.kind != ASH__T_IDENT)
        return ash__lex_err(lx, lx->t.col, "a tag name must follow");
      sp.tagged = true;
      t->kind = is_enum ? ASH__C_I32 : ASH__C_OPAQUE;
    } else if (ash__spec_word(k, &sp)) {
      if (sp.base < 0 || sp.sign < 0 || sp.is_named || sp.tagged)
        return ash__lex_err(lx, k->col,
                            "invalid combination of type "
                            "specifiers");
    } else if (!any) {
      if (!ash__typedef_find(td, k, &sp.named))
        return ash__lex_err(lx, k->col,
                            "unknown type name \"%.*s\" (declare "
                            "it first: \"typedef int %.*s;\")",
                            (int)k->len, k->s, (int)k->len, k->s);
      sp.is_named = true;
    } else {
      break; /* the declarator's name */
    }
    if ((rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
  }
  if (!(sp.base || sp.sign || sp.nshort || sp.nlong || sp.is_named ||
        sp.tagged || sp.complex_))
    return ash__lex_err(lx, lx->t.col, "a type is expected");
  if ((rc = ash__spec_kind(lx, &sp, t)) != ASH_OK)
    return rc;
  int stars = t->ptr ? 1 : 0;
  while (ash__tok_punct(&lx->t, '*')) {
    if (++stars > 1)
      return ash__lex_err(lx, lx->t.col,
                          "pointers to pointers are not "
                          "supported");
    t->ptr = true;
    do
      if ((rc = ash__lex_next(lx)) != ASH_OK)
        return rc;
    while (ash__qualifier(&lx->t)); /* qualifies the pointer itself */
  }
  if (ash__tok_punct(&lx->t, '('))
    return ash__lex_err(lx, lx->t.col, "function pointers are not supported");
  if (lx->t.kind == ASH__T_IDENT) {
    if (name == NULL)
      return ash__lex_err(lx, lx->t.col, "unexpected name \"%.*s\"",
                          (int)lx->t.len, lx->t.s);
    ash__tok_copy(&lx->t, name);
    if (name_col)
      *name_col = lx->t.col;
    if ((rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
  }
  if (ash__tok_punct(&lx->t, '[')) { /* T name[] or T name[N]: a pointer */
    int col = lx->t.col;
    if ((rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
    if (lx->t.kind == ASH__T_INT && (rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
    if (!ash__tok_punct(&lx->t, ']'))
      return ash__lex_err(lx, lx->t.col, "']' expected");
    if (t->ptr)
      return ash__lex_err(lx, col, "pointers to pointers are not supported");
    t->ptr = true;
    if ((rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
  }
  if (!t->ptr && t->kind == ASH__C_OPAQUE)
    return ash__lex_err(lx, sp.tag_col,
                        "structs and unions by value are not "
                        "supported (pass a pointer)");
  if (!t->ptr && (t->kind == ASH__C_C64 || t->kind == ASH__C_C128))
    return ash__lex_err(lx, sp.col,
                        "complex values are supported through "
                        "pointers only");
  if (!t->ptr)
    t->cnst = false;
  return ASH_OK;
}

static int ash__expect(struct ash__lex *lx, char c) {
  if (!ash__tok_punct(&lx->t, c))
    return lx->t.kind == ASH__T_END
               ? ash__lex_err(lx, lx->t.col, "'%c' expected at the end", c)
               : ash__lex_err(lx, lx->t.col, "'%c' expected, found \"%.*s\"", c,
                              (int)lx->t.len, lx->t.s);
  return ash__lex_next(lx);
}

/* ---- prototypes ---------------------------------------------------------- */

/* "RET NAME(PARAMS)" */
static int ash__parse_proto(struct ash__lex *lx, const struct ash__typedefs *td,
                            struct ash__sig *s) {
  int rc, col = lx->t.col, ncol = 0;
  char name[ASH__K_NAME];
  if ((rc = ash__parse_decl(lx, td, &s->ret, name, &ncol)) != ASH_OK)
    return rc;
  if (s->ret.ptr)
    return ash__lex_err(lx, col, "pointer results are not supported");
  if (name[0] == '\0')
    return ash__lex_err(lx, lx->t.col, "the function's name is expected");
  snprintf(s->name, sizeof s->name, "%s", name);
  if ((rc = ash__expect(lx, '(')) != ASH_OK)
    return rc;
  if (ash__tok_is(&lx->t, "void") && lx->p[strspn(lx->p, " \t\n")] == ')') {
    if ((rc = ash__lex_next(lx)) != ASH_OK) /* f(void) */
      return rc;
  }
  while (!ash__tok_punct(&lx->t, ')')) {
    if (lx->t.kind == ASH__T_END)
      return ash__expect(lx, ')');
    if (s->nparam > 0 && (rc = ash__expect(lx, ',')) != ASH_OK)
      return rc;
    if (lx->t.kind == ASH__T_ELLIPSIS)
      return ash__lex_err(lx, lx->t.col,
                          "variadic functions (...) are not "
                          "supported");
    if (s->nparam == ASH__K_MAXPARAM)
      return ash__lex_err(lx, lx->t.col, "more than %d parameters",
                          ASH__K_MAXPARAM);
    struct ash__param *p = &s->param[s->nparam];
    p->col = lx->t.col;
    if ((rc = ash__parse_decl(lx, td, &p->t, p->name, NULL)) != ASH_OK)
      return rc;
    if (!p->t.ptr && p->t.kind == ASH__C_VOID)
      return ash__lex_err(lx, p->col, "a parameter cannot be void");
    for (int i = 0; i < s->nparam && p->name[0]; i++)
      if (strcmp(s->param[i].name, p->name) == 0)
        return ash__lex_err(lx, p->col, "parameter \"%s\" appears twice",
                            p->name);
    s->nparam++;
  }
  return ash__lex_next(lx);
}

/* A map kernel's operands: one per parameter, then "out". */
static int ash__map_operands(struct ash__lex *lx, struct ash__sig *s) {
  if (s->ret.kind == ASH__C_VOID || s->ret.kind == ASH__C_CHAR)
    return ash__lex_err(lx, 1,
                        "a map kernel returns an arithmetic type, "
                        "not %s",
                        s->ret.kind ? "char" : "void");
  if (s->nparam + 1 > ASH__K_MAXOP)
    return ash__lex_err(lx, 1, "more than %d operands", ASH__K_MAXOP);
  for (int i = 0; i < s->nparam; i++) {
    struct ash__param *p = &s->param[i];
    if (p->t.ptr || p->t.kind == ASH__C_CHAR)
      return ash__lex_err(lx, p->col,
                          "map kernels take arithmetic values, "
                          "not %s",
                          p->t.ptr ? "pointers" : "char");
    if (p->name[0] && strcmp(p->name, "out") == 0)
      return ash__lex_err(lx, p->col, "\"out\" names the result");
    struct ash__operand *o = &s->op[i];
    if (p->name[0])
      snprintf(o->name, sizeof o->name, "%s", p->name);
    else
      snprintf(o->name, sizeof o->name, "in%d", i);
    o->dtype = ash__ckind_dtype(p->t.kind);
  }
  s->nin = s->nparam;
  s->nout = 1;
  snprintf(s->op[s->nin].name, ASH__K_NAME, "out");
  s->op[s->nin].dtype = ash__ckind_dtype(s->ret.kind);
  return ASH_OK;
}

/* ---- loop kernels: "loop NAME(OPERANDS -> OPERANDS)" ------------------------ */

static int ash__core_dim(struct ash__lex *lx, struct ash__sig *s) {
  const struct ash__tok *t = &lx->t;
  int64_t fixed = -1;
  char name[ASH__K_NAME];
  if (t->kind == ASH__T_INT) {
    if (t->ival < 0)
      return ash__lex_err(lx, t->col, "a fixed dimension cannot be negative");
    fixed = t->ival;
    snprintf(name, sizeof name, "%lld", (long long)fixed);
  } else if (t->kind == ASH__T_IDENT) {
    ash__tok_copy(t, name);
  } else {
    return ash__lex_err(lx, t->col,
                        "a core dimension (a name or a size) is "
                        "expected");
  }
  for (int i = 0; i < s->ndim; i++)
    if (strcmp(s->dim[i], name) == 0)
      return i;
  if (s->ndim == ASH__K_MAXCORE)
    return ash__lex_err(lx, t->col, "more than %d core dimensions",
                        ASH__K_MAXCORE);
  snprintf(s->dim[s->ndim], ASH__K_NAME, "%s", name);
  s->dimfixed[s->ndim] = fixed;
  return s->ndim++;
}

static int ash__loop_operand(struct ash__lex *lx, struct ash__sig *s,
                             struct ash__operand *o) {
  int rc;
  const struct ash__tok *t = &lx->t;
  if (t->kind != ASH__T_IDENT)
    return ash__lex_err(lx, t->col, "an operand's dtype is expected");
  char dt[ASH__K_NAME];
  ash__tok_copy(t, dt);
  int col = t->col;
  if (ash_dtype_parse(dt, &o->dtype) != ASH_OK)
    return ash__lex_err(lx, col, "unknown dtype \"%s\"", dt);
  if ((rc = ash__lex_next(lx)) != ASH_OK)
    return rc;
  if (ash__tok_punct(t, '(')) {
    if ((rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
    while (!ash__tok_punct(t, ')')) {
      if (o->ncore > 0 && (rc = ash__expect(lx, ',')) != ASH_OK)
        return rc;
      if (o->ncore == ASH_MAX_NDIM)
        return ash__lex_err(lx, t->col, "more than %d core dimensions",
                            ASH_MAX_NDIM);
      int d = ash__core_dim(lx, s);
      if (d < 0)
        return d;
      o->core[o->ncore++] = d;
      if ((rc = ash__lex_next(lx)) != ASH_OK)
        return rc;
    }
    if ((rc = ash__lex_next(lx)) != ASH_OK)
      return rc;
  }
  if (t->kind == ASH__T_IDENT) {
    ash__tok_copy(t, o->name);
    return ash__lex_next(lx);
  }
  return ASH_OK;
}

static int ash__parse_loop(struct ash__lex *lx, struct ash__sig *s) {
  int rc;
  if (lx->t.kind != ASH__T_IDENT)
    return ash__lex_err(lx, lx->t.col, "the loop function's name is expected");
  ash__tok_copy(&lx->t, s->name);
  if ((rc = ash__lex_next(lx)) != ASH_OK ||
      (rc = ash__expect(lx, '(')) != ASH_OK)
    return rc;
  int n = 0;
  bool outputs = false;
  for (;;) {
    if (ash__tok_punct(&lx->t, ')')) {
      if (outputs)
        break;
      return ash__lex_err(lx, lx->t.col,
                          "'->' expected: a loop kernel needs "
                          "an output");
    }
    if (lx->t.kind == ASH__T_END)
      return ash__expect(lx, ')');
    if (lx->t.kind == ASH__T_ARROW && !outputs) {
      outputs = true;
      s->nin = n;
      if ((rc = ash__lex_next(lx)) != ASH_OK)
        return rc;
      continue;
    }
    bool first = outputs ? n == s->nin : n == 0;
    if (!first && (rc = ash__expect(lx, ',')) != ASH_OK)
      return rc;
    if (n == ASH__K_MAXOP)
      return ash__lex_err(lx, lx->t.col, "more than %d operands", ASH__K_MAXOP);
    int col = lx->t.col;
    if ((rc = ash__loop_operand(lx, s, &s->op[n])) != ASH_OK)
      return rc;
    if (s->op[n].name[0] == '\0') {
      int out_index = n - s->nin;
      if (!outputs)
        snprintf(s->op[n].name, ASH__K_NAME, "in%d", n);
      else
        snprintf(s->op[n].name, ASH__K_NAME, "out%d", out_index);
    }
    for (int i = 0; i < n; i++)
      if (strcmp(s->op[i].name, s->op[n].name) == 0)
        return ash__lex_err(lx, col, "operand \"%s\" appears twice",
                            s->op[n].name);
    n++;
  }
  s->nout = n - s->nin;
  if (s->nout == 0)
    return ash__lex_err(lx, lx->t.col, "a loop kernel needs an output");
  /* A single output without a name is "out" (as for map kernels). */
  if (s->nout == 1 && strcmp(s->op[s->nin].name, "out0") == 0) {
    bool taken = false;
    for (int i = 0; i < s->nin; i++)
      taken = taken || strcmp(s->op[i].name, "out") == 0;
    if (!taken)
      snprintf(s->op[s->nin].name, ASH__K_NAME, "out");
  }
  return ash__lex_next(lx);
}

/* ---- the whole signature --------------------------------------------------- */

/* "typedef TYPE NAME;" */
static int ash__parse_typedef(struct ash__lex *lx, struct ash__typedefs *td) {
  int rc, col = lx->t.col;
  if ((rc = ash__lex_next(lx)) != ASH_OK)
    return rc;
  if (td->n == ASH__MAX_TYPEDEFS)
    return ash__lex_err(lx, col, "more than %d typedefs", ASH__MAX_TYPEDEFS);
  char name[ASH__K_NAME];
  struct ash__ctype t = {0};
  if ((rc = ash__parse_decl(lx, td, &t, name, NULL)) != ASH_OK)
    return rc;
  if (name[0] == '\0')
    return ash__lex_err(lx, lx->t.col, "the typedef's name is expected");
  snprintf(td->name[td->n], ASH__K_NAME, "%s", name);
  td->t[td->n++] = t;
  return ash__expect(lx, ';');
}

int ash__sig_parse(const char *text, struct ash__sig *s) {
  memset(s, 0, sizeof *s);
  if (text == NULL)
    return ash__err(ASH_E_INVAL, "signature is NULL");
  struct ash__lex lx;
  struct ash__typedefs td = {0};
  int rc;
  ash__lex_init(&lx, text, "signature");
  if ((rc = ash__lex_next(&lx)) != ASH_OK)
    return rc;
  while (ash__tok_is(&lx.t, "typedef"))
    if ((rc = ash__parse_typedef(&lx, &td)) != ASH_OK)
      return rc;
  if (lx.t.kind == ASH__T_END)
    return ash__lex_err(&lx, lx.t.col, "empty signature");
  if (ash__tok_is(&lx.t, "loop")) {
    s->kind = ASH_KERNEL_LOOP;
    if ((rc = ash__lex_next(&lx)) != ASH_OK || (rc = ash__parse_loop(&lx, s)))
      return rc;
  } else {
    s->kind = ASH_KERNEL_PLAIN;
    if (ash__tok_is(&lx.t, "map")) {
      s->kind = ASH_KERNEL_MAP;
      if ((rc = ash__lex_next(&lx)) != ASH_OK)
        return rc;
    }
    if ((rc = ash__parse_proto(&lx, &td, s)) != ASH_OK)
      return rc;
    if (s->kind == ASH_KERNEL_MAP && (rc = ash__map_operands(&lx, s)))
      return rc;
  }
  if (ash__tok_punct(&lx.t, ';') && (rc = ash__lex_next(&lx)) != ASH_OK)
    return rc;
  if (lx.t.kind != ASH__T_END)
    return ash__lex_err(&lx, lx.t.col,
                        "unexpected \"%.*s\" after the "
                        "signature",
                        (int)lx.t.len, lx.t.s);
  return ASH_OK;
}

/* ---- canonical form -------------------------------------------------------- */

static void ash__put_decl(struct ash__sb *b, struct ash__ctype t,
                          const char *name) {
  char tmp[64];
  ash__sb_str(b, ash__ctype_str(t, tmp, sizeof tmp));
  if (name[0] && !t.ptr)
    ash__sb_str(b, " ");
  ash__sb_str(b, name);
}

char *ash__sig_format(const struct ash__sig *s) {
  struct ash__sb b = {0};
  if (s->kind == ASH_KERNEL_LOOP) {
    ash__sb_str(&b, "loop ");
    ash__sb_str(&b, s->name);
    ash__sb_str(&b, "(");
    for (int i = 0; i < s->nin + s->nout; i++) {
      const struct ash__operand *o = &s->op[i];
      ash__sb_str(&b, i == 0 ? "" : i == s->nin ? " -> " : ", ");
      if (i == 0 && s->nin == 0)
        ash__sb_str(&b, "-> ");
      ash__sb_str(&b, ash_dtype_name(o->dtype));
      if (o->ncore) {
        for (int d = 0; d < o->ncore; d++) {
          ash__sb_str(&b, d ? "," : "(");
          ash__sb_str(&b, s->dim[o->core[d]]);
        }
        ash__sb_str(&b, ")");
      }
      ash__sb_str(&b, " ");
      ash__sb_str(&b, o->name);
    }
    ash__sb_str(&b, ")");
  } else {
    if (s->kind == ASH_KERNEL_MAP)
      ash__sb_str(&b, "map ");
    ash__put_decl(&b, s->ret, s->name);
    ash__sb_str(&b, "(");
    for (int i = 0; i < s->nparam; i++) {
      ash__sb_str(&b, i ? ", " : "");
      ash__put_decl(&b, s->param[i].t, s->param[i].name);
    }
    ash__sb_str(&b, s->nparam ? ")" : "void)");
  }
  if (b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s;
}
