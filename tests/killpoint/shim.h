/* SPDX-License-Identifier: MIT */
/* The kill-point shim's entry points (shim.c). The driver finds them with
 * dlsym(RTLD_DEFAULT, ...) since the shim is preloaded, not linked. */
#ifndef KILLSHIM_H
#define KILLSHIM_H

#define KILLSHIM_LOG_MAX 4096
#define KILLSHIM_DESC 64

/* Written by the shim before every counted call: the running count, and
 * the call's description at desc[(count - 1) % KILLSHIM_LOG_MAX]. */
struct killshim_log {
  long count;
  char desc[KILLSHIM_LOG_MAX][KILLSHIM_DESC];
};

/* Names made and removed by the library (link, linkat, unlink, unlinkat),
 * from any process that inherited the pointer, armed or not: a trace for
 * finding who removed a name. */
#define KILLSHIM_RING 65536
struct killshim_ring {
  unsigned long n; /* entries written so far (the ring keeps the last) */
  struct {
    long long ns; /* CLOCK_REALTIME */
    int pid;
    int ok;       /* the call succeeded */
    char desc[48];
  } e[KILLSHIM_RING];
};

/* Arms: 0 counts the calls made from libarrayshare, n > 0 raises SIGKILL
 * right before the n-th. Returns 0, or -1 when libarrayshare is not
 * loaded (then every call counts). */
int killshim_arm(long n);
/* As killshim_arm, but SIGSTOP (the parent continues it with SIGCONT). */
int killshim_arm_stop(long n);
/* Disarms; returns the number of points counted since arming. */
long killshim_disarm(void);
/* A point at a place of the caller's choosing (after an operation). */
void killshim_point(void);
/* Where to log (MAP_SHARED memory of the driver), or NULL. */
void killshim_log(struct killshim_log *log);
/* Where to record names made and removed (MAP_SHARED), or NULL. */
void killshim_ring(struct killshim_ring *ring);

#endif
