// One program per tracing attach kind, each counting the events of a single
// process (target_tgid, set before load) into .bss.
#include "vmlinux-min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile int target_tgid = 0;

__u64 exec_hits;
__u64 openat_entry_hits;
__u64 openat_exit_hits;
long long openat_last_ret = -1000;
__u64 bprm_check_hits;
__u64 exit_hits;
__u64 getppid_hits;
__u64 uprobe_hits;

static __always_inline bool is_target(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == (__u32)target_tgid;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (is_target())
		__sync_fetch_and_add(&exec_hits, 1);
	return 0;
}

SEC("fentry/do_sys_openat2")
int BPF_PROG(on_openat2_entry, int dfd, const char *filename, struct open_how *how)
{
	if (is_target())
		__sync_fetch_and_add(&openat_entry_hits, 1);
	return 0;
}

SEC("fexit/do_sys_openat2")
int BPF_PROG(on_openat2_exit, int dfd, const char *filename, struct open_how *how, long ret)
{
	if (is_target()) {
		__sync_fetch_and_add(&openat_exit_hits, 1);
		openat_last_ret = ret;
	}
	return 0;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(on_bprm_check, struct linux_binprm *bprm)
{
	if (is_target())
		__sync_fetch_and_add(&bprm_check_hits, 1);
	return 0; /* allow */
}

SEC("raw_tp/sched_process_exit")
int on_exit(void *ctx)
{
	if (is_target())
		__sync_fetch_and_add(&exit_hits, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	if (is_target())
		__sync_fetch_and_add(&getppid_hits, 1);
	return 0;
}

/* The test builds this binary (test/loader/own-objects.test.ts). */
SEC("uprobe//tmp/exectrace-own-objects/et-child:et_uprobe_target")
int on_uprobe(void *ctx)
{
	if (is_target())
		__sync_fetch_and_add(&uprobe_hits, 1);
	return 0;
}
