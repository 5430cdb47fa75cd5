/* SPDX-License-Identifier: MIT */
/* The kernel thread pool: owned by the library, started on first use,
 * sized by ASH_NUM_THREADS or the CPU affinity mask, safe across fork().
 *
 * A split call is a job of chunks. The calling thread queues it, wakes up to
 * threads-1 workers and runs chunks itself until none is left, then waits for
 * the chunks the workers took. Because the caller always works on its own
 * job, a call makes progress even when every worker is busy (other calls,
 * nested calls from inside a kernel). Everything shared is guarded by one
 * mutex; chunks are few (one per thread), so it is never contended for long.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

#define ASH__POOL_MAX 1024

struct ash__job {
  void (*fn)(void *ctx, int64_t chunk);
  void *ctx;
  int64_t nchunks;
  int64_t next; /* first chunk nobody took */
  int64_t done;
  int helpers, max_helpers;
  pthread_cond_t finished;
  struct ash__job *next_job;
};

static struct {
  pthread_mutex_t mu;
  pthread_cond_t work;
  struct ash__job *jobs; /* jobs with chunks nobody took yet */
  pthread_t threads[ASH__POOL_MAX];
  int nthreads; /* workers started */
  bool stop;
  int size; /* ASH_NUM_THREADS or the affinity mask; 0 if invalid */
  char size_err[128];
} ash__pool = {.mu = PTHREAD_MUTEX_INITIALIZER,
               .work = PTHREAD_COND_INITIALIZER};

static pthread_once_t ash__pool_once = PTHREAD_ONCE_INIT;

/* ---- size and fork -------------------------------------------------------- */

static void ash__pool_prepare(void) { pthread_mutex_lock(&ash__pool.mu); }
static void ash__pool_parent(void) { pthread_mutex_unlock(&ash__pool.mu); }
/* The child has none of the workers, and no job is running in it. */
static void ash__pool_child(void) {
  pthread_mutex_init(&ash__pool.mu, NULL);
  pthread_cond_init(&ash__pool.work, NULL);
  ash__pool.jobs = NULL;
  ash__pool.nthreads = 0;
}

static void ash__pool_init(void) {
  const char *env = getenv("ASH_NUM_THREADS");
  if (env != NULL && env[0] != '\0') {
    char *end;
    errno = 0;
    long n = strtol(env, &end, 10);
    if (errno || *end != '\0' || n < 1 || n > ASH__POOL_MAX)
      snprintf(ash__pool.size_err, sizeof ash__pool.size_err,
               "ASH_NUM_THREADS=\"%.40s\": not a number from 1 to %d", env,
               ASH__POOL_MAX);
    else
      ash__pool.size = (int)n;
  } else {
    cpu_set_t set;
    int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    ash__pool.size = n < 1 ? 1 : n > ASH__POOL_MAX ? ASH__POOL_MAX : n;
  }
  pthread_atfork(ash__pool_prepare, ash__pool_parent, ash__pool_child);
}

int ash__pool_threads(int nthreads, int *out) {
  pthread_once(&ash__pool_once, ash__pool_init);
  if (ash__pool.size == 0)
    return ash__err(ASH_E_INVAL, "%s", ash__pool.size_err);
  if (nthreads < 0)
    return ash__err(ASH_E_INVAL, "nthreads %d is negative (0 means all %d)",
                    nthreads, ash__pool.size);
  *out = nthreads == 0 || nthreads > ash__pool.size ? ash__pool.size : nthreads;
  return ASH_OK;
}

ash_status ash_kernel_max_threads(int *out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "out is NULL");
  return ash__pool_threads(0, out);
}

/* ---- workers ----------------------------------------------------------------- */

static void ash__job_unqueue(struct ash__job *j) {
  for (struct ash__job **pp = &ash__pool.jobs; *pp; pp = &(*pp)->next_job)
    if (*pp == j) {
      *pp = j->next_job;
      return;
    }
}

/* Runs chunks of @j until none is left; called and returns with mu held. */
static void ash__job_work(struct ash__job *j) {
  while (j->next < j->nchunks) {
    int64_t c = j->next++;
    if (j->next == j->nchunks)
      ash__job_unqueue(j);
    pthread_mutex_unlock(&ash__pool.mu);
    j->fn(j->ctx, c);
    pthread_mutex_lock(&ash__pool.mu);
    if (++j->done == j->nchunks)
      pthread_cond_signal(&j->finished);
  }
}

static struct ash__job *ash__job_find(void) {
  for (struct ash__job *j = ash__pool.jobs; j; j = j->next_job)
    if (j->helpers < j->max_helpers)
      return j;
  return NULL;
}

static void *ash__worker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&ash__pool.mu);
  for (;;) {
    struct ash__job *j;
    while (!ash__pool.stop && (j = ash__job_find()) == NULL)
      pthread_cond_wait(&ash__pool.work, &ash__pool.mu);
    if (ash__pool.stop)
      break;
    j->helpers++;
    ash__job_work(j);
    j->helpers--; /* j stays valid: its caller waits for done == nchunks */
  }
  pthread_mutex_unlock(&ash__pool.mu);
  return NULL;
}

/* Starts workers up to @n; returns how many there are. */
static int ash__pool_grow(int n) {
  while (ash__pool.nthreads < n && !ash__pool.stop) {
    pthread_attr_t attr;
    sigset_t all, old;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1u << 20);
    sigfillset(&all); /* workers take no signals: the caller's threads do */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&ash__pool.threads[ash__pool.nthreads], &attr,
                            ash__worker, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0)
      break; /* fewer helpers; the caller still does all the work */
    ash__pool.nthreads++;
  }
  return ash__pool.nthreads;
}

void ash__pool_run(int threads, int64_t nchunks,
                   void (*fn)(void *ctx, int64_t chunk), void *ctx) {
  struct ash__job j = {.fn = fn, .ctx = ctx, .nchunks = nchunks};
  pthread_cond_init(&j.finished, NULL);
  pthread_mutex_lock(&ash__pool.mu);
  int helpers = threads - 1;
  if (helpers > nchunks - 1)
    helpers = (int)(nchunks - 1);
  j.max_helpers =
      ash__pool_grow(helpers) < helpers ? ash__pool.nthreads : helpers;
  if (j.max_helpers > 0) {
    j.next_job = ash__pool.jobs;
    ash__pool.jobs = &j;
    for (int i = 0; i < j.max_helpers; i++)
      pthread_cond_signal(&ash__pool.work);
  }
  ash__job_work(&j);
  while (j.done < j.nchunks)
    pthread_cond_wait(&j.finished, &ash__pool.mu);
  pthread_mutex_unlock(&ash__pool.mu);
  pthread_cond_destroy(&j.finished);
}

/* When the library is unloaded (or the process exits), the workers leave
 * before their code goes away. */
__attribute__((destructor)) static void ash__pool_fini(void) {
  pthread_mutex_lock(&ash__pool.mu);
  ash__pool.stop = true;
  pthread_cond_broadcast(&ash__pool.work);
  int n = ash__pool.nthreads;
  ash__pool.nthreads = 0;
  pthread_mutex_unlock(&ash__pool.mu);
  for (int i = 0; i < n; i++)
    pthread_join(ash__pool.threads[i], NULL);
}
