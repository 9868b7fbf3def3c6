// SPDX-License-Identifier: GPL-2.0
/*
 * What a pinned handle costs: every operation a pinned handle audits,
 * timed on an unpinned handle and on a handle pinned to the target, in
 * alternating rounds of the same boot.  Run in the lab's dom0.
 *
 *   xr-bench ROUNDS [CPU]
 *
 * Prints CSV on stdout: "op,side,round,iters,ns" (ns per operation), one
 * line per op, side and round.  Lines starting with '#' are comments.
 * Each op's first call must give the same result on both sides (the pin
 * must not refuse what it allows); otherwise a "# FAIL" line says so and
 * the exit status is 1.  Rows whose op has no pinned form ("floor") run
 * unpinned only.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "xen_test.h"

struct xen_dm_op_buf {
	uint64_t h;
	uint64_t size;
};

/* The handles of one side. */
struct side {
	int privcmd, gntdev, gntalloc, evtchn;
};

static struct xen_guests g;
static uint32_t target_port, target_ref;
static long psz;
static char copy_buf[1024 * 64];
static struct gntdev_grant_copy_segment segs[1024];
static xen_pfn_t frames[1024];
static int frame_errs[1024];

/* One operation; returns 0, or -errno, which must match on both sides. */
typedef int (*op_fn)(struct side *s, unsigned int n);

static int rc_of(long rc)
{
	return rc < 0 ? -errno : 0;
}

static int op_xen_version(struct side *s, unsigned int n)
{
	return rc_of(privcmd_hypercall(s->privcmd, __HYPERVISOR_xen_version,
				       XENVER_version, 0));
}

static int op_query(struct side *s, unsigned int n)
{
	struct xen_restrict_query q;

	return rc_of(privcmd_query(s->privcmd, &q));
}

static int op_evtchn_status_hc(struct side *s, unsigned int n)
{
	struct evtchn_status st;

	return rc_of(xen_evtchn_status(s->privcmd, g.target, target_port,
				       &st));
}

static int hvm_param(struct side *s, unsigned int cmd)
{
	struct xen_hvm_param p = { .domid = g.target,
				   .index = HVM_PARAM_ACPI_S_STATE };

	return rc_of(privcmd_hypercall(s->privcmd, __HYPERVISOR_hvm_op, cmd,
				       (uintptr_t)&p));
}

static int op_hvm_get(struct side *s, unsigned int n)
{
	return hvm_param(s, HVMOP_get_param);
}

static int op_hvm_set(struct side *s, unsigned int n)
{
	return hvm_param(s, HVMOP_set_param);
}

static int op_populate(struct side *s, unsigned int n)
{
	/* No extents: the audit and the hypercall, without growing the guest. */
	struct xen_memory_reservation r = {
		.extent_start = (uintptr_t)frames, .domid = g.target };

	return rc_of(privcmd_hypercall(s->privcmd, __HYPERVISOR_memory_op,
				       XENMEM_populate_physmap,
				       (uintptr_t)&r));
}

static uint32_t nr_vcpus_op[16] = { XEN_DMOP_nr_vcpus };

static int op_dm_op_hc(struct side *s, unsigned int n)
{
	struct xen_dm_op_buf b = { .h = (uintptr_t)nr_vcpus_op,
				   .size = sizeof(nr_vcpus_op) };

	return rc_of(privcmd_hypercall5(s->privcmd, __HYPERVISOR_dm_op,
					g.target, 1, (uintptr_t)&b));
}

static int op_dm_op(struct side *s, unsigned int n)
{
	return rc_of(privcmd_dm_op1(s->privcmd, g.target, nr_vcpus_op,
				    sizeof(nr_vcpus_op)));
}

static int op_mmapbatch(struct side *s, unsigned int n)
{
	struct privcmd_mmapbatch_v2 m = { .num = n, .dom = g.target,
					  .arr = frames, .err = frame_errs };
	unsigned int i;
	void *p;
	int rc;

	p = mmap(NULL, n * psz, PROT_READ, MAP_SHARED, s->privcmd, 0);
	if (p == MAP_FAILED)
		return -errno;
	m.addr = (uintptr_t)p;
	rc = rc_of(ioctl(s->privcmd, IOCTL_PRIVCMD_MMAPBATCH_V2, &m));
	for (i = 0; !rc && i < n; i++)
		if (frame_errs[i])
			rc = frame_errs[i];
	munmap(p, n * psz);
	return rc;
}

static int op_mmap_resource(struct side *s, unsigned int n)
{
	struct privcmd_mmap_resource r = {
		.dom = g.target, .type = XENMEM_resource_ioreq_server,
		.id = 0, .idx = 1, .num = 1 };
	void *p;
	int rc;

	p = mmap(NULL, psz, PROT_READ, MAP_SHARED, s->privcmd, 0);
	if (p == MAP_FAILED)
		return -errno;
	r.addr = (uintptr_t)p;
	rc = rc_of(ioctl(s->privcmd, IOCTL_PRIVCMD_MMAP_RESOURCE, &r));
	munmap(p, psz);
	return rc;
}

