// SPDX-License-Identifier: MIT OR GPL-2.0
/* exectrace: one record per exec attempt in the target PID namespace (or
 * any namespace below it), written when the attempt's outcome is known.
 *
 * - sys_enter_execve / sys_enter_execveat remember the attempt per thread:
 *   the caller's comm (exec replaces it), uid/gid, and the user pointers.
 * - sched_process_exec (success) reads what the kernel has already copied:
 *   the filename from the binprm and argv from the new image's argument
 *   area, whose pages the kernel has just written. Reading the caller's
 *   memory at syscall entry instead fails for pages not yet faulted in
 *   (e.g. a child's read-only data right after fork), which loses events.
 * - sys_exit_execve(at) with an error logs the failed attempt (optional);
 *   the kernel has read the caller's strings by then, so they are mapped.
 * - Records are variable-length (header + argv + filename) and go out with
 *   bpf_ringbuf_output; when the ring is full, the loss is counted.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "exectrace.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define MAX_CPUS_DEFAULT 1
#define ARGV_MASK (EXECTRACE_ARGV_MAX - 1)
#define FILENAME_MASK (EXECTRACE_FILENAME_MAX - 1)
#define PATH_COMPONENT_MAX 256
#define MAX_PATH_DEPTH 32
#define MAX_FAILED_ARGS 4096
#define MAX_FAILED_ARGS_BOUNDED 1024
#define AT_EMPTY_PATH 0x1000

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exectrace_config);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXECTRACE_STATS);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* An exec attempt between syscall entry and its outcome, keyed by thread id. */
struct inflight {
	__u64 filename;   /* user pointer */
	__u64 argv;       /* user pointer */
	__u32 uid;
	__u32 gid;
	__u32 ns_pid;
	__u32 ns_level;
	__u32 flags;      /* EXECTRACE_F_EXECVEAT */
	__u32 at_flags;   /* execveat's flags */
	char comm[EXECTRACE_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct inflight);
} inflight SEC(".maps");

/* Per-CPU scratch where a record is assembled (too large for the stack and
 * for a per-CPU array value). Sized to let the verifier prove every write
 * in bounds: argv (masked offset + masked size) then filename. */
#define PATH_BUF 8192

struct scratch {
	__u32 busy;
	__u32 pad;
	char path[PATH_BUF + PATH_COMPONENT_MAX];
	struct exec_event ev;
	char data[2 * EXECTRACE_ARGV_MAX + EXECTRACE_FILENAME_MAX + PATH_COMPONENT_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_CPUS_DEFAULT); /* set to the number of possible CPUs at load */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);
	if (v)
		*v += 1;
}

static __always_inline struct exectrace_config *get_config(void)
{
	__u32 zero = 0;
	struct exectrace_config *cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || cfg->mode == EXECTRACE_MODE_OFF)
		return 0;
	return cfg;
}

/* Is `task`'s process in the target PID namespace or below it? Sets its pid
 * as seen there and how deep below the target its namespace is. */
static __always_inline bool in_target(struct task_struct *task, struct exectrace_config *cfg, __u32 *ns_pid, __u32 *ns_level)
{
	*ns_pid = 0;
	*ns_level = 0;
	if (cfg->mode == EXECTRACE_MODE_ALL)
		return true;
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct pid_namespace *ns = BPF_CORE_READ(pid, numbers[level].ns);
	for (int i = 0; i < EXECTRACE_MAX_NS_DEPTH; i++) {
		if (!ns)
			return false;
		if (BPF_CORE_READ(ns, ns.inum) == cfg->target_pidns) {
			unsigned int target_level = BPF_CORE_READ(ns, level);
			*ns_pid = BPF_CORE_READ(pid, numbers[target_level].nr);
			*ns_level = i;
			return true;
		}
		ns = BPF_CORE_READ(ns, parent);
	}
	return false;
}

