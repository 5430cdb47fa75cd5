/* SPDX-License-Identifier: MIT */
/* Cross-language pair, C side. See spec.json and README.md beside it.
 *
 *   ash-pair-c SPEC lead NAME FOLLOWER-COMMAND...   creates NAME, writes the
 *       initial pattern, runs the follower (NAME appended), checks "final"
 *   ash-pair-c SPEC follow NAME                     attaches by name alone,
 *       checks every array and value, writes "write" into NAME/ARRAY<index>
 */
#define _GNU_SOURCE
#include <arrayshare.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *role = "?";

static int die(const char *what) {
  fprintf(stderr, "pair-c %s: %s: %s\n", role, what, ash_last_error());
  return 1;
}

static int is_complex(int dt) {
  return dt == ASH_COMPLEX64 || dt == ASH_COMPLEX128;
}
static int is_float(int dt) {
  return dt == ASH_FLOAT16 || dt == ASH_FLOAT32 || dt == ASH_FLOAT64;
}

/* Writes the JSON values into @v in C order (flat indices). */
static int put(ash_view *v, int dt, cJSON *values) {
  int64_t i = 0;
  cJSON *e;
  cJSON_ArrayForEach(e, values) {
    int r;
    if (is_complex(dt))
      r = ash_view_set_c128(v, 1, &i, cJSON_GetArrayItem(e, 0)->valuedouble,
                            cJSON_GetArrayItem(e, 1)->valuedouble);
    else if (is_float(dt))
      r = ash_view_set_f64(v, 1, &i, e->valuedouble);
    else
      r = ash_view_set_i64(v, 1, &i, (int64_t)e->valuedouble);
    if (r)
      return die("write");
    i++;
  }
  return i == ash_view_size(v) ? 0 : (fprintf(stderr, "pair-c: %lld values for %lld elements\n", (long long)i, (long long)ash_view_size(v)), 1);
}

/* Checks @v against the JSON values in C order. */
static int check(ash_view *v, int dt, cJSON *values, const char *what) {
  int64_t i = 0;
  cJSON *e;
  int bad = 0;
  cJSON_ArrayForEach(e, values) {
    double re, im, want_re, want_im = 0;
    int64_t x;
    int r;
    if (is_complex(dt)) {
      r = ash_view_get_c128(v, 1, &i, &re, &im);
      want_re = cJSON_GetArrayItem(e, 0)->valuedouble;
      want_im = cJSON_GetArrayItem(e, 1)->valuedouble;
    } else if (is_float(dt)) {
      r = ash_view_get_f64(v, 1, &i, &re);
      im = 0;
      want_re = e->valuedouble;
    } else {
      r = ash_view_get_i64(v, 1, &i, &x);
      re = (double)x;
      im = 0;
      want_re = e->valuedouble;
    }
    if (r)
      return die("read");
    if (re != want_re || im != want_im) {
      fprintf(stderr, "pair-c %s: %s[%lld] is (%g, %g), expected (%g, %g)\n",
              role, what, (long long)i, re, im, want_re, want_im);
      bad = 1;
    }
    i++;
  }
  return bad;
}

static int lead(cJSON *arrays, const char *name, char **cmd) {
  uint64_t arena = 0;
  int n = cJSON_GetArraySize(arrays);
  cJSON *a;
  cJSON_ArrayForEach(a, arrays) {
    int dt, ndim = 0;
    int64_t shape[ASH_MAX_NDIM];
    cJSON *d;
    ash_dtype_parse(cJSON_GetObjectItem(a, "dtype")->valuestring, &dt);
    cJSON_ArrayForEach(d, cJSON_GetObjectItem(a, "shape")) shape[ndim++] = (int64_t)d->valuedouble;
    if (ash_arena_bytes_for(dt, ndim, shape, &arena))
      return die("size");
  }
  ash_segment *seg;
  if (ash_segment_create(name, arena, (uint32_t)n, 0, 0600, &seg))
    return die("create");
  int bad = 0;
  cJSON_ArrayForEach(a, arrays) {
    int dt, ndim = 0;
    int64_t shape[ASH_MAX_NDIM];
    cJSON *d;
    ash_view *v;
    ash_dtype_parse(cJSON_GetObjectItem(a, "dtype")->valuestring, &dt);
    cJSON_ArrayForEach(d, cJSON_GetObjectItem(a, "shape")) shape[ndim++] = (int64_t)d->valuedouble;
    if (ash_segment_add_array(seg, cJSON_GetObjectItem(a, "name")->valuestring,
                              dt, ndim, shape, &v))
      return die("add array");
    bad |= put(v, dt, cJSON_GetObjectItem(a, "initial"));
    ash_view_release(v);
  }
  pid_t p = fork();
  if (p == 0) {
    execvp(cmd[0], cmd);
    perror("pair-c lead: exec follower");
    _exit(127);
  }
  int status = 0;
  waitpid(p, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "pair-c lead: the follower failed (status %d)\n", status);
    bad = 1;
  }
  cJSON_ArrayForEach(a, arrays) {
    ash_view *v;
    const char *an = cJSON_GetObjectItem(a, "name")->valuestring;
    if (ash_segment_view(seg, an, &v))
      return die("view");
    bad |= check(v, ash_view_dtype(v), cJSON_GetObjectItem(a, "final"), an);
    ash_view_release(v);
  }
  ash_segment_close(seg); /* policy auto: the last attacher unlinks */
  if (access("/dev/shm", F_OK) == 0) {
    char path[512];
    snprintf(path, sizeof path, "/dev/shm/ash.%s", name);
    if (access(path, F_OK) == 0) {
      fprintf(stderr, "pair-c lead: %s still exists after the last close\n", path);
      bad = 1;
    }
  }
  printf("pair lead c: %s\n", bad ? "FAIL" : "ok");
  return bad;
}

