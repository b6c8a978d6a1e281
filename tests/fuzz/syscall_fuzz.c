/* Syscall fuzzer for emu386's robustness test (tests/robustness.rs): usage `syscall_fuzz SEED COUNT`.
 *
 * Makes COUNT system calls drawn from a whitelist with arguments drawn from pools of nasty values
 * (0, -1, INT_MIN, addresses of read-only / PROT_NONE / unmapped pages, buffers ending exactly at a
 * page end, addresses >= 0xffffe000, fds it opened itself, structs full of random bytes ...), and
 * prints nothing but "done N" (with a third argument, each call on stderr before it is made). Not a differential fixture: its output does not depend on results.
 *
 * The tests run as root on the real host, so every argument that could reach outside this
 * process and its own cwd is built, not random: paths are relative names from a fixed list (never
 * ".." or absolute), socket addresses are loopback / relative unix paths, device nodes are private
 * copies in cwd (so fchmod on "/dev/null" cannot happen), memory management only touches a region
 * reserved for it, pids are 0 or our own, signals sent are 0, rlimits are only re-set to their
 * current values, and sleeps / waits have zero or tiny timeouts. Every fd that could block is
 * switched back to O_NONBLOCK before each call that could block on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define RW_PAGES 16u
#define REGION_SIZE (256u * PAGE)

/* ---- random numbers: xorshift64*, one stream per seed ---- */
static uint64_t rng_state;
static uint32_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}
static uint32_t below(uint32_t n) { return n ? rnd() % n : 0; }
#define PICK(arr) ((arr)[below(sizeof(arr) / sizeof((arr)[0]))])

/* ---- memory the pools point at ---- */
static char *rw;        /* RW_PAGES read-write pages, then a PROT_NONE guard page */
static char *ro;        /* one read-only page with useful contents */
static char *none;      /* a PROT_NONE page */
static char *unmapped;  /* a page that was mapped and unmapped */
static char *pe;        /* one RW page; pe + PAGE is PROT_NONE: "ending exactly at a page end" */
static char *structs;   /* RW page of random bytes, refilled before each call; guard after */
static char *built;     /* RW pages of built structs (sockaddrs, iovecs, ...), rebuilt each call; guard after */
static char *region;    /* REGION_SIZE bytes reserved for mmap/munmap/mprotect/mremap/madvise */
static uint32_t brk0;   /* the break when fuzzing started: never shrunk below */
static int tls_entry;   /* GDT entry glibc's %gs uses: set_thread_area never touches it */
static char base_dir[4096];
static pid_t self_pid;

/* ---- fds ---- */
static int pool_fds[32];
static int n_pool_fds;
static int listen_port, udp_port, listen6_port;
/* Every fd number a call may have created: swept back to O_NONBLOCK, closed at each reset. */
static unsigned char fd_seen[65536 / 8];
static int fd_list[4096];
static int n_fd_list;

static void track_fd(long fd) {
    if (fd < 3 || fd >= 65536 || n_fd_list >= 4096) return;
    if (fd_seen[fd / 8] & (1 << (fd % 8))) return;
    fd_seen[fd / 8] |= 1 << (fd % 8);
    fd_list[n_fd_list++] = (int)fd;
}

static void sweep_nonblock(void) {
    for (int i = 0; i < n_fd_list; i++) {
        int fl = fcntl(fd_list[i], F_GETFL);
        if (fl >= 0 && !(fl & O_NONBLOCK)) fcntl(fd_list[i], F_SETFL, fl | O_NONBLOCK);
    }
}

static void add_pool_fd(int fd) {
    if (fd < 0) return;
    if (n_pool_fds < 32) pool_fds[n_pool_fds++] = fd;
    track_fd(fd);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void *map(size_t len, int prot) {
    void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap");
    return p;
}

/* A page-aligned RW area of n pages followed by a PROT_NONE guard page. */
static char *guarded(unsigned pages) {
    char *p = map((pages + 1) * PAGE, PROT_READ | PROT_WRITE);
    if (mprotect(p + pages * PAGE, PAGE, PROT_NONE)) die("mprotect");
    return p;
}

static void make_loopback(struct sockaddr_in *sin, int port) {
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void make_unix(struct sockaddr_un *sun, const char *path) {
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    strcpy(sun->sun_path, path);
}

/* The fds every run starts from (and returns to at each reset). */
static void open_pool(void) {
    n_pool_fds = 0;
    int fd = open("f0", O_RDWR | O_CREAT, 0644);
    if (fd >= 0 && write(fd, "some bytes of file content\n", 27) < 0) die("write");
    add_pool_fd(fd);
    mkdir("d0", 0755);
    add_pool_fd(open("d0", O_RDONLY | O_DIRECTORY));
    add_pool_fd(open(".", O_RDONLY | O_DIRECTORY));
    /* Private device nodes: fchmod/fchown/utimens on them change only these inodes. */
    mknod("nul", S_IFCHR | 0666, makedev(1, 3));
    mknod("zer", S_IFCHR | 0666, makedev(1, 5));
    add_pool_fd(open("nul", O_RDWR));
    add_pool_fd(open("zer", O_RDWR));

    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    make_loopback(&sin, 0);
    if (l >= 0 && !bind(l, (void *)&sin, sizeof sin) && !listen(l, 8) && !getsockname(l, (void *)&sin, &len))
        listen_port = ntohs(sin.sin_port);
    add_pool_fd(l);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    make_loopback(&sin, listen_port);
    if (c >= 0) connect(c, (void *)&sin, sizeof sin);
    add_pool_fd(c);
    usleep(1000);
    add_pool_fd(accept4(l, NULL, NULL, SOCK_NONBLOCK));
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    make_loopback(&sin, 0);
    len = sizeof sin;
    if (u >= 0 && !bind(u, (void *)&sin, sizeof sin) && !getsockname(u, (void *)&sin, &len))
        udp_port = ntohs(sin.sin_port);
    add_pool_fd(u);
    int s6 = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    len = sizeof sin6;
    if (s6 >= 0 && !bind(s6, (void *)&sin6, sizeof sin6) && !listen(s6, 4) &&
        !getsockname(s6, (void *)&sin6, &len))
        listen6_port = ntohs(sin6.sin6_port);
    add_pool_fd(s6);
    struct sockaddr_un sun;
    make_unix(&sun, "s0");
    unlink("s0");
    int us = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (us >= 0 && !bind(us, (void *)&sun, sizeof sun)) listen(us, 4);
    add_pool_fd(us);
    int sv[2];
    if (!socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) add_pool_fd(sv[0]), add_pool_fd(sv[1]);
    if (!socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv)) add_pool_fd(sv[0]), add_pool_fd(sv[1]);
    if (!pipe2(sv, O_NONBLOCK)) add_pool_fd(sv[0]), add_pool_fd(sv[1]);
    int ep = epoll_create1(0);
    add_pool_fd(ep);
    for (int i = 0; ep >= 0 && i < n_pool_fds; i++) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i};
        if (pool_fds[i] != ep) epoll_ctl(ep, EPOLL_CTL_ADD, pool_fds[i], &ev);
    }
}

static void reset(void) {
    for (int i = 0; i < n_fd_list; i++) close(fd_list[i]);
    memset(fd_seen, 0, sizeof fd_seen);
    n_fd_list = 0;
    if (chdir(base_dir)) die("chdir");
    open_pool();
}

/* ---- argument kinds ---- */
enum kind {
    K_NONE, K_ANY, K_INT, K_BUF, K_LEN, K_SLEN, K_FD, K_DIRFD, K_PATH, K_OFLAGS, K_MODE, K_NODEMODE,
    K_SELF, K_SIG0, K_SIGSAFE, K_SOCKADDR, K_ADDRLEN, K_IOVEC, K_MSGHDR, K_MMSGHDR, K_TIMESPEC,
    K_TIMEVAL, K_TS64, K_MS, K_DOMAIN, K_STYPE, K_PROTO, K_LEVEL, K_OPTNAME, K_IOCTL, K_FCNTL, K_RLIM,
    K_SIGACT, K_MMADDR, K_MMLEN, K_OPENHOW, K_USERDESC, K_CALL, K_OLDSEL, K_POLLFD,
};

struct call {
    long nr;
    const char *name;
    unsigned char k[6];
};

