// Processes and threads that draw random bytes: three children one after the other (the second
// executes this program again, which draws after its execve), then a thread. Each stream replays
// its own recording.
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

static void draw(const char *who) {
    unsigned char b[8];
    ssize_t n = getrandom(b, sizeof b, 0);
    printf("%s: getrandom %zd:", who, n);
    for (int i = 0; i < 8; i++)
        printf(" %02x", b[i]);
    printf("\n");
    fflush(stdout);
}

static void *thread(void *arg) {
    draw(arg);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1) {
        draw(argv[1]);
        return 0;
    }
    draw("parent");
    for (int i = 1; i <= 3; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            char who[32];
            snprintf(who, sizeof who, "child %d", i);
            if (i == 2) {
                strcat(who, " after execve");
                execl("/proc/self/exe", argv[0], who, (char *)NULL);
                return 127;
            }
            draw(who);
            _exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        printf("child %d: status %#x\n", i, status);
    }
    pthread_t t;
    pthread_create(&t, NULL, thread, "thread");
    pthread_join(t, NULL);
    draw("parent again");
    return 0;
}
