/* An HTTP load generator for busybox httpd, on loopback and without keep-alive (a connection per
 * request), that runs where the server runs: under emu386 --net=private too, which host programs
 * such as wrk cannot reach.
 *   httpload PORT COUNT CONNS    COUNT GET /index.html requests to 127.0.0.1:PORT from CONNS
 *                                processes at once; prints "REQUESTS_PER_SECOND FAILED"
 * First waits (up to 10 s) until one request succeeds: the server may still be starting. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int port;

/* One request: 0 when the reply is a complete "HTTP/1.x 200" response (read to its end). */
static int get(void) {
    static const char req[] = "GET /index.html HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    char buf[4096], head[16] = "";
    size_t have = 0;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s < 0) return -1;
    if (connect(s, (struct sockaddr *)&a, sizeof a) || write(s, req, sizeof req - 1) != sizeof req - 1) {
        close(s);
        return -1;
    }
    for (;;) {
        ssize_t n = read(s, buf, sizeof buf);
        if (n <= 0) {
            close(s);
            return n == 0 && !strncmp(head, "HTTP/1.", 7) && !strncmp(head + 8, " 200", 4) ? 0 : -1;
        }
        if (have < sizeof head - 1) {
            size_t k = (size_t)n < sizeof head - 1 - have ? (size_t)n : sizeof head - 1 - have;
            memcpy(head + have, buf, k);
            have += k;
        }
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4 || (port = atoi(argv[1])) <= 0 || atol(argv[2]) <= 0 || atoi(argv[3]) <= 0) {
        fprintf(stderr, "usage: httpload PORT COUNT CONNS\n");
        return 2;
    }
    long count = atol(argv[2]);
    int conns = atoi(argv[3]);
    int up = 0;
    for (int i = 0; i < 500 && !(up = get() == 0); i++) usleep(20000);
    if (!up) {
        fprintf(stderr, "httpload: no reply from 127.0.0.1:%d\n", port);
        return 1;
    }
    double start = now();
    for (int c = 0; c < conns; c++) {
        if (fork() == 0) {
            long failed = 0;
            for (long i = c; i < count; i += conns) failed += get() != 0;
            _exit(failed > 255 ? 255 : (int)failed);
        }
    }
    long failed = 0;
    int status;
    while (wait(&status) > 0) failed += WIFEXITED(status) ? WEXITSTATUS(status) : count;
    printf("%.0f %ld\n", count / (now() - start), failed);
    return 0;
}
