/* fork + _exit + waitpid cycles: process creation cost.  forkwait COUNT */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    for (long i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0) return 1;
        if (p == 0) _exit(7);
        int status;
        if (waitpid(p, &status, 0) != p || WEXITSTATUS(status) != 7) return 1;
    }
    return 0;
}
