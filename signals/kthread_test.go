package signals_test

import (
	"syscall"
	"testing"
	"time"

	"gopreempt/kernel"
)

// A kernel thread stands for kernel code and takes no sent signal, as
// Linux's kernel threads ignore every signal: above all the runtime's
// SIGURG, which would park the kthread's thread in the middle of its
// "kernel" code. The kthread blocks the signals first, so that a signal
// queued to it would stay pending where the test can see it instead of
// being delivered and gone.
func TestKthreadIgnoresSignals(t *testing.T) {
	const sigs = 1<<(syscall.SIGUSR1-1) | 1<<(syscall.SIGURG-1)
	ready, sent := make(chan struct{}), make(chan struct{})
	var pending uint64
	k := kernel.KthreadRun("sigtarget", func(k *kernel.Kthread) {
		old, _ := kernel.SigprocMask(0 /* SIG_BLOCK */, sigs, true)
		close(ready)
		<-sent
		pending = kernel.SigPending() & sigs
		kernel.SigprocMask(2 /* SIG_SETMASK */, old, true)
	})
	tid := int(k.Task().Pid)
	<-ready
	for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGURG} {
		if err := syscall.Tgkill(syscall.Getpid(), tid, sig); err != nil {
			t.Fatalf("tgkill(kthread %d, %v): %v", tid, sig, err)
		}
	}
	close(sent)
	select {
	case <-k.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("kthread did not finish")
	}
	if pending != 0 {
		t.Fatalf("signals %#x queued to a kernel thread; a kthread must ignore sent signals", pending)
	}
}
