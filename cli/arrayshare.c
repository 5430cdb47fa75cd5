/*
 * arrayshare - inspect and manage arrayshare segments from the shell.
 *
 *   arrayshare ls [--json]
 *   arrayshare info NAME [--json]
 *   arrayshare create NAME --shape 3,4 [--dtype f8] [--persist] ...
 *   arrayshare dump NAME[/ARRAY] | DESCRIPTOR ...
 *   arrayshare rm NAME...
 *   arrayshare gc
 *   arrayshare version
 *
 * Exit status: 0 success, 1 an operation failed (the library's detail
 * message on stderr), 2 usage error.
 *
 * Inspection (ls, info, dump) opens segments with ASH_NOATTACH, so looking
 * at a segment never counts as attaching to it and never changes it.
 * Uses only the public header.
 */
#include <errno.h>
#include <inttypes.h>
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
    "Run 'arrayshare help COMMAND' or 'arrayshare COMMAND --help' for the\n"
    "options of one command.\n"
    "\n"
    "Exit status: 0 on success, 1 when an operation failed, 2 on a usage\n"
    "error.\n";

static const char HELP_LS[] =
    "Usage: arrayshare ls [--json]\n"
    "\n"
    "List this library's segments in /dev/shm: name, size in bytes, lifetime\n"
    "policy (auto or persist), attachers alive and dead, and each array's\n"
    "name, dtype and shape. Segments are inspected without attaching, so\n"
    "listing never changes an attach count.\n"
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
    "descriptor. NAME may also be a descriptor (ash://NAME/...) or a path\n"
    "containing '/' (a file-backed segment). Inspecting does not attach.\n"
    "\n"
    "Options:\n"
    "  --file      NAME is a path to a file-backed segment\n"
    "  --json      print JSON\n"
    "  -h, --help  show this help\n";

static const char HELP_CREATE[] =
    "Usage: arrayshare create NAME --shape SHAPE [--dtype DTYPE] [--persist]\n"
    "                         [--mode MODE] [--array ARRAY] [--file]\n"
    "\n"
    "Create segment NAME holding one zero-filled array and print its\n"
    "descriptor.\n"
    "\n"
    "Without --persist the segment gets the \"auto\" policy: it is removed\n"
    "when its last attacher detaches. The only attacher is this command, so\n"
    "an auto segment is removed again as soon as 'arrayshare create' exits\n"
    "(a warning says so). Use --persist to create a segment that outlives\n"
    "the command; remove it with 'arrayshare rm NAME'.\n"
    "\n"
    "Options:\n"
    "  --shape SHAPE   dimensions, e.g. 3,4 or \"(3, 4)\"; \"\" or () for 0-d\n"
    "  --dtype DTYPE   element type as NumPy spells it: float64 (default),\n"
    "                  f4, int32, u1, bool, complex128, ...\n"
    "  --persist       lifetime policy \"persist\" (kept until removed)\n"
    "  --mode MODE     permission bits in octal (default 0600)\n"
    "  --array ARRAY   the array's name (default \"data\")\n"
    "  --file          NAME is a file path (file-backed segment); a NAME\n"
    "                  containing '/' is taken as a path too\n"
    "  -h, --help      show this help\n";

static const char HELP_DUMP[] =
    "Usage: arrayshare dump [OPTIONS] TARGET...\n"
    "\n"
    "Print the values of an array the way NumPy's print() shows them, after\n"
    "a header line with the descriptor, dtype and shape. TARGET is a segment\n"
    "name (its first array), NAME/ARRAY, a descriptor such as ash://NAME/ARRAY\n"
    "or one printed by a binding (slices included, e.g. \"NAME/ARRAY[1:3, ::-1]\"),\n"
    "or with --file (or when it starts with '/' or '.') a file-backed segment.\n"
    "Arrays of more than 1000 elements are summarised with '...', showing\n"
    "the first and last 3 entries of each axis, as NumPy does.\n"
    "Dumping does not attach.\n"
    "\n"
    "Options:\n"
    "  --values-only     omit the header line\n"
    "  --array ARRAY     the array to print (default: the first one)\n"
    "  --file            TARGET is a file path\n"
    "  --full            never summarise\n"
    "  --threshold N     summarise above N elements (default 1000)\n"
    "  --edgeitems N     entries shown at each end when summarising (3)\n"
    "  --linewidth N     characters per line (default 75)\n"
    "  -h, --help        show this help\n";

