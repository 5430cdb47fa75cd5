/* SPDX-License-Identifier: MIT */
/* json.c - see json.h. */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void json_init(json_writer *j, FILE *out) {
  j->out = out;
  j->depth = 0;
  j->count[0] = 0;
  j->after_key = 0;
  j->flat = 0;
}

static void indent(json_writer *j) {
  fputc('\n', j->out);
  for (int i = 0; i < j->depth; i++)
    fputs("  ", j->out);
}

/* Called before every value or key: writes the comma and the line break. */
static void before_item(json_writer *j) {
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->depth > 0) {
    if (j->count[j->depth] > 0)
      fputs(j->flat && j->depth >= j->flat ? ", " : ",", j->out);
    if (!j->flat || j->depth < j->flat)
      indent(j);
  }
  j->count[j->depth]++;
}

static void open_(json_writer *j, char c) {
  before_item(j);
  fputc(c, j->out);
  if (j->depth < JSON_MAX_DEPTH - 1)
    j->depth++;
  j->count[j->depth] = 0;
}

static void close_(json_writer *j, char c) {
  int had = j->count[j->depth] > 0;
  int was_flat = j->flat && j->depth >= j->flat;
  if (j->depth > 0)
    j->depth--;
  if (had && !was_flat)
    indent(j);
  if (j->flat && j->depth < j->flat)
    j->flat = 0;
  fputc(c, j->out);
}

void json_object_begin(json_writer *j) { open_(j, '{'); }
void json_object_end(json_writer *j) { close_(j, '}'); }
void json_array_begin(json_writer *j) { open_(j, '['); }
void json_array_end(json_writer *j) { close_(j, ']'); }
void json_array_begin_flat(json_writer *j) {
  open_(j, '[');
  if (!j->flat)
    j->flat = j->depth;
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not valid. */
static int utf8_len(const unsigned char *s) {
  unsigned char c = s[0];
  int n;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF)
    return 0;
  return n;
}

static void write_string(FILE *out, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  fputc('"', out);
  while (*s) {
    unsigned char c = *s;
    switch (c) {
    case '"':
      fputs("\\\"", out);
      s++;
      continue;
    case '\\':
      fputs("\\\\", out);
      s++;
      continue;
    case '\b':
      fputs("\\b", out);
      s++;
      continue;
    case '\f':
      fputs("\\f", out);
      s++;
      continue;
    case '\n':
      fputs("\\n", out);
      s++;
      continue;
    case '\r':
      fputs("\\r", out);
      s++;
      continue;
    case '\t':
      fputs("\\t", out);
      s++;
      continue;
    default:
      break;
    }
    if (c < 0x20 || c == 0x7F) {
      fprintf(out, "\\u%04x", (unsigned)c);
      s++;
      continue;
    }
    int n = utf8_len(s);
    if (n == 0) {
      fputs("\\ufffd", out);
      s++;
      continue;
    }
    fwrite(s, 1, (size_t)n, out);
    s += n;
  }
  fputc('"', out);
}

void json_key(json_writer *j, const char *key) {
  before_item(j);
  write_string(j->out, key);
  fputs(": ", j->out);
  j->after_key = 1;
}

void json_string(json_writer *j, const char *s) {
  if (!s) {
    json_null(j);
    return;
  }
  before_item(j);
  write_string(j->out, s);
}

void json_int(json_writer *j, int64_t v) {
  before_item(j);
  fprintf(j->out, "%" PRId64, v);
}

void json_uint(json_writer *j, uint64_t v) {
  before_item(j);
  fprintf(j->out, "%" PRIu64, v);
}

void json_bool(json_writer *j, int v) {
  before_item(j);
  fputs(v ? "true" : "false", j->out);
}

void json_null(json_writer *j) {
  before_item(j);
  fputs("null", j->out);
}

void json_double(json_writer *j, double v) {
  if (isnan(v) || isinf(v)) {
    json_string(j, isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
    return;
  }
  char buf[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      break;
  }
  if (!strpbrk(buf, ".e"))
    strcat(buf, ".0");
  before_item(j);
  fputs(buf, j->out);
}

void json_finish(json_writer *j) { fputc('\n', j->out); }

void json_kv_string(json_writer *j, const char *key, const char *s) {
  json_key(j, key);
  json_string(j, s);
}
void json_kv_int(json_writer *j, const char *key, int64_t v) {
  json_key(j, key);
  json_int(j, v);
}
void json_kv_uint(json_writer *j, const char *key, uint64_t v) {
  json_key(j, key);
  json_uint(j, v);
}
void json_kv_bool(json_writer *j, const char *key, int v) {
  json_key(j, key);
  json_bool(j, v);
}
