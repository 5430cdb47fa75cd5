/* SPDX-License-Identifier: MIT */
/* The kill -9 torture test of the coordination words.
 *
 *   torture-sync [SECONDS [WORKERS]]      (default 3 s, 4 workers)
 *
 * Workers share one segment and, in a loop: take the lock of "state" (or
 * open a write on it), add 1 to state[0] and to their own ledger entry
 * state[2 + w] in two separate steps, and release; add 1 to atom[0] with
 * an atomic; take snapshots of "state" and check that a whole one always
 * has state[0] == the sum of the ledger. Meanwhile the parent SIGKILLs a
 * random worker every few milliseconds (at any point: inside the library,
 * between the two steps, holding the lock, in the middle of a write) and
 * starts a new one in its place. A locker that gets OWNERDEAD repairs
 * (state[0] = sum of the ledger) and marks the data consistent.
 *
 * Then, with no more kills, every worker does K locked and K atomic
 * increments: the counts must be exact, no lock may time out or become
 * unrecoverable (no deadlock), and after the last close and a gc the
 * segment must be gone. scripts/torture-sync.sh runs it for a minute. */
#define _GNU_SOURCE
#include <arrayshare.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXW 16
#define FINAL_K 2000

static char name[64];
static int nworkers;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int64_t get(ash_view *v, int64_t i) {
  int64_t x = 0;
  ash_view_get_i64(v, 1, &i, &x);
  return x;
}

static void set(ash_view *v, int64_t i, int64_t x) {
  ash_view_set_i64(v, 1, &i, x);
}

/* state[0] := the sum of the ledger (what the completed increments add
 * up to), after an owner died between the two steps. */
static void repair(ash_view *st) {
  int64_t sum = 0;
  for (int w = 0; w < MAXW; w++)
    sum += get(st, 2 + w);
  set(st, 0, sum);
}

static void check(int r, const char *what) {
  if (r == ASH_OK)
    return;
  fprintf(stderr, "torture worker %d: %s: %s: %s\n", (int)getpid(), what,
          ash_err_name(r), ash_last_error());
  _exit(21); /* a timeout means a lock was never handed over */
}

/* One increment of state[0] and ledger[w], in two steps, in one of three
 * ways (@how): a write (write_begin takes the lock), a write inside the
 * lock, or the lock alone (the quiet phase: snapshots are not checked).
 * After an owner died, the data is repaired first. */
static void increment(ash_view *st, int w, int how) {
  int r = how == 0 ? ash_view_write_begin(st, 5) : ash_view_lock(st, 5);
  if (r == ASH_E_OWNERDEAD) {
    repair(st);
    if (how != 0)
      check(ash_view_consistent(st), "consistent");
  } else {
    check(r, "lock");
  }
  if (how == 1)
    check(ash_view_write_begin(st, 5), "write_begin in the lock");
  set(st, 0, get(st, 0) + 1);
  if (rand() % 8 == 0)
    usleep(50); /* widen the window between the two steps */
  set(st, 2 + w, get(st, 2 + w) + 1);
  if (how != 2)
    check(ash_view_write_end(st), "write_end");
  if (how != 0)
    check(ash_view_unlock(st), "unlock");
}

static int worker(int w, int final) {
  char d[128];
  ash_view *st, *at;
  snprintf(d, sizeof d, "%s/state", name);
  if (ash_attach(d, 0, &st))
    return 10;
  snprintf(d, sizeof d, "%s/atom", name);
  if (ash_attach(d, 0, &at))
    return 11;
  srand((unsigned)getpid());
  int64_t zero = 0, x, buf[2 + MAXW], ver;
  for (int k = 0; final ? k < FINAL_K : 1; k++) {
    increment(st, w, final ? 2 : rand() % 2);
    if (ash_view_atomic_i64(at, ASH_ATOMIC_ADD, 1, &zero, 1, 0, &x))
      return 12;
    if (final || rand() % 4)
      continue;
    int r = ash_view_read_snapshot(st, buf, sizeof buf, 5, &ver);
    if (r == ASH_E_TORN)
      continue; /* a writer was killed mid-write: the next one repairs */
    if (r != ASH_OK)
      return 13;
    int64_t sum = 0;
    for (int i = 0; i < MAXW; i++)
      sum += buf[2 + i];
    if (buf[0] != sum) { /* a whole version is always consistent */
      fprintf(stderr, "torture: snapshot %lld has state %lld, ledger %lld\n",
              (long long)ver, (long long)buf[0], (long long)sum);
      return 14;
    }
  }
  ash_view_release(st);
  ash_view_release(at);
  return 0;
}

