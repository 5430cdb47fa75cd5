/* SPDX-License-Identifier: MIT */
/*
 * arrayshare - inspect and manage arrayshare segments from the shell.
 *
 *   arrayshare ls [PATTERN...] [--json]
 *   arrayshare info NAME [--json]
 *   arrayshare create NAME[/ARRAY] --shape 3,4 [--dtype f8] --persist|--hold
 *   arrayshare dump NAME[/ARRAY][INDEX] | DESCRIPTOR ... [--json]
 *   arrayshare rm NAME|PATTERN... [--json]
 *   arrayshare gc [PATTERN...] [--dry-run] [--json]
 *   arrayshare version
 *
 * One meaning for a NAME everywhere (parse_target): a segment name, with
 * "/ARRAY" an array of it and "[INDEX]" a slice; a descriptor; a file path
 * only with --file.
 *
 * Exit status: 0 success, 1 an operation failed (the library's detail
 * message on stderr, or under --json an "error" object on stdout), 2 usage
 * error.
 *
 * Inspection (ls, info, dump) opens segments with ASH_NOATTACH, so looking
 * at a segment never counts as attaching to it and never changes it.
 * Uses only the public header.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arrayshare.h"
#include "json.h"

#define PROG "arrayshare"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* ---------------------------------------------------------------------- */
/* Help texts                                                              */
/* ---------------------------------------------------------------------- */

static const char HELP_MAIN[] =
    "Usage: arrayshare COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Inspect and manage arrayshare segments: typed N-dimensional arrays\n"
    "shared between processes through POSIX shared memory (/dev/shm/ash.*).\n"
    "\n"
    "Commands:\n"
    "  ls        list segments with their arrays, policy and attachers\n"
    "  info      show one segment in detail\n"
    "  create    create a segment holding one zero-filled array\n"
    "  dump      print an array's values the way NumPy prints them\n"
    "  rm        remove segments\n"
    "  gc        remove segments whose attachers have all died\n"
    "  version   show the library and command versions\n"
    "  help      show help for a command\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help\n"
    "  -V, --version  show the versions (same as 'arrayshare version')\n"
    "\n"
    "Names, the same for every command:\n"
    "  NAME               a segment in /dev/shm (letters, digits, '_', '.', "
    "'-')\n"
    "  NAME/ARRAY         one of its arrays; NAME/ARRAY[INDEX] a slice (dump)\n"
    "  ash://NAME/...     a descriptor, as the bindings print them; also\n"
    "                     ash+file:///PATH?... for a file-backed segment\n"
    "  --file PATH        a file-backed segment: a path is a path only with\n"
    "                     --file; without it '/' always starts the array name\n"
    "  PATTERN            ls, rm and gc also take shell-style patterns (*, ?,\n"
    "                     [...]) matched against segment names; quote them\n"
    "\n"
    "With --json a command prints one JSON document on stdout, errors\n"
    "included: {\"error\": {\"command\", \"code\", \"status\", \"message\"}}\n"
    "(commands that take several names list failures under \"errors\").\n"
    "\n"
    "Run 'arrayshare help COMMAND' or 'arrayshare COMMAND --help' for the\n"
    "options of one command.\n"
    "\n"
    "Exit status: 0 on success, 1 when an operation failed, 2 on a usage\n"
    "error.\n";

static const char HELP_LS[] =
    "Usage: arrayshare ls [PATTERN...] [--json]\n"
    "\n"
    "List this library's segments in /dev/shm: name, size in bytes, lifetime\n"
    "policy (auto or persist), attachers alive and dead, and each array's\n"
    "name, dtype and shape. Segments are inspected without attaching, so\n"
    "listing never changes an attach count. With PATTERNs (shell-style: *, ?,\n"
    "[...]; a plain NAME matches itself), only the segments matching one.\n"
    "\n"
    "Options:\n"
    "  --json      print a JSON object {\"segments\": [...]}\n"
    "  -h, --help  show this help\n";

static const char HELP_INFO[] =
    "Usage: arrayshare info NAME [--json]\n"
    "       arrayshare info --file PATH [--json]\n"
    "\n"
    "Show one segment in detail: size, format version, creator pid, creation\n"
    "time (ISO 8601), policy, free arena bytes, the attach table (pid, alive\n"
    "or dead) and every array with dtype, shape, strides, nbytes and its\n"
    "descriptor. NAME may also be NAME/ARRAY or a descriptor "
    "(ash://NAME/...):\n"
    "the segment holding that array is shown. Inspecting does not attach.\n"
    "\n"
    "Options:\n"
    "  --file      the argument is the path of a file-backed segment\n"
    "  --json      print JSON\n"
    "  -h, --help  show this help\n";

static const char HELP_CREATE[] =
    "Usage: arrayshare create NAME[/ARRAY] --shape SHAPE [--dtype DTYPE]\n"
    "                         (--persist | --hold) [--mode MODE] [--json]\n"
    "       arrayshare create --file PATH --shape SHAPE ... [--array ARRAY]\n"
    "\n"
    "Create segment NAME holding one zero-filled array (named ARRAY, default\n"
    "\"data\") and print its descriptor.\n"
    "\n"
    "A segment's lifetime policy is chosen here, and one of two options says\n"
    "which:\n"
    "  --persist   policy \"persist\": the segment outlives the command and\n"
    "              stays until 'arrayshare rm NAME'.\n"
    "  --hold      policy \"auto\": the command stays attached (after "
    "printing\n"
    "              the descriptor) until SIGINT, SIGTERM or SIGHUP; the\n"
    "              segment is removed when its last attacher detaches.\n"
    "Without either, create refuses: an auto segment whose only attacher is\n"
    "this command would be gone again by the time it exits.\n"
    "\n"
    "Options:\n"
    "  --shape SHAPE   dimensions, e.g. 3,4 or \"(3, 4)\"; \"\" or () for 0-d\n"
    "  --dtype DTYPE   element type as NumPy spells it: float64 (default),\n"
    "                  f4, int32, u1, bool, complex128, ...\n"
    "  --persist       lifetime policy \"persist\" (kept until removed)\n"
    "  --hold          policy \"auto\", held by this command until a signal\n"
    "  --mode MODE     permission bits in octal (default 0600)\n"
    "  --array ARRAY   the array's name (default \"data\"; or NAME/ARRAY)\n"
    "  --file          the argument is a file path (file-backed segment)\n"
    "  --json          print {\"descriptor\", \"name\", \"array\", "
    "\"policy\"}\n"
    "  -h, --help      show this help\n";

static const char HELP_DUMP[] =
    "Usage: arrayshare dump [OPTIONS] TARGET...\n"
    "\n"
    "Print the values of an array the way NumPy's print() shows them, after\n"
    "a header line with the descriptor, dtype and shape. TARGET is a segment\n"
    "NAME (its first array), NAME/ARRAY, a descriptor such as "
    "ash://NAME/ARRAY\n"
    "or one printed by a binding (slices included, e.g. \"NAME/ARRAY[1:3, "
    "::-1]\"),\n"
    "or with --file the path of a file-backed segment.\n"
    "Arrays of more than 1000 elements are summarised with '...', showing\n"
    "the first and last 3 entries of each axis, as NumPy does.\n"
    "Dumping does not attach.\n"
    "\n"
    "With --json: {\"arrays\": [{\"target\", \"descriptor\", \"dtype\", "
    "\"shape\",\n"
    "\"values\"}], \"errors\": [...]}, every value, never summarised: nested\n"
    "lists as NumPy's tolist() gives them (complex as [re, im]; NaN and\n"
    "infinities, which JSON lacks, as the strings \"nan\", \"inf\", "
    "\"-inf\").\n"
    "\n"
    "Options:\n"
    "  --values-only     omit the header line\n"
    "  --array ARRAY     the array to print (default: the first one)\n"
    "  --file            TARGET is a file path\n"
    "  --json            print JSON\n"
    "  --full            never summarise\n"
    "  --threshold N     summarise above N elements (default 1000)\n"
    "  --edgeitems N     entries shown at each end when summarising (3)\n"
    "  --linewidth N     characters per line (default 75)\n"
    "  -h, --help        show this help\n";