static int op_gntdev_map(struct side *s, unsigned int n)
{
	union gntdev_map2 op = { .m.count = 1 };
	struct ioctl_gntdev_unmap_grant_ref u = { .count = 1 };
	void *p;
	int rc;

	op.m.refs[0].domid = g.target;
	op.m.refs[0].ref = target_ref;
	if (ioctl(s->gntdev, IOCTL_GNTDEV_MAP_GRANT_REF, &op))
		return -errno;
	p = mmap(NULL, psz, PROT_READ, MAP_SHARED, s->gntdev, op.m.index);
	rc = p == MAP_FAILED ? -errno : 0;
	if (!rc)
		munmap(p, psz);
	u.index = op.m.index;
	if (ioctl(s->gntdev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u) && !rc)
		rc = -errno;
	return rc;
}

static int op_grant_copy(struct side *s, unsigned int n)
{
	struct ioctl_gntdev_grant_copy c = { .count = n, .segments = segs };
	unsigned int i;
	int rc;

	rc = rc_of(ioctl(s->gntdev, IOCTL_GNTDEV_GRANT_COPY, &c));
	for (i = 0; !rc && i < n; i++)
		if (segs[i].status)
			rc = -1000 + segs[i].status;
	return rc;
}

static int op_gntalloc(struct side *s, unsigned int n)
{
	union gntalloc_alloc1 a = { .a.count = 1, .a.domid = g.target };
	struct ioctl_gntalloc_dealloc_gref d = { .count = 1 };

	if (ioctl(s->gntalloc, IOCTL_GNTALLOC_ALLOC_GREF, &a))
		return -errno;
	d.index = a.a.index;
	return rc_of(ioctl(s->gntalloc, IOCTL_GNTALLOC_DEALLOC_GREF, &d));
}

static int op_evtchn_status(struct side *s, unsigned int n)
{
	struct ioctl_evtchn_status st = { .domid = g.target,
					  .port = target_port };

	return rc_of(ioctl(s->evtchn, IOCTL_EVTCHN_STATUS, &st));
}

/*
 * A port of the target, unbound and waiting for dom0: closing dom0's end
 * of the channel leaves it waiting again, so every bind can use it.
 */
static uint32_t remote_port;