static pid_t spawn(int w, int final) {
  fflush(NULL);
  pid_t p = fork();
  if (p == 0)
    _exit(worker(w, final));
  return p;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 3.0;
  nworkers = argc > 2 ? atoi(argv[2]) : 4;
  if (nworkers < 1 || nworkers > MAXW)
    return fprintf(stderr, "1 to %d workers\n", MAXW), 2;
  snprintf(name, sizeof name, "tcsync%d", (int)getpid());
  int64_t sshape = 2 + MAXW, ashape = 2;
  uint64_t arena = 0;
  ash_segment *seg;
  ash_view *st, *at;
  if (ash_arena_bytes_for(ASH_INT64, 1, &sshape, &arena) ||
      ash_arena_bytes_for(ASH_INT64, 1, &ashape, &arena) ||
      ash_segment_create(name, arena, 2, 0, 0600, &seg) ||
      ash_segment_add_array(seg, "state", ASH_INT64, 1, &sshape, &st) ||
      ash_segment_add_array(seg, "atom", ASH_INT64, 1, &ashape, &at))
    return fprintf(stderr, "torture: %s\n", ash_last_error()), 1;
  pid_t kids[MAXW];
  for (int w = 0; w < nworkers; w++)
    kids[w] = spawn(w, 0);
  int kills = 0, bad = 0;
  srand((unsigned)getpid());
  double end = now() + seconds;
  while (now() < end && !bad) {
    usleep(1000 + (useconds_t)(rand() % 8000));
    int w = rand() % nworkers;
    kill(kids[w], SIGKILL);
    int s = 0;
    waitpid(kids[w], &s, 0);
    if (!(WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL)) {
      fprintf(stderr, "torture: worker %d ended by itself (status %d)\n", w,
              WIFEXITED(s) ? WEXITSTATUS(s) : -1);
      bad = 1;
    }
    kids[w] = spawn(w, 0);
    kills++;
  }
  for (int w = 0; w < nworkers; w++) {
    kill(kids[w], SIGKILL);
    waitpid(kids[w], NULL, 0);
  }
  /* Quiet phase: exact counts, no lock lost. */
  int r = ash_view_lock(st, 5);
  if (r == ASH_E_OWNERDEAD) {
    repair(st);
    r = ash_view_consistent(st);
  }
  if (r != ASH_OK) {
    fprintf(stderr, "torture: the lock after the kills: %s\n",
            ash_last_error());
    return 1;
  }
  int64_t s0 = get(st, 0), a0 = get(at, 0);
  ash_view_unlock(st);
  for (int w = 0; w < nworkers; w++)
    kids[w] = spawn(w, 1);
  for (int w = 0; w < nworkers; w++) {
    int s = 0;
    waitpid(kids[w], &s, 0);
    if (!WIFEXITED(s) || WEXITSTATUS(s) != 0) {
      fprintf(stderr, "torture: final worker %d failed (%d)\n", w,
              WIFEXITED(s) ? WEXITSTATUS(s) : -1);
      bad = 1;
    }
  }
  int64_t want = (int64_t)nworkers * FINAL_K, sum = 0;
  for (int w = 0; w < MAXW; w++)
    sum += get(st, 2 + w);
  if (get(st, 0) - s0 != want || get(at, 0) - a0 != want || get(st, 0) != sum) {
    fprintf(stderr,
            "torture: after the kills: locked %lld, atomic %lld (expected "
            "%lld each), state %lld, ledger %lld\n",
            (long long)(get(st, 0) - s0), (long long)(get(at, 0) - a0),
            (long long)want, (long long)get(st, 0), (long long)sum);
    bad = 1;
  }
  ash_view_release(st);
  ash_view_release(at);
  ash_segment_close(seg); /* auto: the last attacher unlinks */
  ash_list *reaped = NULL;
  ash_gc_match(name, 0, &reaped);
  ash_list_free(reaped);
  char p[128];
  snprintf(p, sizeof p, "/dev/shm/ash.%s", name);
  if (access(p, F_OK) == 0) {
    fprintf(stderr, "torture: %s is left in /dev/shm\n", name);
    unlink(p);
    bad = 1;
  }
  printf("torture: %.0f s, %d workers, %d kills, %lld increments after them: "
         "%s\n",
         seconds, nworkers, kills, (long long)want, bad ? "FAIL" : "ok");
  return bad;
}