static __always_inline int on_enter(__u64 filename, __u64 argv, __u32 flags, __u32 at_flags)
{
	struct exectrace_config *cfg = get_config();
	if (!cfg)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct inflight st = {};
	if (!in_target(task, cfg, &st.ns_pid, &st.ns_level))
		return 0;
	__u64 ug = bpf_get_current_uid_gid();
	st.filename = filename;
	st.argv = argv;
	st.uid = (__u32)ug;
	st.gid = ug >> 32;
	st.flags = flags;
	st.at_flags = at_flags;
	bpf_get_current_comm(st.comm, sizeof(st.comm));
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&inflight, &tid, &st, BPF_ANY))
		count(EXECTRACE_STAT_STATE_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx->args[0], ctx->args[1], 0, 0);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx->args[1], ctx->args[2], EXECTRACE_F_EXECVEAT, (__u32)ctx->args[4]);
}

static __always_inline struct scratch *take_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct scratch *s = bpf_map_lookup_elem(&scratch, &cpu);
	if (!s)
		return 0;
	/* Programs may be preempted (never migrated) while they run: a second
	 * exec on this CPU meanwhile must not scribble over our record. */
	if (s->busy) {
		count(EXECTRACE_STAT_BUSY);
		return 0;
	}
	s->busy = 1;
	return s;
}

static __always_inline void submit(struct scratch *s, struct exectrace_config *cfg)
{
	__u64 size = sizeof(struct exec_event) + (s->ev.argv_len & ARGV_MASK) + (s->ev.filename_len & FILENAME_MASK);
	__u64 flags = 0;
	if (cfg->wakeup_bytes) {
		/* Wake-ups are the costliest part of the event path: let the reader
		 * poll, and wake it only when enough is pending. */
		flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg->wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	}
	if (size > sizeof(struct exec_event) + EXECTRACE_ARGV_MAX + EXECTRACE_FILENAME_MAX)
		size = sizeof(struct exec_event);
	/* The header is immediately followed by data[] in struct scratch. */
	if (bpf_ringbuf_output(&events, &s->ev, size, flags))
		count(EXECTRACE_STAT_DROPPED);
	else
		count(EXECTRACE_STAT_EVENTS);
}

static __always_inline __u32 budget_of(struct exectrace_config *cfg)
{
	__u32 b = cfg->argv_budget;
	if (b == 0 || b > ARGV_MASK)
		b = b == 0 ? EXECTRACE_ARGV_DEFAULT : ARGV_MASK;
	return b;
}

/* The path of an opened file (for execveat of an fd, where the filename
 * says only "/dev/fd/N"): walk dentries and mounts up to the root, writing
 * each name in front of the previous one from the end of s->path (each
 * dentry knows its name's length), then copy the result after argv. */
/* A global function: the verifier checks it once, on its own, instead of
 * once per path through the caller (which made on_exec too complex). */
__noinline __u32 file_path(struct scratch *s, __u64 file_addr, __u32 off)
{
	if (!s)
		return 0;
	struct file *file = (struct file *)file_addr;
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *vm = BPF_CORE_READ(file, f_path.mnt);
	struct mount *mnt = (struct mount *)((void *)vm - bpf_core_field_offset(struct mount, mnt));
	/* PATH_BUF >= MAX_PATH_DEPTH * PATH_COMPONENT_MAX: pos never underflows.
	 * Both branches of the mount crossing end in the same state, which
	 * keeps the verifier's work linear in the depth. */
	__u32 pos = PATH_BUF;
	for (int i = 0; i < MAX_PATH_DEPTH; i++) {
		if (d == BPF_CORE_READ(vm, mnt_root)) {
			/* At the root of this mount: continue from where it is mounted. */
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
			if (up == mnt)
				break;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vm = (struct vfsmount *)((void *)up + bpf_core_field_offset(struct mount, mnt));
		}
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		if (d == parent)
			break;
		__u32 len = BPF_CORE_READ(d, d_name.len) & (PATH_COMPONENT_MAX - 1);
		pos -= len;
		bpf_probe_read_kernel(&s->path[pos & (PATH_BUF - 1)], len, BPF_CORE_READ(d, d_name.name));
		pos -= 1;
		s->path[pos & (PATH_BUF - 1)] = '/';
		d = parent;
	}
	__u32 plen = PATH_BUF - pos;
	if (plen == 0) {
		s->data[off & ARGV_MASK] = '/';
		return 1;
	}
	if (plen > EXECTRACE_FILENAME_MAX - 1)
		plen = EXECTRACE_FILENAME_MAX - 1;
	bpf_probe_read_kernel(&s->data[off & ARGV_MASK], plen & FILENAME_MASK, &s->path[pos & (PATH_BUF - 1)]);
	return plen;
}