static const char HELP_RM[] =
    "Usage: arrayshare rm [--force] [--json] NAME|PATTERN...\n"
    "       arrayshare rm --file PATH...\n"
    "\n"
    "Remove segments by name, descriptor or shell-style PATTERN (*, ?, [...],\n"
    "quoted; it must match at least one segment), or with --file by path.\n"
    "Processes that have a segment mapped keep using it; its memory is freed\n"
    "when the last one detaches. Files that are not arrayshare segments are\n"
    "left alone.\n"
    "\n"
    "Options:\n"
    "  -f, --force  do not report segments that do not exist\n"
    "  --file       the arguments are file paths\n"
    "  --json       print {\"removed\": [...], \"errors\": [...]}\n"
    "  -h, --help   show this help\n";

static const char HELP_GC[] =
    "Usage: arrayshare gc [PATTERN...] [--dry-run] [--json]\n"
    "\n"
    "Scan this library's segments: drop dead processes from attach tables,\n"
    "remove \"auto\" segments with no live attacher left and segments whose\n"
    "creator died before finishing them. \"persist\" segments are kept.\n"
    "Prints how many segments were removed. With PATTERNs (shell-style, or\n"
    "plain names), only the segments matching one are looked at, and each\n"
    "one removed is named.\n"
    "\n"
    "Options:\n"
    "  -n, --dry-run  change nothing: list what gc would do and why\n"
    "                 (\"reap\": removed; \"prune\": dead attachers dropped;\n"
    "                 \"unfinished\": being created or removed now, reaped\n"
    "                 only if its creator died before finishing it). Without\n"
    "                 it, with PATTERNs, each segment acted on is listed as\n"
    "                 \"reaped\", \"pruned\", \"kept\" (attached meanwhile) "
    "or\n"
    "                 \"skipped\" (unfinished: plain 'arrayshare gc' takes "
    "it)\n"
    "  --json         print {\"reaped\": N, \"dry_run\": ..., \"segments\": "
    "[...]}\n"
    "  -h, --help     show this help\n";

static const char HELP_VERSION[] =
    "Usage: arrayshare version\n"
    "\n"
    "Show the run-time library version, the version this command was\n"
    "compiled against, and the segment format version.\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

static const char HELP_HELP[] =
    "Usage: arrayshare help [COMMAND]\n"
    "\n"
    "Show help for COMMAND, or the list of commands.\n";

/* ---------------------------------------------------------------------- */
/* Options                                                                  */
/* ---------------------------------------------------------------------- */

enum {
  O_HELP = 1 << 0,
  O_JSON = 1 << 1,
  O_DTYPE = 1 << 2,
  O_SHAPE = 1 << 3,
  O_PERSIST = 1 << 4,
  O_MODE = 1 << 5,
  O_ARRAY = 1 << 6,
  O_FILE = 1 << 7,
  O_VALUES_ONLY = 1 << 8,
  O_FULL = 1 << 9,
  O_THRESHOLD = 1 << 10,
  O_EDGEITEMS = 1 << 11,
  O_LINEWIDTH = 1 << 12,
  O_FORCE = 1 << 13,
  O_HOLD = 1 << 14,
  O_DRY_RUN = 1 << 15
};

typedef struct opt_spec {
  const char *lng;
  char shrt;
  int has_arg;
  unsigned id;
} opt_spec;

static const opt_spec OPTS[] = {
    {"help", 'h', 0, O_HELP},
    {"json", 0, 0, O_JSON},
    {"dtype", 0, 1, O_DTYPE},
    {"shape", 0, 1, O_SHAPE},
    {"persist", 0, 0, O_PERSIST},
    {"mode", 0, 1, O_MODE},
    {"array", 0, 1, O_ARRAY},
    {"file", 0, 0, O_FILE},
    {"values-only", 0, 0, O_VALUES_ONLY},
    {"full", 0, 0, O_FULL},
    {"threshold", 0, 1, O_THRESHOLD},
    {"edgeitems", 0, 1, O_EDGEITEMS},
    {"linewidth", 0, 1, O_LINEWIDTH},
    {"force", 'f', 0, O_FORCE},
    {"hold", 0, 0, O_HOLD},
    {"dry-run", 'n', 0, O_DRY_RUN},
};
#define NOPTS ((int)(sizeof OPTS / sizeof OPTS[0]))

typedef struct opts {
  unsigned set; /* O_* bits seen */
  const char *val[NOPTS];
  char **pos;
  int npos;
} opts;

static const char *opt_val(const opts *o, unsigned id) {
  for (int i = 0; i < NOPTS; i++)
    if (OPTS[i].id == id)
      return o->val[i];
  return NULL;
}

typedef int (*cmd_fn)(const char *cmd, opts *o);

typedef struct command {
  const char *name;
  cmd_fn fn;
  unsigned allowed; /* O_* bits this command accepts */
  const char *help;
} command;

/* How errors are reported. Under --json (json), each error becomes JSON on
 * stdout: a command that takes one name prints {"error": {...}} and stops;
 * one that takes several (collect) gathers them for its "errors" list. */
typedef struct err_entry {
  char *target;
  int status;
  char *message;
} err_entry;

static struct {
  int json;
  int collect;
  err_entry *errs;
  int nerrs, caperrs;
} G;

static void json_error_fields(json_writer *j, const char *cmd,
                              const char *target, const char *code, int status,
                              const char *msg) {
  if (cmd)
    json_kv_string(j, "command", cmd);
  if (target)
    json_kv_string(j, "target", target);
  json_kv_string(j, "code", code);
  if (status)
    json_kv_int(j, "status", status);
  json_kv_string(j, "message", msg);
}

/* {"error": {...}} on stdout: the whole output of a failed --json command. */
static void json_error_doc(const char *cmd, const char *target,
                           const char *code, int status, const char *msg) {
  json_writer j;
  json_init(&j, stdout);
  json_object_begin(&j);
  json_key(&j, "error");
  json_object_begin(&j);
  json_error_fields(&j, cmd, target, code, status, msg);
  json_object_end(&j);
  json_object_end(&j);
  json_finish(&j);
}

/* "errors": [...] from the collected errors (multi-name commands). */
static void json_errors(json_writer *j, const char *cmd) {
  json_key(j, "errors");
  json_array_begin(j);
  for (int i = 0; i < G.nerrs; i++) {
    json_object_begin(j);
    json_error_fields(j, cmd, G.errs[i].target, ash_err_name(G.errs[i].status),
                      G.errs[i].status, G.errs[i].message);
    json_object_end(j);
  }
  json_array_end(j);
}

static void errors_free(void) {
  for (int i = 0; i < G.nerrs; i++) {
    free(G.errs[i].target);
    free(G.errs[i].message);
  }
  free(G.errs);
  G.errs = NULL;
  G.nerrs = G.caperrs = 0;
}

__attribute__((format(printf, 2, 3))) static int
usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (G.json) {
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_error_doc(cmd, NULL, "USAGE", 0, msg);
    return EXIT_USAGE;
  }
  if (cmd)
    fprintf(stderr, PROG ": %s: ", cmd);
  else
    fputs(PROG ": ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (cmd)
    fprintf(stderr, "\nTry '" PROG " %s --help' for more information.\n", cmd);
  else
    fputs("\nTry '" PROG " --help' for more information.\n", stderr);
  return EXIT_USAGE;
}

/* Parses argv[0..argc) (after the command name). Options may come anywhere;
 * "--" ends them. @return 0, or EXIT_USAGE after printing the message. */
