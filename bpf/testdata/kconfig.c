// .kconfig externs, filled by the loader from the running kernel, copied to
// .bss by a SYSCALL program.
#include "vmlinux-min.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_LSM __kconfig __weak;
extern bool CONFIG_NOT_A_REAL_OPTION __kconfig __weak;
extern char CONFIG_LSM[128] __kconfig __weak;

__u32 kernel_version;
int hz;
int bpf_lsm = -1;
int not_a_real_option = -1;
char lsm[128];

SEC("syscall")
int read_kconfig(void *ctx)
{
	kernel_version = LINUX_KERNEL_VERSION;
	hz = CONFIG_HZ;
	bpf_lsm = CONFIG_BPF_LSM;
	not_a_real_option = CONFIG_NOT_A_REAL_OPTION;
	__builtin_memcpy(lsm, CONFIG_LSM, sizeof(lsm));
	return 0;
}