SEC("raw_tracepoint/sched_process_exec")
int on_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	__u32 old_tid = (__u32)ctx->args[1];
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	struct exectrace_config *cfg = get_config();
	struct inflight *st = bpf_map_lookup_elem(&inflight, &old_tid);
	if (!cfg) {
		if (st)
			bpf_map_delete_elem(&inflight, &old_tid);
		return 0;
	}
	__u32 ns_pid = 0, ns_level = 0;
	if (st) {
		ns_pid = st->ns_pid;
		ns_level = st->ns_level;
	} else if (!in_target(task, cfg, &ns_pid, &ns_level)) {
		return 0;
	}
	struct scratch *s = take_scratch();
	if (!s) {
		if (st)
			bpf_map_delete_elem(&inflight, &old_tid);
		return 0;
	}
	struct exec_event *ev = &s->ev;
	ev->ktime_ns = bpf_ktime_get_ns();
	ev->pid = BPF_CORE_READ(task, tgid);
	ev->tid = old_tid;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->ns_pid = ns_pid;
	ev->ns_level = ns_level;
	ev->retval = 0;
	ev->flags = 0;
	if (st) {
		ev->uid = st->uid;
		ev->gid = st->gid;
		ev->flags |= st->flags;
		__builtin_memcpy(ev->comm, st->comm, sizeof(ev->comm));
	} else {
		__u64 ug = bpf_get_current_uid_gid();
		ev->uid = (__u32)ug;
		ev->gid = ug >> 32;
		ev->flags |= EXECTRACE_F_NO_ENTRY_STATE;
		bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	}

	/* argv: the new image's argument area, as the kernel laid it out. */
	unsigned long arg_start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(task, mm, arg_end);
	__u32 budget = budget_of(cfg);
	__u64 have = arg_end > arg_start ? arg_end - arg_start : 0;
	__u32 keep = have > budget ? budget : have;
	ev->argv_len = 0;
	if (keep > 0) {
		if (bpf_probe_read_user(s->data, keep & ARGV_MASK, (void *)arg_start) == 0)
			ev->argv_len = keep & ARGV_MASK;
		else
			ev->flags |= EXECTRACE_F_ARGV_UNREADABLE;
	}
	if (have > keep)
		ev->flags |= EXECTRACE_F_ARGV_TRUNCATED;

	/* filename: as passed to exec; for an fd exec, the file's own path. */
	__u32 off = ev->argv_len & ARGV_MASK;
	const char *fname = BPF_CORE_READ(bprm, filename);
	long n = bpf_probe_read_kernel_str(&s->data[off], EXECTRACE_FILENAME_MAX, fname);
	__u32 flen = n > 0 ? n - 1 : 0;
	/* "/dev/fd/" as one little-endian u64 */
	__u64 prefix = 0;
	bpf_probe_read_kernel(&prefix, sizeof(prefix), &s->data[off & ARGV_MASK]);
	bool fd_exec = flen >= 8 && prefix == 0x2f64662f7665642fULL;
	if (fd_exec && st && (st->flags & EXECTRACE_F_EXECVEAT)) {
		flen = file_path(s, (__u64)BPF_CORE_READ(bprm, file), off);
		ev->flags |= EXECTRACE_F_PATH_FROM_FILE;
	}
	if (flen >= EXECTRACE_FILENAME_MAX - 1)
		ev->flags |= EXECTRACE_F_FILENAME_TRUNCATED;
	ev->filename_len = flen & FILENAME_MASK;

	submit(s, cfg);
	s->busy = 0;
	if (st)
		bpf_map_delete_elem(&inflight, &old_tid);
	return 0;
}

/* A failed attempt: argv from the caller's pointer array, which the kernel
 * has just walked, one string at a time within the budget. */
struct argv_walk {
	struct scratch *s;
	const char *const *argv;
	__u32 len;
	__u32 budget;
	__u16 flags;
};

