// Package signals holds the kernel-mode tests of signal delivery: the
// exception-to-signal path, the rt_sigframe and rt_sigreturn, the rules
// of the entry layer (kernel/entry.go, kernel/signal*.go,
// docs/signals.md), and the assembly those tests need to set and check
// register state that Go code cannot reach.
package signals