#define C(n, ...) {SYS_##n, #n, {__VA_ARGS__}}
static const struct call calls[] = {
    C(read, K_FD, K_BUF, K_LEN), C(write, K_FD, K_BUF, K_LEN), C(open, K_PATH, K_OFLAGS, K_MODE),
    C(close, K_FD), C(creat, K_PATH, K_MODE), C(link, K_PATH, K_PATH), C(unlink, K_PATH), C(chdir, K_PATH),
    C(time, K_BUF), C(mknod, K_PATH, K_NODEMODE, K_INT), C(chmod, K_PATH, K_MODE),
    C(lchown, K_PATH, K_INT, K_INT), C(oldstat, K_PATH, K_BUF), C(lseek, K_FD, K_INT, K_INT), C(getpid),
    C(access, K_PATH, K_INT), C(kill, K_SELF, K_SIG0), C(rename, K_PATH, K_PATH), C(mkdir, K_PATH, K_MODE),
    C(rmdir, K_PATH), C(dup, K_FD), C(pipe, K_BUF), C(times, K_BUF), C(brk, K_MMADDR), C(umask, K_INT),
    C(dup2, K_FD, K_FD), C(getppid), C(getpgrp), C(setsid), C(sigaction, K_SIGSAFE, K_SIGACT, K_BUF),
    C(sgetmask), C(sigpending, K_BUF), C(gettimeofday, K_BUF, K_BUF), C(select, K_OLDSEL),
    C(symlink, K_PATH, K_PATH), C(oldlstat, K_PATH, K_BUF), C(readlink, K_PATH, K_BUF, K_LEN),
    C(truncate, K_PATH, K_LEN), C(ftruncate, K_FD, K_LEN), C(fchmod, K_FD, K_MODE),
    C(fchown, K_FD, K_INT, K_INT), C(statfs, K_PATH, K_BUF), C(fstatfs, K_FD, K_BUF),
    C(socketcall, K_CALL, K_BUF), C(getitimer, K_INT, K_BUF), C(stat, K_PATH, K_BUF), C(lstat, K_PATH, K_BUF),
    C(fstat, K_FD, K_BUF), C(olduname, K_BUF), C(sysinfo, K_BUF), C(fsync, K_FD), C(uname, K_BUF),
    C(sigprocmask, K_INT, K_BUF, K_BUF), C(getpgid, K_SELF), C(fchdir, K_FD),
    C(_llseek, K_FD, K_INT, K_INT, K_BUF, K_INT), C(getdents, K_FD, K_BUF, K_LEN),
    C(_newselect, K_INT, K_BUF, K_BUF, K_BUF, K_TIMEVAL), C(flock, K_FD, K_INT),
    C(msync, K_ANY, K_LEN, K_INT), C(readv, K_FD, K_IOVEC, K_INT), C(writev, K_FD, K_IOVEC, K_INT),
    C(getsid, K_SELF), C(fdatasync, K_FD), C(mlock, K_MMADDR, K_MMLEN), C(munlock, K_ANY, K_LEN),
    C(munlockall), C(sched_yield), C(mremap, K_MMADDR, K_MMLEN, K_MMLEN, K_INT, K_MMADDR),
    C(getresuid, K_BUF, K_BUF, K_BUF), C(poll, K_POLLFD, K_INT, K_MS), C(getresgid, K_BUF, K_BUF, K_BUF),
    C(rt_sigaction, K_SIGSAFE, K_SIGACT, K_BUF, K_LEN), C(rt_sigprocmask, K_INT, K_BUF, K_BUF, K_LEN),
    C(rt_sigpending, K_BUF, K_LEN), C(rt_sigtimedwait, K_BUF, K_BUF, K_TIMESPEC, K_LEN),
    C(rt_sigqueueinfo, K_SELF, K_SIG0, K_BUF), C(pread64, K_FD, K_BUF, K_LEN, K_LEN, K_LEN),
    C(pwrite64, K_FD, K_BUF, K_LEN, K_LEN, K_LEN), C(chown, K_PATH, K_INT, K_INT), C(getcwd, K_BUF, K_LEN),
    C(sigaltstack, K_BUF, K_BUF), C(sendfile, K_FD, K_FD, K_BUF, K_SLEN), C(ugetrlimit, K_INT, K_BUF),
    C(mmap2, K_MMADDR, K_MMLEN, K_INT, K_INT, K_FD, K_INT), C(truncate64, K_PATH, K_LEN, K_LEN),
    C(ftruncate64, K_FD, K_LEN, K_LEN), C(stat64, K_PATH, K_BUF), C(lstat64, K_PATH, K_BUF),
    C(fstat64, K_FD, K_BUF), C(lchown32, K_PATH, K_INT, K_INT), C(getuid32), C(getgid32), C(geteuid32),
    C(getegid32), C(getgroups32, K_INT, K_BUF), C(fchown32, K_FD, K_INT, K_INT),
    C(getresuid32, K_BUF, K_BUF, K_BUF), C(getresgid32, K_BUF, K_BUF, K_BUF),
    C(chown32, K_PATH, K_INT, K_INT), C(mincore, K_ANY, K_LEN, K_BUF), C(madvise, K_MMADDR, K_MMLEN, K_INT),
    C(getdents64, K_FD, K_BUF, K_LEN), C(fcntl64, K_FD, K_FCNTL, K_ANY), C(gettid),
    C(getxattr, K_PATH, K_BUF, K_BUF, K_LEN), C(fgetxattr, K_FD, K_BUF, K_BUF, K_LEN),
    C(listxattr, K_PATH, K_BUF, K_LEN), C(tkill, K_SELF, K_SIG0), C(sendfile64, K_FD, K_FD, K_BUF, K_SLEN),
    C(sched_setaffinity, K_SELF, K_LEN, K_BUF), C(sched_getaffinity, K_SELF, K_LEN, K_BUF),
    C(set_thread_area, K_USERDESC), C(get_thread_area, K_BUF), C(fadvise64, K_FD, K_LEN, K_LEN, K_LEN, K_INT),
    C(set_tid_address, K_BUF), C(clock_gettime, K_INT, K_BUF), C(clock_getres, K_INT, K_BUF),
    C(clock_nanosleep, K_INT, K_INT, K_TIMESPEC, K_BUF), C(statfs64, K_PATH, K_LEN, K_BUF),
    C(fstatfs64, K_FD, K_LEN, K_BUF), C(tgkill, K_SELF, K_SELF, K_SIG0), C(utimes, K_PATH, K_BUF),
    C(fadvise64_64, K_FD, K_LEN, K_LEN, K_LEN, K_LEN, K_INT), C(openat, K_DIRFD, K_PATH, K_OFLAGS, K_MODE),
    C(mkdirat, K_DIRFD, K_PATH, K_MODE), C(mknodat, K_DIRFD, K_PATH, K_NODEMODE, K_INT),
    C(fchownat, K_DIRFD, K_PATH, K_INT, K_INT, K_INT), C(futimesat, K_DIRFD, K_PATH, K_BUF),
    C(fstatat64, K_DIRFD, K_PATH, K_BUF, K_INT), C(unlinkat, K_DIRFD, K_PATH, K_INT),
    C(renameat, K_DIRFD, K_PATH, K_DIRFD, K_PATH), C(linkat, K_DIRFD, K_PATH, K_DIRFD, K_PATH, K_INT),
    C(symlinkat, K_PATH, K_DIRFD, K_PATH), C(readlinkat, K_DIRFD, K_PATH, K_BUF, K_LEN),
    C(fchmodat, K_DIRFD, K_PATH, K_MODE), C(faccessat, K_DIRFD, K_PATH, K_INT),
    C(pselect6, K_INT, K_BUF, K_BUF, K_BUF, K_TIMESPEC, K_BUF), C(ppoll, K_POLLFD, K_INT, K_TIMESPEC, K_BUF, K_LEN),
    C(set_robust_list, K_BUF, K_LEN), C(get_robust_list, K_SELF, K_BUF, K_BUF),
    C(splice, K_FD, K_BUF, K_FD, K_BUF, K_SLEN, K_INT), C(tee, K_FD, K_FD, K_SLEN, K_INT),
    C(utimensat, K_DIRFD, K_PATH, K_BUF, K_INT), C(epoll_create, K_INT), C(epoll_ctl, K_FD, K_INT, K_FD, K_BUF),
    C(epoll_wait, K_FD, K_BUF, K_INT, K_MS), C(epoll_pwait, K_FD, K_BUF, K_INT, K_MS, K_BUF, K_LEN),
    C(epoll_create1, K_INT), C(dup3, K_FD, K_FD, K_INT), C(pipe2, K_BUF, K_INT),
    C(preadv, K_FD, K_IOVEC, K_INT, K_LEN, K_LEN), C(pwritev, K_FD, K_IOVEC, K_INT, K_LEN, K_LEN),
    C(rt_tgsigqueueinfo, K_SELF, K_SELF, K_SIG0, K_BUF), C(recvmmsg, K_FD, K_MMSGHDR, K_INT, K_INT, K_TIMESPEC),
    C(prlimit64, K_SELF, K_INT, K_RLIM, K_BUF), C(syncfs, K_FD), C(sendmmsg, K_FD, K_MMSGHDR, K_INT, K_INT),
    C(renameat2, K_DIRFD, K_PATH, K_DIRFD, K_PATH, K_INT), C(getrandom, K_BUF, K_LEN, K_INT),
    C(memfd_create, K_PATH, K_INT), C(socket, K_DOMAIN, K_STYPE, K_PROTO),
    C(socketpair, K_DOMAIN, K_STYPE, K_PROTO, K_BUF), C(bind, K_FD, K_SOCKADDR, K_ADDRLEN),
    C(connect, K_FD, K_SOCKADDR, K_ADDRLEN), C(listen, K_FD, K_INT), C(accept4, K_FD, K_BUF, K_BUF, K_INT),
    C(getsockopt, K_FD, K_LEVEL, K_OPTNAME, K_BUF, K_BUF), C(setsockopt, K_FD, K_LEVEL, K_OPTNAME, K_BUF, K_LEN),
    C(getsockname, K_FD, K_BUF, K_BUF), C(getpeername, K_FD, K_BUF, K_BUF),
    C(sendto, K_FD, K_BUF, K_LEN, K_INT, K_SOCKADDR, K_ADDRLEN), C(sendmsg, K_FD, K_MSGHDR, K_INT),
    C(recvfrom, K_FD, K_BUF, K_LEN, K_INT, K_BUF, K_BUF), C(recvmsg, K_FD, K_MSGHDR, K_INT),
    C(shutdown, K_FD, K_INT), C(copy_file_range, K_FD, K_BUF, K_FD, K_BUF, K_SLEN, K_INT),
    C(preadv2, K_FD, K_IOVEC, K_INT, K_LEN, K_LEN, K_INT), C(pwritev2, K_FD, K_IOVEC, K_INT, K_LEN, K_LEN, K_INT),
    C(statx, K_DIRFD, K_PATH, K_INT, K_INT, K_BUF), C(clock_gettime64, K_INT, K_BUF),
    C(clock_getres_time64, K_INT, K_BUF), C(clock_nanosleep_time64, K_INT, K_INT, K_TS64, K_BUF),
    C(ppoll_time64, K_POLLFD, K_INT, K_TS64, K_BUF, K_LEN),
    C(pselect6_time64, K_INT, K_BUF, K_BUF, K_BUF, K_TS64, K_BUF),
    C(recvmmsg_time64, K_FD, K_MMSGHDR, K_INT, K_INT, K_TS64), C(openat2, K_DIRFD, K_PATH, K_OPENHOW, K_LEN),
    C(faccessat2, K_DIRFD, K_PATH, K_INT, K_INT), C(epoll_pwait2, K_FD, K_BUF, K_INT, K_TS64, K_BUF, K_LEN),
    C(nanosleep, K_TIMESPEC, K_BUF), C(getrusage, K_INT, K_BUF), C(getgroups, K_INT, K_BUF),
    C(mprotect, K_MMADDR, K_MMLEN, K_INT), C(munmap, K_MMADDR, K_MMLEN),
    C(mmap, K_BUF), C(mlock2, K_MMADDR, K_MMLEN, K_INT), C(ioctl, K_FD, K_IOCTL, K_ANY),
    C(fcntl, K_FD, K_FCNTL, K_ANY), C(setrlimit, K_INT, K_RLIM), C(getrlimit, K_INT, K_BUF),
    C(sysinfo, K_BUF), C(setpgid, K_SELF, K_SELF), C(getpriority, K_INT, K_SELF),
    C(sched_getparam, K_SELF, K_BUF), C(sched_getscheduler, K_SELF), C(capget, K_BUF, K_BUF),
    C(eventfd2, K_INT, K_INT), C(timerfd_create, K_INT, K_INT), C(inotify_init1, K_INT),
    C(signalfd4, K_FD, K_BUF, K_LEN, K_INT), C(getcpu, K_BUF, K_BUF, K_BUF),
    C(eventfd, K_INT), C(signalfd, K_FD, K_BUF, K_LEN), C(timerfd_gettime, K_FD, K_BUF),
    C(timerfd_settime, K_FD, K_INT, K_BUF, K_BUF), C(timerfd_gettime64, K_FD, K_BUF),
    C(inotify_add_watch, K_FD, K_PATH, K_INT), C(inotify_rm_watch, K_FD, K_INT), C(pidfd_open, K_SELF, K_INT),
    C(fallocate, K_FD, K_INT, K_LEN, K_LEN, K_LEN, K_LEN), C(readahead, K_FD, K_LEN, K_LEN, K_LEN),
    C(sync_file_range, K_FD, K_LEN, K_LEN, K_LEN, K_LEN, K_INT), C(timer_gettime, K_INT, K_BUF),
    C(timer_getoverrun, K_INT), C(timer_gettime64, K_INT, K_BUF), C(sched_rr_get_interval, K_SELF, K_BUF),
    C(sched_get_priority_max, K_INT), C(sched_getattr, K_SELF, K_BUF, K_LEN, K_INT), C(ioprio_get, K_INT, K_SELF),
    C(clone3, K_BUF, K_LEN), C(unshare, K_INT), C(setns, K_FD, K_INT),
    C(futex_waitv, K_BUF, K_INT, K_INT, K_TS64, K_INT), C(fanotify_init, K_INT, K_INT), C(userfaultfd, K_INT),
    C(remap_file_pages, K_MMADDR, K_MMLEN, K_INT, K_INT, K_INT), C(rseq, K_BUF, K_LEN, K_INT, K_INT),
    C(sysfs, K_INT, K_BUF, K_BUF), C(ustat, K_INT, K_BUF), C(readdir, K_FD, K_BUF, K_INT), C(restart_syscall),
    C(pkey_alloc, K_INT, K_INT), C(pkey_free, K_INT), C(pkey_mprotect, K_MMADDR, K_MMLEN, K_INT, K_INT),
    C(get_mempolicy, K_BUF, K_BUF, K_LEN, K_ANY, K_INT), C(set_mempolicy, K_INT, K_BUF, K_LEN),
    C(mbind, K_MMADDR, K_MMLEN, K_INT, K_BUF, K_LEN, K_INT), C(migrate_pages, K_SELF, K_LEN, K_BUF, K_BUF),
    C(move_pages, K_SELF, K_LEN, K_BUF, K_BUF, K_BUF, K_INT), C(set_mempolicy_home_node, K_MMADDR, K_MMLEN, K_INT, K_INT),
    C(name_to_handle_at, K_DIRFD, K_PATH, K_BUF, K_BUF, K_INT), C(open_by_handle_at, K_DIRFD, K_BUF, K_OFLAGS),
    C(landlock_create_ruleset, K_BUF, K_LEN, K_INT), C(landlock_add_rule, K_FD, K_INT, K_BUF, K_INT),
    C(memfd_secret, K_INT), C(process_madvise, K_FD, K_IOVEC, K_INT, K_INT, K_INT), C(process_mrelease, K_FD, K_INT),
    {468, "file_getattr", {K_DIRFD, K_PATH, K_BUF, K_LEN, K_INT}},
    /* Left out of issue 15's calls: those that change the host for everyone or for good (reboot,
     * swapon/swapoff, acct, stime, adjtimex and clock_adjtime with random modes, vhangup of the
     * test's terminal, open_tree_attr's detached mounts, file_setattr's immutable flags, keys
     * piling up in the host's keyrings), landlock_restrict_self (it would lock the fuzzer out of
     * its own files), and arch_prctl (ARCH_SET_CPUID(0) makes every later native CPUID fault). */
    /* process_vm_writev is left out: on itself it would write random bytes over the fuzzer. */
    C(process_vm_readv, K_SELF, K_IOVEC, K_INT, K_IOVEC, K_INT, K_INT),
    /* AIO: contexts from io_setup are rarely valid ids for the others (EINVAL), which is the point. */
    C(io_setup, K_INT, K_BUF), C(io_destroy, K_INT), C(io_submit, K_INT, K_INT, K_BUF),
    C(io_cancel, K_INT, K_BUF, K_BUF), C(io_getevents, K_INT, K_INT, K_INT, K_BUF, K_TIMESPEC),
    C(io_pgetevents, K_INT, K_INT, K_INT, K_BUF, K_TIMESPEC, K_BUF),
    /* seccomp is left out: a random filter that installs would kill the fuzzer or make the rest
     * of its calls answer differently. */
    /* getxattrat, listxattrat (no SYS_ names in these headers yet). fanotify_mark is left out (a
     * permission mark would make the fuzzer's own opens wait for an answer), and so is
     * perf_event_open (a random attr may ask for SIGTRAP or overflow signals), and syslog (as
     * root its actions clear the host's kernel log and turn its console off). */
    {464, "getxattrat", {K_DIRFD, K_PATH, K_INT, K_BUF, K_BUF, K_LEN}},
    {465, "listxattrat", {K_DIRFD, K_PATH, K_INT, K_BUF, K_LEN}},
    /* Numbers no i386 kernel has: ENOSYS. */
    {1000, "nr1000", {0}}, {0x7fffffff, "nr_max", {K_ANY}}, {-1, "nr_minus1", {0}}, {0x40000000 | 20, "x32_getpid", {0}},
};
#define N_CALLS (sizeof calls / sizeof calls[0])