static int op_evtchn_bind(struct side *s, unsigned int n)
{
	struct ioctl_evtchn_bind_interdomain b = { .remote_domain = g.target,
						   .remote_port = remote_port };
	struct ioctl_evtchn_unbind u;
	int port;

	port = ioctl(s->evtchn, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
	if (port < 0)
		return -errno;
	u.port = port;
	return rc_of(ioctl(s->evtchn, IOCTL_EVTCHN_UNBIND, &u));
}

struct op {
	const char *name;
	op_fn fn;
	unsigned int n;		/* frames, segments: the op's size */
	int floor;		/* unpinned only */
};

static const struct op ops[] = {
	{ "xen_version hypercall (floor)", op_xen_version, 1, 1 },
	{ "privcmd query ioctl (floor)", op_query, 1, 0 },
	{ "hypercall EVTCHNOP_status", op_evtchn_status_hc, 1, 0 },
	{ "hypercall HVMOP_get_param", op_hvm_get, 1, 0 },
	{ "hypercall HVMOP_set_param", op_hvm_set, 1, 0 },
	{ "hypercall populate_physmap", op_populate, 1, 0 },
	{ "hypercall dm_op nr_vcpus", op_dm_op_hc, 1, 0 },
	{ "DM_OP nr_vcpus", op_dm_op, 1, 0 },
	{ "MMAPBATCH_V2 x1", op_mmapbatch, 1, 0 },
	{ "MMAPBATCH_V2 x64", op_mmapbatch, 64, 0 },
	{ "MMAPBATCH_V2 x1024", op_mmapbatch, 1024, 0 },
	{ "MMAP_RESOURCE ioreq", op_mmap_resource, 1, 0 },
	{ "gntdev map+mmap+unmap", op_gntdev_map, 1, 0 },
	{ "GRANT_COPY x1", op_grant_copy, 1, 0 },
	{ "GRANT_COPY x64", op_grant_copy, 64, 0 },
	{ "GRANT_COPY x1024", op_grant_copy, 1024, 0 },
	{ "gntalloc ALLOC_GREF+DEALLOC", op_gntalloc, 1, 0 },
	{ "evtchn STATUS", op_evtchn_status, 1, 0 },
	{ "evtchn bind_interdomain+unbind", op_evtchn_bind, 1, 0 },
};

#define NR_OPS (sizeof(ops) / sizeof(ops[0]))

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* Each batch runs at least this long, so that the clock is not the noise. */
#define BATCH_NS 20000000ULL

static int unexpected;

/*
 * Call @o on @s until a batch has run BATCH_NS; the ns per call, with the
 * number of calls in *@iters, or 0 if a call gave another result.
 */
static double run_batch(const struct op *o, struct side *s, int expect,
			unsigned int *iters)
{
	uint64_t t0 = now_ns(), t;
	unsigned int i = 0;

	do {
		unexpected = o->fn(s, o->n);
		if (unexpected != expect)
			return 0;
		i++;
		t = now_ns();
	} while (t - t0 < BATCH_NS);
	*iters = i;
	return (double)(t - t0) / i;
}

static int open_side(struct side *s, int pinned)
{
	struct ioctl_evtchn_restrict_domid r = { .domid = g.target };

	s->privcmd = open(PRIVCMD_PATH, O_RDWR | O_CLOEXEC);
	s->gntdev = open(GNTDEV_PATH, O_RDWR | O_CLOEXEC);
	s->gntalloc = open(GNTALLOC_PATH, O_RDWR | O_CLOEXEC);
	s->evtchn = open(EVTCHN_PATH, O_RDWR | O_CLOEXEC);
	if (s->privcmd < 0 || s->gntdev < 0 || s->gntalloc < 0 ||
	    s->evtchn < 0)
		return -1;
	if (!pinned)
		return 0;
	if (privcmd_restrict(s->privcmd, g.target) ||
	    xen_dev_pin(s->gntdev, IOCTL_GNTDEV_RESTRICT_PIN, g.target) ||
	    xen_dev_pin(s->gntalloc, IOCTL_GNTALLOC_RESTRICT_PIN, g.target) ||
	    ioctl(s->evtchn, IOCTL_EVTCHN_RESTRICT_DOMID, &r))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int rounds, r, i;
	int expect[NR_OPS], fail = 0;
	struct side sides[2];
	uint64_t v;
	cpu_set_t cpus;

	if (argc < 2 || !(rounds = strtoul(argv[1], NULL, 0))) {
		fprintf(stderr, "usage: xr-bench ROUNDS [CPU]\n");
		return 2;
	}
	if (argc > 2) {
		CPU_ZERO(&cpus);
		CPU_SET(strtoul(argv[2], NULL, 0), &cpus);
		if (sched_setaffinity(0, sizeof(cpus), &cpus))
			perror("sched_setaffinity");
	}
	if (xen_guests_from_env(&g) || xen_env_u64("TARGET_PORT", &v)) {
		fprintf(stderr, "not in the lab: no guests\n");
		return 4;
	}
	target_port = v;
	if (!getenv("TARGET_GREFS")) {
		fprintf(stderr, "no TARGET_GREFS\n");
		return 4;
	}
	/* The first of the target's grants to dom0. */
	target_ref = strtoul(getenv("TARGET_GREFS"), NULL, 0);
	psz = sysconf(_SC_PAGESIZE);
	for (i = 0; i < 1024; i++) {
		frames[i] = g.target_frame;
		memset(&segs[i], 0, sizeof(segs[i]));
		segs[i].source.foreign.domid = g.target;
		segs[i].source.foreign.ref = target_ref;
		segs[i].source.foreign.offset = (i * 64) % 4096;
		segs[i].dest.virt = copy_buf + i * 64;
		segs[i].len = 64;
		segs[i].flags = GNTCOPY_source_gref;
	}
	if (open_side(&sides[0], 0) || open_side(&sides[1], 1)) {
		perror("opening and pinning the handles");
		return 1;
	}
	v = xen_alloc_unbound(sides[0].privcmd, g.target, 0);
	if ((long)v <= 0) {
		perror("allocating a port in the target");
		return 1;
	}
	remote_port = v;

	printf("# xr-bench: %u rounds; target %u; ns per operation\n",
	       rounds, g.target);
	printf("op,side,round,iters,ns\n");
	/* The result each op gives, which both sides must give. */
	for (i = 0; i < NR_OPS; i++) {
		expect[i] = ops[i].fn(&sides[0], ops[i].n);
		printf("# %s: result %d, %d sides\n", ops[i].name, expect[i],
		       ops[i].floor ? 1 : 2);
		if (expect[i] == -EPERM) {
			printf("# FAIL %s: refused unpinned\n", ops[i].name);
			fail = 1;
		}
		if (ops[i].floor)
			continue;
		if (ops[i].fn(&sides[1], ops[i].n) != expect[i]) {
			printf("# FAIL %s: the pinned handle answered otherwise\n",
			       ops[i].name);
			fail = 1;
		}
	}
	if (fail)
		return 1;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < NR_OPS; i++) {
			unsigned int k;

			/* Alternate which side goes first. */
			for (k = 0; k < 2; k++) {
				unsigned int side = (r + k) % 2, iters;
				double ns;

				if (side && ops[i].floor)
					continue;
				ns = run_batch(&ops[i], &sides[side], expect[i],
					       &iters);
				if (!ns) {
					printf("# FAIL %s: %s call gave %d, not %d, in round %u\n",
					       ops[i].name,
					       side ? "a pinned" : "an unpinned",
					       unexpected, expect[i], r);
					return 1;
				}
				printf("%s,%s,%u,%u,%.1f\n", ops[i].name,
				       side ? "pinned" : "unpinned", r,
				       iters, ns);
			}
		}
		fflush(stdout);
	}
	return 0;
}
