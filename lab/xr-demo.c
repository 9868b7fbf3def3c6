// SPDX-License-Identifier: GPL-2.0
/*
 * A short demonstration of a pinned privcmd handle, run in the lab's dom0.
 * Shows a device model's view: its handle reaches the guest it serves and
 * nothing else.  Exits 0 only if every step behaves as shown.
 */
#include <stdio.h>

#include "xen_test.h"

static int step(const char *what, int ok)
{
	printf("  %-62s %s\n", what, ok ? "yes" : "NO");
	return ok ? 0 : 1;
}

int main(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	struct xen_guests g;
	int fd, err, bad = 0;
	void *map;
	char line[128];

	if (xen_guests_from_env(&g) || access(PRIVCMD_PATH, F_OK)) {
		printf("not in the lab: no guests or no %s\n", PRIVCMD_PATH);
		return 4;
	}
	printf("A device model opens %s and pins it to the target (domain %u).\n",
	       PRIVCMD_PATH, g.target);
	fd = open(PRIVCMD_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 1;

	snprintf(line, sizeof(line), "before pinning, it can map the bystander's (domain %u) frame",
		 g.bystander);
	bad |= step(line, !privcmd_map_frame(fd, g.bystander, g.bystander_frame,
					     &map, &err) && !err);
	if (!bad)
		munmap(map, psz);

	bad |= step("IOCTL_PRIVCMD_RESTRICT to the target succeeds",
		    !privcmd_restrict(fd, g.target));
	bad |= step("it can still map the target's frame",
		    !privcmd_map_frame(fd, g.target, g.target_frame, &map,
				       &err) && !err);
	munmap(map, psz);
	bad |= step("mapping the bystander's frame is refused with EPERM",
		    privcmd_map_frame(fd, g.bystander, g.bystander_frame, &map,
				      &err) && errno == EPERM);
	bad |= step("moving the pin to the bystander is refused with EINVAL",
		    privcmd_restrict(fd, g.bystander) && errno == EINVAL);
	bad |= step("a raw hypercall is refused with EPERM",
		    privcmd_hypercall(fd, __HYPERVISOR_xen_version,
				      XENVER_version, 0) == -1 && errno == EPERM);
	close(fd);
	printf("%s\n", bad ? "demonstration FAILED" : "the handle reaches the target only");
	return bad;
}
