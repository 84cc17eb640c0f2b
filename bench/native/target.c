/* The exec storm's target: a static binary without libc that exits at once,
 * so the storm measures exec itself, not a dynamic loader. */
void _start(void) {
	__asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
}
