/* SPDX-License-Identifier: MIT */
/* Anonymous segments (ASH_ANON): memfd files sealed against shrinking and
 * growing, so no peer can truncate them (no SIGBUS), and nothing is left in
 * /dev/shm when their holders exit or crash: the memory goes with the last
 * descriptor and mapping.
 *
 * They are handed to other processes as a descriptor (SCM_RIGHTS, then
 * ash_segment_open_fd) or by the rendezvous every language can use, a
 * descriptor string "ash+fd://PID/FD...": the receiver opens
 * /proc/PID/fd/FD, which gives it the holder's file (a process of the same
 * user may do so), and checks its generation (the creation time, always in
 * such descriptors) so a reused pid or descriptor number is refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

ash_status ash_segment_open_fd(int fd, unsigned flags, ash_segment **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output handle pointer is NULL");
  *out = NULL;
  if (flags & ~(unsigned)(ASH_RDONLY | ASH_NOATTACH))
    return ash__err(ASH_E_INVAL,
                    "open fd %d: flags 0x%x (only ASH_RDONLY, ASH_NOATTACH)",
                    fd, flags);
  int acc = fcntl(fd, F_GETFL);
  if (acc < 0)
    return ash__syserr(errno, "open", "the descriptor");
  bool rw = (acc & O_ACCMODE) == O_RDWR;
  if (!rw && !(flags & (ASH_RDONLY | ASH_NOATTACH)))
    return ash__err(ASH_E_RDONLY,
                    "open fd %d: the descriptor is read-only; open with "
                    "ASH_RDONLY",
                    fd);
  int mine = fcntl(fd, F_DUPFD_CLOEXEC, 3); /* the caller keeps @fd */
  if (mine < 0)
    return ash__syserr(errno, "dup", "the descriptor");
  int backend =
      fcntl(mine, F_GET_SEALS) >= 0 ? ASH__BACKEND_MEMFD : ASH__BACKEND_FILE;
  ash__map *m;
  int r = ash__open_fd_once("fd", backend, mine, rw, flags, 0, &m);
  if (r == ASH__RETRY)
    r = ash__err(ASH_E_NOENT, "open fd %d: the segment was removed", fd);
  if (r)
    return r;
  return ash__segment_wrap(m, (flags & (ASH_RDONLY | ASH_NOATTACH)) != 0,
                           !(flags & ASH_NOATTACH), out);
}

int ash__open_anon(int64_t pid, int64_t fdnum, unsigned flags, int64_t gen,
                   ash_segment **out) {
  *out = NULL;
  if (gen == 0)
    return ash__err(ASH_E_DESC,
                    "an ash+fd descriptor needs gen= (the segment's creation "
                    "time): pids and descriptor numbers are reused");
  bool attach = !(flags & ASH_NOATTACH);
  ash__map *m;
  int r = ash__map_find(ASH__BACKEND_MEMFD, 0, 0, gen, NULL,
                        !(flags & (ASH_RDONLY | ASH_NOATTACH)), attach, &m);
  if (r == ASH_OK && m == NULL) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%lld/fd/%lld", (long long)pid,
             (long long)fdnum);
    bool rw = attach;
    int fd = open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0 && rw && (errno == EACCES || errno == EPERM) &&
        (flags & ASH_RDONLY)) {
      rw = false;
      fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0)
      return errno == ENOENT || errno == ESRCH
                 ? ash__err(ASH_E_NOENT,
                            "anonymous segment %s: its holder exited or "
                            "closed it",
                            path)
                 : ash__syserr(errno, "open", path);
    r = ash__open_fd_once(path, ASH__BACKEND_MEMFD, fd, rw, flags, gen, &m);
    if (r == ASH__RETRY)
      r = ash__err(ASH_E_NOENT, "anonymous segment %s is gone", path);
  }
  if (r)
    return r;
  return ash__segment_wrap(m, (flags & (ASH_RDONLY | ASH_NOATTACH)) != 0,
                           attach, out);
}

int ash_segment_fd(const ash_segment *seg) { return seg ? seg->map->fd : -1; }

ash_status ash_segment_seal(ash_segment *seg) {
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  ash__map *m = seg->map;
  if (m->backend != ASH__BACKEND_MEMFD)
    return ash__err(ASH_E_INVAL,
                    "seal \"%s\": only anonymous segments (ASH_ANON) can be "
                    "sealed",
                    m->name);
  int seals = fcntl(m->fd, F_GET_SEALS);
  if (seals > 0 && (seals & F_SEAL_FUTURE_WRITE))
    return ASH_OK; /* sealed already */
  if (seg->readonly || !m->fd_rw || m->wsealed)
    return ash__err(ASH_E_RDONLY, "seal \"%s\": the handle is read-only",
                    m->name);
  /* The flag first, so readers know; then the seal: no new writable
   * mapping, no write(2) (so no more arrays, and no more attach records:
   * this process's own is cleared now). */
  uint32_t hflags = m->hdr.flags | ASH__HF_WSEALED;
  static const int32_t nopid = 0;
  if (m->attached)
    (void)ash__meta_write(
        m, m->hdr.attach_offset + (uint64_t)m->slot * ASH__SLOT_SIZE, &nopid,
        sizeof nopid);
  int r = ash__meta_write(m, offsetof(struct ash__hdr, flags), &hflags,
                          sizeof hflags);
  if (r)
    return r;
  if (fcntl(m->fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) != 0) {
    int e = errno; /* (Linux < 5.1: EINVAL) the flag back: still writable */
    (void)ash__meta_write(m, offsetof(struct ash__hdr, flags), &m->hdr.flags,
                          sizeof m->hdr.flags);
    return ash__syserr(e, "seal", m->name);
  }
  m->hdr.flags = hflags;
  m->norecord = true;
  return ASH_OK;
}
