/* Benchmark producer: waits for one byte on stdin, then calls getppid(2)
 * `count` times, sleeping `gap_us` microseconds between calls (0 = flood). */
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 1000000;
    long gap_us = argc > 2 ? atol(argv[2]) : 0;
    char go;
    if (read(0, &go, 1) != 1) return 1;
    for (long i = 0; i < count; i++) {
        syscall(SYS_getppid);
        if (gap_us) usleep(gap_us);
    }
    return 0;
}
