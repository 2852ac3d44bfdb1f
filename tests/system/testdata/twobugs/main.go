// Command twobugs makes a BUG report on two CPUs at the same moment:
// a kthread bound to each CPU waits until both are ready, then reports.
// Under panic=exit each report ends the machine, so the first to take
// the report lock prints its whole report and ends the run, and the
// other never starts its own (kernel/oops_lock.go).
package main

import (
	"fmt"
	"runtime"
	"sync/atomic"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

func main() {
	n := kernel.OnlineCPUs()
	if n < 2 {
		fmt.Println("twobugs: needs two CPUs")
		return
	}
	var ready atomic.Int32
	fmt.Println("twobugs: reporting on cpu0 and cpu1 at once")
	for cpu := 0; cpu < 2; cpu++ {
		kernel.KthreadRun("twobugs", func(k *kernel.Kthread) {
			k.Bind(cpu)
			ready.Add(1)
			for ready.Load() < 2 {
				runtime.Gosched()
			}
			kernel.ReportBug(kernel.BugWrongOwnerUnlock, fmt.Sprintf("twobugs report from cpu%d", cpu))
		})
	}
	select {} // the first report ends the machine
}
