/* SPDX-License-Identifier: MIT */
/* The attach table: OFD slot locks, liveness, attach and detach, and the
 * protocol by which the last attacher of an "auto" segment unlinks it.
 *
 * Open-file-description locks (fcntl F_OFD_*) belong to the open file
 * description and are dropped by the kernel when its last reference goes,
 * including when the process dies. The first byte of each attach slot is
 * held by that slot's attacher while it is attached, so "locked" means
 * "alive": no /proc scan, no confusion with a reused pid, no state word a
 * crash could leave behind.
 *
 * Removing an auto segment (docs/format.md, "Lifetime protocol"):
 *  - the remover takes the doom byte (257) without waiting, probes every
 *    slot byte at once, unlinks the name only if no slot is held, and drops
 *    the doom byte;
 *  - an attacher takes its slot byte, then probes the doom byte: held means
 *    a remover is deciding, so it lets go and opens the name again; free,
 *    it checks that the file still has a name (st_nlink > 0).
 * Either the remover sees the attacher's slot, or the attacher sees the
 * doom byte held or the name gone. A process killed at any point of either
 * side leaves no lock held and no state behind: the segment stays usable,
 * and a segment whose attachers all died is removed by the next process
 * that looks (open, create, list, gc). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int ash__lockop(int fd, short type, uint64_t start, uint64_t len, bool wait) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)start;
  fl.l_len = (off_t)len;
  int r;
  do
    r = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
  while (r != 0 && errno == EINTR);
  return r;
}

/* 1 when another open file description holds a lock in [start, start+len);
 * 1 as well when the kernel cannot tell: never remove anything on doubt. */
int ash__probe(int fd, uint64_t start, uint64_t len) {
  struct flock fl;
  memset(&fl, 0, sizeof fl); /* l_pid must be 0 for F_OFD_GETLK */
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)start;
  fl.l_len = (off_t)len;
  if (fcntl(fd, F_OFD_GETLK, &fl) != 0)
    return 1;
  return fl.l_type != F_UNLCK;
}

/* Whether the segment open on a descriptor of which @st is the fstat
 * still has its name @path: the attacher's last step of the lifetime
 * protocol (see the top of this file). A link count of 0 means removed.
 * A segment built under a temporary name (ASH__HF_TMPNAME in @hflags) may
 * have two names: a creator killed between giving it its name and
 * removing the temporary one leaves the latter until gc, so that once a
 * remover has taken the name away the count is still 1; the name itself
 * is then looked up (one lstat). */
bool ash__name_still_there(const char *path, const struct stat *st,
                           uint32_t hflags) {
  if (st->st_nlink == 0)
    return false;
  if (!(hflags & ASH__HF_TMPNAME))
    return true;
  struct stat now;
  return lstat(path, &now) == 0 && now.st_dev == st->st_dev &&
         now.st_ino == st->st_ino;
}

int ash__hdr_lock(ash__map *m) {
  if (ash__lockop(m->fd, F_WRLCK, ASH__LOCK_OFFSET, 1, true) != 0)
    return ash__syserr(errno, "lock", m->name);
  return ASH_OK;
}

void ash__hdr_unlock(ash__map *m) {
  (void)ash__lockop(m->fd, F_UNLCK, ASH__LOCK_OFFSET, 1, false);
}

static uint64_t ash__slot_off(const ash__map *m, uint32_t i) {
  return m->hdr.attach_offset + (uint64_t)i * ASH__SLOT_SIZE;
}

static uint64_t ash__slots_bytes(const ash__map *m) {
  return (uint64_t)m->hdr.attach_cap * ASH__SLOT_SIZE;
}

bool ash__slot_alive(ash__map *m, uint32_t i) {
  if (m->attached && (int)i == m->slot)
    return true;
  return ash__probe(m->fd, ash__slot_off(m, i), 1) != 0;
}

/* The owner of a lock word or a write is alive when its slot's lock is
 * held for writing (a reader with read permission only holds a read lock
 * and owns nothing) and the slot's record still has the owner's
 * generation (else the slot was claimed again by another process). A new
 * holder that has not written its record yet reads as the old owner for a
 * moment: waiters look again at their next slice. */