static const char HELP_RM[] =
    "Usage: arrayshare rm [--force] [--file] NAME...\n"
    "\n"
    "Remove segments by name (or descriptor, or path for file-backed ones).\n"
    "Processes that have a segment mapped keep using it; its memory is freed\n"
    "when the last one detaches. Files that are not arrayshare segments are\n"
    "left alone.\n"
    "\n"
    "Options:\n"
    "  -f, --force  do not report segments that do not exist\n"
    "  --file       the arguments are file paths\n"
    "  -h, --help   show this help\n";

static const char HELP_GC[] =
    "Usage: arrayshare gc [--json]\n"
    "\n"
    "Scan this library's segments: drop dead processes from attach tables,\n"
    "remove \"auto\" segments with no live attacher left and segments whose\n"
    "creator died before finishing them. \"persist\" segments are kept.\n"
    "Prints how many segments were removed.\n"
    "\n"
    "Options:\n"
    "  --json      print {\"reaped\": N}\n"
    "  -h, --help  show this help\n";

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
  O_FORCE = 1 << 13
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
    if (OPTS[i].id == id) return o->val[i];
  return NULL;
}

typedef int (*cmd_fn)(const char *cmd, opts *o);

typedef struct command {
  const char *name;
  cmd_fn fn;
  unsigned allowed; /* O_* bits this command accepts */
  const char *help;
} command;

