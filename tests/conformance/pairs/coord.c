/* SPDX-License-Identifier: MIT */
/* Cross-language coordination pair, C side. See coord.json and README.md.
 *
 *   ash-coord-c SPEC lead NAME FOLLOWER-COMMAND...
 *   ash-coord-c SPEC follow NAME
 */
#define _GNU_SOURCE
#include <arrayshare.h>
#include <cjson/cJSON.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *role = "?";
static int versions, data_len, slots, slot_len, nslots, increments;
static double timeout;

static int die(const char *what) {
  fprintf(stderr, "coord-c %s: %s: %s\n", role, what, ash_last_error());
  return 1;
}

/* The payload of number @i: element k = i * 1000003 + 7k, the last the
 * sum of the others. */
static void payload(int64_t *p, int n, int64_t i) {
  int64_t sum = 0;
  for (int k = 0; k < n - 1; k++)
    sum += p[k] = i * 1000003 + 7 * k;
  p[n - 1] = sum;
}

static int check_payload(const int64_t *p, int n, int64_t i, const char *what) {
  int64_t want[256];
  payload(want, n, i);
  if (memcmp(p, want, sizeof(int64_t) * (size_t)n) == 0)
    return 0;
  fprintf(stderr, "coord-c %s: %s %lld has a wrong payload or checksum\n",
          role, what, (long long)i);
  return 1;
}

/* Both sides: counter[0] under the lock, counter[1] with atomics. */
static int count(ash_view *counter) {
  int64_t i0 = 0, i1 = 1, x;
  for (int k = 0; k < increments; k++) {
    if (ash_view_lock(counter, timeout) || ash_view_get_i64(counter, 1, &i0, &x) ||
        ash_view_set_i64(counter, 1, &i0, x + 1) || ash_view_unlock(counter))
      return die("locked increment");
    if (ash_view_atomic_i64(counter, ASH_ATOMIC_ADD, 1, &i1, 1, 0, &x))
      return die("atomic increment");
  }
  return 0;
}

static int lead(const char *base, char **follower) {
  char name[256];
  snprintf(name, sizeof name, "%s_%d", base, (int)getpid());
  int64_t dshape = data_len, one = 1, two = 2, sshape = slot_len;
  uint64_t arena = 0;
  ash_segment *seg;
  ash_view *data, *ack, *counter;
  ash_ring *ring;
  if (ash_arena_bytes_for(ASH_INT64, 1, &dshape, &arena) ||
      ash_arena_bytes_for(ASH_INT64, 1, &one, &arena) ||
      ash_arena_bytes_for(ASH_INT64, 1, &two, &arena) ||
      ash_ring_arena_bytes(ASH_INT64, 1, &sshape, nslots, &arena) ||
      ash_segment_create(name, arena, 4, 0, 0600, &seg) ||
      ash_segment_add_array(seg, "data", ASH_INT64, 1, &dshape, &data) ||
      ash_segment_add_array(seg, "ack", ASH_INT64, 1, &one, &ack) ||
      ash_segment_add_array(seg, "counter", ASH_INT64, 1, &two, &counter) ||
      ash_ring_create(seg, "ring", ASH_INT64, 1, &sshape, nslots,
                      ASH_RING_BACKPRESSURE, &ring))
    return die("create");
  int argc = 0;
  while (follower[argc])
    argc++;
  char **argv = calloc((size_t)argc + 2, sizeof *argv);
  memcpy(argv, follower, sizeof *argv * (size_t)argc);
  argv[argc] = name;
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
    return die("spawn the follower");
  free(argv);
  int bad = 0;
  /* versions, each acknowledged before the next */
  int64_t buf[256], i0 = 0, acked = 0, ackver = 0;
  for (int64_t i = 1; i <= versions && !bad; i++) {
    payload(buf, data_len, i);
    if (ash_view_write_begin(data, timeout) ||
        ash_view_write(data, buf, sizeof(int64_t) * (size_t)data_len) ||
        ash_view_write_end(data))
      bad = die("publish a version");
    while (!bad && acked < i) {
      if (ash_view_atomic_i64(ack, ASH_ATOMIC_LOAD, 1, &i0, 0, 0, &acked))
        bad = die("read the ack");
      else if (acked < i && ash_view_wait_change(ack, ackver, timeout, &ackver))
        bad = die("wait for the ack");
    }
  }
  /* ring slots, once the follower registered */
  for (int t = 0; !bad && ash_ring_consumers(ring) < 1; t++) {
    if (t > timeout * 100)
      bad = die("the follower never registered with the ring");
    usleep(10000);
  }
  for (int64_t i = 1; i <= slots && !bad; i++) {
    payload(buf, slot_len, i);
    if (ash_ring_write(ring, buf, sizeof(int64_t) * (size_t)slot_len, timeout))
      bad = die("write a slot");
  }
  bad |= count(counter);
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    fprintf(stderr, "coord-c lead: the follower failed (%d)\n", st);
    bad = 1;
  }
  int64_t c0 = 0, c1 = 0, i1 = 1;
  ash_view_get_i64(counter, 1, &i0, &c0);
  ash_view_get_i64(counter, 1, &i1, &c1);
  if (c0 != 2 * increments || c1 != 2 * increments) {
    fprintf(stderr, "coord-c lead: counters %lld and %lld, expected %d\n",
            (long long)c0, (long long)c1, 2 * increments);
    bad = 1;
  }
  ash_ring_close(ring);
  ash_view_release(data);
  ash_view_release(ack);
  ash_view_release(counter);
  ash_segment_close(seg); /* policy auto: the last attacher unlinks */
  printf("coord lead c: %s\n", bad ? "FAIL" : "ok");
  return bad;
}