bool ash__owner_alive(ash__map *m, uint32_t id) {
  uint32_t s1 = id & ASH__LK_SLOT_MASK;
  uint32_t gen = (id >> ASH__LK_GEN_SHIFT) & ASH__LK_GEN_MASK;
  if (s1 == 0 || s1 > m->hdr.attach_cap)
    return false; /* no such slot: a corrupted word */
  uint32_t slot = s1 - 1;
  if (m->attached && (int)slot == m->slot)
    return (m->slot_gen & ASH__LK_GEN_MASK) == gen;
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)ash__slot_off(m, slot);
  fl.l_len = 1;
  if (fcntl(m->fd, F_OFD_GETLK, &fl) != 0)
    return true; /* cannot tell: never take a lock on doubt */
  if (fl.l_type != F_WRLCK)
    return false;
  const uint8_t *rec =
      m->addr + ash__slot_off(m, slot) + offsetof(struct ash__slot, gen);
  uint32_t g =
      __atomic_load_n((const uint32_t *)(const void *)rec, __ATOMIC_ACQUIRE);
  return (g & ASH__LK_GEN_MASK) == gen;
}

/* Before this process lets go of its slot: the locks it holds are released
 * with owner-died semantics (the next locker gets ASH_E_OWNERDEAD), and
 * their waiters are woken at once instead of at their next liveness
 * check. A write it left open stays open: readers see it torn. */
static void ash__abandon_locks(ash__map *m) {
  if (!atomic_load_explicit(&m->sync_used, memory_order_relaxed) ||
      m->hdr.index_offset == 0)
    return;
  uint32_t me = ash__owner_id(m->slot, m->slot_gen);
  uint32_t n = ash__dir_count(m);
  if (n > m->hdr.dir_cap)
    n = 0;
  for (int64_t i = -1; i < (int64_t)n; i++) {
    struct ash__sync *s = ash__sync_block(m, i);
    uint32_t w = atomic_load(&s->lock);
    if ((w & ASH__LK_ID_MASK) != me)
      continue;
    atomic_store(&s->tid, 0);
    while ((w & ASH__LK_ID_MASK) == me &&
           !atomic_compare_exchange_weak(&s->lock, &w,
                                         ASH__LK_DIED | (w & ASH__LK_WAITERS)))
      ;
    if ((w & ASH__LK_ID_MASK) == me && (w & ASH__LK_WAITERS))
      (void)ash__futex_wake(&s->lock, INT32_MAX);
  }
}

/* Reads the attach table (a peer may have truncated the segment:
 * ASH_E_TRUNC then). */
int ash__read_slots(ash__map *m, struct ash__slot *slots) {
  return ash__meta_read(m, m->hdr.attach_offset, slots, ash__slots_bytes(m));
}

/* Claims a free slot: its lock is the claim. Tries the process's own guess
 * first, then slots whose record is empty from the guess on, then the
 * others (records of dead attachers). */
