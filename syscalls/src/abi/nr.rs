//! i386 system-call numbers, from the kernel's arch/x86/entry/syscalls/syscall_32.tbl
//! (as installed in <asm/unistd_32.h>). Generated; `NAMES` is indexed by number.

#![allow(non_upper_case_globals)]

pub const restart_syscall: u32 = 0;
pub const exit: u32 = 1;
pub const fork: u32 = 2;
pub const read: u32 = 3;
pub const write: u32 = 4;
pub const open: u32 = 5;
pub const close: u32 = 6;
pub const waitpid: u32 = 7;
pub const creat: u32 = 8;
pub const link: u32 = 9;
pub const unlink: u32 = 10;
pub const execve: u32 = 11;
pub const chdir: u32 = 12;
pub const time: u32 = 13;
pub const mknod: u32 = 14;
pub const chmod: u32 = 15;
pub const lchown: u32 = 16;
pub const r#break: u32 = 17;
pub const oldstat: u32 = 18;
pub const lseek: u32 = 19;
pub const getpid: u32 = 20;
pub const mount: u32 = 21;
pub const umount: u32 = 22;
pub const setuid: u32 = 23;
pub const getuid: u32 = 24;
pub const stime: u32 = 25;
pub const ptrace: u32 = 26;
pub const alarm: u32 = 27;
pub const oldfstat: u32 = 28;
pub const pause: u32 = 29;
pub const utime: u32 = 30;
pub const stty: u32 = 31;
pub const gtty: u32 = 32;
pub const access: u32 = 33;
pub const nice: u32 = 34;
pub const ftime: u32 = 35;
pub const sync: u32 = 36;
pub const kill: u32 = 37;
pub const rename: u32 = 38;
pub const mkdir: u32 = 39;
pub const rmdir: u32 = 40;
pub const dup: u32 = 41;
pub const pipe: u32 = 42;
pub const times: u32 = 43;
pub const prof: u32 = 44;
pub const brk: u32 = 45;
pub const setgid: u32 = 46;
pub const getgid: u32 = 47;
pub const signal: u32 = 48;
pub const geteuid: u32 = 49;
pub const getegid: u32 = 50;
pub const acct: u32 = 51;
pub const umount2: u32 = 52;
pub const lock: u32 = 53;
pub const ioctl: u32 = 54;
pub const fcntl: u32 = 55;
pub const mpx: u32 = 56;
pub const setpgid: u32 = 57;
pub const ulimit: u32 = 58;
pub const oldolduname: u32 = 59;
pub const umask: u32 = 60;
pub const chroot: u32 = 61;
pub const ustat: u32 = 62;
pub const dup2: u32 = 63;
pub const getppid: u32 = 64;
pub const getpgrp: u32 = 65;
pub const setsid: u32 = 66;
pub const sigaction: u32 = 67;
pub const sgetmask: u32 = 68;
pub const ssetmask: u32 = 69;
pub const setreuid: u32 = 70;
pub const setregid: u32 = 71;
pub const sigsuspend: u32 = 72;
pub const sigpending: u32 = 73;
pub const sethostname: u32 = 74;
pub const setrlimit: u32 = 75;
pub const getrlimit: u32 = 76;
pub const getrusage: u32 = 77;
pub const gettimeofday: u32 = 78;
pub const settimeofday: u32 = 79;
pub const getgroups: u32 = 80;
pub const setgroups: u32 = 81;
pub const select: u32 = 82;
pub const symlink: u32 = 83;
pub const oldlstat: u32 = 84;
pub const readlink: u32 = 85;
pub const uselib: u32 = 86;
pub const swapon: u32 = 87;
pub const reboot: u32 = 88;
pub const readdir: u32 = 89;
pub const mmap: u32 = 90;
pub const munmap: u32 = 91;
pub const truncate: u32 = 92;
pub const ftruncate: u32 = 93;
pub const fchmod: u32 = 94;
pub const fchown: u32 = 95;
pub const getpriority: u32 = 96;
pub const setpriority: u32 = 97;
pub const profil: u32 = 98;
pub const statfs: u32 = 99;
pub const fstatfs: u32 = 100;
pub const ioperm: u32 = 101;
pub const socketcall: u32 = 102;
pub const syslog: u32 = 103;
pub const setitimer: u32 = 104;
pub const getitimer: u32 = 105;
pub const stat: u32 = 106;
pub const lstat: u32 = 107;
pub const fstat: u32 = 108;
pub const olduname: u32 = 109;
pub const iopl: u32 = 110;
pub const vhangup: u32 = 111;
pub const idle: u32 = 112;
pub const vm86old: u32 = 113;
pub const wait4: u32 = 114;
pub const swapoff: u32 = 115;
pub const sysinfo: u32 = 116;
pub const ipc: u32 = 117;
pub const fsync: u32 = 118;
pub const sigreturn: u32 = 119;
pub const clone: u32 = 120;
pub const setdomainname: u32 = 121;
pub const uname: u32 = 122;
pub const modify_ldt: u32 = 123;
pub const adjtimex: u32 = 124;
pub const mprotect: u32 = 125;
pub const sigprocmask: u32 = 126;
pub const create_module: u32 = 127;
pub const init_module: u32 = 128;
pub const delete_module: u32 = 129;
pub const get_kernel_syms: u32 = 130;
pub const quotactl: u32 = 131;
pub const getpgid: u32 = 132;
pub const fchdir: u32 = 133;
pub const bdflush: u32 = 134;
pub const sysfs: u32 = 135;
pub const personality: u32 = 136;
pub const afs_syscall: u32 = 137;
pub const setfsuid: u32 = 138;
pub const setfsgid: u32 = 139;
pub const _llseek: u32 = 140;
pub const getdents: u32 = 141;
pub const _newselect: u32 = 142;
pub const flock: u32 = 143;
pub const msync: u32 = 144;
pub const readv: u32 = 145;
pub const writev: u32 = 146;
pub const getsid: u32 = 147;
pub const fdatasync: u32 = 148;
pub const _sysctl: u32 = 149;
pub const mlock: u32 = 150;
pub const munlock: u32 = 151;
pub const mlockall: u32 = 152;
pub const munlockall: u32 = 153;
pub const sched_setparam: u32 = 154;
pub const sched_getparam: u32 = 155;
pub const sched_setscheduler: u32 = 156;
pub const sched_getscheduler: u32 = 157;
pub const sched_yield: u32 = 158;
pub const sched_get_priority_max: u32 = 159;
pub const sched_get_priority_min: u32 = 160;
pub const sched_rr_get_interval: u32 = 161;
pub const nanosleep: u32 = 162;
pub const mremap: u32 = 163;
pub const setresuid: u32 = 164;
pub const getresuid: u32 = 165;
pub const vm86: u32 = 166;
pub const query_module: u32 = 167;
pub const poll: u32 = 168;
pub const nfsservctl: u32 = 169;
pub const setresgid: u32 = 170;
pub const getresgid: u32 = 171;
pub const prctl: u32 = 172;
pub const rt_sigreturn: u32 = 173;
pub const rt_sigaction: u32 = 174;
pub const rt_sigprocmask: u32 = 175;
pub const rt_sigpending: u32 = 176;
pub const rt_sigtimedwait: u32 = 177;
pub const rt_sigqueueinfo: u32 = 178;
pub const rt_sigsuspend: u32 = 179;
pub const pread64: u32 = 180;
pub const pwrite64: u32 = 181;
pub const chown: u32 = 182;
pub const getcwd: u32 = 183;
pub const capget: u32 = 184;
pub const capset: u32 = 185;
pub const sigaltstack: u32 = 186;
pub const sendfile: u32 = 187;
pub const getpmsg: u32 = 188;
pub const putpmsg: u32 = 189;
pub const vfork: u32 = 190;
pub const ugetrlimit: u32 = 191;
pub const mmap2: u32 = 192;
pub const truncate64: u32 = 193;
pub const ftruncate64: u32 = 194;
pub const stat64: u32 = 195;
pub const lstat64: u32 = 196;
pub const fstat64: u32 = 197;
pub const lchown32: u32 = 198;
pub const getuid32: u32 = 199;
pub const getgid32: u32 = 200;
pub const geteuid32: u32 = 201;
pub const getegid32: u32 = 202;
pub const setreuid32: u32 = 203;
pub const setregid32: u32 = 204;
pub const getgroups32: u32 = 205;
pub const setgroups32: u32 = 206;
pub const fchown32: u32 = 207;
pub const setresuid32: u32 = 208;
pub const getresuid32: u32 = 209;
pub const setresgid32: u32 = 210;
pub const getresgid32: u32 = 211;
pub const chown32: u32 = 212;
pub const setuid32: u32 = 213;
pub const setgid32: u32 = 214;
pub const setfsuid32: u32 = 215;
pub const setfsgid32: u32 = 216;
pub const pivot_root: u32 = 217;
pub const mincore: u32 = 218;
pub const madvise: u32 = 219;
pub const getdents64: u32 = 220;
pub const fcntl64: u32 = 221;
pub const gettid: u32 = 224;
pub const readahead: u32 = 225;
pub const setxattr: u32 = 226;
pub const lsetxattr: u32 = 227;
pub const fsetxattr: u32 = 228;
pub const getxattr: u32 = 229;
pub const lgetxattr: u32 = 230;
pub const fgetxattr: u32 = 231;
pub const listxattr: u32 = 232;
pub const llistxattr: u32 = 233;
pub const flistxattr: u32 = 234;
pub const removexattr: u32 = 235;
pub const lremovexattr: u32 = 236;
pub const fremovexattr: u32 = 237;
pub const tkill: u32 = 238;
pub const sendfile64: u32 = 239;
pub const futex: u32 = 240;
pub const sched_setaffinity: u32 = 241;
pub const sched_getaffinity: u32 = 242;
pub const set_thread_area: u32 = 243;
pub const get_thread_area: u32 = 244;
pub const io_setup: u32 = 245;
pub const io_destroy: u32 = 246;
pub const io_getevents: u32 = 247;
pub const io_submit: u32 = 248;
pub const io_cancel: u32 = 249;
pub const fadvise64: u32 = 250;
pub const exit_group: u32 = 252;
pub const lookup_dcookie: u32 = 253;
pub const epoll_create: u32 = 254;
pub const epoll_ctl: u32 = 255;
pub const epoll_wait: u32 = 256;
pub const remap_file_pages: u32 = 257;
pub const set_tid_address: u32 = 258;
pub const timer_create: u32 = 259;
pub const timer_settime: u32 = 260;
pub const timer_gettime: u32 = 261;
pub const timer_getoverrun: u32 = 262;
pub const timer_delete: u32 = 263;
pub const clock_settime: u32 = 264;
pub const clock_gettime: u32 = 265;
pub const clock_getres: u32 = 266;
pub const clock_nanosleep: u32 = 267;
pub const statfs64: u32 = 268;
pub const fstatfs64: u32 = 269;
pub const tgkill: u32 = 270;
pub const utimes: u32 = 271;
pub const fadvise64_64: u32 = 272;
pub const vserver: u32 = 273;
pub const mbind: u32 = 274;
pub const get_mempolicy: u32 = 275;
pub const set_mempolicy: u32 = 276;
pub const mq_open: u32 = 277;
pub const mq_unlink: u32 = 278;
pub const mq_timedsend: u32 = 279;
pub const mq_timedreceive: u32 = 280;
pub const mq_notify: u32 = 281;
pub const mq_getsetattr: u32 = 282;
pub const kexec_load: u32 = 283;
pub const waitid: u32 = 284;
pub const add_key: u32 = 286;
pub const request_key: u32 = 287;
pub const keyctl: u32 = 288;
pub const ioprio_set: u32 = 289;
pub const ioprio_get: u32 = 290;
pub const inotify_init: u32 = 291;
pub const inotify_add_watch: u32 = 292;
pub const inotify_rm_watch: u32 = 293;
pub const migrate_pages: u32 = 294;
pub const openat: u32 = 295;
pub const mkdirat: u32 = 296;
pub const mknodat: u32 = 297;
pub const fchownat: u32 = 298;
pub const futimesat: u32 = 299;
pub const fstatat64: u32 = 300;
pub const unlinkat: u32 = 301;
pub const renameat: u32 = 302;
pub const linkat: u32 = 303;
pub const symlinkat: u32 = 304;
pub const readlinkat: u32 = 305;
pub const fchmodat: u32 = 306;
pub const faccessat: u32 = 307;
pub const pselect6: u32 = 308;
pub const ppoll: u32 = 309;
pub const unshare: u32 = 310;
pub const set_robust_list: u32 = 311;
pub const get_robust_list: u32 = 312;
pub const splice: u32 = 313;
pub const sync_file_range: u32 = 314;
pub const tee: u32 = 315;
pub const vmsplice: u32 = 316;
pub const move_pages: u32 = 317;
pub const getcpu: u32 = 318;
pub const epoll_pwait: u32 = 319;
pub const utimensat: u32 = 320;
pub const signalfd: u32 = 321;
pub const timerfd_create: u32 = 322;
pub const eventfd: u32 = 323;
pub const fallocate: u32 = 324;
pub const timerfd_settime: u32 = 325;
pub const timerfd_gettime: u32 = 326;
pub const signalfd4: u32 = 327;
pub const eventfd2: u32 = 328;
pub const epoll_create1: u32 = 329;
pub const dup3: u32 = 330;
pub const pipe2: u32 = 331;
pub const inotify_init1: u32 = 332;
pub const preadv: u32 = 333;
pub const pwritev: u32 = 334;
pub const rt_tgsigqueueinfo: u32 = 335;
pub const perf_event_open: u32 = 336;
pub const recvmmsg: u32 = 337;
pub const fanotify_init: u32 = 338;
pub const fanotify_mark: u32 = 339;
pub const prlimit64: u32 = 340;
pub const name_to_handle_at: u32 = 341;
pub const open_by_handle_at: u32 = 342;
pub const clock_adjtime: u32 = 343;
pub const syncfs: u32 = 344;
pub const sendmmsg: u32 = 345;
pub const setns: u32 = 346;
pub const process_vm_readv: u32 = 347;
pub const process_vm_writev: u32 = 348;
pub const kcmp: u32 = 349;
pub const finit_module: u32 = 350;
pub const sched_setattr: u32 = 351;
pub const sched_getattr: u32 = 352;
pub const renameat2: u32 = 353;
pub const seccomp: u32 = 354;
pub const getrandom: u32 = 355;
pub const memfd_create: u32 = 356;
pub const bpf: u32 = 357;
pub const execveat: u32 = 358;
pub const socket: u32 = 359;
pub const socketpair: u32 = 360;
pub const bind: u32 = 361;
pub const connect: u32 = 362;
pub const listen: u32 = 363;
pub const accept4: u32 = 364;
pub const getsockopt: u32 = 365;
pub const setsockopt: u32 = 366;
pub const getsockname: u32 = 367;
pub const getpeername: u32 = 368;
pub const sendto: u32 = 369;
pub const sendmsg: u32 = 370;
pub const recvfrom: u32 = 371;
pub const recvmsg: u32 = 372;
pub const shutdown: u32 = 373;
pub const userfaultfd: u32 = 374;
pub const membarrier: u32 = 375;
pub const mlock2: u32 = 376;
pub const copy_file_range: u32 = 377;
pub const preadv2: u32 = 378;
pub const pwritev2: u32 = 379;
pub const pkey_mprotect: u32 = 380;
pub const pkey_alloc: u32 = 381;
pub const pkey_free: u32 = 382;
pub const statx: u32 = 383;
pub const arch_prctl: u32 = 384;
pub const io_pgetevents: u32 = 385;
pub const rseq: u32 = 386;
pub const semget: u32 = 393;
pub const semctl: u32 = 394;
pub const shmget: u32 = 395;
pub const shmctl: u32 = 396;
pub const shmat: u32 = 397;
pub const shmdt: u32 = 398;
pub const msgget: u32 = 399;
pub const msgsnd: u32 = 400;
pub const msgrcv: u32 = 401;
pub const msgctl: u32 = 402;
pub const clock_gettime64: u32 = 403;
pub const clock_settime64: u32 = 404;
pub const clock_adjtime64: u32 = 405;
pub const clock_getres_time64: u32 = 406;
pub const clock_nanosleep_time64: u32 = 407;
pub const timer_gettime64: u32 = 408;
pub const timer_settime64: u32 = 409;
pub const timerfd_gettime64: u32 = 410;
pub const timerfd_settime64: u32 = 411;
pub const utimensat_time64: u32 = 412;
pub const pselect6_time64: u32 = 413;
pub const ppoll_time64: u32 = 414;
pub const io_pgetevents_time64: u32 = 416;
pub const recvmmsg_time64: u32 = 417;
pub const mq_timedsend_time64: u32 = 418;
pub const mq_timedreceive_time64: u32 = 419;
pub const semtimedop_time64: u32 = 420;
pub const rt_sigtimedwait_time64: u32 = 421;
pub const futex_time64: u32 = 422;
pub const sched_rr_get_interval_time64: u32 = 423;
pub const pidfd_send_signal: u32 = 424;
pub const io_uring_setup: u32 = 425;
pub const io_uring_enter: u32 = 426;
pub const io_uring_register: u32 = 427;
pub const open_tree: u32 = 428;
pub const move_mount: u32 = 429;
pub const fsopen: u32 = 430;
pub const fsconfig: u32 = 431;
pub const fsmount: u32 = 432;
pub const fspick: u32 = 433;
pub const pidfd_open: u32 = 434;
pub const clone3: u32 = 435;
pub const close_range: u32 = 436;
pub const openat2: u32 = 437;
pub const pidfd_getfd: u32 = 438;
pub const faccessat2: u32 = 439;
pub const process_madvise: u32 = 440;
pub const epoll_pwait2: u32 = 441;
pub const mount_setattr: u32 = 442;
pub const quotactl_fd: u32 = 443;
pub const landlock_create_ruleset: u32 = 444;
pub const landlock_add_rule: u32 = 445;
pub const landlock_restrict_self: u32 = 446;
pub const memfd_secret: u32 = 447;
pub const process_mrelease: u32 = 448;
pub const futex_waitv: u32 = 449;
pub const set_mempolicy_home_node: u32 = 450;