static int parse_opts(const char *cmd, unsigned allowed, int argc, char **argv,
                      opts *o) {
  memset(o, 0, sizeof *o);
  o->pos = calloc((size_t)argc + 1, sizeof *o->pos);
  if (!o->pos) {
    fprintf(stderr, PROG ": %s: out of memory\n", cmd);
    return EXIT_FAIL;
  }
  int only_pos = 0;
  for (int i = 0; i < argc; i++) {
    char *a = argv[i];
    if (only_pos || a[0] != '-' || a[1] == '\0') {
      o->pos[o->npos++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_pos = 1;
      continue;
    }
    int k = -1;
    const char *inline_val = NULL;
    if (a[1] == '-') {
      const char *name = a + 2;
      const char *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      for (int j = 0; j < NOPTS; j++)
        if ((OPTS[j].id & allowed) && strlen(OPTS[j].lng) == len &&
            strncmp(OPTS[j].lng, name, len) == 0)
          k = j;
      if (k < 0)
        return usage_error(cmd, "unknown option '--%.*s'", (int)len, name);
      if (eq) {
        if (!OPTS[k].has_arg)
          return usage_error(cmd, "option '--%s' takes no value", OPTS[k].lng);
        inline_val = eq + 1;
      }
    } else {
      if (a[2] != '\0')
        return usage_error(cmd, "unknown option '%s'", a);
      for (int j = 0; j < NOPTS; j++)
        if ((OPTS[j].id & allowed) && OPTS[j].shrt == a[1])
          k = j;
      if (k < 0)
        return usage_error(cmd, "unknown option '%s'", a);
    }
    o->set |= OPTS[k].id;
    if (OPTS[k].has_arg) {
      if (inline_val) {
        o->val[k] = inline_val;
      } else if (i + 1 < argc) {
        o->val[k] = argv[++i];
      } else {
        return usage_error(cmd, "option '--%s' needs a value", OPTS[k].lng);
      }
    }
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                  */
/* ---------------------------------------------------------------------- */

/* Reports an error: "arrayshare: CMD: MSG" on stderr, or under --json the
 * JSON error (see G). lib_error() reports a failed library call with
 * ash_last_error(); when that message does not name @subject (say, a
 * segment name), it is put in front so the user knows which argument
 * failed. */
static int report_error(const char *cmd, const char *subject, int status,
                        const char *msg) {
  if (!G.json) {
    fprintf(stderr, PROG ": %s: %s\n", cmd, msg);
  } else if (!G.collect) {
    json_error_doc(cmd, subject, ash_err_name(status), status, msg);
  } else {
    if (G.nerrs == G.caperrs) {
      int cap = G.caperrs ? 2 * G.caperrs : 8;
      err_entry *e = realloc(G.errs, (size_t)cap * sizeof *e);
      if (!e)
        return EXIT_FAIL;
      G.errs = e;
      G.caperrs = cap;
    }
    err_entry *e = &G.errs[G.nerrs++];
    e->target = strdup(subject ? subject : "");
    e->status = status;
    e->message = strdup(msg);
  }
  return EXIT_FAIL;
}

static int lib_error(const char *cmd, const char *subject, int status) {
  const char *detail = ash_last_error();
  if (!detail || !*detail)
    detail = ash_strerror(status);
  char msg[4600];
  if (subject && *subject && !strstr(detail, subject))
    snprintf(msg, sizeof msg, "%s: %s", subject, detail);
  else
    snprintf(msg, sizeof msg, "%s", detail);
  return report_error(cmd, subject, status, msg);
}

static const char *policy_name(int p) {
  return p == ASH_POLICY_PERSIST ? "persist" : "auto";
}

/* "(3, 4)", "(3,)", "()" as Python prints a tuple. */
static void tuple_str(char *buf, size_t cap, int n, const int64_t *v) {
  size_t len = 0;
  buf[0] = '\0';
  len += (size_t)snprintf(buf + len, cap - len, "(");
  for (int i = 0; i < n && len < cap; i++)
    len += (size_t)snprintf(buf + len, cap - len, "%s%" PRId64, i ? ", " : "",
                            v[i]);
  if (len < cap)
    snprintf(buf + len, cap - len, "%s)", n == 1 ? "," : "");
}

#define TUPLE_MAX (ASH_MAX_NDIM * 24 + 8)

static void json_int_array(json_writer *j, int n, const int64_t *v) {
  json_array_begin_flat(j);
  for (int i = 0; i < n; i++)
    json_int(j, v[i]);
  json_array_end(j);
}

/* ISO 8601 local time with offset, e.g. 2024-11-24T20:58:01.123456+01:00. */
static void iso8601(int64_t ns, char *buf, size_t cap) {
  time_t s = (time_t)(ns / 1000000000);
  long us = (long)((ns % 1000000000) / 1000);
  if (us < 0) {
    us += 1000000;
    s -= 1;
  }
  struct tm tm;
  char date[40], zone[8];
  if (!localtime_r(&s, &tm)) {
    snprintf(buf, cap, "%" PRId64 "ns", ns);
    return;
  }
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  strftime(zone, sizeof zone, "%z", &tm); /* +hhmm */
  if (strlen(zone) == 5)
    snprintf(buf, cap, "%s.%06ld%.3s:%.2s", date, us, zone, zone + 3);
  else
    snprintf(buf, cap, "%s.%06ldZ", date, us);
}

/* The descriptor to show for a view. Inspection opens segments read-only
 * (ASH_NOATTACH), so the library marks our views "ro=1"; that says how this
 * command looked, not what the array is, so it is left out. */
static const char *shown_descriptor(const ash_view *v) {
  return ash_view_descriptor_ex(v, ASH_DESC_NO_RO);
}

/* What a NAME argument names: the one rule of HELP_MAIN, for every command.
 *  - with --file (@file): a path, the whole argument;
 *  - "ash+file://PATH?...": a file-backed segment's descriptor;
 *  - "ash://NAME[/ARRAY][?...]": a descriptor;
 *  - otherwise NAME[/ARRAY][INDEX]: '/' starts the array name, '[' an index.
 * No path without --file: an argument starting with '/' or '.' (which no
 * segment name can) is refused with a message that points to --file. */
typedef struct cli_target {
  const char *arg;
  unsigned flags;  /* ASH_FILE: seg is a path */
  int descriptor;  /* given as ash:// or ash+file:// */
  int view;        /* names more than an array: an index or a query */
  char seg[4096];  /* the segment name or path */
  char array[256]; /* the array name, "" when none is given */
} cli_target;

static int parse_target(const char *cmd, const char *arg, int file,
                        cli_target *t) {
  memset(t, 0, sizeof *t);
  t->arg = arg;
  size_t len;
  if (file) {
    t->flags = ASH_FILE;
    len = strlen(arg);
  } else if (strncmp(arg, "ash+file://", 11) == 0) {
    t->flags = ASH_FILE;
    t->descriptor = t->view = 1;
    arg += 11;
    len = strcspn(arg, "?");
  } else {
    if (strncmp(arg, "ash://", 6) == 0) {
      t->descriptor = 1;
      arg += 6;
    } else if (arg[0] == '/' || arg[0] == '.') {
      return usage_error(cmd,
                         "\"%s\" is not a segment name (no name starts with "
                         "'%c'); give --file for a file-backed segment's path",
                         arg, arg[0]);
    }
    len = strcspn(arg, "/?[");
    const char *p = arg + len;
    if (*p == '/') {
      size_t la = strcspn(++p, "?[");
      if (la >= sizeof t->array)
        return usage_error(cmd, "array name too long in \"%s\"", t->arg);
      memcpy(t->array, p, la);
      p += la;
    }
    t->view = *p == '[' || *p == '?';
  }
  if (len >= sizeof t->seg)
    return usage_error(cmd, "name too long: \"%.40s...\"", t->arg);
  memcpy(t->seg, arg, len);
  t->seg[len] = '\0';
  return 0;
}

/* A shell-style pattern over segment names (ls, rm, gc): it has a glob
 * character and is neither a descriptor nor NAME/ARRAY[INDEX]. Segment names
 * cannot contain '*', '?' or '[', so a NAME is never taken for a pattern. */
static int is_pattern(const char *a) {
  return strpbrk(a, "*?[") && !strchr(a, '/');
}

/* ls and gc: every argument is a PATTERN or names a segment. */
static int check_filters(const char *cmd, const opts *o) {
  for (int i = 0; i < o->npos; i++) {
    cli_target t;
    if (is_pattern(o->pos[i]))
      continue;
    int rc = parse_target(cmd, o->pos[i], 0, &t);
    if (rc)
      return rc;
    if (t.flags & ASH_FILE)
      return usage_error(cmd,
                         "\"%s\": file-backed segments are not in "
                         "/dev/shm; name them with info --file",
                         o->pos[i]);
  }
  return 0;
}

/* @return 1 when segment @name is selected by the filters (all when none). */
static int filter_match(const opts *o, const char *name) {
  if (o->npos == 0)
    return 1;
  for (int i = 0; i < o->npos; i++) {
    cli_target t;
    if (is_pattern(o->pos[i])) {
      if (fnmatch(o->pos[i], name, 0) == 0)
        return 1;
    } else if (parse_target(NULL, o->pos[i], 0, &t) == 0 &&
               strcmp(t.seg, name) == 0) {
      return 1;
    }
  }
  return 0;
}

static int parse_int_opt(const char *cmd, const char *name, const char *s,
                         int64_t lo, int64_t hi, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return usage_error(cmd, "--%s: invalid value \"%s\"", name, s);
  *out = v;
  return 0;
}

/* "3,4", "(3, 4)", "3x4", "3", "(3,)", and "" or "()" for 0-d. */
static int parse_shape(const char *cmd, const char *s, int *ndim,
                       int64_t *shape) {
  const char *p = s;
  int n = 0;
  while (*p == ' ')
    p++;
  int paren = *p == '(';
  if (paren)
    p++;
  while (*p == ' ')
    p++;
  while (*p && *p != ')') {
    if (*p < '0' || *p > '9')
      goto bad;
    if (n >= ASH_MAX_NDIM)
      return usage_error(cmd, "--shape: more than %d dimensions in \"%s\"",
                         ASH_MAX_NDIM, s);
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (errno)
      goto bad;
    shape[n++] = v;
    p = end;
    while (*p == ' ')
      p++;
    if (*p != ',' && *p != 'x')
      break;
    char sep = *p++;
    while (*p == ' ')
      p++;
    /* "3," and "(3,)": a trailing comma after the only dimension. */
    if ((*p == '\0' || *p == ')') && !(sep == ',' && n == 1))
      goto bad;
  }
  if (paren) {
    if (*p != ')')
      goto bad;
    p++;
    while (*p == ' ')
      p++;
  }
  if (*p)
    goto bad;
  *ndim = n;
  return 0;
bad:
  return usage_error(cmd,
                     "--shape: invalid shape \"%s\" (non-negative integers "
                     "separated by commas, e.g. 3,4)",
                     s);
}

/* ---------------------------------------------------------------------- */
/* ls                                                                       */
/* ---------------------------------------------------------------------- */

typedef struct seg_row {
  char *name;
  uint64_t size;
  int policy, alive, dead;
  char *error; /* set when the segment could not be inspected */
  int narrays;
  char **anames;
  int *adtype;
  int *andim;
  int64_t (*ashape)[ASH_MAX_NDIM];
} seg_row;

static void row_free(seg_row *r) {
  for (int i = 0; i < r->narrays; i++)
    free(r->anames[i]);
  free(r->anames);
  free(r->adtype);
  free(r->andim);
  free(r->ashape);
  free(r->name);
  free(r->error);
}

/* @return 1 when the row is filled, 0 when the segment vanished. */
static int inspect_row(const char *name, seg_row *r) {
  memset(r, 0, sizeof *r);
  r->name = strdup(name);
  ash_segment *seg = NULL;
  int st = ash_segment_open(name, ASH_NOATTACH, &seg);
  if (st == ASH_E_NOENT)
    return 0;
  if (st != ASH_OK) {
    const char *m = ash_last_error();
    r->error = strdup(m && *m ? m : ash_strerror(st));
    return 1;
  }
  r->size = ash_segment_size(seg);
  r->policy = ash_segment_policy(seg);
  ash_segment_attachers(seg, &r->alive, &r->dead);
  int n = ash_segment_array_count(seg);
  if (n < 0)
    n = 0;
  r->anames = calloc((size_t)n + 1, sizeof *r->anames);
  r->adtype = calloc((size_t)n + 1, sizeof *r->adtype);
  r->andim = calloc((size_t)n + 1, sizeof *r->andim);
  r->ashape = calloc((size_t)n + 1, sizeof *r->ashape);
  if (!r->anames || !r->adtype || !r->andim || !r->ashape)
    n = 0;
  for (int i = 0; i < n; i++) {
    const char *an = ash_segment_array_name(seg, i);
    ash_view *v = NULL;
    if (!an || ash_segment_view(seg, an, &v) != ASH_OK)
      continue;
    int k = r->narrays++;
    r->anames[k] = strdup(an);
    r->adtype[k] = ash_view_dtype(v);
    r->andim[k] = ash_view_ndim(v);
    memcpy(r->ashape[k], ash_view_shape(v),
           (size_t)r->andim[k] * sizeof(int64_t));
    ash_view_release(v);
  }
  ash_segment_close(seg);
  return 1;
}

static int cmd_ls(const char *cmd, opts *o) {
  int rc = check_filters(cmd, o);
  if (rc)
    return rc;
  ash_list *l = NULL;
  int st = ash_list_segments(&l);
  if (st != ASH_OK)
    return lib_error(cmd, NULL, st);
  int n = ash_list_count(l);
  seg_row *rows = calloc((size_t)n + 1, sizeof *rows);
  if (!rows) {
    ash_list_free(l);
    fprintf(stderr, PROG ": %s: out of memory\n", cmd);
    return EXIT_FAIL;
  }
  int nrows = 0;
  for (int i = 0; i < n; i++) {
    const char *name = ash_list_name(l, i);
    if (!name || !filter_match(o, name))
      continue;
    if (inspect_row(name, &rows[nrows]))
      nrows++;
    else
      row_free(&rows[nrows]);
  }
  ash_list_free(l);

  if (o->set & O_JSON) {
    json_writer j;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_key(&j, "segments");
    json_array_begin(&j);
    for (int i = 0; i < nrows; i++) {
      seg_row *r = &rows[i];
      json_object_begin(&j);
      json_kv_string(&j, "name", r->name);
      if (r->error) {
        json_kv_string(&j, "error", r->error);
        json_object_end(&j);
        continue;
      }
      json_kv_uint(&j, "size", r->size);
      json_kv_string(&j, "policy", policy_name(r->policy));
      json_key(&j, "attachers");
      json_object_begin(&j);
      json_kv_int(&j, "alive", r->alive);
      json_kv_int(&j, "dead", r->dead);
      json_object_end(&j);
      json_key(&j, "arrays");
      json_array_begin(&j);
      for (int k = 0; k < r->narrays; k++) {
        json_object_begin(&j);
        json_kv_string(&j, "name", r->anames[k]);
        json_kv_string(&j, "dtype", ash_dtype_name(r->adtype[k]));
        json_key(&j, "shape");
        json_int_array(&j, r->andim[k], r->ashape[k]);
        json_object_end(&j);
      }
      json_array_end(&j);
      json_object_end(&j);
    }
    json_array_end(&j);
    json_object_end(&j);
    json_finish(&j);
  } else if (nrows > 0) {
    /* Column widths first, then the rows. */
    int wn = 4, ws = 4;
    char num[32];
    for (int i = 0; i < nrows; i++) {
      int l1 = (int)strlen(rows[i].name);
      if (l1 > wn)
        wn = l1;
      int l2 = snprintf(num, sizeof num, "%" PRIu64, rows[i].size);
      if (l2 > ws)
        ws = l2;
    }
    printf("%-*s  %*s  %-7s  %5s  %4s  %s\n", wn, "NAME", ws, "SIZE", "POLICY",
           "ALIVE", "DEAD", "ARRAYS");
    for (int i = 0; i < nrows; i++) {
      seg_row *r = &rows[i];
      if (r->error) {
        printf("%-*s  %*s  %-7s  %5s  %4s  error: %s\n", wn, r->name, ws, "?",
               "?", "?", "?", r->error);
        continue;
      }
      printf("%-*s  %*" PRIu64 "  %-7s  %5d  %4d  ", wn, r->name, ws, r->size,
             policy_name(r->policy), r->alive, r->dead);
      if (r->narrays == 0)
        fputs("-", stdout);
      for (int k = 0; k < r->narrays; k++) {
        char shp[TUPLE_MAX];
        tuple_str(shp, sizeof shp, r->andim[k], r->ashape[k]);
        const char *dn = ash_dtype_name(r->adtype[k]);
        printf("%s%s %s %s", k ? "; " : "", r->anames[k], dn ? dn : "?", shp);
      }
      fputc('\n', stdout);
    }
  }
  for (int i = 0; i < nrows; i++)
    row_free(&rows[i]);
  free(rows);
  return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* info                                                                     */
/* ---------------------------------------------------------------------- */

/* Coordination state for info: a lock (an array's, or the segment's when
 * @v is NULL), the array's version, and the ring an array may be. Segments
 * of format 1.0 have none of them (the calls say ASH_E_VERSION). */
typedef struct {
  int has_lock, state;
  int64_t pid;
  int has_version;
  int64_t version;
  ash_ring *ring;
} sync_info;

static void sync_info_of(ash_segment *seg, ash_view *v, sync_info *si) {
  memset(si, 0, sizeof *si);
  si->has_lock =
      (v ? ash_view_lock_state(v, &si->state, &si->pid)
         : ash_segment_lock_state(seg, &si->state, &si->pid)) == ASH_OK;
  if (v) {
    si->has_version = ash_view_version(v, &si->version) == ASH_OK;
    const char *d = shown_descriptor(v);
    if (d && ash_ring_attach(d, ASH_NOATTACH, &si->ring) != ASH_OK)
      si->ring = NULL; /* an array, not a ring */
  }
}

static void json_sync(json_writer *j, const sync_info *si) {
  if (si->has_lock) {
    json_key(j, "lock");
    json_object_begin(j);
    json_kv_string(j, "state", ash_lock_state_name(si->state));
    json_kv_int(j, "pid", si->pid);
    json_object_end(j);
  }
  if (si->has_version)
    json_kv_int(j, "version", si->version);
  if (!si->ring)
    return;
  int64_t ppid = 0;
  int palive = 0;
  ash_ring_producer(si->ring, &ppid, &palive);
  json_key(j, "ring");
  json_object_begin(j);
  json_kv_int(j, "nslots", ash_ring_nslots(si->ring));
  json_kv_uint(j, "slot_nbytes", ash_ring_slot_nbytes(si->ring));
  json_kv_int(j, "head", ash_ring_head(si->ring));
  json_key(j, "producer");
  json_object_begin(j);
  json_kv_int(j, "pid", ppid);
  json_kv_bool(j, "alive", palive);
  json_object_end(j);
  json_key(j, "consumers");
  json_array_begin(j);
  ash_list *l = NULL;
  ash_ring_consumer_list(si->ring, &l);
  for (int i = 0; i < ash_list_count(l); i++) {
    json_object_begin(j);
    json_kv_int(j, "pid", strtoll(ash_list_name(l, i), NULL, 10));
    json_kv_int(j, "cursor", ash_list_value(l, i));
    json_kv_bool(j, "alive", ash_list_flag(l, i));
    json_object_end(j);
  }
  ash_list_free(l);
  json_array_end(j);
  json_object_end(j);
}

/* @in: the indent of the labels, @w: their column width. */
static void print_sync(const sync_info *si, const char *in, int w) {
  if (si->has_version)
    printf("%s%-*s%" PRId64 "\n", in, w, "version:", si->version);
  if (si->has_lock) {
    const char *st = ash_lock_state_name(si->state);
    if (si->state == ASH_LOCK_FREE || si->pid == 0)
      printf("%s%-*s%s\n", in, w, "lock:", st);
    else
      printf("%s%-*s%s, pid %" PRId64 "\n", in, w, "lock:", st, si->pid);
  }
  if (!si->ring)
    return;
  int64_t ppid = 0;
  int palive = 0;
  ash_ring_producer(si->ring, &ppid, &palive);
  printf("%s%-*s%" PRId64 " slots of %" PRIu64 " bytes, head %" PRId64, in, w,
         "ring:", ash_ring_nslots(si->ring), ash_ring_slot_nbytes(si->ring),
         ash_ring_head(si->ring));
  if (ppid)
    printf(", producer pid %" PRId64 " (%s)", ppid, palive ? "alive" : "dead");
  printf("\n");
  ash_list *l = NULL;
  ash_ring_consumer_list(si->ring, &l);
  for (int i = 0; i < ash_list_count(l); i++)
    printf("%s  consumer pid %s at %" PRId64 " (%s)\n", in, ash_list_name(l, i),
           ash_list_value(l, i), ash_list_flag(l, i) ? "alive" : "dead");
  ash_list_free(l);
}

static int cmd_info(const char *cmd, opts *o) {
  if (o->npos != 1)
    return usage_error(cmd,
                       o->npos ? "too many arguments" : "missing segment NAME");
  cli_target t;
  int rc = parse_target(cmd, o->pos[0], o->set & O_FILE, &t);
  if (rc)
    return rc;
  unsigned flags = t.flags;
  ash_segment *seg = NULL;
  int st = ash_segment_open(t.seg, flags | ASH_NOATTACH, &seg);
  if (st != ASH_OK)
    return lib_error(cmd, t.seg, st);
  if (t.array[0]) { /* NAME/ARRAY: the array must be there */
    ash_view *av = NULL;
    st = ash_segment_view(seg, t.array, &av);
    ash_view_release(av);
    if (st != ASH_OK) {
      rc = lib_error(cmd, t.array, st);
      ash_segment_close(seg);
      return rc;
    }
  }

  char created[64];
  iso8601(ash_segment_ctime(seg), created, sizeof created);
  ash_list *att = NULL; /* one snapshot of the attach table */
  ash_segment_attacher_list(seg, &att);
  int nat = ash_list_count(att), alive = 0;
  for (int i = 0; i < nat; i++)
    alive += ash_list_flag(att, i);
  int dead = nat - alive;
  int narr = ash_segment_array_count(seg);
  if (narr < 0)
    narr = 0;
  ash_view **views = calloc((size_t)narr + 1, sizeof *views);
  if (!views)
    narr = 0;
  for (int i = 0; i < narr; i++) {
    const char *an = ash_segment_array_name(seg, i);
    if (an)
      ash_segment_view(seg, an, &views[i]);
  }
  char fmtver[32];
  snprintf(fmtver, sizeof fmtver, "%d.%d", ASH_FORMAT_MAJOR,
           ash_segment_format_minor(seg));
  sync_info seg_sync, *arr_sync = calloc((size_t)narr + 1, sizeof *arr_sync);
  sync_info_of(seg, NULL, &seg_sync);
  for (int i = 0; arr_sync && i < narr; i++)
    if (views[i])
      sync_info_of(seg, views[i], &arr_sync[i]);

  if (o->set & O_JSON) {
    json_writer j;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_kv_string(&j, "name", ash_segment_name(seg));
    json_kv_bool(&j, "file", (flags & ASH_FILE) != 0);
    json_kv_uint(&j, "size", ash_segment_size(seg));
    json_kv_string(&j, "format_version", fmtver);
    json_kv_int(&j, "creator_pid", ash_segment_creator_pid(seg));
    json_kv_string(&j, "created", created);
    json_kv_int(&j, "created_ns", ash_segment_ctime(seg));
    json_kv_string(&j, "policy", policy_name(ash_segment_policy(seg)));
    json_kv_uint(&j, "arena_free", ash_segment_arena_free(seg));
    json_sync(&j, &seg_sync);
    json_key(&j, "attachers");
    json_array_begin(&j);
    for (int i = 0; i < nat; i++) {
      json_object_begin(&j);
      json_kv_int(&j, "pid", ash_list_value(att, i));
      json_kv_bool(&j, "alive", ash_list_flag(att, i));
      json_object_end(&j);
    }
    json_array_end(&j);
    json_key(&j, "arrays");
    json_array_begin(&j);
    for (int i = 0; i < narr; i++) {
      ash_view *v = views[i];
      if (!v)
        continue;
      int nd = ash_view_ndim(v);
      json_object_begin(&j);
      json_kv_string(&j, "name", ash_view_array_name(v));
      json_kv_string(&j, "dtype", ash_dtype_name(ash_view_dtype(v)));
      json_kv_string(&j, "typestr", ash_dtype_str(ash_view_dtype(v)));
      json_key(&j, "shape");
      json_int_array(&j, nd, ash_view_shape(v));
      json_key(&j, "strides");
      json_int_array(&j, nd, ash_view_strides(v));
      json_kv_uint(&j, "nbytes", ash_view_nbytes(v));
      json_kv_string(&j, "descriptor", shown_descriptor(v));
      if (arr_sync)
        json_sync(&j, &arr_sync[i]);
      json_object_end(&j);
    }
    json_array_end(&j);
    json_object_end(&j);
    json_finish(&j);
  } else {
    printf("segment:      %s%s\n", ash_segment_name(seg),
           flags & ASH_FILE ? " (file)" : "");
    printf("size:         %" PRIu64 " bytes\n", ash_segment_size(seg));
    printf("format:       %s\n", fmtver);
    printf("creator pid:  %" PRId64 "\n", ash_segment_creator_pid(seg));
    printf("created:      %s\n", created);
    printf("policy:       %s\n", policy_name(ash_segment_policy(seg)));
    printf("arena free:   %" PRIu64 " bytes\n", ash_segment_arena_free(seg));
    if (seg_sync.has_lock) /* the whole-segment lock */
      print_sync(&seg_sync, "", 14);
    printf("attachers:    %d alive, %d dead\n", alive, dead);
    for (int i = 0; i < nat; i++)
      printf("  pid %-10" PRId64 " %s\n", ash_list_value(att, i),
             ash_list_flag(att, i) ? "alive" : "dead");
    printf("arrays:       %d\n", narr);
    for (int i = 0; i < narr; i++) {
      ash_view *v = views[i];
      if (!v)
        continue;
      char shp[TUPLE_MAX], strd[TUPLE_MAX];
      int nd = ash_view_ndim(v);
      tuple_str(shp, sizeof shp, nd, ash_view_shape(v));
      tuple_str(strd, sizeof strd, nd, ash_view_strides(v));
      const char *desc = shown_descriptor(v);
      printf("  %s\n", ash_view_array_name(v));
      printf("    dtype:      %s\n", ash_dtype_name(ash_view_dtype(v)));
      printf("    shape:      %s\n", shp);
      printf("    strides:    %s\n", strd);
      printf("    nbytes:     %" PRIu64 "\n", ash_view_nbytes(v));
      printf("    descriptor: %s\n", desc ? desc : "?");
      if (arr_sync)
        print_sync(&arr_sync[i], "    ", 12);
    }
  }
  for (int i = 0; arr_sync && i < narr; i++)
    ash_ring_close(arr_sync[i].ring);
  free(arr_sync);
  for (int i = 0; i < narr; i++)
    ash_view_release(views[i]);
  free(views);
  ash_list_free(att);
  ash_segment_close(seg);
  return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* create                                                                   */
/* ---------------------------------------------------------------------- */

static int cmd_create(const char *cmd, opts *o) {
  if (o->npos != 1)
    return usage_error(cmd,
                       o->npos ? "too many arguments" : "missing segment NAME");
  const char *dts = opt_val(o, O_DTYPE);
  const char *shs = opt_val(o, O_SHAPE);
  const char *ms = opt_val(o, O_MODE);
  const char *arr = opt_val(o, O_ARRAY);
  if (!shs)
    return usage_error(cmd, "missing --shape (e.g. --shape 3,4)");
  int dtype = ASH_FLOAT64;
  if (dts && ash_dtype_parse(dts, &dtype) != ASH_OK)
    return usage_error(cmd, "--dtype: %s", ash_last_error());
  int ndim = 0;
  int64_t shape[ASH_MAX_NDIM] = {0};
  int rc = parse_shape(cmd, shs, &ndim, shape);
  if (rc)
    return rc;
  unsigned mode = 0;
  if (ms) {
    char *end;
    errno = 0;
    unsigned long m = strtoul(ms, &end, 8);
    if (errno || end == ms || *end || m > 07777)
      return usage_error(cmd, "--mode: invalid octal mode \"%s\"", ms);
    mode = (unsigned)m;
    if (mode == 0)
      return usage_error(cmd, "--mode: mode 0 would make the segment "
                              "unusable; give e.g. 0600");
  }
  cli_target t;
  rc = parse_target(cmd, o->pos[0], o->set & O_FILE, &t);
  if (rc)
    return rc;
  if (t.descriptor || t.view)
    return usage_error(cmd, "create takes NAME or NAME/ARRAY, not \"%s\"",
                       t.arg);
  if (t.array[0] && arr && strcmp(arr, t.array) != 0)
    return usage_error(cmd, "two array names: \"%s\" and --array %s", t.arg,
                       arr);
  if (t.array[0])
    arr = t.array;
  if (!arr)
    arr = "data";
  if (!(o->set & (O_PERSIST | O_HOLD)))
    return usage_error(
        cmd, "give --persist (policy \"persist\": the segment stays until "
             "'arrayshare rm') or --hold (policy \"auto\": this command stays "
             "attached until interrupted); an \"auto\" segment whose only "
             "attacher is this command would be removed as soon as it exits");
  const char *target = t.seg;
  unsigned flags = t.flags;
  if (o->set & O_PERSIST)
    flags |= ASH_PERSIST;
  /* --hold: the signals that end the hold are blocked before the segment
   * exists, so one sent as soon as the descriptor is printed is not lost. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGHUP);
  if (o->set & O_HOLD)
    sigprocmask(SIG_BLOCK, &stop, NULL);

  uint64_t arena = 0;
  int st = ash_arena_bytes_for(dtype, ndim, shape, &arena);
  if (st != ASH_OK)
    return lib_error(cmd, NULL, st);
  ash_segment *seg = NULL;
  st = ash_segment_create(target, arena, 1, flags, mode, &seg);
  if (st != ASH_OK)
    return lib_error(cmd, target, st);
  ash_view *v = NULL;
  st = ash_segment_add_array(seg, arr, dtype, ndim, shape, &v);
  if (st != ASH_OK) {
    rc = lib_error(cmd, arr, st);
    ash_segment_unlink(seg);
    ash_segment_close(seg);
    return rc;
  }
  const char *desc = ash_view_descriptor(v);
  if (G.json) {
    json_writer j;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_kv_string(&j, "descriptor", desc);
    json_kv_string(&j, "name", target);
    json_kv_bool(&j, "file", (flags & ASH_FILE) != 0);
    json_kv_string(&j, "array", arr);
    json_kv_string(&j, "policy", policy_name(ash_segment_policy(seg)));
    json_kv_bool(&j, "hold", (o->set & O_HOLD) != 0);
    json_object_end(&j);
    json_finish(&j);
  } else {
    printf("%s\n", desc ? desc : target);
  }
  if (o->set & O_HOLD) {
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
  }
  ash_view_release(v);
  ash_segment_close(seg);
  return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* dump                                                                     */
/* ---------------------------------------------------------------------- */

/* How dump prints: NumPy's print options, as --threshold, --edgeitems,
 * --linewidth and --full set them (negative or 0: NumPy's default). */
typedef struct dump_opts {
  int64_t threshold;
  int edgeitems, linewidth;
} dump_opts;

static int dump_view(const char *cmd, const char *label, ash_view *v,
                     const dump_opts *d, int header) {
  char small[4096], *text = small;
  size_t need = 0;
  int st = ash_view_format(v, 0, d->threshold, d->edgeitems, d->linewidth, 0,
                           small, sizeof small, &need);
  if (st == ASH_OK && need >= sizeof small) {
    text = malloc(need + 1);
    st = text ? ash_view_format(v, 0, d->threshold, d->edgeitems, d->linewidth,
                                0, text, need + 1, &need)
              : ASH_E_NOMEM;
  }
  if (st != ASH_OK) {
    if (text != small)
      free(text);
    return lib_error(cmd, label, st);
  }
  if (header) {
    char shp[TUPLE_MAX];
    const char *desc = shown_descriptor(v);
    const char *dn = ash_dtype_name(ash_view_dtype(v));
    tuple_str(shp, sizeof shp, ash_view_ndim(v), ash_view_shape(v));
    printf("%s dtype=%s shape=%s\n", desc ? desc : label, dn ? dn : "?", shp);
  }
  printf("%s\n", text);
  if (text != small)
    free(text);
  return EXIT_OK;
}

/* One element as NumPy's tolist() gives it: bool, int, float, or [re, im]. */
static int json_elem(json_writer *j, const ash_view *v, const int64_t *idx) {
  int nd = ash_view_ndim(v), dt = ash_view_dtype(v), st;
  if (dt == ASH_BOOL || (dt >= ASH_INT8 && dt <= ASH_INT64)) {
    int64_t x = 0;
    if ((st = ash_view_get_i64(v, nd, idx, &x)) != ASH_OK)
      return st;
    if (dt == ASH_BOOL)
      json_bool(j, x != 0);
    else
      json_int(j, x);
  } else if (dt >= ASH_UINT8 && dt <= ASH_UINT64) {
    uint64_t x = 0;
    if ((st = ash_view_get_u64(v, nd, idx, &x)) != ASH_OK)
      return st;
    json_uint(j, x);
  } else if (dt >= ASH_FLOAT16 && dt <= ASH_FLOAT64) {
    double x = 0;
    if ((st = ash_view_get_f64(v, nd, idx, &x)) != ASH_OK)
      return st;
    json_double(j, x);
  } else {
    double re = 0, im = 0;
    if ((st = ash_view_get_c128(v, nd, idx, &re, &im)) != ASH_OK)
      return st;
    json_array_begin_flat(j);
    json_double(j, re);
    json_double(j, im);
    json_array_end(j);
  }
  return ASH_OK;
}

/* Nested lists from axis @dim on; the last axis on one line. */
static int json_values(json_writer *j, const ash_view *v, int dim,
                       int64_t *idx) {
  int nd = ash_view_ndim(v);
  if (dim == nd)
    return json_elem(j, v, idx);
  if (dim == nd - 1)
    json_array_begin_flat(j);
  else
    json_array_begin(j);
  int64_t n = ash_view_shape(v)[dim];
  int st = ASH_OK;
  for (idx[dim] = 0; idx[dim] < n && st == ASH_OK; idx[dim]++)
    st = json_values(j, v, dim + 1, idx);
  json_array_end(j);
  return st;
}

/* dump --json: one entry of "arrays". */
static int dump_json(json_writer *j, const char *cmd, const char *label,
                     const ash_view *v) {
  int nd = ash_view_ndim(v);
  json_object_begin(j);
  json_kv_string(j, "target", label);
  json_kv_string(j, "descriptor", shown_descriptor(v));
  json_kv_string(j, "dtype", ash_dtype_name(ash_view_dtype(v)));
  json_key(j, "shape");
  json_int_array(j, nd, ash_view_shape(v));
  json_key(j, "values");
  int64_t idx[ASH_MAX_NDIM] = {0};
  int st = json_values(j, v, 0, idx);
  json_object_end(j);
  /* A value that cannot be read (a peer truncated the segment) leaves the
   * entry incomplete: say so in "errors". */
  return st == ASH_OK ? EXIT_OK : lib_error(cmd, label, st);
}

static int cmd_dump(const char *cmd, opts *o) {
  if (o->npos < 1)
    return usage_error(cmd, "missing TARGET (a name or descriptor)");
  dump_opts nopt = {-1, 0, 0};
  const char *s;
  int64_t v64 = 0;
  if ((s = opt_val(o, O_THRESHOLD))) {
    int rc = parse_int_opt(cmd, "threshold", s, 0, INT64_MAX, &v64);
    if (rc)
      return rc;
    nopt.threshold = v64;
  }
  if ((s = opt_val(o, O_EDGEITEMS))) {
    int rc = parse_int_opt(cmd, "edgeitems", s, 1, 1000000, &v64);
    if (rc)
      return rc;
    nopt.edgeitems = (int)v64;
  }
  if ((s = opt_val(o, O_LINEWIDTH))) {
    int rc = parse_int_opt(cmd, "linewidth", s, 1, 1000000, &v64);
    if (rc)
      return rc;
    nopt.linewidth = (int)v64;
  }
  if (o->set & O_FULL)
    nopt.threshold = INT64_MAX;
  const char *arr = opt_val(o, O_ARRAY);

  /* Every TARGET is checked before anything is printed. */
  cli_target *ts = calloc((size_t)o->npos, sizeof *ts);
  if (!ts) {
    fprintf(stderr, PROG ": %s: out of memory\n", cmd);
    return EXIT_FAIL;
  }
  int rc = EXIT_OK;
  for (int i = 0; i < o->npos && rc == EXIT_OK; i++) {
    rc = parse_target(cmd, o->pos[i], o->set & O_FILE, &ts[i]);
    if (rc == EXIT_OK && arr && (ts[i].array[0] || ts[i].view))
      rc = usage_error(cmd, "--array %s and \"%s\" both name an array", arr,
                       o->pos[i]);
  }
  if (rc != EXIT_OK) {
    free(ts);
    return rc;
  }

  json_writer j;
  if (G.json) {
    G.collect = 1;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_key(&j, "arrays");
    json_array_begin(&j);
  }
  for (int i = 0; i < o->npos; i++) {
    const cli_target *t = &ts[i];
    ash_view *v = NULL;
    int st;
    const char *label = t->arg;
    if ((t->flags & ASH_FILE) && !t->descriptor) {
      label = t->seg; /* --file PATH [--array ARRAY] */
    }
    if (((t->flags & ASH_FILE) && !t->descriptor) || arr) {
      ash_segment *seg = NULL;
      st = ash_segment_open(t->seg, t->flags | ASH_NOATTACH, &seg);
      if (st == ASH_OK) {
        st = ash_segment_view(seg, arr, &v);
        if (st != ASH_OK && arr)
          label = arr;
        ash_segment_close(seg);
      }
    } else {
      st = ash_attach(t->arg, ASH_NOATTACH, &v);
    }
    if (st != ASH_OK) {
      rc = lib_error(cmd, label, st);
      continue;
    }
    int r = G.json
                ? dump_json(&j, cmd, t->arg, v)
                : dump_view(cmd, t->arg, v, &nopt, !(o->set & O_VALUES_ONLY));
    if (r != EXIT_OK)
      rc = r;
    ash_view_release(v);
  }
  if (G.json) {
    json_array_end(&j);
    json_errors(&j, cmd);
    json_object_end(&j);
    json_finish(&j);
  }
  free(ts);
  return rc;
}

/* ---------------------------------------------------------------------- */
/* rm, gc, version                                                          */
/* ---------------------------------------------------------------------- */

/* A growable list of names (rm's removed segments, gc's findings). */
typedef struct name_list {
  char **name;
  const char **what; /* a word per name (gc: the action) */
  char **why;        /* a sentence per name (gc: the reason) */
  int n, cap;
} name_list;

static int names_add(name_list *l, const char *name, const char *what,
                     const char *why) {
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 16;
    char **nn = realloc(l->name, (size_t)cap * sizeof *nn);
    if (nn)
      l->name = nn;
    const char **nw = realloc(l->what, (size_t)cap * sizeof *nw);
    if (nw)
      l->what = nw;
    char **ny = realloc(l->why, (size_t)cap * sizeof *ny);
    if (ny)
      l->why = ny;
    if (!nn || !nw || !ny)
      return -1;
    l->cap = cap;
  }
  l->name[l->n] = strdup(name);
  l->what[l->n] = what;
  l->why[l->n] = why ? strdup(why) : NULL;
  l->n++;
  return 0;
}

static void names_free(name_list *l) {
  for (int i = 0; i < l->n; i++) {
    free(l->name[i]);
    free(l->why[i]);
  }
  free(l->name);
  free(l->what);
  free(l->why);
}

static int cmd_rm(const char *cmd, opts *o) {
  if (o->npos < 1)
    return usage_error(cmd, "missing segment NAME");
  int file = (o->set & O_FILE) != 0;
  cli_target *ts = calloc((size_t)o->npos, sizeof *ts);
  if (!ts)
    return lib_error(cmd, NULL, ASH_E_NOMEM);
  int rc = EXIT_OK;
  for (int i = 0; i < o->npos && rc == EXIT_OK; i++) {
    if (!file && is_pattern(o->pos[i]))
      continue;
    rc = parse_target(cmd, o->pos[i], file, &ts[i]);
    if (rc == EXIT_OK && (ts[i].array[0] || ts[i].view))
      rc = usage_error(cmd,
                       "rm removes whole segments: \"%s\" names an array of "
                       "segment \"%s\" (give \"%s\" to remove the segment)",
                       o->pos[i], ts[i].seg, ts[i].seg);
  }
  if (rc != EXIT_OK) {
    free(ts);
    return rc;
  }
  G.collect = 1;
  name_list removed = {0};
  ash_list *l = NULL;
  for (int i = 0; i < o->npos; i++) {
    if (!file && is_pattern(o->pos[i])) {
      int st = l ? ASH_OK : ash_list_segments(&l);
      if (st != ASH_OK) {
        rc = lib_error(cmd, NULL, st);
        continue;
      }
      int matched = 0;
      for (int k = 0; k < ash_list_count(l); k++) {
        const char *name = ash_list_name(l, k);
        if (!name || fnmatch(o->pos[i], name, 0) != 0)
          continue;
        matched = 1;
        st = ash_unlink(name, 0);
        if (st == ASH_OK)
          names_add(&removed, name, NULL, NULL);
        else if (st != ASH_E_NOENT) /* gone meanwhile: nothing to remove */
          rc = lib_error(cmd, name, st);
      }
      if (!matched && !(o->set & O_FORCE)) {
        char msg[600];
        snprintf(msg, sizeof msg, "no segment matches \"%s\"", o->pos[i]);
        rc = report_error(cmd, o->pos[i], ASH_E_NOENT, msg);
      }
      continue;
    }
    int st = ash_unlink(ts[i].seg, ts[i].flags);
    if (st == ASH_OK)
      names_add(&removed, ts[i].seg, NULL, NULL);
    else if (!(st == ASH_E_NOENT && (o->set & O_FORCE)))
      rc = lib_error(cmd, ts[i].seg, st);
  }
  ash_list_free(l);
  if (G.json) {
    json_writer j;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_key(&j, "removed");
    json_array_begin(&j);
    for (int i = 0; i < removed.n; i++)
      json_string(&j, removed.name[i]);
    json_array_end(&j);
    json_errors(&j, cmd);
    json_object_end(&j);
    json_finish(&j);
  }
  names_free(&removed);
  free(ts);
  return rc;
}

/* Why gc removes segment @name (an "auto" segment whose attachers all
 * died), read without attaching before it goes. */
static void gc_reason(const char *name, char *why, size_t cap) {
  ash_segment *seg = NULL;
  int alive = 0, dead = 0;
  if (ash_segment_open(name, ASH_NOATTACH, &seg) == ASH_OK)
    ash_segment_attachers(seg, &alive, &dead);
  ash_segment_close(seg);
  snprintf(why, cap, "policy auto, no live attacher (%d dead)", dead);
}

/* gc, or with --dry-run what gc would remove, for every NAME pattern (all
 * segments without one): the core's ash_gc_match, which decides under the
 * segments' own locks. */
static int cmd_gc(const char *cmd, opts *o) {
  int rc = check_filters(cmd, o);
  if (rc)
    return rc;
  int dry = (o->set & O_DRY_RUN) != 0;
  int reaped = 0;
  name_list found = {0};
  int npat = o->npos ? o->npos : 1;
  for (int p = 0; p < npat; p++) {
    const char *pattern = o->npos ? o->pos[p] : NULL;
    ash_list *cand = NULL, *done = NULL;
    int st = ash_gc_match(pattern, ASH_DRY_RUN, &cand);
    if (st != ASH_OK)
      return lib_error(cmd, pattern, st);
    int n = ash_list_count(cand);
    char(*why)[200] = calloc((size_t)n + 1, sizeof *why);
    for (int i = 0; why && i < n; i++)
      gc_reason(ash_list_name(cand, i), why[i], sizeof why[i]);
    if (!dry && (st = ash_gc_match(pattern, 0, &done)) != ASH_OK) {
      free(why);
      ash_list_free(cand);
      return lib_error(cmd, pattern, st);
    }
    ash_list *acted = dry ? cand : done;
    for (int i = 0; i < ash_list_count(acted); i++) {
      const char *name = ash_list_name(acted, i);
      const char *reason = "policy auto, no live attacher";
      for (int k = 0; why && k < n; k++)
        if (strcmp(ash_list_name(cand, k), name) == 0)
          reason = why[k];
      names_add(&found, name, dry ? "reap" : "reaped", reason);
      reaped++;
    }
    free(why);
    ash_list_free(cand);
    ash_list_free(done);
  }
  int listed = 1;
  if (G.json) {
    json_writer j;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_kv_bool(&j, "dry_run", dry);
    json_kv_int(&j, "reaped", reaped);
    if (listed) {
      json_key(&j, "segments");
      json_array_begin(&j);
      for (int i = 0; i < found.n; i++) {
        json_object_begin(&j);
        json_kv_string(&j, "name", found.name[i]);
        json_kv_string(&j, "action", found.what[i]);
        json_kv_string(&j, "reason", found.why[i]);
        json_object_end(&j);
      }
      json_array_end(&j);
    }
    json_object_end(&j);
    json_finish(&j);
  } else {
    for (int i = 0; i < found.n; i++)
      printf("%-10s  %s  %s\n", found.what[i], found.name[i], found.why[i]);
    printf("%s %d segment%s%s\n", dry ? "would reap" : "reaped", reaped,
           reaped == 1 ? "" : "s", dry ? " (dry run: nothing changed)" : "");
  }
  names_free(&found);
  return EXIT_OK;
}

static int cmd_version(const char *cmd, opts *o) {
  if (o->npos > 0)
    return usage_error(cmd, "unexpected argument '%s'", o->pos[0]);
  unsigned rt = ash_version();
  const char *rts = ash_version_string();
  printf(PROG " %s\n", ASH_VERSION_STRING);
  printf("library (run-time):       %s\n", rts ? rts : "?");
  printf("library (compile-time):   %s\n", ASH_VERSION_STRING);
  printf("segment format:           %d.%d\n", ASH_FORMAT_MAJOR,
         ASH_FORMAT_MINOR);
  if ((rt >> 16) != ASH_VERSION_MAJOR)
    fprintf(stderr,
            PROG ": %s: warning: the library loaded (%u.%u.%u) has a "
                 "different major version than this command was built for\n",
            cmd, rt >> 16, (rt >> 8) & 0xFF, rt & 0xFF);
  return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* main                                                                     */
/* ---------------------------------------------------------------------- */

static int cmd_help(const char *cmd, opts *o);

static const command COMMANDS[] = {
    {"ls", cmd_ls, O_HELP | O_JSON, HELP_LS},
    {"info", cmd_info, O_HELP | O_JSON | O_FILE, HELP_INFO},
    {"create", cmd_create,
     O_HELP | O_DTYPE | O_SHAPE | O_PERSIST | O_HOLD | O_MODE | O_ARRAY |
         O_FILE | O_JSON,
     HELP_CREATE},
    {"dump", cmd_dump,
     O_HELP | O_VALUES_ONLY | O_ARRAY | O_FILE | O_FULL | O_THRESHOLD |
         O_EDGEITEMS | O_LINEWIDTH | O_JSON,
     HELP_DUMP},
    {"rm", cmd_rm, O_HELP | O_FORCE | O_FILE | O_JSON, HELP_RM},
    {"gc", cmd_gc, O_HELP | O_JSON | O_DRY_RUN, HELP_GC},
    {"version", cmd_version, O_HELP, HELP_VERSION},
    {"help", cmd_help, O_HELP, HELP_HELP},
};
#define NCOMMANDS ((int)(sizeof COMMANDS / sizeof COMMANDS[0]))

static const command *find_command(const char *name) {
  for (int i = 0; i < NCOMMANDS; i++)
    if (strcmp(COMMANDS[i].name, name) == 0)
      return &COMMANDS[i];
  return NULL;
}

static int cmd_help(const char *cmd, opts *o) {
  if (o->npos == 0) {
    fputs(HELP_MAIN, stdout);
    return EXIT_OK;
  }
  if (o->npos > 1)
    return usage_error(cmd, "too many arguments");
  const command *c = find_command(o->pos[0]);
  if (!c)
    return usage_error(cmd, "unknown command '%s'", o->pos[0]);
  fputs(c->help, stdout);
  return EXIT_OK;
}

static int finish(int rc) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
    return EXIT_FAIL;
  }
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(PROG ": missing command\n"
               "Try '" PROG " --help' for more information.\n",
          stderr);
    return EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
    fputs(HELP_MAIN, stdout);
    return finish(EXIT_OK);
  }
  if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0)
    name = "version";
  const command *c = find_command(name);
  if (!c) {
    if (name[0] == '-')
      return usage_error(NULL, "unknown option '%s'", name);
    return usage_error(NULL, "unknown command '%s'", name);
  }
  /* --json anywhere before "--" makes every error JSON, usage errors met
   * while parsing the options included. */
  for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
    if ((c->allowed & O_JSON) && strcmp(argv[i], "--json") == 0)
      G.json = 1;
  opts o;
  int rc = parse_opts(c->name, c->allowed, argc - 2, argv + 2, &o);
  if (rc == 0) {
    if (o.set & O_HELP) {
      fputs(c->help, stdout);
      rc = EXIT_OK;
    } else {
      rc = c->fn(c->name, &o);
    }
  }
  free(o.pos);
  errors_free();
  return finish(rc);
}