/* ---- pools ---- */
static uint32_t pool_int(void) {
    static const uint32_t v[] = {0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 100, 127, 128, 255, 256,
                                 1023, 1024, 4095, 4096, 4097, 65535, 65536, 0x7fffffff, 0x80000000,
                                 0xffffffff, 0xfffffffe, 0xffffff9c, 0x10000000, 0x80000001, 0xfffff000};
    switch (below(6)) {
    case 0: return rnd();
    case 1: return below(32);
    case 2: return 1u << below(32);
    default: return PICK(v);
    }
}

static uint32_t ptr_in(const void *p, uint32_t off) { return (uint32_t)(uintptr_t)p + off; }

static uint32_t pool_buf(void) {
    switch (below(19)) {
    case 0: return 0;
    case 1: case 2: return ptr_in(rw, 0);
    case 3: return ptr_in(rw, 1 + below(64));
    case 4: return ptr_in(rw, below(RW_PAGES) * PAGE + below(2) * (PAGE - 64));
    case 5: return ptr_in(ro, below(2) ? 0 : below(PAGE));
    case 6: return ptr_in(none, below(2) ? 0 : below(PAGE));
    case 7: return ptr_in(unmapped, below(2) ? 0 : below(PAGE));
    case 8: case 9: {
        static const uint32_t tail[] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 28, 32, 64, 128, 256, 4096};
        return ptr_in(pe, PAGE - PICK(tail));
    }
    case 10: {
        static const uint32_t high[] = {0xffffe000, 0xfffff000, 0xffffffff, 0xfffffffc, 0xc0000000, 0xbffffff0};
        return PICK(high);
    }
    case 11: return 1 + below(PAGE);
    case 12: case 13: case 14: return ptr_in(structs, below(4) ? 0 : below(PAGE));
    case 15: return ptr_in(structs, PAGE - 8 * (1 + below(16)));
    case 16: return ptr_in(region, below(REGION_SIZE / PAGE) * PAGE + below(2) * below(PAGE));
    default: return ptr_in(rw, RW_PAGES * PAGE - (1 + below(64)));
    }
}

