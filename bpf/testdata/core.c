// CO-RE: reads of struct task_struct through a flavoured local type, field
// and type existence, field sizes and enum values, resolved against the
// running kernel's BTF at load.
#include "vmlinux-min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* A flavour of task_struct: matched to the kernel's "task_struct" by its
 * name without the ___et suffix; et_bogus_field exists in no kernel. */
struct task_struct___et {
	int et_bogus_field;
	struct task_struct___et *real_parent;
	pid_t pid;
	pid_t tgid;
	char comm[16];
} __attribute__((preserve_access_index));

/* A type no kernel has. */
struct et_no_such_type {
	int x;
} __attribute__((preserve_access_index));

/* A flavour of the kernel's enum bpf_map_type with deliberately wrong local
 * values: only a CO-RE relocation gives the program the kernel's 27. */
enum bpf_map_type___et {
	BPF_MAP_TYPE_RINGBUF___et = 1000,
	BPF_MAP_TYPE_NOT_A_REAL_TYPE___et = 1001,
};

/* Filled by core_self, run with BPF_PROG_TEST_RUN in the test's process. */
__u64 self_pid_tgid;
int self_pid;
int self_tgid;
int self_ppid;
int pid_exists = -1;
int bogus_field_exists = -1;
int task_type_exists = -1;
int bogus_type_exists = -1;
int ringbuf_enum_exists = -1;
int bogus_enum_exists = -1;
long long ringbuf_enum_value = -1;
long long pidtype_sid_value = -1;
int pid_size = -1;
int comm_size = -1;
int real_parent_size = -1;

SEC("syscall")
int core_self(void *ctx)
{
	struct task_struct___et *t = (void *)bpf_get_current_task();

	self_pid_tgid = bpf_get_current_pid_tgid();
	self_pid = BPF_CORE_READ(t, pid);
	self_tgid = BPF_CORE_READ(t, tgid);
	self_ppid = BPF_CORE_READ(t, real_parent, tgid);

	pid_exists = bpf_core_field_exists(struct task_struct___et, pid);
	bogus_field_exists = bpf_core_field_exists(struct task_struct___et, et_bogus_field);
	task_type_exists = bpf_core_type_exists(struct task_struct___et);
	bogus_type_exists = bpf_core_type_exists(struct et_no_such_type);
	ringbuf_enum_exists = bpf_core_enum_value_exists(enum bpf_map_type___et, BPF_MAP_TYPE_RINGBUF___et);
	bogus_enum_exists = bpf_core_enum_value_exists(enum bpf_map_type___et, BPF_MAP_TYPE_NOT_A_REAL_TYPE___et);
	ringbuf_enum_value = bpf_core_enum_value(enum bpf_map_type___et, BPF_MAP_TYPE_RINGBUF___et);
	pidtype_sid_value = bpf_core_enum_value(enum pid_type, PIDTYPE_SID);
	pid_size = bpf_core_field_size(struct task_struct___et, pid);
	comm_size = bpf_core_field_size(struct task_struct___et, comm);
	real_parent_size = bpf_core_field_size(struct task_struct___et, real_parent);

	return self_tgid;
}

/* Set before load: only execs by children of this process are recorded. */
const volatile int parent_tgid = 0;

int exec_count;
int exec_pid;
int exec_tgid;
int exec_ppid;
int exec_old_pid;
int exec_current_ppid;
char exec_comm[16];

/* The task is a BTF pointer: direct field reads, relocated by CO-RE. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(core_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct___et *cur = (void *)bpf_get_current_task();

	if (p->real_parent->tgid != parent_tgid)
		return 0;
	exec_pid = p->pid;
	exec_tgid = p->tgid;
	exec_ppid = p->real_parent->tgid;
	exec_old_pid = old_pid;
	exec_current_ppid = BPF_CORE_READ(cur, real_parent, tgid);
	bpf_probe_read_kernel_str(exec_comm, sizeof(exec_comm), p->comm);
	__sync_fetch_and_add(&exec_count, 1);
	return 0;
}
