/* SPDX-License-Identifier: MIT */
/*
 * json.h - a tiny streaming JSON emitter for the arrayshare command.
 *
 * Produces valid, pretty-printed JSON (2-space indent): strings are escaped
 * and bytes that are not valid UTF-8 become U+FFFD, so any input yields a
 * document strict parsers accept. Commas and nesting are tracked here; the
 * caller only says what comes next.
 */
#ifndef ASH_CLI_JSON_H
#define ASH_CLI_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct json_writer {
  FILE *out;
  int depth;
  int count[JSON_MAX_DEPTH]; /* values written so far at each depth */
  int after_key;             /* a key was written; its value comes next */
  int flat; /* depth from which items stay on one line (0: none) */
} json_writer;

void json_init(json_writer *j, FILE *out);
void json_object_begin(json_writer *j);
void json_object_end(json_writer *j);
void json_array_begin(json_writer *j);
void json_array_end(json_writer *j);
/* An array written on one line, with everything nested in it (values). */
void json_array_begin_flat(json_writer *j);
void json_key(json_writer *j, const char *key);
void json_string(json_writer *j, const char *s); /* NULL writes null */
void json_int(json_writer *j, int64_t v);
void json_uint(json_writer *j, uint64_t v);
void json_bool(json_writer *j, int v);
void json_null(json_writer *j);
/* The shortest text that reads back as @v, with ".0" when it would look like
 * an integer ("1.0"); NaN and infinities, which JSON lacks, are written as
 * the strings "nan", "inf" and "-inf". */
void json_double(json_writer *j, double v);
/* Ends the document with a newline. */
void json_finish(json_writer *j);

/* Shorthands for "key": value inside an object. */
void json_kv_string(json_writer *j, const char *key, const char *s);
void json_kv_int(json_writer *j, const char *key, int64_t v);
void json_kv_uint(json_writer *j, const char *key, uint64_t v);
void json_kv_bool(json_writer *j, const char *key, int v);

#endif