static uint32_t pool_len(void) {
    static const uint32_t v[] = {0, 1, 2, 3, 4, 8, 12, 16, 24, 28, 32, 64, 110, 128, 255, 256, 1024, 4095,
                                 4096, 4097, 8192, 65536, 0x7fffffff, 0xffffffff, 0x80000000, 0xfffffff0};
    return below(5) ? PICK(v) : pool_int();
}

static uint32_t pool_fd(int dirfd) {
    if (dirfd && below(5) == 0) return (uint32_t)AT_FDCWD;
    if (n_pool_fds && below(10) < 8) return (uint32_t)pool_fds[below(n_pool_fds)];
    static const uint32_t v[] = {0xffffffff, 0x7fffffff, 0x80000000, 1000, 3, 4, 5, 40, 100, 19999, 20000, 65535};
    return PICK(v);
}

/* Relative names only; never "..", never absolute. */
static const char *const names[] = {"f0", "f1", "f2", "f3", "f4", "d0", "d1", "d0/f0", "d0/f5", "d0/d1",
                                    "s0", "s1", ".", "", "nonexist/f0", "f0/x", "f0/", "d0/", "./f1",
                                    "d0//f6", "nul", "zer"};

static uint32_t pool_path(void) {
    char *p = built + 2 * PAGE; /* the path page */
    switch (below(14)) {
    case 0: return 0;
    case 1: return ptr_in(unmapped, 0);
    case 2: return ptr_in(none, 0);
    case 3: return ptr_in(ro, 16); /* "f0" */
    case 4: memcpy(pe + PAGE - 3, "f1", 3); return ptr_in(pe, PAGE - 3);
    case 5: memcpy(pe + PAGE - 2, "f1", 2); return ptr_in(pe, PAGE - 2); /* no NUL before the page end */
    case 6: /* a component longer than NAME_MAX */
        memset(p, 'a', 300);
        p[300] = 0;
        return ptr_in(p, 0);
    case 7: /* a path longer than PATH_MAX: "d0/" repeated, running into the guard page without a NUL */
        for (unsigned i = 0; i + 3 <= 2 * PAGE; i += 3) memcpy(p + i, "d0/", 3);
        return ptr_in(p, 2 * PAGE - 3 * 1400);
    case 8: return 0xfffff000;
    default: {
        const char *n = PICK(names);
        unsigned off = 512 + below(8) * 64;
        strcpy(p + off, n);
        return ptr_in(p, off);
    }
    }
}

/* A timeout: zero, tiny (<= 0.1 ms) or invalid; never NULL (NULL waits forever). `form`: 0 the
 * 32-bit timespec, 1 timeval, 2 the 64-bit __kernel_timespec of the *_time64 calls. */
static uint32_t pool_timespec(int form) {
    static const int32_t nsec[] = {0, 1, 1000, 100000, 1000000000, -1};
    static const int32_t sec[] = {0, 0, 0, -1, 0x7fffffff};
    int32_t s = PICK(sec), ns = PICK(nsec);
    if (s > 0 && ns >= 0 && ns < 1000000000) ns = -1; /* invalid, not long */
    if (form == 1 && ns > 999999) ns = 100;
    if (form == 1 && s > 0) s = -1;
    char *at = built + 3 * PAGE + 64 * form;
    unsigned size = form == 2 ? 16 : 8;
    if (form == 2) {
        int64_t t[2] = {s, ns};
        memcpy(at, t, 16);
    } else {
        int32_t t[2] = {s, ns};
        memcpy(at, t, 8);
    }
    switch (below(8)) {
    case 0: return ptr_in(unmapped, 0);
    case 1: return ptr_in(none, 0);
    case 2: return 0xfffffff8;
    case 3: memset(pe + PAGE - size, 0, size); return ptr_in(pe, PAGE - size);
    case 4: memset(pe + PAGE - size / 2, 0, size / 2); return ptr_in(pe, PAGE - size / 2); /* straddles */
    case 5: return ptr_in(ro, 32); /* zeros */
    default: return ptr_in(at, 0);
    }
}

static void fill_sockaddr(char *at, unsigned *len) {
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    struct sockaddr_un sun;
    switch (below(12)) {
    case 0: make_loopback(&sin, 0); memcpy(at, &sin, *len = sizeof sin); break;
    case 1: case 2: make_loopback(&sin, listen_port); memcpy(at, &sin, *len = sizeof sin); break;
    case 3: make_loopback(&sin, udp_port); memcpy(at, &sin, *len = sizeof sin); break;
    case 4: sin6.sin6_port = htons(listen6_port); memcpy(at, &sin6, *len = sizeof sin6); break;
    case 5: /* ::ffff:127.0.0.1 */
        sin6.sin6_addr = (struct in6_addr){{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}}};
        sin6.sin6_port = htons(below(2) ? listen_port : udp_port);
        memcpy(at, &sin6, *len = sizeof sin6);
        break;
    case 6: make_unix(&sun, below(2) ? "s0" : "s1"); memcpy(at, &sun, *len = sizeof sun); break;
    case 7: /* abstract, unique to this process */
        make_unix(&sun, "");
        snprintf(sun.sun_path + 1, sizeof sun.sun_path - 1, "emu386-fuzz-%d", (int)self_pid);
        memcpy(at, &sun, *len = sizeof sun);
        break;
    case 8: memset(at, 0, 16); *len = 16; break; /* AF_UNSPEC */
    case 9: /* garbage of a family that reaches nothing */
        for (int i = 0; i < 128; i++) at[i] = (char)rnd();
        at[0] = (char)0xff, at[1] = (char)(0x80 | below(128));
        *len = 128;
        break;
    case 10: /* AF_UNIX with a full 108-byte sun_path and no NUL */
        memset(at, 'x', 110);
        at[0] = AF_UNIX, at[1] = 0;
        *len = 110;
        break;
    default: /* AF_INET, random port, 127.x address */
        make_loopback(&sin, 0);
        sin.sin_port = (uint16_t)rnd();
        ((unsigned char *)&sin.sin_addr)[3] = (unsigned char)rnd();
        memcpy(at, &sin, *len = sizeof sin);
        break;
    }
}