static int follow(cJSON *arrays, const char *name) {
  ash_segment *seg;
  if (ash_segment_open(name, 0, &seg))
    return die("open");
  int bad = 0, k = 0;
  if (ash_segment_array_count(seg) != cJSON_GetArraySize(arrays)) {
    fprintf(stderr, "pair-c follow: %d arrays, expected %d\n",
            ash_segment_array_count(seg), cJSON_GetArraySize(arrays));
    bad = 1;
  }
  cJSON *a;
  cJSON_ArrayForEach(a, arrays) {
    const char *an = cJSON_GetObjectItem(a, "name")->valuestring;
    const char *got = ash_segment_array_name(seg, k++);
    ash_view *v, *w;
    if (got == NULL || strcmp(got, an) != 0 || ash_segment_view(seg, an, &v)) {
      fprintf(stderr, "pair-c follow: array %d is %s, expected %s\n", k - 1,
              got ? got : "(none)", an);
      return 1;
    }
    const char *dtn = ash_dtype_name(ash_view_dtype(v));
    if (strcmp(dtn, cJSON_GetObjectItem(a, "dtype")->valuestring) != 0) {
      fprintf(stderr, "pair-c follow: %s is %s\n", an, dtn);
      bad = 1;
    }
    cJSON *shape = cJSON_GetObjectItem(a, "shape");
    if (cJSON_GetArraySize(shape) != ash_view_ndim(v))
      bad = 1;
    for (int i = 0; i < ash_view_ndim(v) && i < cJSON_GetArraySize(shape); i++)
      if (ash_view_shape(v)[i] != (int64_t)cJSON_GetArrayItem(shape, i)->valuedouble)
        bad = 1;
    bad |= check(v, ash_view_dtype(v), cJSON_GetObjectItem(a, "initial"), an);
    char desc[512];
    snprintf(desc, sizeof desc, "%s/%s%s", name, an,
             cJSON_GetObjectItem(a, "index")->valuestring);
    if (ash_attach(desc, 0, &w))
      return die(desc);
    bad |= put(w, ash_view_dtype(w), cJSON_GetObjectItem(a, "write"));
    ash_view_release(w);
    ash_view_release(v);
  }
  ash_segment_close(seg);
  printf("pair follow c: %s\n", bad ? "FAIL" : "ok");
  return bad;
}

int main(int argc, char **argv) {
  if (argc < 4 || (strcmp(argv[2], "lead") == 0 && argc < 5)) {
    fprintf(stderr, "usage: %s SPEC lead NAME CMD... | %s SPEC follow NAME\n",
            argv[0], argv[0]);
    return 2;
  }
  role = argv[2];
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) {
    perror(argv[1]);
    return 2;
  }
  static char text[1 << 16];
  size_t got = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[got] = '\0';
  cJSON *spec = cJSON_Parse(text);
  cJSON *arrays = cJSON_GetObjectItem(spec, "arrays");
  int r;
  if (strcmp(role, "lead") == 0) {
    /* the follower gets NAME appended */
    int nc = argc - 4;
    char **cmd = calloc((size_t)nc + 2, sizeof *cmd);
    for (int i = 0; i < nc; i++)
      cmd[i] = argv[4 + i];
    char name[256]; /* unique per run: the given name plus our pid */
    snprintf(name, sizeof name, "%s_%d", argv[3], (int)getpid());
    cmd[nc] = name;
    r = lead(arrays, name, cmd);
    free(cmd);
  } else {
    r = follow(arrays, argv[3]);
  }
  cJSON_Delete(spec);
  return r;
}