/// Name of each syscall number (empty where the number is unassigned).
#[rustfmt::skip]
pub const NAMES: [&str; 451] = [
    "restart_syscall", "exit", "fork", "read", "write", "open", "close", "waitpid",
    "creat", "link", "unlink", "execve", "chdir", "time", "mknod", "chmod",
    "lchown", "break", "oldstat", "lseek", "getpid", "mount", "umount", "setuid",
    "getuid", "stime", "ptrace", "alarm", "oldfstat", "pause", "utime", "stty",
    "gtty", "access", "nice", "ftime", "sync", "kill", "rename", "mkdir",
    "rmdir", "dup", "pipe", "times", "prof", "brk", "setgid", "getgid",
    "signal", "geteuid", "getegid", "acct", "umount2", "lock", "ioctl", "fcntl",
    "mpx", "setpgid", "ulimit", "oldolduname", "umask", "chroot", "ustat", "dup2",
    "getppid", "getpgrp", "setsid", "sigaction", "sgetmask", "ssetmask", "setreuid", "setregid",
    "sigsuspend", "sigpending", "sethostname", "setrlimit", "getrlimit", "getrusage", "gettimeofday", "settimeofday",
    "getgroups", "setgroups", "select", "symlink", "oldlstat", "readlink", "uselib", "swapon",
    "reboot", "readdir", "mmap", "munmap", "truncate", "ftruncate", "fchmod", "fchown",
    "getpriority", "setpriority", "profil", "statfs", "fstatfs", "ioperm", "socketcall", "syslog",
    "setitimer", "getitimer", "stat", "lstat", "fstat", "olduname", "iopl", "vhangup",
    "idle", "vm86old", "wait4", "swapoff", "sysinfo", "ipc", "fsync", "sigreturn",
    "clone", "setdomainname", "uname", "modify_ldt", "adjtimex", "mprotect", "sigprocmask", "create_module",
    "init_module", "delete_module", "get_kernel_syms", "quotactl", "getpgid", "fchdir", "bdflush", "sysfs",
    "personality", "afs_syscall", "setfsuid", "setfsgid", "_llseek", "getdents", "_newselect", "flock",
    "msync", "readv", "writev", "getsid", "fdatasync", "_sysctl", "mlock", "munlock",
    "mlockall", "munlockall", "sched_setparam", "sched_getparam", "sched_setscheduler", "sched_getscheduler", "sched_yield", "sched_get_priority_max",
    "sched_get_priority_min", "sched_rr_get_interval", "nanosleep", "mremap", "setresuid", "getresuid", "vm86", "query_module",
    "poll", "nfsservctl", "setresgid", "getresgid", "prctl", "rt_sigreturn", "rt_sigaction", "rt_sigprocmask",
    "rt_sigpending", "rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigsuspend", "pread64", "pwrite64", "chown", "getcwd",
    "capget", "capset", "sigaltstack", "sendfile", "getpmsg", "putpmsg", "vfork", "ugetrlimit",
    "mmap2", "truncate64", "ftruncate64", "stat64", "lstat64", "fstat64", "lchown32", "getuid32",
    "getgid32", "geteuid32", "getegid32", "setreuid32", "setregid32", "getgroups32", "setgroups32", "fchown32",
    "setresuid32", "getresuid32", "setresgid32", "getresgid32", "chown32", "setuid32", "setgid32", "setfsuid32",
    "setfsgid32", "pivot_root", "mincore", "madvise", "getdents64", "fcntl64", "", "",
    "gettid", "readahead", "setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr", "fgetxattr",
    "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr", "tkill", "sendfile64",
    "futex", "sched_setaffinity", "sched_getaffinity", "set_thread_area", "get_thread_area", "io_setup", "io_destroy", "io_getevents",
    "io_submit", "io_cancel", "fadvise64", "", "exit_group", "lookup_dcookie", "epoll_create", "epoll_ctl",
    "epoll_wait", "remap_file_pages", "set_tid_address", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
    "clock_settime", "clock_gettime", "clock_getres", "clock_nanosleep", "statfs64", "fstatfs64", "tgkill", "utimes",
    "fadvise64_64", "vserver", "mbind", "get_mempolicy", "set_mempolicy", "mq_open", "mq_unlink", "mq_timedsend",
    "mq_timedreceive", "mq_notify", "mq_getsetattr", "kexec_load", "waitid", "", "add_key", "request_key",
    "keyctl", "ioprio_set", "ioprio_get", "inotify_init", "inotify_add_watch", "inotify_rm_watch", "migrate_pages", "openat",
    "mkdirat", "mknodat", "fchownat", "futimesat", "fstatat64", "unlinkat", "renameat", "linkat",
    "symlinkat", "readlinkat", "fchmodat", "faccessat", "pselect6", "ppoll", "unshare", "set_robust_list",
    "get_robust_list", "splice", "sync_file_range", "tee", "vmsplice", "move_pages", "getcpu", "epoll_pwait",
    "utimensat", "signalfd", "timerfd_create", "eventfd", "fallocate", "timerfd_settime", "timerfd_gettime", "signalfd4",
    "eventfd2", "epoll_create1", "dup3", "pipe2", "inotify_init1", "preadv", "pwritev", "rt_tgsigqueueinfo",
    "perf_event_open", "recvmmsg", "fanotify_init", "fanotify_mark", "prlimit64", "name_to_handle_at", "open_by_handle_at", "clock_adjtime",
    "syncfs", "sendmmsg", "setns", "process_vm_readv", "process_vm_writev", "kcmp", "finit_module", "sched_setattr",
    "sched_getattr", "renameat2", "seccomp", "getrandom", "memfd_create", "bpf", "execveat", "socket",
    "socketpair", "bind", "connect", "listen", "accept4", "getsockopt", "setsockopt", "getsockname",
    "getpeername", "sendto", "sendmsg", "recvfrom", "recvmsg", "shutdown", "userfaultfd", "membarrier",
    "mlock2", "copy_file_range", "preadv2", "pwritev2", "pkey_mprotect", "pkey_alloc", "pkey_free", "statx",
    "arch_prctl", "io_pgetevents", "rseq", "", "", "", "", "",
    "", "semget", "semctl", "shmget", "shmctl", "shmat", "shmdt", "msgget",
    "msgsnd", "msgrcv", "msgctl", "clock_gettime64", "clock_settime64", "clock_adjtime64", "clock_getres_time64", "clock_nanosleep_time64",
    "timer_gettime64", "timer_settime64", "timerfd_gettime64", "timerfd_settime64", "utimensat_time64", "pselect6_time64", "ppoll_time64", "",
    "io_pgetevents_time64", "recvmmsg_time64", "mq_timedsend_time64", "mq_timedreceive_time64", "semtimedop_time64", "rt_sigtimedwait_time64", "futex_time64", "sched_rr_get_interval_time64",
    "pidfd_send_signal", "io_uring_setup", "io_uring_enter", "io_uring_register", "open_tree", "move_mount", "fsopen", "fsconfig",
    "fsmount", "fspick", "pidfd_open", "clone3", "close_range", "openat2", "pidfd_getfd", "faccessat2",
    "process_madvise", "epoll_pwait2", "mount_setattr", "quotactl_fd", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "memfd_secret",
    "process_mrelease", "futex_waitv", "set_mempolicy_home_node",
];