/* A socket address we built (loopback or unix), or a bad pointer; never random bytes of AF_INET. */
static uint32_t pool_sockaddr(void) {
    char *sa = built + 4 * PAGE;
    unsigned len;
    switch (below(10)) {
    case 0: return 0;
    case 1: return ptr_in(unmapped, 0);
    case 2: return ptr_in(none, 8);
    case 3: return ptr_in(ro, 0); /* loopback */
    case 4: { /* ending exactly at the page end */
        char tmp[128];
        fill_sockaddr(tmp, &len);
        memcpy(pe + PAGE - len, tmp, len);
        return ptr_in(pe, PAGE - len);
    }
    default: fill_sockaddr(sa, &len); return ptr_in(sa, 0);
    }
}

/* iovecs into rw (lengths from the pool), or bad ones. */
static uint32_t pool_iovec(void) {
    struct iovec *iov = (void *)(built + 5 * PAGE);
    for (int i = 0; i < 8; i++) {
        iov[i].iov_base = below(4) ? (void *)(uintptr_t)ptr_in(rw, below(RW_PAGES * PAGE)) : (void *)(uintptr_t)pool_buf();
        iov[i].iov_len = below(2) ? below(512) : pool_len();
    }
    switch (below(8)) {
    case 0: return ptr_in(unmapped, 0);
    case 1: return ptr_in(structs, 0);
    case 2: memcpy(pe + PAGE - 16, iov, 16); return ptr_in(pe, PAGE - 16);
    case 3: return ptr_in(ro, 48);
    default: return ptr_in(iov, 0);
    }
}

static void fill_msghdr(struct msghdr *m, int i) {
    char *names_at = built + 6 * PAGE + 128 * i;
    unsigned len;
    if (below(2)) {
        fill_sockaddr(names_at, &len);
        m->msg_name = names_at;
        m->msg_namelen = below(3) ? len : pool_len();
    } else {
        m->msg_name = below(2) ? NULL : (void *)(uintptr_t)ptr_in(unmapped, 0);
        m->msg_namelen = below(2) ? 0 : pool_len();
    }
    m->msg_iov = (void *)(uintptr_t)pool_iovec();
    m->msg_iovlen = below(3) ? below(9) : pool_int();
    char *ctl = built + 7 * PAGE + 256 * i;
    switch (below(4)) {
    case 0: m->msg_control = NULL, m->msg_controllen = below(2) ? 0 : pool_len(); break;
    case 1: { /* SCM_RIGHTS with pool fds (or bad ones) */
        struct cmsghdr *c = (void *)ctl;
        int n = 1 + below(4);
        c->cmsg_len = CMSG_LEN(n * sizeof(int));
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = below(4) ? SCM_RIGHTS : SCM_CREDENTIALS;
        for (int j = 0; j < n; j++) ((int *)CMSG_DATA(c))[j] = (int)pool_fd(0);
        m->msg_control = ctl;
        m->msg_controllen = below(4) ? CMSG_SPACE(n * sizeof(int)) : pool_len();
        break;
    }
    case 2: /* random cmsg bytes */
        for (int j = 0; j < 256; j++) ctl[j] = (char)rnd();
        m->msg_control = ctl;
        m->msg_controllen = below(2) ? below(256) : pool_len();
        break;
    default: m->msg_control = (void *)(uintptr_t)pool_buf(), m->msg_controllen = pool_len(); break;
    }
    m->msg_flags = (int)pool_int();
}

static uint32_t pool_msghdr(void) {
    struct msghdr *m = (void *)(built + 8 * PAGE);
    fill_msghdr(m, 0);
    switch (below(8)) {
    case 0: return ptr_in(unmapped, 0);
    case 1: return 0;
    case 2: memcpy(pe + PAGE - sizeof *m, m, sizeof *m); return ptr_in(pe, PAGE - sizeof *m);
    case 3: return ptr_in(pe, PAGE - 16); /* straddles */
    default: return ptr_in(m, 0);
    }
}

static uint32_t pool_mmsghdr(void) {
    struct mmsghdr *mm = (void *)(built + 8 * PAGE + 256);
    for (int i = 0; i < 8; i++) {
        fill_msghdr(&mm[i].msg_hdr, i);
        mm[i].msg_len = rnd();
    }
    switch (below(6)) {
    case 0: return ptr_in(unmapped, 0);
    case 1: memcpy(pe + PAGE - sizeof *mm, mm, sizeof *mm); return ptr_in(pe, PAGE - sizeof *mm);
    default: return ptr_in(mm, 0);
    }
}

static uint32_t pool_pollfd(void) {
    struct pollfd {
        int fd;
        short events, revents;
    } *p = (void *)(built + 9 * PAGE);
    for (int i = 0; i < 16; i++) p[i].fd = (int)pool_fd(0), p[i].events = (short)rnd(), p[i].revents = (short)rnd();
    switch (below(6)) {
    case 0: return ptr_in(unmapped, 0);
    case 1: return pool_buf();
    case 2: memcpy(pe + PAGE - 8, p, 8); return ptr_in(pe, PAGE - 8);
    default: return ptr_in(p, 0);
    }
}

/* Whether the (level, optname) pair may be set: nothing that reaches outside this process
 * (multicast membership sends IGMP/MLD; iptables/ip6tables/ebtables/ipvs tables; module
 * autoloading by name) and no SO_LINGER (a lingering close blocks). */
static int safe_setsockopt(int level, int opt) {
    if (level == SOL_SOCKET) return opt != SO_LINGER && opt != SO_BUSY_POLL && opt != 26 /* SO_ATTACH_FILTER */;
    if (level == IPPROTO_IP) return (opt < 32 && opt != 16 && opt != 17 /* IPSEC/XFRM policy */) || (opt > 48 && opt < 64 && opt != 50);
    if (level == IPPROTO_IPV6) return opt < 20 || (opt > 28 && opt < 42 && opt != 34 && opt != 35 /* IPSEC/XFRM policy */) || (opt > 48 && opt < 64);
    if (level == IPPROTO_TCP) return opt != TCP_CONGESTION && opt != 31 /* TCP_ULP */ && opt != 33 /* TCP_FASTOPEN_KEY */;
    return level == IPPROTO_UDP || level < 0 || level > 1000;
}

