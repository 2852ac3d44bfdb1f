// Package fpu manages the floating-point and SIMD state of the CPU for
// the kernel: which save instructions exist, the XCR0 setting that keeps
// AVX out of ordinary kernel code, kernel_fpu_begin()/kernel_fpu_end()
// around the code that may use it, the enforcement that catches AVX
// outside such a bracket, and an AVX2 routine that lives by those rules.
//
// Two kinds of state, two policies (docs/fpu.md has the whole argument):
//
//   - x87 and SSE (XMM0-15, MXCSR, the x87 registers and control word)
//     belong to every task, because the Go compiler uses XMM registers in
//     ordinary code. The entry code saves them in every TrapFrame (a
//     system call's entry only XMM0-15 and MXCSR, docs/syscall.md) and
//     SwitchTo saves and restores them on every switch (arch/amd64).
//   - The extended state (the upper halves of YMM0-15) is switched by
//     nobody. Code may use it only between KernelFPUBegin and
//     KernelFPUEnd, which disable preemption (seed text 002, rule 2), and
//     everywhere else XCR0 lacks the YMM component, so any VEX-encoded
//     instruction raises #UD and is reported.
package fpu
