/* TCP bulk transfer on loopback between two processes.
 *   tcpbulk server PORTFILE      accept one connection, read until EOF, print the byte count
 *   tcpbulk client PORT MIB      connect and send MIB mebibytes in 64 KiB writes */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    static char buf[65536];
    if (argc == 3 && !strcmp(argv[1], "server")) {
        int l = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &len)) return 1;
        FILE *f = fopen(argv[2], "w");
        fprintf(f, "%d\n", ntohs(a.sin_port));
        fclose(f);
        int c = accept(l, 0, 0);
        long long total = 0;
        ssize_t n;
        while ((n = read(c, buf, sizeof buf)) > 0) total += n;
        printf("%lld\n", total);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "client")) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2])),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (connect(s, (struct sockaddr *)&a, sizeof a)) return 1;
        long long left = atoll(argv[3]) << 20;
        while (left > 0) {
            ssize_t n = write(s, buf, left < (long long)sizeof buf ? left : (long long)sizeof buf);
            if (n <= 0) return 1;
            left -= n;
        }
        return 0;
    }
    fprintf(stderr, "usage: tcpbulk server PORTFILE | client PORT MIB\n");
    return 2;
}