static uint32_t gen(int kind) {
    switch (kind) {
    case K_NONE: return 0;
    case K_ANY: return below(2) ? pool_int() : pool_buf();
    case K_INT: return pool_int();
    case K_BUF: return pool_buf();
    case K_LEN: return pool_len();
    case K_SLEN: { uint32_t l = pool_len(); return l > (1u << 20) ? below(1u << 20) : l; }
    case K_FD: return pool_fd(0);
    case K_DIRFD: return pool_fd(1);
    case K_PATH: return pool_path();
    case K_OFLAGS: return (below(2) ? (below(3) | (rnd() & (O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_PATH | O_TMPFILE | O_SYNC))) : pool_int()) | O_NONBLOCK;
    case K_MODE: return below(2) ? (rnd() & 07777) : pool_int();
    case K_NODEMODE: {
        uint32_t m = below(2) ? (below(2) ? S_IFREG : S_IFSOCK) | (rnd() & 0777) : pool_int();
        unsigned t = m & S_IFMT;
        if (t == S_IFCHR || t == S_IFBLK || t == S_IFIFO) m = (m & ~S_IFMT) | S_IFREG; /* no devices, no FIFOs */
        return m;
    }
    case K_SELF: {
        uint32_t v[] = {0, (uint32_t)self_pid, 0xffffffff, 0x7fffffff, 0x80000000, 4194305};
        return PICK(v);
    }
    case K_SIG0: { static const uint32_t v[] = {0, 0, 0, 65, 0xffffffff, 1000}; return PICK(v); }
    case K_SIGSAFE: {
        static const uint32_t v[] = {0, 0xffffffff, 65, 1000, SIGKILL, SIGSTOP, SIGUSR1, SIGUSR2, SIGWINCH, SIGURG, SIGCHLD, 32, 33, 64};
        return PICK(v);
    }
    case K_SOCKADDR: return pool_sockaddr();
    case K_ADDRLEN: { static const uint32_t v[] = {0, 1, 2, 3, 15, 16, 17, 24, 27, 28, 110, 111, 112, 128, 129, 4096, 0x7fffffff, 0xffffffff}; return PICK(v); }
    case K_IOVEC: return pool_iovec();
    case K_MSGHDR: return pool_msghdr();
    case K_MMSGHDR: return pool_mmsghdr();
    case K_TIMESPEC: return pool_timespec(0);
    case K_TIMEVAL: return pool_timespec(1);
    case K_TS64: return pool_timespec(2);
    case K_MS: return below(2);
    case K_DOMAIN: { static const uint32_t v[] = {AF_UNIX, AF_UNIX, AF_INET, AF_INET, AF_INET6, AF_UNSPEC, 0xffffffff, 255, 0x7fffffff}; return PICK(v); }
    case K_STYPE: {
        static const uint32_t v[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, 0, 6, 11, 0xffffffff, 0x7fffff0f};
        uint32_t t = PICK(v);
        return (t & 0xf) == SOCK_RAW || (t & 0xf) == SOCK_PACKET ? SOCK_STREAM : t | (rnd() & (SOCK_NONBLOCK | SOCK_CLOEXEC));
    }
    case K_PROTO: { static const uint32_t v[] = {0, 0, 0, 1, IPPROTO_TCP, IPPROTO_UDP, 0xffffffff, 1000, 0x80000000}; return PICK(v); }
    case K_LEVEL: { static const uint32_t v[] = {SOL_SOCKET, SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, IPPROTO_UDP, 0xffffffff, 0, 100000}; return PICK(v); }
    case K_OPTNAME: return below(4) ? below(70) : pool_int();
    case K_IOCTL: {
        /* Known read-only requests (with any argument), or unknown ones: a random number whose type
         * byte is 0xee, which no driver uses (a random 32-bit request could hit, say, an fs shutdown). */
        static const uint32_t v[] = {FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, TCGETS, TIOCGWINSZ, TIOCGPGRP,
                                     0x8912 /* SIOCGIFCONF */, 0x8910 /* SIOCGIFNAME */, 0x8933 /* SIOCGIFINDEX */,
                                     0x8913 /* SIOCGIFFLAGS */, 0x8915 /* SIOCGIFADDR */, 0x8921 /* SIOCGIFMTU */,
                                     0x8927 /* SIOCGIFHWADDR */, 0x8905 /* SIOCATMARK */, 0x5411 /* TIOCOUTQ */,
                                     0x80046601 /* FS_IOC_GETFLAGS */, 0x8906 /* SIOCGSTAMP */, 0};
        return below(4) ? PICK(v) : (rnd() & 0xffff00ff) | 0xee00;
    }
    case K_FCNTL: {
        static const uint32_t v[] = {F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW, 12, 13, 14,
                                     F_GETOWN, 16, F_OFD_GETLK, F_OFD_SETLK, F_DUPFD_CLOEXEC, F_GETPIPE_SZ,
                                     F_SETPIPE_SZ, F_GET_SEALS, F_ADD_SEALS, 1025 /* F_GETLEASE */, F_GETSIG,
                                     0xffffffff, 1000, 0x7fffffff};
        uint32_t c = below(6) ? PICK(v) : rnd();
        if (c == F_SETOWN || c == F_SETSIG || c == 15 || c == F_OFD_SETLKW || c == F_SETLEASE || c == F_NOTIFY) c = F_GETFL;
        return c;
    }
    case K_RLIM: return pool_buf(); /* fixed up per call */
    case K_SIGACT: {
        uint32_t *sa = (void *)(built + 10 * PAGE);
        static const uint32_t handlers[] = {0 /* SIG_DFL */, 1 /* SIG_IGN */, 2, 0xdeadbeef};
        sa[0] = below(4) ? PICK(handlers) : rnd();
        sa[1] = below(2) ? rnd() : 0; /* mask or flags, both layouts */
        sa[2] = rnd() & ~0x04000000u; /* no SA_RESTORER garbage half the time */
        sa[3] = rnd();
        sa[4] = rnd();
        switch (below(6)) {
        case 0: return ptr_in(unmapped, 0);
        case 1: return 0;
        case 2: memcpy(pe + PAGE - 16, sa, 16); return ptr_in(pe, PAGE - 16);
        default: return ptr_in(sa, 0);
        }
    }
    case K_MMADDR: return ptr_in(region, below(4) ? below(REGION_SIZE / PAGE) * PAGE : below(REGION_SIZE));
    case K_MMLEN: { static const uint32_t v[] = {0, 1, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE, 16 * PAGE, 64 * PAGE, REGION_SIZE, 0xffffffff, 0x80000000, 0xfffff000}; return PICK(v); }
    case K_OPENHOW: {
        uint64_t *h = (void *)(built + 10 * PAGE + 256);
        h[0] = (below(2) ? (rnd() & 0xfffff) : ((uint64_t)rnd() << 32 | rnd())) | O_NONBLOCK;
        h[1] = below(2) ? (rnd() & 0777) : rnd();
        h[2] = below(2) ? below(0x20) : rnd();
        h[3] = below(4) ? 0 : rnd();
        switch (below(5)) {
        case 0: return ptr_in(unmapped, 0);
        case 1: memcpy(pe + PAGE - 24, h, 24); return ptr_in(pe, PAGE - 24);
        default: return ptr_in(h, 0);
        }
    }
    case K_USERDESC: {
        uint32_t *u = (void *)(built + 10 * PAGE + 512);
        static const uint32_t entries[] = {0xffffffff, 0, 1, 5, 6, 7, 8, 12, 13, 14, 15, 100};
        u[0] = PICK(entries);
        if ((int)u[0] == tls_entry) u[0] = 0xffffffff; /* never glibc's own TLS entry */
        u[1] = below(2) ? ptr_in(rw, 0) : rnd();
        u[2] = below(2) ? 0xfffff : rnd();
        u[3] = rnd() & 0x7f;
        switch (below(5)) {
        case 0: return ptr_in(unmapped, 0);
        case 1: memcpy(pe + PAGE - 16, u, 16); return ptr_in(pe, PAGE - 16);
        default: return ptr_in(u, 0);
        }
    }
    case K_CALL: return below(20) ? below(26) : pool_int();
    case K_OLDSEL: {
        uint32_t *b = (void *)(built + 10 * PAGE + 1024);
        b[0] = pool_int(), b[1] = pool_buf(), b[2] = pool_buf(), b[3] = pool_buf(), b[4] = pool_timespec(1);
        switch (below(5)) {
        case 0: return ptr_in(unmapped, 0);
        case 1: memcpy(pe + PAGE - 20, b, 20); return ptr_in(pe, PAGE - 20);
        default: return ptr_in(b, 0);
        }
    }
    case K_POLLFD: return pool_pollfd();
    }
    return 0;
}

/* ---- the socketcall argument block: the same kinds as the direct calls ---- */
static const unsigned char sc_kinds[21][6] = {
    {0}, {K_DOMAIN, K_STYPE, K_PROTO}, {K_FD, K_SOCKADDR, K_ADDRLEN}, {K_FD, K_SOCKADDR, K_ADDRLEN},
    {K_FD, K_INT}, {K_FD, K_BUF, K_BUF}, {K_FD, K_BUF, K_BUF}, {K_FD, K_BUF, K_BUF},
    {K_DOMAIN, K_STYPE, K_PROTO, K_BUF}, {K_FD, K_BUF, K_LEN, K_INT}, {K_FD, K_BUF, K_LEN, K_INT},
    {K_FD, K_BUF, K_LEN, K_INT, K_SOCKADDR, K_ADDRLEN}, {K_FD, K_BUF, K_LEN, K_INT, K_BUF, K_BUF},
    {K_FD, K_INT}, {K_FD, K_LEVEL, K_OPTNAME, K_BUF, K_LEN}, {K_FD, K_LEVEL, K_OPTNAME, K_BUF, K_BUF},
    {K_FD, K_MSGHDR, K_INT}, {K_FD, K_MSGHDR, K_INT}, {K_FD, K_BUF, K_BUF, K_INT},
    {K_FD, K_MMSGHDR, K_INT, K_INT, K_TIMESPEC}, {K_FD, K_MMSGHDR, K_INT, K_INT},
};
static const unsigned char sc_nargs[21] = {0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4};