__attribute__((format(printf, 2, 3))) static int usage_error(const char *cmd,
                                                             const char *fmt,
                                                             ...) {
  va_list ap;
  va_start(ap, fmt);
  if (cmd)
    fprintf(stderr, PROG ": %s: ", cmd);
  else
    fputs(PROG ": ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (cmd)
    fprintf(stderr, "\nTry '" PROG " %s --help' for more information.\n",
            cmd);
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
          return usage_error(cmd, "option '--%s' takes no value",
                             OPTS[k].lng);
        inline_val = eq + 1;
      }
    } else {
      if (a[2] != '\0') return usage_error(cmd, "unknown option '%s'", a);
      for (int j = 0; j < NOPTS; j++)
        if ((OPTS[j].id & allowed) && OPTS[j].shrt == a[1]) k = j;
      if (k < 0) return usage_error(cmd, "unknown option '%s'", a);
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

/* Reports a failed library call: "arrayshare: CMD: <ash_last_error()>".
 * When the detail message does not name @subject (say, a segment name),
 * it is put in front so the user knows which argument failed. */
static int lib_error(const char *cmd, const char *subject, int status) {
  const char *msg = ash_last_error();
  if (!msg || !*msg) msg = ash_strerror(status);
  if (subject && *subject && !strstr(msg, subject))
    fprintf(stderr, PROG ": %s: %s: %s\n", cmd, subject, msg);
  else
    fprintf(stderr, PROG ": %s: %s\n", cmd, msg);
  return EXIT_FAIL;
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
    len += (size_t)snprintf(buf + len, cap - len, "%s%" PRId64,
                            i ? ", " : "", v[i]);
  if (len < cap)
    snprintf(buf + len, cap - len, "%s)", n == 1 ? "," : "");
}

#define TUPLE_MAX (ASH_MAX_NDIM * 24 + 8)

static void json_int_array(json_writer *j, int n, const int64_t *v) {
  json_array_begin(j);
  for (int i = 0; i < n; i++) json_int(j, v[i]);
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

/* Works out what a NAME argument names. "ash://NAME/..." gives NAME,
 * "ash+file:///path?..." gives the path (ASH_FILE); with --file, or when
 * the argument contains '/', it is a path. The result lives in @buf or is
 * @arg itself. */
static const char *segment_target(const char *arg, int force_file,
                                  unsigned *flags, char *buf, size_t cap) {
  *flags = 0;
  if (strncmp(arg, "ash+file://", 11) == 0) {
    *flags = ASH_FILE;
    snprintf(buf, cap, "%.*s", (int)strcspn(arg + 11, "?"), arg + 11);
    return buf;
  }
  if (strncmp(arg, "ash://", 6) == 0) {
    snprintf(buf, cap, "%.*s", (int)strcspn(arg + 6, "/?["), arg + 6);
    return buf;
  }
  if (force_file || strchr(arg, '/')) *flags = ASH_FILE;
  return arg;
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
  while (*p == ' ') p++;
  int paren = *p == '(';
  if (paren) p++;
  while (*p == ' ') p++;
  while (*p && *p != ')') {
    if (*p < '0' || *p > '9') goto bad;
    if (n >= ASH_MAX_NDIM)
      return usage_error(cmd, "--shape: more than %d dimensions in \"%s\"",
                         ASH_MAX_NDIM, s);
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (errno) goto bad;
    shape[n++] = v;
    p = end;
    while (*p == ' ') p++;
    if (*p != ',' && *p != 'x') break;
    char sep = *p++;
    while (*p == ' ') p++;
    /* "3," and "(3,)": a trailing comma after the only dimension. */
    if ((*p == '\0' || *p == ')') && !(sep == ',' && n == 1)) goto bad;
  }
  if (paren) {
    if (*p != ')') goto bad;
    p++;
    while (*p == ' ') p++;
  }
  if (*p) goto bad;
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
  for (int i = 0; i < r->narrays; i++) free(r->anames[i]);
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
  if (st == ASH_E_NOENT) return 0;
  if (st != ASH_OK) {
    const char *m = ash_last_error();
    r->error = strdup(m && *m ? m : ash_strerror(st));
    return 1;
  }
  r->size = ash_segment_size(seg);
  r->policy = ash_segment_policy(seg);
  ash_segment_attachers(seg, &r->alive, &r->dead);
  int n = ash_segment_array_count(seg);
  if (n < 0) n = 0;
  r->anames = calloc((size_t)n + 1, sizeof *r->anames);
  r->adtype = calloc((size_t)n + 1, sizeof *r->adtype);
  r->andim = calloc((size_t)n + 1, sizeof *r->andim);
  r->ashape = calloc((size_t)n + 1, sizeof *r->ashape);
  if (!r->anames || !r->adtype || !r->andim || !r->ashape) n = 0;
  for (int i = 0; i < n; i++) {
    const char *an = ash_segment_array_name(seg, i);
    ash_view *v = NULL;
    if (!an || ash_segment_view(seg, an, &v) != ASH_OK) continue;
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
  if (o->npos > 0) return usage_error(cmd, "unexpected argument '%s'", o->pos[0]);
  ash_list *l = NULL;
  int st = ash_list_segments(&l);
  if (st != ASH_OK) return lib_error(cmd, NULL, st);
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
    if (!name) continue;
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
      if (l1 > wn) wn = l1;
      int l2 = snprintf(num, sizeof num, "%" PRIu64, rows[i].size);
      if (l2 > ws) ws = l2;
    }
    printf("%-*s  %*s  %-7s  %5s  %4s  %s\n", wn, "NAME", ws, "SIZE",
           "POLICY", "ALIVE", "DEAD", "ARRAYS");
    for (int i = 0; i < nrows; i++) {
      seg_row *r = &rows[i];
      if (r->error) {
        printf("%-*s  %*s  %-7s  %5s  %4s  error: %s\n", wn, r->name, ws, "?",
               "?", "?", "?", r->error);
        continue;
      }
      printf("%-*s  %*" PRIu64 "  %-7s  %5d  %4d  ", wn, r->name, ws, r->size,
             policy_name(r->policy), r->alive, r->dead);
      if (r->narrays == 0) fputs("-", stdout);
      for (int k = 0; k < r->narrays; k++) {
        char shp[TUPLE_MAX];
        tuple_str(shp, sizeof shp, r->andim[k], r->ashape[k]);
        const char *dn = ash_dtype_name(r->adtype[k]);
        printf("%s%s %s %s", k ? "; " : "", r->anames[k], dn ? dn : "?", shp);
      }
      fputc('\n', stdout);
    }
  }
  for (int i = 0; i < nrows; i++) row_free(&rows[i]);
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
  si->has_lock = (v ? ash_view_lock_state(v, &si->state, &si->pid)
                    : ash_segment_lock_state(seg, &si->state, &si->pid)) ==
                 ASH_OK;
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
  printf("%s%-*s%" PRId64 " slots of %" PRIu64 " bytes, head %" PRId64, in,
         w, "ring:", ash_ring_nslots(si->ring),
         ash_ring_slot_nbytes(si->ring), ash_ring_head(si->ring));
  if (ppid)
    printf(", producer pid %" PRId64 " (%s)", ppid, palive ? "alive" : "dead");
  printf("\n");
  ash_list *l = NULL;
  ash_ring_consumer_list(si->ring, &l);
  for (int i = 0; i < ash_list_count(l); i++)
    printf("%s  consumer pid %s at %" PRId64 " (%s)\n", in,
           ash_list_name(l, i), ash_list_value(l, i),
           ash_list_flag(l, i) ? "alive" : "dead");
  ash_list_free(l);
}

static int cmd_info(const char *cmd, opts *o) {
  if (o->npos != 1)
    return usage_error(cmd, o->npos ? "too many arguments"
                                    : "missing segment NAME");
  char buf[4096];
  unsigned flags;
  const char *target =
      segment_target(o->pos[0], o->set & O_FILE, &flags, buf, sizeof buf);
  ash_segment *seg = NULL;
  int st = ash_segment_open(target, flags | ASH_NOATTACH, &seg);
  if (st != ASH_OK) return lib_error(cmd, target, st);

  char created[64];
  iso8601(ash_segment_ctime(seg), created, sizeof created);
  int alive = 0, dead = 0;
  ash_segment_attachers(seg, &alive, &dead);
  int natt = alive + dead;
  int64_t *apid = calloc((size_t)natt + 1, sizeof *apid);
  int *aalive = calloc((size_t)natt + 1, sizeof *aalive);
  int nat = 0;
  for (int i = 0; apid && aalive && i < natt; i++) {
    if (ash_segment_attacher(seg, i, &apid[nat], &aalive[nat]) != ASH_OK)
      break; /* the table changed under us */
    nat++;
  }
  int narr = ash_segment_array_count(seg);
  if (narr < 0) narr = 0;
  ash_view **views = calloc((size_t)narr + 1, sizeof *views);
  if (!views) narr = 0;
  for (int i = 0; i < narr; i++) {
    const char *an = ash_segment_array_name(seg, i);
    if (an) ash_segment_view(seg, an, &views[i]);
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
      json_kv_int(&j, "pid", apid[i]);
      json_kv_bool(&j, "alive", aalive[i]);
      json_object_end(&j);
    }
    json_array_end(&j);
    json_key(&j, "arrays");
    json_array_begin(&j);
    for (int i = 0; i < narr; i++) {
      ash_view *v = views[i];
      if (!v) continue;
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
      printf("  pid %-10" PRId64 " %s\n", apid[i], aalive[i] ? "alive" : "dead");
    printf("arrays:       %d\n", narr);
    for (int i = 0; i < narr; i++) {
      ash_view *v = views[i];
      if (!v) continue;
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
  for (int i = 0; i < narr; i++) ash_view_release(views[i]);
  free(views);
  free(apid);
  free(aalive);
  ash_segment_close(seg);
  return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* create                                                                   */
/* ---------------------------------------------------------------------- */

static int cmd_create(const char *cmd, opts *o) {
  if (o->npos != 1)
    return usage_error(cmd, o->npos ? "too many arguments"
                                    : "missing segment NAME");
  const char *dts = opt_val(o, O_DTYPE);
  const char *shs = opt_val(o, O_SHAPE);
  const char *ms = opt_val(o, O_MODE);
  const char *arr = opt_val(o, O_ARRAY);
  if (!shs) return usage_error(cmd, "missing --shape (e.g. --shape 3,4)");
  int dtype = ASH_FLOAT64;
  if (dts && ash_dtype_parse(dts, &dtype) != ASH_OK)
    return usage_error(cmd, "--dtype: %s", ash_last_error());
  int ndim = 0;
  int64_t shape[ASH_MAX_NDIM] = {0};
  int rc = parse_shape(cmd, shs, &ndim, shape);
  if (rc) return rc;
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
  if (!arr) arr = "data";

  char buf[4096];
  unsigned flags;
  const char *target =
      segment_target(o->pos[0], o->set & O_FILE, &flags, buf, sizeof buf);
  if (o->set & O_PERSIST) flags |= ASH_PERSIST;

  uint64_t arena = 0;
  int st = ash_arena_bytes_for(dtype, ndim, shape, &arena);
  if (st != ASH_OK) return lib_error(cmd, NULL, st);
  ash_segment *seg = NULL;
  st = ash_segment_create(target, arena, 1, flags, mode, &seg);
  if (st != ASH_OK) return lib_error(cmd, target, st);
  ash_view *v = NULL;
  st = ash_segment_add_array(seg, arr, dtype, ndim, shape, &v);
  if (st != ASH_OK) {
    rc = lib_error(cmd, arr, st);
    ash_segment_unlink(seg);
    ash_segment_close(seg);
    return rc;
  }
  const char *desc = ash_view_descriptor(v);
  printf("%s\n", desc ? desc : target);
  if (!(flags & ASH_PERSIST))
    fprintf(stderr,
            PROG ": %s: warning: \"%s\" has the \"auto\" policy and this "
            "command is its only attacher, so it is removed as soon as the "
            "command exits; use --persist to keep it\n",
            cmd, target);
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
    st = text ? ash_view_format(v, 0, d->threshold, d->edgeitems,
                                d->linewidth, 0, text, need + 1, &need)
              : ASH_E_NOMEM;
  }
  if (st != ASH_OK) {
    if (text != small) free(text);
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
  if (text != small) free(text);
  return EXIT_OK;
}

static int cmd_dump(const char *cmd, opts *o) {
  if (o->npos < 1) return usage_error(cmd, "missing TARGET (a name or descriptor)");
  dump_opts nopt = {-1, 0, 0};
  const char *s;
  int64_t v64 = 0;
  if ((s = opt_val(o, O_THRESHOLD))) {
    int rc = parse_int_opt(cmd, "threshold", s, 0, INT64_MAX, &v64);
    if (rc) return rc;
    nopt.threshold = v64;
  }
  if ((s = opt_val(o, O_EDGEITEMS))) {
    int rc = parse_int_opt(cmd, "edgeitems", s, 1, 1000000, &v64);
    if (rc) return rc;
    nopt.edgeitems = (int)v64;
  }
  if ((s = opt_val(o, O_LINEWIDTH))) {
    int rc = parse_int_opt(cmd, "linewidth", s, 1, 1000000, &v64);
    if (rc) return rc;
    nopt.linewidth = (int)v64;
  }
  if (o->set & O_FULL) nopt.threshold = INT64_MAX;
  const char *arr = opt_val(o, O_ARRAY);

  int rc = EXIT_OK;
  for (int i = 0; i < o->npos; i++) {
    const char *t = o->pos[i];
    ash_view *v = NULL;
    int st;
    char buf[4096];
    const char *label = t;
    int is_file = (o->set & O_FILE) || t[0] == '/' || t[0] == '.';
    if (is_file || arr) {
      unsigned flags;
      label = segment_target(t, is_file, &flags, buf, sizeof buf);
      ash_segment *seg = NULL;
      st = ash_segment_open(label, flags | ASH_NOATTACH, &seg);
      if (st == ASH_OK) {
        st = ash_segment_view(seg, arr, &v);
        if (st != ASH_OK && arr) label = arr;
        ash_segment_close(seg);
      }
    } else {
      st = ash_attach(t, ASH_NOATTACH, &v);
    }
    if (st != ASH_OK) {
      rc = lib_error(cmd, label, st);
      continue;
    }
    int r = dump_view(cmd, t, v, &nopt, !(o->set & O_VALUES_ONLY));
    if (r != EXIT_OK) rc = r;
    ash_view_release(v);
  }
  return rc;
}

/* ---------------------------------------------------------------------- */
/* rm, gc, version                                                          */
/* ---------------------------------------------------------------------- */

static int cmd_rm(const char *cmd, opts *o) {
  if (o->npos < 1) return usage_error(cmd, "missing segment NAME");
  int rc = EXIT_OK;
  for (int i = 0; i < o->npos; i++) {
    char buf[4096];
    unsigned flags;
    const char *target =
        segment_target(o->pos[i], o->set & O_FILE, &flags, buf, sizeof buf);
    int st = ash_unlink(target, flags);
    if (st == ASH_OK || (st == ASH_E_NOENT && (o->set & O_FORCE))) continue;
    rc = lib_error(cmd, target, st);
  }
  return rc;
}

static int cmd_gc(const char *cmd, opts *o) {
  if (o->npos > 0) return usage_error(cmd, "unexpected argument '%s'", o->pos[0]);
  int reaped = 0;
  int st = ash_gc(&reaped);
  if (st != ASH_OK) return lib_error(cmd, NULL, st);
  if (o->set & O_JSON) {
    json_writer j;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_kv_int(&j, "reaped", reaped);
    json_object_end(&j);
    json_finish(&j);
  } else {
    printf("reaped %d segment%s\n", reaped, reaped == 1 ? "" : "s");
  }
  return EXIT_OK;
}

static int cmd_version(const char *cmd, opts *o) {
  if (o->npos > 0) return usage_error(cmd, "unexpected argument '%s'", o->pos[0]);
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
     O_HELP | O_DTYPE | O_SHAPE | O_PERSIST | O_MODE | O_ARRAY | O_FILE,
     HELP_CREATE},
    {"dump", cmd_dump,
     O_HELP | O_VALUES_ONLY | O_ARRAY | O_FILE | O_FULL | O_THRESHOLD |
         O_EDGEITEMS | O_LINEWIDTH,
     HELP_DUMP},
    {"rm", cmd_rm, O_HELP | O_FORCE | O_FILE, HELP_RM},
    {"gc", cmd_gc, O_HELP | O_JSON, HELP_GC},
    {"version", cmd_version, O_HELP, HELP_VERSION},
    {"help", cmd_help, O_HELP, HELP_HELP},
};
#define NCOMMANDS ((int)(sizeof COMMANDS / sizeof COMMANDS[0]))

static const command *find_command(const char *name) {
  for (int i = 0; i < NCOMMANDS; i++)
    if (strcmp(COMMANDS[i].name, name) == 0) return &COMMANDS[i];
  return NULL;
}

static int cmd_help(const char *cmd, opts *o) {
  if (o->npos == 0) {
    fputs(HELP_MAIN, stdout);
    return EXIT_OK;
  }
  if (o->npos > 1) return usage_error(cmd, "too many arguments");
  const command *c = find_command(o->pos[0]);
  if (!c) return usage_error(cmd, "unknown command '%s'", o->pos[0]);
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
    if (name[0] == '-') return usage_error(NULL, "unknown option '%s'", name);
    return usage_error(NULL, "unknown command '%s'", name);
  }
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
  return finish(rc);
}