static int ash__slot_claim(ash__map *m) {
  short type = m->fd_rw ? F_WRLCK : F_RDLCK;
  uint32_t cap = m->hdr.attach_cap;
  uint32_t guess = (uint32_t)ash__getpid() % cap;
  if (ash__lockop(m->fd, type, ash__slot_off(m, guess), 1, false) == 0)
    return (int)guess;
  struct ash__slot *slots = malloc(ash__slots_bytes(m));
  if (slots == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  int r = ash__read_slots(m, slots);
  for (int pass = 1; pass < 3 && r == ASH_OK; pass++) {
    for (uint32_t k = 1; k < cap; k++) {
      uint32_t i = (guess + k) % cap;
      if ((slots[i].pid == 0) != (pass == 1))
        continue;
      if (ash__lockop(m->fd, type, ash__slot_off(m, i), 1, false) == 0) {
        free(slots);
        return (int)i;
      }
    }
  }
  free(slots);
  return r ? r
           : ash__err(ASH_E_FULL,
                      "segment \"%s\": attach table full (%u live attachers)",
                      m->name, cap);
}

/* The slot record (pid, generation, start time), for display and for the
 * owner identity of locks. Written by its holder alone; one pwrite. @old:
 * the record as the holder read it after taking the lock, or NULL to read
 * it now. */
static void ash__record(ash__map *m, int slot, bool set,
                        const struct ash__slot *old) {
  if (!m->fd_rw || m->wsealed || m->norecord)
    return;
  struct ash__slot rec = {0, 0, 0};
  uint64_t off = ash__slot_off(m, (uint32_t)slot);
  if (set) {
    struct ash__slot cur = {0, 0, 0};
    if (old)
      cur = *old;
    else if (ash__meta_read(m, off, &cur, sizeof cur))
      return;
    m->slot_gen = cur.gen + 1;
    ash__slot_record(&rec, m->slot_gen);
    (void)ash__meta_write(m, off, &rec, sizeof rec);
  } else {
    (void)ash__meta_write(m, off, &rec, sizeof rec.pid);
  }
}

/* @live (may be NULL): receives the segment's header as it is now, read
 * with the claimed slot's record in one pread after the lock (*@have_live
 * says whether it could be: the slot lies in the first 4 KiB). */
int ash__attach(ash__map *m, struct ash__hdr *live, bool *have_live) {
  if (have_live)
    *have_live = false;
  int slot = ash__slot_claim(m);
  if (slot < 0)
    return slot;
  uint64_t off = ash__slot_off(m, (uint32_t)slot);
  if (ash__probe(m->fd, ASH__DOOM_OFFSET, 1)) {
    (void)ash__lockop(m->fd, F_UNLCK, off, 1, false);
    return ASH__RETRY; /* a remover is deciding: open the name again */
  }
  if (m->backend != ASH__BACKEND_MEMFD && !m->unpublished) {
    struct stat st;
    struct ash__loc l;
    l.path[0] = '\0'; /* looked at for ASH__HF_TMPNAME only ("" fails) */
    if ((m->hdr.flags & ASH__HF_TMPNAME) &&
        ash__loc_make(m->name, m->backend == ASH__BACKEND_FILE ? ASH_FILE : 0,
                      &l) != ASH_OK)
      l.path[0] = '\0';
    bool gone = fstat(m->fd, &st) != 0 ||
                !ash__name_still_there(l.path, &st, m->hdr.flags);
    if (gone || (uint64_t)st.st_size < m->hdr.total_size) {
      (void)ash__lockop(m->fd, F_UNLCK, off, 1, false);
      m->stale = true;   /* a cached map: the open starts afresh */
      return ASH__RETRY; /* removed (the name may be back) or truncated */
    }
  }
  uint8_t buf[4096];
  const struct ash__slot *old = NULL;
  if (live && off + ASH__SLOT_SIZE <= sizeof buf &&
      ash__meta_read(m, 0, buf, off + ASH__SLOT_SIZE) == ASH_OK) {
    memcpy(live, buf, sizeof *live);
    *have_live = true;
    old = (const struct ash__slot *)(const void *)(buf + off);
  }
  ash__attach_held(m, slot, old);
  return ASH_OK;
}

/* The end of an attach whose protocol steps the caller made: @slot's
 * lock taken, the doom byte found free and the name still there after it
 * (@old: the slot's record read after the lock, or NULL). */
static void ash__attach_id(ash__map *m, int slot) {
  /* May lock: its slot generation is recorded, the words are writable. */
  atomic_store_explicit(&m->lock_id,
                        m->hdr.index_offset && m->fd_rw && !m->wsealed &&
                                !m->norecord
                            ? ash__owner_id(slot, m->slot_gen)
                            : 0,
                        memory_order_relaxed);
}

void ash__attach_held(ash__map *m, int slot, const struct ash__slot *old) {
  m->slot = slot;
  m->attached = true;
  ash__record(m, slot, true, old);
  ash__attach_id(m, slot);
}

/* The creator's attach to the segment it is building: @slot's lock was
 * taken before the segment's first write, which wrote the record of
 * generation @gen (ash__slot_record) with the header. The file has no name
 * yet: no remover can be deciding, no attacher can hold a slot. */
void ash__attach_recorded(ash__map *m, int slot, uint32_t gen) {
  m->slot = slot;
  m->attached = true;
  m->slot_gen = gen;
  ash__attach_id(m, slot);
}

/* Under m->lock, when the last handle or view of this process goes. */
void ash__detach(ash__map *m) {
  if (!m->attached)
    return;
  ash__abandon_locks(m);
  atomic_store_explicit(&m->lock_id, 0, memory_order_relaxed);
  ash__record(m, m->slot, false, NULL);
  (void)ash__lockop(m->fd, F_UNLCK, ash__slot_off(m, (uint32_t)m->slot), 1,
                    false);
  m->attached = false;
  m->slot = -1;
  if (m->hdr.policy != ASH_POLICY_AUTO || !m->fd_rw || m->unlinked ||
      m->unpublished || m->backend == ASH__BACKEND_MEMFD)
    return;
  if (ash__probe(m->fd, m->hdr.attach_offset, ash__slots_bytes(m)))
    return; /* not the last */
  (void)ash__reap_auto(m);
}

/* The remover's side of the protocol (see the top of this file). Returns 1
 * when the name was unlinked. */
int ash__reap_auto(ash__map *m) {
  if (ash__lockop(m->fd, F_WRLCK, ASH__DOOM_OFFSET, 1, false) != 0)
    return 0; /* another remover is deciding */
  int done = 0;
  if (!ash__probe(m->fd, m->hdr.attach_offset, ash__slots_bytes(m)))
    done = ash__unlink_if_same(m, true) == ASH_OK;
  (void)ash__lockop(m->fd, F_UNLCK, ASH__DOOM_OFFSET, 1, false);
  return done;
}

/* Every removal of a segment's name holds that segment's doom byte, from
 * its check that the name still refers to the segment to its unlink: no
 * other process can remove the name in between, and none can give the name
 * to a new segment while this one has it. So a remover never removes a
 * segment created under the name after its check. The holder of the byte
 * keeps it for a few microseconds; a remover waits for it up to 0.6 s
 * (then ASH_E_BUSY). A read-only descriptor takes a read lock. */
int ash__doom_take(int fd, bool rw, const char *name) {
  short type = rw ? F_WRLCK : F_RDLCK;
  for (long wait_us = 20, spent = 0;; spent += wait_us, wait_us *= 2) {
    if (ash__lockop(fd, type, ASH__DOOM_OFFSET, 1, false) == 0)
      return ASH_OK;
    if ((errno != EAGAIN && errno != EACCES) || spent > 600000)
      return ash__err(ASH_E_BUSY,
                      "segment \"%s\" is being removed by another process "
                      "(for 0.6 s)",
                      name);
    struct timespec ts = {0, (wait_us > 20000 ? 20000 : wait_us) * 1000};
    nanosleep(&ts, NULL);
  }
}

void ash__doom_drop(int fd) {
  (void)ash__lockop(fd, F_UNLCK, ASH__DOOM_OFFSET, 1, false);
}

/* The removal's check and unlink, @m's doom byte held (and m->lock, which
 * keeps this process's other users of the descriptor out): removes the
 * name @l only if it still refers to @m's object and, with @magic, that
 * object still starts with a segment's magic (a peer may have overwritten
 * it). ASH_OK, or the error, with nothing removed. */
int ash__unlink_held(ash__map *m, const struct ash__loc *l, bool magic) {
  struct stat st;
  uint64_t mg = 0;
  if (lstat(l->path, &st) != 0)
    return ash__syserr(errno, "unlink", m->name);
  if (st.st_dev != m->dev || st.st_ino != m->ino)
    return ash__err(ASH_E_NOENT,
                    "unlink \"%s\": the name now refers to another segment",
                    m->name);
  if (magic && (pread(m->fd, &mg, sizeof mg, 0) != (ssize_t)sizeof mg ||
                mg != ASH__MAGIC))
    return ash__err(ASH_E_CORRUPT,
                    "unlink \"%s\": not an arrayshare segment any more",
                    m->name);
  if (ash__loc_unlink(l) != 0)
    return ash__syserr(errno, "unlink", m->name);
  atomic_store(&m->unlinked, true);
  return ASH_OK;
}

/* Unlinks the name only if it still refers to this mapping's object
 * (@have_doom: the caller holds its doom byte). When the remover may not
 * unlink (a 0666 segment in the sticky /dev/shm, owned by another user),
 * the segment is left as it was: usable, and removed by its owner's next
 * look or gc. */
int ash__unlink_if_same(ash__map *m, bool have_doom) {
  struct ash__loc l;
  int r = ash__loc_make(m->name, m->backend == ASH__BACKEND_FILE ? ASH_FILE : 0,
                        &l);
  if (r)
    return r;
  /* Taking the byte here, the map's lock keeps this process's other users
   * of the same descriptor out (a detach's removal, ash_unlink): their
   * locks on the byte would not exclude ours. */
  if (!have_doom) {
    pthread_mutex_lock(&m->lock);
    r = ash__doom_take(m->fd, m->fd_rw, m->name);
    if (r) {
      pthread_mutex_unlock(&m->lock);
      return r;
    }
  }
  r = ash__unlink_held(m, &l, false);
  if (!have_doom) {
    ash__doom_drop(m->fd);
    pthread_mutex_unlock(&m->lock);
  }
  return r;
}

/* Clears the records of slots whose holder died (display only). Taking the
 * slot's lock proves nobody holds it; the record is cleared under it. */
void ash__clear_dead_records(ash__map *m) {
  if (!m->fd_rw || m->wsealed)
    return;
  struct ash__slot *slots = malloc(ash__slots_bytes(m));
  if (slots == NULL || ash__read_slots(m, slots) != ASH_OK) {
    free(slots);
    return;
  }
  static const int32_t zero = 0;
  for (uint32_t i = 0; i < m->hdr.attach_cap; i++) {
    if (slots[i].pid == 0 || (m->attached && (int)i == m->slot))
      continue;
    uint64_t off = ash__slot_off(m, i);
    if (ash__lockop(m->fd, F_WRLCK, off, 1, false) == 0) {
      (void)ash__meta_write(m, off, &zero, sizeof zero);
      (void)ash__lockop(m->fd, F_UNLCK, off, 1, false);
    }
  }
  free(slots);
}
