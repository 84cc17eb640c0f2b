// Global data in every kind of section, subprograms (static and global),
// and a bpf_loop callback, combined by one SYSCALL program that a test runs
// with BPF_PROG_TEST_RUN.
#include "vmlinux-min.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* .data */
int data_var = 3;
/* .bss: written by the program */
int result_bss;
__u32 runs_bss;
/* .rodata: a table the program indexes at run time, so it is really loaded */
const int rodata_table[4] = { 10, 20, 30, 40 };
/* .rodata: a configuration constant set before load (setVariable) */
const volatile int config_mult = 1;
/* custom sections: .data.custom and .rodata.custom become maps of their own */
int data_custom __attribute__((section(".data.custom"))) = 11;
const int rodata_custom[2] __attribute__((section(".rodata.custom"))) = { 100, 200 };

/* What a test passes as the SYSCALL program's context; out is written back. */
struct globals_args {
	int in;
	int out;
};

static __noinline int static_sub(int x)
{
	return x * 2 + data_var;
}

/* A global subprogram: the verifier checks it on its own, with scalar arguments. */
__noinline int global_sub(int x)
{
	return x + rodata_table[x & 3] + rodata_custom[x & 1];
}

struct loop_ctx {
	int sum;
};

/* Called by bpf_loop through a function pointer (a BPF_PSEUDO_FUNC load). */
static long loop_cb(__u32 i, void *data)
{
	struct loop_ctx *lc = data;

	lc->sum += i;
	return 0;
}

/*
 * result = (static_sub(in) + global_sub(in)) * config_mult + sum(0 .. data_custom-1)
 * Returned, written to result_bss and to args->out.
 */
SEC("syscall")
int globals_run(struct globals_args *args)
{
	struct loop_ctx lc = { 0 };
	int in = args->in;
	int r;

	bpf_loop(data_custom, loop_cb, &lc, 0);
	r = (static_sub(in) + global_sub(in)) * config_mult + lc.sum;
	result_bss = r;
	runs_bss++;
	args->out = r;
	return r;
}
