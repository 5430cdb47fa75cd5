/* SPDX-License-Identifier: MIT */
/* Header, attach table and directory I/O: pread/pwrite on the segment's
 * descriptor, never through the mapping. On a virtual machine a page fault
 * costs ten to forty times a small read (bench/README.md), so opening and
 * closing a segment touch no page of it; a read of a truncated segment is
 * a short read (ASH_E_TRUNC), never a SIGBUS.
 *
 * A map keeps the first bytes of its segment as read at open (the "head":
 * header, attach table start, name index and the first directory entries).
 * Only the immutable parts of it are served from there: the header's fixed
 * fields, and index and directory entries below the count read with it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

int ash__pread_all(int fd, void *buf, size_t n, uint64_t off,
                   const char *name) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return ash__syserr(errno, "read", name);
    if (r == 0)
      return ash__err(ASH_E_TRUNC,
                      "segment \"%s\" ends before byte %llu (truncated by "
                      "another process?)",
                      name, (unsigned long long)(off + n));
    done += (size_t)r;
  }
  return ASH_OK;
}

int ash__meta_read(ash__map *m, uint64_t off, void *dst, size_t len) {
  return ash__pread_all(m->fd, dst, len, off, m->name);
}

int ash__meta_write(ash__map *m, uint64_t off, const void *src, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t r = pwrite(m->fd, (const uint8_t *)src + done, len - done,
                       (off_t)(off + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return ash__syserr(r == 0 ? EIO : errno, "write header of", m->name);
    done += (size_t)r;
  }
  return ASH_OK;
}

/* Writes the @n parts of @iov to the segment from @off on (one pwritev,
 * unless the kernel writes less). Changes @iov. */
int ash__meta_writev(ash__map *m, uint64_t off, struct iovec *iov, int n) {
  while (n > 0) {
    ssize_t r = pwritev(m->fd, iov, n, (off_t)off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return ash__syserr(r == 0 ? EIO : errno, "write header of", m->name);
    off += (uint64_t)r;
    for (; n > 0 && (size_t)r >= iov->iov_len; iov++, n--)
      r -= (ssize_t)iov->iov_len;
    if (n > 0) {
      iov->iov_base = (uint8_t *)iov->iov_base + r;
      iov->iov_len -= (size_t)r;
    }
  }
  return ASH_OK;
}

/* Entry @i's bytes that validation uses, from the head (unless @fresh) or
 * the file. */
int ash__meta_entry(ash__map *m, uint32_t i, struct ash__entry *e, bool fresh) {
  uint64_t off = m->hdr.dir_offset + (uint64_t)i * ASH__ENTRY_SIZE;
  size_t len = offsetof(struct ash__entry, sync); /* the words change */
  if (!fresh && i < m->head_count && off + len <= m->head_len) {
    memcpy(e, m->head + off, len);
    return ASH_OK;
  }
  return ash__meta_read(m, off, e, len);
}

/* The name index's first @n hashes (n <= dir_count): from the head when it
 * holds them, else read. *@buf is the head or a malloc'd copy (*@owned). */
int ash__meta_index(ash__map *m, uint32_t n, const uint32_t **buf,
                    bool *owned) {
  uint64_t off = m->hdr.index_offset, len = (uint64_t)n * sizeof(uint32_t);
  *owned = false;
  if (n <= m->head_count && off + len <= m->head_len) {
    *buf = (const uint32_t *)(const void *)(m->head + off);
    return ASH_OK;
  }
  uint32_t *copy = malloc(len ? len : 1);
  if (copy == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  int r = ash__meta_read(m, off, copy, len);
  if (r) {
    free(copy);
    return r;
  }
  *buf = copy;
  *owned = true;
  return ASH_OK;
}

uint32_t ash__dir_count(ash__map *m) {
  uint32_t n = 0;
  if (ash__meta_read(m, offsetof(struct ash__hdr, dir_count), &n, sizeof n))
    return m->hdr.dir_cap + 1; /* unreadable: reported as damaged */
  return n > m->hdr.dir_cap ? m->hdr.dir_cap + 1 : n; /* +1: corrupted */
}