/* One argument; returns 1 to stop. Shared by the bpf_loop callback and the
 * bounded loop for kernels without bpf_loop. */
static __always_inline long copy_arg(__u32 i, struct argv_walk *w)
{
	struct scratch *s = w->s;
	if (!s)
		return 1;
	const char *arg = 0;
	if (bpf_probe_read_user(&arg, sizeof(arg), &w->argv[i]) || !arg)
		return 1;
	if (w->len >= w->budget) {
		w->flags |= EXECTRACE_F_ARGV_TRUNCATED;
		return 1;
	}
	long r = bpf_probe_read_user_str(&s->data[w->len & ARGV_MASK], (w->budget - w->len) & ARGV_MASK, arg);
	if (r <= 0) {
		w->flags |= EXECTRACE_F_ARGV_UNREADABLE;
		return 1;
	}
	w->len += r;
	if (w->len >= w->budget && s->data[(w->len - 1) & ARGV_MASK] != 0) {
		w->flags |= EXECTRACE_F_ARGV_TRUNCATED;
		return 1;
	}
	return 0;
}

static long copy_arg_cb(__u32 i, void *ctx)
{
	return copy_arg(i, ctx);
}

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx, bool use_loop_helper)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct inflight *st = bpf_map_lookup_elem(&inflight, &tid);
	if (!st)
		return 0;
	long ret = ctx->ret;
	struct exectrace_config *cfg = get_config();
	/* Success was logged at sched_process_exec (and the entry removed). */
	if (ret == 0 || !cfg || !cfg->log_failures) {
		bpf_map_delete_elem(&inflight, &tid);
		return 0;
	}
	struct scratch *s = take_scratch();
	if (!s) {
		bpf_map_delete_elem(&inflight, &tid);
		return 0;
	}
	struct exec_event *ev = &s->ev;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	ev->ktime_ns = bpf_ktime_get_ns();
	ev->pid = bpf_get_current_pid_tgid() >> 32;
	ev->tid = tid;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->ns_pid = st->ns_pid;
	ev->ns_level = st->ns_level;
	ev->uid = st->uid;
	ev->gid = st->gid;
	ev->retval = (__s32)ret;
	__builtin_memcpy(ev->comm, st->comm, sizeof(ev->comm));

	struct argv_walk w = { .s = s, .argv = (const char *const *)st->argv, .budget = budget_of(cfg), .flags = st->flags };
	if (w.argv) {
		if (use_loop_helper) {
			/* The verifier checks the callback once, whatever the count. */
			if (bpf_loop(MAX_FAILED_ARGS, copy_arg_cb, &w, 0) == MAX_FAILED_ARGS)
				w.flags |= EXECTRACE_F_ARGV_TRUNCATED;
		} else {
			int i;
			for (i = 0; i < MAX_FAILED_ARGS_BOUNDED; i++)
				if (copy_arg(i, &w))
					break;
			if (i == MAX_FAILED_ARGS_BOUNDED)
				w.flags |= EXECTRACE_F_ARGV_TRUNCATED;
		}
	}
	ev->flags = w.flags;
	ev->argv_len = w.len > w.budget ? w.budget : w.len;
	__u32 off = ev->argv_len & ARGV_MASK;
	long n = bpf_probe_read_user_str(&s->data[off], EXECTRACE_FILENAME_MAX, (const char *)st->filename);
	__u32 flen = n > 0 ? n - 1 : 0;
	if (flen >= EXECTRACE_FILENAME_MAX - 1)
		ev->flags |= EXECTRACE_F_FILENAME_TRUNCATED;
	ev->filename_len = flen & FILENAME_MASK;

	submit(s, cfg);
	s->busy = 0;
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

/* One program serves both sys_exit_execve and sys_exit_execveat (same
 * context): user space attaches it to both. exit_execve needs bpf_loop
 * (Linux 5.17); exit_execve_bounded is for older kernels, where the
 * verifier walks every iteration of a bounded loop (slower to load). */
SEC("tracepoint/syscalls/sys_exit_execve")
int exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx, true);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int exit_execve_bounded(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx, false);
}