static int is_sending_call(long nr, uint32_t call) {
    return nr == SYS_connect || nr == SYS_sendto || nr == SYS_sendmsg || nr == SYS_sendmmsg ||
           (nr == SYS_socketcall && (call == 3 || call == 11 || call == 16 || call == 20));
}

/* Safety fixups after generation; see the header comment. */
static void fixup(long nr, uint32_t *a) {
    switch (nr) {
    case SYS_brk: {
        static const uint32_t v[] = {0, 1, 0xffffffff, 0xc0000000};
        a[0] = below(3) ? brk0 + below(64) * (below(2) ? PAGE : 1) : PICK(v);
        if (a[0] && a[0] < brk0) a[0] = 0;
        break;
    }
    case SYS_mmap2: case SYS_mlock: case SYS_mlock2: case SYS_madvise: case SYS_mprotect: case SYS_munmap:
    case SYS_pkey_mprotect: case SYS_mbind: case SYS_set_mempolicy_home_node: {
        uint32_t end = ptr_in(region, REGION_SIZE);
        if (nr == SYS_mmap2) {
            a[3] = below(2) ? (below(2) ? MAP_PRIVATE : MAP_SHARED) | (rnd() & (MAP_ANONYMOUS | MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_NORESERVE | MAP_GROWSDOWN | MAP_STACK)) : rnd();
            a[3] &= ~(uint32_t)(MAP_POPULATE | MAP_LOCKED | MAP_HUGETLB);
            if (!(a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && below(2)) a[0] = pool_int(); /* a hint only */
            a[2] = below(2) ? rnd() & 7 : pool_int();
            a[5] = below(2) ? below(4) : pool_int();
        }
        /* Fixed mappings and every other call stay inside the region. */
        if (nr != SYS_mmap2 || (a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
            if (a[0] < ptr_in(region, 0) || a[0] >= end) a[0] = ptr_in(region, 0);
            uint64_t rounded = ((uint64_t)a[1] + PAGE - 1) & ~(uint64_t)(PAGE - 1);
            if ((uint64_t)a[0] + rounded > end) a[1] = end - a[0];
        }
        if (nr == SYS_madvise && (a[2] == 100 || a[2] == 101)) a[2] = MADV_DONTNEED; /* HWPOISON, SOFT_OFFLINE */
        if (nr == SYS_mprotect) a[2] = below(2) ? rnd() & 7 : pool_int();
        break;
    }
    case SYS_mremap: {
        uint32_t end = ptr_in(region, REGION_SIZE);
        if ((uint64_t)a[0] + a[1] > end) a[1] = end - a[0];
        a[3] = below(2) ? rnd() & 7 : pool_int();
        if (a[2] > REGION_SIZE) a[2] = below(2) ? REGION_SIZE : 0xfffff000; /* never grow a locked mapping far */
        if (a[2] == 0xfffff000) a[3] &= ~(uint32_t)MREMAP_MAYMOVE;
        if (a[3] & MREMAP_FIXED) {
            if ((uint64_t)a[4] + a[2] > end) a[2] = end - a[4];
        }
        break;
    }
    case SYS_mmap: { /* old_mmap: a pointer to six words */
        uint32_t *b = (void *)(built + 10 * PAGE + 2048);
        for (int i = 0; i < 6; i++) b[i] = gen(i == 0 ? K_MMADDR : i == 1 ? K_MMLEN : i == 4 ? K_FD : K_INT);
        fixup(SYS_mmap2, b);
        a[0] = below(5) ? ptr_in(b, 0) : pool_buf();
        if (a[0] == ptr_in(structs, 0) || (a[0] >= ptr_in(rw, 0) && a[0] < ptr_in(rw, RW_PAGES * PAGE)) ||
            (a[0] >= ptr_in(pe, 0) && a[0] < ptr_in(pe, PAGE)) || (a[0] >= ptr_in(structs, 0) && a[0] < ptr_in(structs, PAGE)))
            a[0] = ptr_in(b, 0); /* random words could be MAP_FIXED anywhere */
        break;
    }
    case SYS_setrlimit: case SYS_prlimit64: {
        /* Only ever re-set the current limits (or pass a bad pointer / an invalid cur > max). */
        uint32_t res = nr == SYS_setrlimit ? a[0] : a[1];
        int ri = nr == SYS_setrlimit ? 1 : 2;
        struct rlimit64 cur;
        char *at = built + 10 * PAGE + 3072;
        if (nr == SYS_prlimit64 && a[0] != 0 && a[0] != (uint32_t)self_pid) a[2] = 0; /* read-only for others */
        if (prlimit64(0, res, NULL, &cur) == 0 && res < RLIM_NLIMITS) {
            if (nr == SYS_setrlimit) {
                /* The old 32-bit struct: ~0 is infinity; a finite limit >= 4G cannot be re-set. */
                uint32_t *l = (void *)at;
                uint64_t v[2] = {cur.rlim_cur, cur.rlim_max};
                for (int k = 0; k < 2; k++) l[k] = v[k] == RLIM64_INFINITY ? 0xffffffff : (uint32_t)v[k];
                if ((v[0] != RLIM64_INFINITY && v[0] >= 0xffffffffULL) || (v[1] != RLIM64_INFINITY && v[1] >= 0xffffffffULL) || below(4) == 0)
                    l[0] = 2, l[1] = 1; /* cur > max: EINVAL before anything changes */
            } else {
                uint64_t *l = (void *)at;
                l[0] = cur.rlim_cur, l[1] = cur.rlim_max;
                if (below(4) == 0) { /* cur > max: EINVAL before anything changes */
                    if (cur.rlim_max == 0) l[0] = 1, l[1] = 0;
                    else l[0] = cur.rlim_max, l[1] = cur.rlim_max - 1;
                }
            }
        } else {
            memset(at, 0, 16);
        }
        static const uint32_t bad[] = {0, 0xfffffff0};
        if (nr == SYS_prlimit64 && a[2] == 0) break;
        switch (below(6)) {
        case 0: a[ri] = ptr_in(unmapped, 0); break;
        case 1: a[ri] = PICK(bad); break;
        default: a[ri] = ptr_in(at, 0);
        }
        break;
    }
    case SYS_clock_nanosleep: case SYS_clock_nanosleep_time64: {
        /* Not a CPU-time clock (sleeping on our own CPU time never ends), not an *_ALARM clock
         * (those program the RTC); 3 (thread CPU time) is EINVAL. */
        static const uint32_t v[] = {0, 1, 7, 11, 3, 0xffffffff, 100, 6};
        a[0] = PICK(v);
        break;
    }
    case SYS_flock: a[1] = (below(2) ? (1 + below(8)) : pool_int()) | LOCK_NB; break;
    case SYS_splice: case SYS_tee: { int fi = nr == SYS_splice ? 5 : 3; a[fi] |= 2; /* SPLICE_F_NONBLOCK */ break; }
    case SYS_setsockopt:
        if (!safe_setsockopt((int)a[1], (int)a[2])) a[2] = 0x7fff; /* ENOPROTOOPT */
        break;
    case SYS_rt_sigaction: case SYS_sigaction:
        break;
    case SYS_sched_setaffinity: case SYS_setpgid:
        if (a[0] != 0 && a[0] != (uint32_t)self_pid) a[0] = 0x7fffffff; /* ESRCH */
        break;
    case SYS_fcntl: case SYS_fcntl64:
        if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC) a[2] = below(2) ? pool_fd(0) : a[2];
        break;
    case SYS_epoll_wait: case SYS_epoll_pwait: case SYS_epoll_pwait2:
        break;
    case SYS_getrandom: a[2] &= ~2u; /* GRND_RANDOM may block on old kernels */ break;
    case SYS_set_robust_list: break;
    case SYS_clone3: {
        /* The struct reading and its checks, never a child: CSIGNAL bits in flags are always
         * EINVAL (clone3_args_valid()), after copy_clone_args_from_user()'s checks ran. */
        if (below(4)) {
            uint32_t at = below(RW_PAGES) * PAGE + below(2) * (PAGE - 88);
            uint64_t flags;
            memcpy(&flags, rw + at, 8);
            flags |= 0xff;
            memcpy(rw + at, &flags, 8);
            a[0] = ptr_in(rw, at);
            a[1] = below(2) ? 88 : pool_int();
        } else if (a[0] >= ptr_in(rw, 0) && a[0] < ptr_in(rw, RW_PAGES * PAGE)) {
            a[0] = 0;
        }
        break;
    }
    case SYS_unshare:
        /* Only what changes nothing outside this process, or unknown bits (EINVAL). */
        a[0] = below(2) ? (a[0] & (0x200 | 0x400 | 0x40000)) : (a[0] | 0x8000);
        break;
    case SYS_setns: a[1] = below(2) ? a[1] | 0x8000 : a[1]; break;
    case SYS_memfd_create: a[1] &= ~4u; /* MFD_HUGETLB */ break;
    case SYS_futex_waitv:
        /* Never without a timeout; the pool's are past, negative or invalid, so nothing waits. */
        if (!a[3]) a[3] = pool_timespec(2);
        break;
    case SYS_fallocate:
        /* (fd, mode, offset low, high, len low, high): a real allocation of a random length filled
         * the disk once (78 GB); at most 1 MiB, negative lengths (EINVAL) kept. */
        if ((int32_t)a[5] >= 0) a[5] = 0, a[4] &= 0xfffff;
        break;
    }
}

static void fill_socketcall(uint32_t *a) {
    uint32_t call = a[0];
    uint32_t *block = (void *)(built + 11 * PAGE);
    unsigned n = call < 21 ? sc_nargs[call] : 6;
    for (unsigned i = 0; i < 6; i++) block[i] = call < 21 ? gen(sc_kinds[call][i]) : pool_int();
    /* The direct calls' fixups apply to the block too. */
    static const long direct[21] = {0, SYS_socket, SYS_bind, SYS_connect, SYS_listen, SYS_accept4, SYS_getsockname,
                                    SYS_getpeername, SYS_socketpair, SYS_sendto, SYS_recvfrom, SYS_sendto,
                                    SYS_recvfrom, SYS_shutdown, SYS_setsockopt, SYS_getsockopt, SYS_sendmsg,
                                    SYS_recvmsg, SYS_accept4, SYS_recvmmsg, SYS_sendmmsg};
    if (call < 21) fixup(direct[call], block);
    switch (below(8)) {
    case 0: a[1] = ptr_in(unmapped, 0); break;
    case 1: a[1] = 0; break;
    case 2: /* exactly nargs bytes before the page end */
        memcpy(pe + PAGE - 4 * n, block, 4 * n);
        a[1] = ptr_in(pe, PAGE - 4 * n);
        break;
    case 3: /* one word short of the page end: EFAULT */
        if (n) {
            memcpy(pe + PAGE - 4 * (n - 1), block, 4 * (n - 1));
            a[1] = ptr_in(pe, PAGE - 4 * (n - 1));
        } else {
            a[1] = ptr_in(block, 0);
        }
        break;
    case 4:
        if (!is_sending_call(SYS_socketcall, call)) {
            a[1] = ptr_in(structs, 0);
            break;
        }
        /* fall through */
    default: a[1] = ptr_in(block, 0);
    }
}

static int may_block(long nr) {
    switch (nr) {
    case SYS_read: case SYS_write: case SYS_readv: case SYS_writev: case SYS_preadv: case SYS_pwritev:
    case SYS_preadv2: case SYS_pwritev2: case SYS_pread64: case SYS_pwrite64: case SYS_sendfile:
    case SYS_sendfile64: case SYS_splice: case SYS_tee: case SYS_copy_file_range: case SYS_socketcall:
    case SYS_connect: case SYS_accept4: case SYS_sendto: case SYS_recvfrom: case SYS_sendmsg: case SYS_recvmsg:
    case SYS_sendmmsg: case SYS_recvmmsg: case SYS_recvmmsg_time64: case SYS_close: case SYS_dup2: case SYS_dup3:
    case SYS_open: case SYS_openat: case SYS_openat2: case SYS_creat:
        return 1;
    }
    return 0;
}

static int creates_fds(long nr) {
    switch (nr) {
    case SYS_open: case SYS_openat: case SYS_openat2: case SYS_creat: case SYS_dup: case SYS_dup2: case SYS_dup3:
    case SYS_fcntl: case SYS_fcntl64: case SYS_socket: case SYS_accept4: case SYS_epoll_create:
    case SYS_epoll_create1: case SYS_memfd_create: case SYS_eventfd2: case SYS_timerfd_create:
    case SYS_inotify_init1: case SYS_signalfd4: case SYS_socketcall:
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s SEED COUNT\n", argv[0]);
        return 2;
    }
    rng_state = strtoull(argv[1], NULL, 0) * 0x9E3779B97F4A7C15ULL + 1;
    long count = strtol(argv[2], NULL, 0);
    int verbose = argc > 3; /* `syscall_fuzz SEED COUNT v`: each call on stderr before it is made */
    self_pid = getpid();
    signal(SIGPIPE, SIG_IGN);
    if (!getcwd(base_dir, sizeof base_dir)) die("getcwd");
    unsigned gs;
    __asm__("mov %%gs, %0" : "=r"(gs));
    tls_entry = (int)(gs >> 3);

    rw = guarded(RW_PAGES);
    ro = map(PAGE, PROT_READ | PROT_WRITE);
    make_loopback((void *)ro, 0);
    strcpy(ro + 16, "f0");
    struct iovec *riov = (void *)(ro + 48);
    riov[0].iov_base = rw, riov[0].iov_len = 64;
    riov[1].iov_base = rw + 64, riov[1].iov_len = 64;
    mprotect(ro, PAGE, PROT_READ);
    none = map(PAGE, PROT_NONE);
    unmapped = map(PAGE, PROT_READ);
    munmap(unmapped, PAGE);
    pe = guarded(1);
    structs = guarded(1);
    built = guarded(12);
    region = map(REGION_SIZE, PROT_NONE);
    brk0 = (uint32_t)syscall(SYS_brk, 0);

    open_pool();
    long done = 0;
    for (long i = 0; i < count; i++) {
        if (i && i % 250 == 0) reset();
        for (unsigned j = 0; j < PAGE; j += 4) *(uint32_t *)(structs + j) = rnd();
        const struct call *c = &calls[below(N_CALLS)];
        uint32_t a[6];
        for (int j = 0; j < 6; j++) a[j] = gen(c->k[j]);
        fixup(c->nr, a);
        if (c->nr == SYS_socketcall) fill_socketcall(a);
        if (may_block(c->nr)) sweep_nonblock();
        if (verbose) {
            char line[160];
            int n = snprintf(line, sizeof line, "#%ld %s(%#x, %#x, %#x, %#x, %#x, %#x)\n", i, c->name, a[0], a[1], a[2], a[3], a[4], a[5]);
            if (write(2, line, n) < 0) return 2;
        }
        long r = syscall(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (r >= 0 && creates_fds(c->nr)) track_fd(r);
        if (r == 0 && (c->nr == SYS_pipe || c->nr == SYS_pipe2 || c->nr == SYS_socketpair ||
                       (c->nr == SYS_socketcall && a[0] == 8))) {
            uint32_t out = c->nr == SYS_socketpair ? a[3] : c->nr == SYS_socketcall ? 0 : a[0];
            if (c->nr == SYS_socketcall) {
                /* The block was read by the kernel; read it again to find sv. */
                if (a[1] == ptr_in(built, 11 * PAGE)) out = ((uint32_t *)(built + 11 * PAGE))[3];
                else if (a[1] >= ptr_in(pe, 0) && a[1] < ptr_in(pe, PAGE)) out = ((uint32_t *)(uintptr_t)a[1])[3];
            }
            if (out) {
                int *sv = (int *)(uintptr_t)out;
                track_fd(sv[0]);
                track_fd(sv[1]);
            }
        }
        /* Received fds (SCM_RIGHTS) share descriptions with tracked ones; new numbers are low. */
        if (c->nr == SYS_recvmsg || c->nr == SYS_recvmmsg || c->nr == SYS_recvmmsg_time64 || c->nr == SYS_socketcall) {
            int probe = dup(0);
            if (probe >= 0) {
                for (int f = 3; f < probe + 8; f++) track_fd(f);
                close(probe);
            }
        }
        done++;
    }
    printf("done %ld\n", done);
    return 0;
}
