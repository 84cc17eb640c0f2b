/* Exec storm: WORKERS processes, each fork+execve+wait of TARGET N times.
 * ARGS: "short" (argv = {"t"}) or "long" (20 arguments of 100 bytes).
 * Prints the total execs and the wall time in ns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 5) { fprintf(stderr, "usage: exec-storm WORKERS N TARGET short|long\n"); return 2; }
	int workers = atoi(argv[1]);
	long n = atol(argv[2]);
	char *target = argv[3];
	char *args[32] = { "t", 0 };
	static char big[20][101];
	if (!strcmp(argv[4], "long")) {
		for (int i = 0; i < 20; i++) { memset(big[i], 'a' + i, 100); big[i][100] = 0; args[i + 1] = big[i]; }
		args[21] = 0;
	}
	char *env[] = { 0 };
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int w = 0; w < workers; w++) {
		if (fork() == 0) {
			for (long i = 0; i < n; i++) {
				pid_t p = fork();
				if (p == 0) { execve(target, args, env); _exit(127); }
				int st;
				waitpid(p, &st, 0);
			}
			_exit(0);
		}
	}
	for (int w = 0; w < workers; w++) wait(0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%ld %lld\n", (long)workers * n, (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
	return 0;
}
