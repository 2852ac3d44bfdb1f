package linux

// System call numbers (arch/x86/entry/syscalls/syscall_64.tbl) and the
// table that maps them to handlers. Filled at boot by Install's caller,
// in init-free code: the table is assigned entry by entry in setupTable.
const (
	SYS_read              = 0
	SYS_write             = 1
	SYS_close             = 3
	SYS_fstat             = 5
	SYS_lseek             = 8
	SYS_mmap              = 9
	SYS_mprotect          = 10
	SYS_munmap            = 11
	SYS_brk               = 12
	SYS_rt_sigaction      = 13
	SYS_rt_sigprocmask    = 14
	SYS_rt_sigreturn      = 15
	SYS_ioctl             = 16
	SYS_pread64           = 17
	SYS_pwrite64          = 18
	SYS_readv             = 19
	SYS_writev            = 20
	SYS_sched_yield       = 24
	SYS_mincore           = 27
	SYS_madvise           = 28
	SYS_dup               = 32
	SYS_dup2              = 33
	SYS_nanosleep         = 35
	SYS_setitimer         = 38
	SYS_getpid            = 39
	SYS_clone             = 56
	SYS_exit              = 60
	SYS_kill              = 62
	SYS_uname             = 63
	SYS_fcntl             = 72
	SYS_fsync             = 74
	SYS_fdatasync         = 75
	SYS_truncate          = 76
	SYS_ftruncate         = 77
	SYS_getcwd            = 79
	SYS_chdir             = 80
	SYS_fchdir            = 81
	SYS_fchmod            = 91
	SYS_umask             = 95
	SYS_getuid            = 102
	SYS_getgid            = 104
	SYS_geteuid           = 107
	SYS_getegid           = 108
	SYS_getppid           = 110
	SYS_rt_sigpending     = 127
	SYS_sigaltstack       = 131
	SYS_prctl             = 157
	SYS_arch_prctl        = 158
	SYS_gettid            = 186
	SYS_tkill             = 200
	SYS_futex             = 202
	SYS_sched_getaffinity = 204
	SYS_getdents64        = 217
	SYS_set_tid_address   = 218
	SYS_timer_create      = 222
	SYS_timer_settime     = 223
	SYS_timer_delete      = 226
	SYS_clock_gettime     = 228
	SYS_clock_getres      = 229
	SYS_clock_nanosleep   = 230
	SYS_exit_group        = 231
	SYS_epoll_ctl         = 233
	SYS_tgkill            = 234
	SYS_openat            = 257
	SYS_mkdirat           = 258
	SYS_newfstatat        = 262
	SYS_unlinkat          = 263
	SYS_renameat          = 264
	SYS_linkat            = 265
	SYS_readlinkat        = 267
	SYS_fchmodat          = 268
	SYS_faccessat         = 269
	SYS_epoll_pwait       = 281
	SYS_eventfd2          = 290
	SYS_epoll_create1     = 291
	SYS_dup3              = 292
	SYS_pipe2             = 293
	SYS_prlimit64         = 302
	SYS_renameat2         = 316
	SYS_getrandom         = 318
	SYS_statx             = 332
	SYS_rseq              = 334
	SYS_faccessat2        = 439
	SYS_fchmodat2         = 452

	// Private calls of this kernel, above Linux's range.
	SYS_gopreempt_schedule = 500 // schedule() from task context (kthreads)
	SYS_gopreempt_msleep   = 501
)

var table [512]handler

// SetupTable fills the dispatch table.
func SetupTable() {
	table[SYS_read] = sysRead
	table[SYS_write] = sysWrite
	table[SYS_close] = sysClose
	table[SYS_fstat] = sysFstat
	table[SYS_mmap] = sysMmap
	table[SYS_mprotect] = sysMprotect
	table[SYS_munmap] = sysMunmap
	table[SYS_brk] = sysBrk
	table[SYS_rt_sigaction] = sysRtSigaction
	table[SYS_rt_sigprocmask] = sysRtSigprocmask
	table[SYS_rt_sigreturn] = sysRtSigreturn
	table[SYS_rt_sigpending] = sysRtSigpending
	table[SYS_ioctl] = sysIoctl
	table[SYS_pread64] = sysPread64
	table[SYS_sched_yield] = sysSchedYield
	table[SYS_madvise] = sysMadvise
	table[SYS_nanosleep] = sysNanosleep
	table[SYS_setitimer] = sysSetitimer
	table[SYS_getpid] = sysGetpid
	table[SYS_clone] = sysClone
	table[SYS_exit] = sysExit
	table[SYS_kill] = sysKill
	table[SYS_uname] = sysUname
	table[SYS_fcntl] = sysFcntl
	table[SYS_getcwd] = sysGetcwd
	table[SYS_getuid] = sysZero
	table[SYS_getgid] = sysZero
	table[SYS_geteuid] = sysZero
	table[SYS_getegid] = sysZero
	table[SYS_getppid] = sysZero
	table[SYS_sigaltstack] = sysSigaltstack
	table[SYS_prctl] = sysPrctl
	table[SYS_arch_prctl] = sysArchPrctl
	table[SYS_gettid] = sysGettid
	table[SYS_tkill] = sysTkill
	table[SYS_futex] = sysFutex
	table[SYS_sched_getaffinity] = sysSchedGetaffinity
	table[SYS_set_tid_address] = sysSetTidAddress
	table[SYS_clock_gettime] = sysClockGettime
	table[SYS_clock_getres] = sysClockGetres
	table[SYS_clock_nanosleep] = sysClockNanosleep
	table[SYS_exit_group] = sysExitGroup
	table[SYS_epoll_ctl] = sysEpollCtl
	table[SYS_tgkill] = sysTgkill
	table[SYS_openat] = sysOpenat
	table[SYS_newfstatat] = sysNewfstatat
	table[SYS_readlinkat] = sysReadlinkat
	table[SYS_epoll_pwait] = sysEpollPwait
	table[SYS_eventfd2] = sysEventfd2
	table[SYS_epoll_create1] = sysEpollCreate1
	table[SYS_pipe2] = sysPipe2
	table[SYS_prlimit64] = sysPrlimit64
	table[SYS_getrandom] = sysGetrandom
	table[SYS_getcpu] = sysGetcpu
	table[SYS_gopreempt_schedule] = sysSchedule
	table[SYS_gopreempt_msleep] = sysMsleep
	setupFsTable()
}