static int follow(const char *name) {
  char d[300];
  ash_segment *seg;
  ash_view *data, *ack, *counter;
  ash_ring *ring;
  snprintf(d, sizeof d, "%s/ring", name);
  if (ash_segment_open(name, 0, &seg) || ash_segment_view(seg, "data", &data) ||
      ash_segment_view(seg, "ack", &ack) ||
      ash_segment_view(seg, "counter", &counter) ||
      ash_ring_attach(d, ASH_RING_CONSUMER, &ring))
    return die("attach");
  int bad = 0;
  int64_t buf[256], ver = 0, i0 = 0, x;
  for (int64_t i = 1; i <= versions && !bad; i++) {
    if (ash_view_wait_change(data, ver, timeout, &ver) ||
        ash_view_read_snapshot(data, buf, sizeof(int64_t) * (size_t)data_len,
                               timeout, &ver))
      bad = die("receive a version");
    else if (ver != i)
      bad = (fprintf(stderr, "coord-c follow: version %lld, expected %lld\n",
                     (long long)ver, (long long)i), 1);
    else if ((bad = check_payload(buf, data_len, i, "version")) == 0 &&
             (ash_view_atomic_i64(ack, ASH_ATOMIC_STORE, 1, &i0, i, 0, &x) ||
              ash_view_notify(ack, 1, NULL)))
      bad = die("acknowledge");
  }
  for (int64_t i = 1; i <= slots && !bad; i++) {
    int64_t seq;
    if (ash_ring_read(ring, buf, sizeof(int64_t) * (size_t)slot_len, timeout, &seq))
      bad = die("read a slot");
    else if (seq != i - 1)
      bad = (fprintf(stderr, "coord-c follow: slot %lld, expected %lld\n",
                     (long long)seq, (long long)i - 1), 1);
    else
      bad = check_payload(buf, slot_len, i, "slot");
  }
  if (!bad && ash_ring_missed(ring) != 0)
    bad = (fprintf(stderr, "coord-c follow: missed slots\n"), 1);
  bad |= count(counter);
  ash_ring_close(ring);
  ash_view_release(data);
  ash_view_release(ack);
  ash_view_release(counter);
  ash_segment_close(seg);
  printf("coord follow c: %s\n", bad ? "FAIL" : "ok");
  return bad;
}

int main(int argc, char **argv) {
  if (argc < 4)
    return fprintf(stderr, "usage: %s SPEC lead|follow NAME ...\n", argv[0]), 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f)
    return fprintf(stderr, "cannot open %s\n", argv[1]), 2;
  static char text[1 << 16];
  text[fread(text, 1, sizeof text - 1, f)] = 0;
  fclose(f);
  cJSON *spec = cJSON_Parse(text);
#define GET(k) cJSON_GetObjectItem(spec, k)->valuedouble
  versions = (int)GET("versions");
  data_len = (int)GET("data_len");
  slots = (int)GET("slots");
  slot_len = (int)GET("slot_len");
  nslots = (int)GET("nslots");
  increments = (int)GET("increments");
  timeout = GET("timeout");
  cJSON_Delete(spec);
  role = argv[2];
  if (strcmp(role, "lead") == 0)
    return lead(argv[3], argv + 4);
  return follow(argv[3]);
}
