/* SPDX-License-Identifier: MIT */
/* The SIGBUS guard: a segment truncated by a peer makes every access past
 * its new end raise SIGBUS. Copies the library makes run inside a guard: a
 * SIGBUS whose address lies in the guarded mappings jumps back to the guard,
 * which reports ASH_E_TRUNC; any other SIGBUS goes to the handler installed
 * before ours (the default one kills the process, as without arrayshare).
 *
 * The handler is installed once, on first use, with SA_NODEFER so that
 * jumping out of it leaves SIGBUS unblocked (sigsetjmp does not save the
 * signal mask: entering a guard costs no system call). */
#include <signal.h>
#include <string.h>

#include "internal.h"

__attribute__((tls_model(
    "initial-exec"))) static _Thread_local struct ash__guard *ash__guard_top;

static struct sigaction ash__prev_bus;
static pthread_once_t ash__bus_once = PTHREAD_ONCE_INIT;

static bool ash__guard_hit(const struct ash__guard *g, const uint8_t *a) {
  for (int i = 0; i < 2; i++)
    if (g->lo[i] && a >= g->lo[i] && a < g->hi[i])
      return true;
  return false;
}

static void ash__on_sigbus(int sig, siginfo_t *si, void *uc) {
  struct ash__guard *g = ash__guard_top;
  if (g && ash__guard_hit(g, (const uint8_t *)si->si_addr)) {
    ash__guard_top = g->prev;
    siglongjmp(g->env, 1);
  }
  /* Not ours: hand it on. */
  if (ash__prev_bus.sa_flags & SA_SIGINFO) {
    if (ash__prev_bus.sa_sigaction)
      ash__prev_bus.sa_sigaction(sig, si, uc);
    return;
  }
  if (ash__prev_bus.sa_handler == SIG_IGN)
    return;
  if (ash__prev_bus.sa_handler != SIG_DFL) {
    ash__prev_bus.sa_handler(sig);
    return;
  }
  /* Default action: restore it; the faulting access runs again and the
   * process ends with SIGBUS, as it would have without us. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGBUS, &dfl, NULL);
}

static void ash__bus_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = ash__on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &ash__prev_bus);
}

void ash__guard_push(struct ash__guard *g, const ash__map *a,
                     const ash__map *b) {
  pthread_once(&ash__bus_once, ash__bus_install);
  const ash__map *ms[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    g->lo[i] = ms[i] ? ms[i]->addr : NULL;
    g->hi[i] = ms[i] ? ms[i]->addr + ms[i]->len : NULL;
  }
  g->prev = ash__guard_top;
  ash__guard_top = g;
}

void ash__guard_pop(struct ash__guard *g) { ash__guard_top = g->prev; }

int ash__guard_fault(const ash__map *m) {
  return ash__err(ASH_E_TRUNC,
                  "segment \"%s\" was truncated by another process while "
                  "this call read or wrote it; the call was stopped",
                  m->name);
}
