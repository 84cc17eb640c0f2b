/* The record exectrace's BPF program writes to its ring buffer, shared with
 * the TypeScript decoder (src/tracer/event.ts mirrors these offsets).
 *
 * One record per exec attempt, written when its outcome is known:
 *   struct exec_event  (fixed 64 bytes)
 *   argv bytes         (argv_len: the arguments, each NUL-terminated)
 *   filename bytes     (filename_len, no NUL)
 * so a record is as long as what it carries: no fixed slot per exec. */
#ifndef EXECTRACE_H
#define EXECTRACE_H

#define EXECTRACE_COMM_LEN 16
/* Longest filename kept (PATH_MAX). */
#define EXECTRACE_FILENAME_MAX 4096
/* argv budgets are below this (a power of two); the default is 32 KiB. */
#define EXECTRACE_ARGV_MAX (128 * 1024)
#define EXECTRACE_ARGV_DEFAULT (32 * 1024)
/* How deep below the target PID namespace a process may be. */
#define EXECTRACE_MAX_NS_DEPTH 32

/* exec_event.flags */
#define EXECTRACE_F_ARGV_TRUNCATED (1 << 0)   /* argv was longer than the budget */
#define EXECTRACE_F_FILENAME_TRUNCATED (1 << 1)
#define EXECTRACE_F_EXECVEAT (1 << 2)         /* the call was execveat(2) */
#define EXECTRACE_F_PATH_FROM_FILE (1 << 3)   /* filename is the opened file's path (fd-based exec) */
#define EXECTRACE_F_NO_ENTRY_STATE (1 << 4)   /* exec began before tracing: comm is the new image's */
#define EXECTRACE_F_ARGV_UNREADABLE (1 << 5)  /* the argument area could not be read */

struct exec_event {
	__u64 ktime_ns;      /* 0: bpf_ktime_get_ns() when the outcome was known */
	__u32 pid;           /* 8: thread group id (host view) */
	__u32 tid;           /* 12: the thread that called exec (before exec) */
	__u32 ppid;          /* 16: parent's thread group id (host view) */
	__u32 ns_pid;        /* 20: pid as seen in the target PID namespace (0: no filter) */
	__u32 uid;           /* 24 */
	__u32 gid;           /* 28 */
	__s32 retval;        /* 32: 0, or the negative errno of a failed attempt */
	__u16 filename_len;  /* 36 */
	__u16 flags;         /* 38: EXECTRACE_F_* */
	__u32 argv_len;      /* 40 */
	__u32 ns_level;      /* 44: depth of the caller's PID namespace below the target */
	char comm[EXECTRACE_COMM_LEN]; /* 48: the caller's comm before exec */
};

/* The `config` map's single value, written by user space. */
struct exectrace_config {
	__u32 mode;          /* 0: trace nothing (not started), 1: every namespace, 2: target_pidns and below */
	__u32 target_pidns;  /* PID namespace inode number */
	__u32 argv_budget;   /* bytes of argv kept per exec, <= EXECTRACE_ARGV_MAX */
	__u32 log_failures;  /* non-zero: log failed attempts too */
	__u32 wakeup_bytes;  /* 0: wake the reader on every record; else only when this much is pending */
	__u32 pad;
};

#define EXECTRACE_MODE_OFF 0
#define EXECTRACE_MODE_ALL 1
#define EXECTRACE_MODE_PIDNS 2

/* Counters in the per-CPU `stats` array. */
#define EXECTRACE_STAT_DROPPED 0      /* records lost because the ring was full */
#define EXECTRACE_STAT_STATE_FULL 1   /* exec attempts not tracked (in-flight table full) */
#define EXECTRACE_STAT_BUSY 2         /* records lost to a scratch buffer already in use */
#define EXECTRACE_STAT_EVENTS 3       /* records submitted */
#define EXECTRACE_STATS 4

#endif
