// SPDX-License-Identifier: GPL-2.0
/*
 * xr-grant: run in each lab guest.  Grants XR_GRANT_PAGES pages to dom0
 * through /dev/xen/gntalloc, fills each with a line naming the guest's
 * role and the page, publishes the grant references in the guest's own
 * xenstore directory as data/xr-grefs ("ref0 ref1 ..."), prints
 * XR-GRANTS and keeps the grants alive.
 *
 *   xr-grant ROLE
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define XR_GRANT_PAGES	2

struct ioctl_gntalloc_alloc_gref {
	uint16_t domid;
	uint16_t flags;
	uint32_t count;
	uint64_t index;
	uint32_t gref_ids[XR_GRANT_PAGES];
};

/* The uapi struct, whose size the ioctl number encodes. */
struct ioctl_gntalloc_alloc_gref1 {
	uint16_t domid;
	uint16_t flags;
	uint32_t count;
	uint64_t index;
	uint32_t gref_ids[1];
};

#define GNTALLOC_FLAG_WRITABLE	1
#define IOCTL_GNTALLOC_ALLOC_GREF \
	_IOC(_IOC_NONE, 'G', 5, sizeof(struct ioctl_gntalloc_alloc_gref1))

/* xenstore wire protocol: a header, then the payload. */
struct xsd_sockmsg {
	uint32_t type, req_id, tx_id, len;
};

#define XS_WRITE	11
#define XS_ERROR	16

static int xs_write(const char *path, const char *value)
{
	char buf[4096];
	struct xsd_sockmsg *m = (void *)buf;
	size_t plen = strlen(path) + 1, vlen = strlen(value);
	ssize_t n;
	int fd;

	fd = open("/dev/xen/xenbus", O_RDWR);
	if (fd < 0)
		return -1;
	memset(m, 0, sizeof(*m));
	m->type = XS_WRITE;
	m->req_id = 1;
	m->len = plen + vlen;
	memcpy(buf + sizeof(*m), path, plen);
	memcpy(buf + sizeof(*m) + plen, value, vlen);
	if (write(fd, buf, sizeof(*m) + m->len) != (ssize_t)(sizeof(*m) + m->len))
		goto fail;
	n = read(fd, buf, sizeof(buf));
	if (n < (ssize_t)sizeof(*m) || m->type == XS_ERROR) {
		if (n > (ssize_t)sizeof(*m))
			fprintf(stderr, "xenstore: %.*s\n",
				(int)(n - sizeof(*m)), buf + sizeof(*m));
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	struct ioctl_gntalloc_alloc_gref op = {
		.domid = 0,
		.flags = GNTALLOC_FLAG_WRITABLE,
		.count = XR_GRANT_PAGES,
	};
	long psz = sysconf(_SC_PAGESIZE);
	char refs[64] = "";
	const char *role = argc > 1 ? argv[1] : "guest";
	char *p;
	int fd, i;

	fd = open("/dev/xen/gntalloc", O_RDWR);
	if (fd < 0) {
		perror("xr-grant: /dev/xen/gntalloc");
		return 1;
	}
	if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, &op)) {
		perror("xr-grant: ALLOC_GREF");
		return 1;
	}
	p = mmap(NULL, XR_GRANT_PAGES * psz, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, op.index);
	if (p == MAP_FAILED) {
		perror("xr-grant: mmap");
		return 1;
	}
	for (i = 0; i < XR_GRANT_PAGES; i++) {
		snprintf(p + i * psz, psz, "xr-grant %s page %d", role, i);
		snprintf(refs + strlen(refs), sizeof(refs) - strlen(refs),
			 "%s%u", i ? " " : "", op.gref_ids[i]);
	}
	if (xs_write("data/xr-grefs", refs)) {
		fprintf(stderr, "xr-grant: writing data/xr-grefs failed\n");
		return 1;
	}
	printf("XR-GRANTS %s\n", refs);
	fflush(stdout);
	for (;;)
		pause();
}
