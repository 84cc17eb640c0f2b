// A strong .kconfig extern the kernel's config does not set: loading must
// fail (as with libbpf), not read 0.
#include "vmlinux-min.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern int CONFIG_EXECTRACE_NOT_SET __kconfig;
int seen = -1;

SEC("syscall")
int read_strong(void *ctx)
{
	seen = CONFIG_EXECTRACE_NOT_SET;
	return 0;
}
