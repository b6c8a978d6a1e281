/* UDP round trips on loopback between two processes.
 *   udprtt server PORTFILE       echo datagrams until one says "stop"
 *   udprtt client PORT COUNT     COUNT 32-byte request/reply round trips, then "stop" */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char buf[64];
    if (argc == 3 && !strcmp(argv[1], "server")) {
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        if (bind(s, (struct sockaddr *)&a, sizeof a) || getsockname(s, (struct sockaddr *)&a, &len)) return 1;
        FILE *f = fopen(argv[2], "w");
        fprintf(f, "%d\n", ntohs(a.sin_port));
        fclose(f);
        for (;;) {
            struct sockaddr_in from;
            socklen_t flen = sizeof from;
            ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
            if (n == 4 && !memcmp(buf, "stop", 4)) return 0;
            sendto(s, buf, n, 0, (struct sockaddr *)&from, flen);
        }
    }
    if (argc == 4 && !strcmp(argv[1], "client")) {
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2])),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (connect(s, (struct sockaddr *)&a, sizeof a)) return 1;
        memset(buf, 'x', 32);
        for (long i = atol(argv[3]); i > 0; i--) {
            if (send(s, buf, 32, 0) != 32 || recv(s, buf, sizeof buf, 0) != 32) return 1;
        }
        send(s, "stop", 4, 0);
        return 0;
    }
    fprintf(stderr, "usage: udprtt server PORTFILE | client PORT COUNT\n");
    return 2;
}
