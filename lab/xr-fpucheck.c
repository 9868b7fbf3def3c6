// SPDX-License-Identifier: GPL-2.0
/*
 * Does the lab's dom0 keep each task's vector registers across preemption?
 *
 *   xr-fpucheck [SECONDS]
 *
 * Three threads per CPU each load the 16 XMM (and, with AVX2, YMM)
 * registers with random values, spin long enough to be preempted many
 * times, and store them back: every value must come back as it went in.
 * Prints TAP; exits 1 if any value changed.
 *
 * Under QEMU's emulation (7.2, TCG), Xen's lazy switching of the FPU
 * state with XSAVE loses it: without "spec-ctrl=eager-fpu", about one
 * round in sixteen came back changed, and dom0's programs (xl, QEMU, the
 * shell's pipelines) died of the heap corruption that follows.  A lab
 * whose platform does that cannot vouch for anything, so this check runs
 * in every lab.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* About 30 ms a round under emulation: several scheduler ticks. */
#define SPIN 2000000L

static volatile int stop;
static long rounds[2], bad[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int has_avx2;

static void xmm_round(const uint8_t *in, uint8_t *out, long spin)
{
	asm volatile(
		"movdqu 0(%0), %%xmm0\n\tmovdqu 16(%0), %%xmm1\n\t"
		"movdqu 32(%0), %%xmm2\n\tmovdqu 48(%0), %%xmm3\n\t"
		"movdqu 64(%0), %%xmm4\n\tmovdqu 80(%0), %%xmm5\n\t"
		"movdqu 96(%0), %%xmm6\n\tmovdqu 112(%0), %%xmm7\n\t"
		"movdqu 128(%0), %%xmm8\n\tmovdqu 144(%0), %%xmm9\n\t"
		"movdqu 160(%0), %%xmm10\n\tmovdqu 176(%0), %%xmm11\n\t"
		"movdqu 192(%0), %%xmm12\n\tmovdqu 208(%0), %%xmm13\n\t"
		"movdqu 224(%0), %%xmm14\n\tmovdqu 240(%0), %%xmm15\n"
		"1:\tdec %2\n\tjnz 1b\n\t"
		"movdqu %%xmm0, 0(%1)\n\tmovdqu %%xmm1, 16(%1)\n\t"
		"movdqu %%xmm2, 32(%1)\n\tmovdqu %%xmm3, 48(%1)\n\t"
		"movdqu %%xmm4, 64(%1)\n\tmovdqu %%xmm5, 80(%1)\n\t"
		"movdqu %%xmm6, 96(%1)\n\tmovdqu %%xmm7, 112(%1)\n\t"
		"movdqu %%xmm8, 128(%1)\n\tmovdqu %%xmm9, 144(%1)\n\t"
		"movdqu %%xmm10, 160(%1)\n\tmovdqu %%xmm11, 176(%1)\n\t"
		"movdqu %%xmm12, 192(%1)\n\tmovdqu %%xmm13, 208(%1)\n\t"
		"movdqu %%xmm14, 224(%1)\n\tmovdqu %%xmm15, 240(%1)\n"
		: "+r"(in), "+r"(out), "+r"(spin)
		:
		: "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
		  "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
		  "xmm12", "xmm13", "xmm14", "xmm15");
}

__attribute__((target("avx2")))
static void ymm_round(const uint8_t *in, uint8_t *out, long spin)
{
	asm volatile(
		"vmovdqu 0(%0), %%ymm0\n\tvmovdqu 32(%0), %%ymm1\n\t"
		"vmovdqu 64(%0), %%ymm2\n\tvmovdqu 96(%0), %%ymm3\n\t"
		"vmovdqu 128(%0), %%ymm4\n\tvmovdqu 160(%0), %%ymm5\n\t"
		"vmovdqu 192(%0), %%ymm6\n\tvmovdqu 224(%0), %%ymm7\n\t"
		"vmovdqu 256(%0), %%ymm8\n\tvmovdqu 288(%0), %%ymm9\n\t"
		"vmovdqu 320(%0), %%ymm10\n\tvmovdqu 352(%0), %%ymm11\n\t"
		"vmovdqu 384(%0), %%ymm12\n\tvmovdqu 416(%0), %%ymm13\n\t"
		"vmovdqu 448(%0), %%ymm14\n\tvmovdqu 480(%0), %%ymm15\n"
		"1:\tdec %2\n\tjnz 1b\n\t"
		"vmovdqu %%ymm0, 0(%1)\n\tvmovdqu %%ymm1, 32(%1)\n\t"
		"vmovdqu %%ymm2, 64(%1)\n\tvmovdqu %%ymm3, 96(%1)\n\t"
		"vmovdqu %%ymm4, 128(%1)\n\tvmovdqu %%ymm5, 160(%1)\n\t"
		"vmovdqu %%ymm6, 192(%1)\n\tvmovdqu %%ymm7, 224(%1)\n\t"
		"vmovdqu %%ymm8, 256(%1)\n\tvmovdqu %%ymm9, 288(%1)\n\t"
		"vmovdqu %%ymm10, 320(%1)\n\tvmovdqu %%ymm11, 352(%1)\n\t"
		"vmovdqu %%ymm12, 384(%1)\n\tvmovdqu %%ymm13, 416(%1)\n\t"
		"vmovdqu %%ymm14, 448(%1)\n\tvmovdqu %%ymm15, 480(%1)\n\t"
		"vzeroupper\n"
		: "+r"(in), "+r"(out), "+r"(spin)
		:
		: "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
		  "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
		  "xmm12", "xmm13", "xmm14", "xmm15");
}

static void *worker(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg * 7919 + 1;
	int kind = has_avx2 ? (int)((uintptr_t)arg & 1) : 0;
	uint8_t in[512], out[512];
	size_t n = kind ? 512 : 256;
	size_t i;
	int changed;

	while (!stop) {
		for (i = 0; i < n; i++)
			in[i] = (uint8_t)rand_r(&seed);
		memset(out, 0, sizeof(out));
		if (kind)
			ymm_round(in, out, SPIN);
		else
			xmm_round(in, out, SPIN);
		changed = memcmp(in, out, n) != 0;
		pthread_mutex_lock(&lock);
		rounds[kind]++;
		bad[kind] += changed;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 10;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int n = (int)(cpus > 0 ? cpus : 1) * 3;
	pthread_t *t = calloc(n, sizeof(*t));
	int i;

	if (!t || secs <= 0) {
		fprintf(stderr, "usage: xr-fpucheck [SECONDS]\n");
		return 2;
	}
	__builtin_cpu_init();
	has_avx2 = __builtin_cpu_supports("avx2");
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i)) {
			perror("pthread_create");
			return 2;
		}
	sleep(secs);
	stop = 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);

	printf("1..2\n");
	printf("# %d threads on %ld CPUs for %d s\n", n, cpus, secs);
	printf("%sok 1 XMM registers survive preemption (%ld of %ld rounds changed)\n",
	       bad[0] || !rounds[0] ? "not " : "", bad[0], rounds[0]);
	if (has_avx2)
		printf("%sok 2 YMM registers survive preemption (%ld of %ld rounds changed)\n",
		       bad[1] || !rounds[1] ? "not " : "", bad[1], rounds[1]);
	else
		printf("ok 2 YMM registers survive preemption # SKIP no AVX2\n");
	return bad[0] || bad[1] || !rounds[0] || (has_avx2 && !rounds[1]);
}
