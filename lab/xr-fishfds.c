// SPDX-License-Identifier: GPL-2.0
/*
 * Take a running process's Xen device handles with pidfd_getfd(), as
 * Xen's docs/designs/qemu-deprivilege.md says to with "fishdescriptor",
 * and hand them to a checker.  Run in the lab's dom0 on the deprivileged
 * QEMU.
 *
 *   xr-fishfds query PID
 *	print, for each of PID's descriptors on /dev/xen/{privcmd,evtchn,
 *	gntdev,gntalloc}, what the series' query ioctl answers: the pinned
 *	domain and the denial counter
 *
 *   xr-fishfds check PID CHECKER
 *	exec CHECKER (Xen's depriv-fd-checker) with a "CLASS FD X-INFO"
 *	triplet for each of PID's privcmd, evtchn and gntdev descriptors
 *	(X-INFO "qemu-fd-N", N its number in PID), then one for a fresh,
 *	unpinned descriptor of each class of our own (X-INFO
 *	"control-unpinned"), which the checker must report as "fail"
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "xen_test.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static const struct {
	const char *path, *class;
	unsigned long query;
} devs[] = {
	{ PRIVCMD_PATH, "privcmd", IOCTL_PRIVCMD_RESTRICT_QUERY },
	{ EVTCHN_PATH, "evtchn", IOCTL_EVTCHN_RESTRICT_QUERY },
	{ GNTDEV_PATH, "gntdev", IOCTL_GNTDEV_RESTRICT_QUERY },
	{ GNTALLOC_PATH, NULL, IOCTL_GNTALLOC_RESTRICT_QUERY },
};

#define NDEVS (sizeof(devs) / sizeof(devs[0]))
#define MAX_ARGS 128

static void query(int fd, size_t d, const char *num)
{
	struct xen_restrict_query q = { 0 };

	if (ioctl(fd, devs[d].query, &q))
		printf("%s fd %s: query failed: %s\n", devs[d].path, num,
		       strerror(errno));
	else
		printf("%s fd %s: domid %u classes %#x denials %u\n",
		       devs[d].path, num, q.domid, q.classes, q.denials);
}

int main(int argc, char **argv)
{
	static char info[MAX_ARGS][32], fdnum[MAX_ARGS][16];
	char dir[64], link[PATH_MAX + 64], target[PATH_MAX];
	char *args[MAX_ARGS * 3 + 2];
	int pidfd, fd, nargs = 0, nfds = 0;
	bool check;
	struct dirent *de;
	size_t d;
	ssize_t n;
	pid_t pid;
	DIR *dp;

	if (argc < 3 || (strcmp(argv[1], "query") && strcmp(argv[1], "check")) ||
	    (!strcmp(argv[1], "check") && argc != 4) ||
	    (!strcmp(argv[1], "query") && argc != 3)) {
		fprintf(stderr, "usage: %s query PID | check PID CHECKER\n",
			argv[0]);
		return 2;
	}
	check = !strcmp(argv[1], "check");
	pid = atoi(argv[2]);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "pidfd_open(%d): %s\n", pid, strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	dp = opendir(dir);
	if (!dp) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return 1;
	}
	args[nargs++] = check ? argv[3] : NULL;
	while ((de = readdir(dp))) {
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		for (d = 0; d < NDEVS && strcmp(target, devs[d].path); d++)
			;
		if (d == NDEVS)
			continue;
		fd = syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0) {
			fprintf(stderr, "pidfd_getfd(%d, %s): %s\n", pid,
				de->d_name, strerror(errno));
			return 1;
		}
		if (!check) {
			query(fd, d, de->d_name);
			close(fd);
			continue;
		}
		if (!devs[d].class || nfds >= MAX_ARGS - (int)NDEVS) {
			close(fd);
			continue;
		}
		/* pidfd_getfd() sets close-on-exec; the checker needs it. */
		fcntl(fd, F_SETFD, 0);
		snprintf(fdnum[nfds], sizeof(fdnum[0]), "%d", fd);
		snprintf(info[nfds], sizeof(info[0]), "qemu-fd-%d", atoi(de->d_name));
		args[nargs++] = (char *)devs[d].class;
		args[nargs++] = fdnum[nfds];
		args[nargs++] = info[nfds];
		nfds++;
	}
	closedir(dp);
	close(pidfd);
	if (!check)
		return 0;
	if (!nfds) {
		fprintf(stderr, "process %d has no Xen device handle\n", pid);
		return 1;
	}
	/* The controls: unpinned handles, which the checker must fail. */
	for (d = 0; d < NDEVS; d++) {
		if (!devs[d].class)
			continue;
		fd = open(devs[d].path, O_RDWR);
		if (fd < 0) {
			fprintf(stderr, "%s: %s\n", devs[d].path, strerror(errno));
			return 1;
		}
		snprintf(fdnum[nfds], sizeof(fdnum[0]), "%d", fd);
		args[nargs++] = (char *)devs[d].class;
		args[nargs++] = fdnum[nfds];
		args[nargs++] = "control-unpinned";
		nfds++;
	}
	args[nargs] = NULL;
	fflush(stdout);
	execv(args[0], args);
	fprintf(stderr, "%s: %s\n", args[0], strerror(errno));
	return 1;
}
