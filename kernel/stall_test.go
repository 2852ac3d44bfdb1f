package kernel_test

// Kernel-mode tests of the stall detector's rules (kernel/stall.go).
// Each provokes, briefly, the state one rule looks for, and asks the rule
// about it at the time it would report (the state's start plus the
// limit) and now: the rule must see it then and not yet now, and stop
// seeing it once the state is over. The system test TestStallDetector
// stalls whole machines.

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

const stallLimit = 2e9

// waitTick waits, spinning, until cpu's tick has run after since.
func waitTick(cpu int, since uint64) bool {
	for deadline := kernel.Nanotime() + 5e9; kernel.Nanotime() < deadline; {
		if kernel.StallLastTick(cpu) > since {
			return true
		}
	}
	return false
}

// A healthy machine, busy or idle, has nothing to report; a time far in
// the future makes every CPU's last tick look old, and the hard lockup,
// first in the scan's order, is what the scan then finds.
func TestStallHealthyMachine(t *testing.T) {
	for i := 0; i < 10; i++ {
		if k := kernel.StallFind(kernel.Nanotime(), kernel.StallLimit); k != 0 {
			t.Fatalf("scan %d of a healthy machine found kind %d", i, k)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if k := kernel.StallFind(kernel.Nanotime()+2*kernel.StallLimit, kernel.StallLimit); k != 1 {
		t.Errorf("a scan 2 limits ahead found kind %d, want 1 (hard lockup)", k)
	}
}

// Hard lockup: the tick records its time, and a CPU with interrupts off
// stops recording.
func TestStallHardLockup(t *testing.T) {
	now := kernel.Nanotime()
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		stop := busyOn(cpu) // an idle CPU stops its tick (NO_HZ_IDLE)
		// The busy kthread's thread may be parked by the Go runtime
		// for a moment, and the CPU idle with its tick stopped, which
		// the rule rightly does not judge: wait for a tick with the
		// tick running, and judge only a try in which it kept running
		// through both questions and took no tick between them (a tick
		// in between moves the last tick, and the second question,
		// asked a limit after the first answer, rightly finds none).
		judged := false
		for try := 0; try < 10 && !judged; try++ {
			if !waitTick(cpu, now) || kernel.TickStopped(cpu) {
				now = kernel.StallLastTick(cpu)
				continue
			}
			last, early := kernel.StallHardLockup(cpu, kernel.Nanotime(), stallLimit)
			last2, late := kernel.StallHardLockup(cpu, last+stallLimit, stallLimit)
			if kernel.TickStopped(cpu) || last2 != last {
				now = kernel.StallLastTick(cpu)
				continue
			}
			judged = true
			if early || last <= now {
				t.Errorf("cpu%d: last tick %d, lockup %v just after a tick at > %d", cpu, last, early, now)
			}
			if !late {
				t.Errorf("cpu%d: no lockup a limit after its last tick", cpu)
			}
		}
		stop()
		if !judged {
			t.Fatalf("cpu%d, kept busy, took no tick with its tick running in 10 tries of 5 s", cpu)
		}
	}
	ktest.InKthread(t, "irqoff", func(k *kernel.Kthread) {
		k.Bind(0)
		fl := amd64.IrqSave()
		before := kernel.StallLastTick(0)
		ktest.Spin(50 * time.Millisecond) // a dozen ticks at HZ=250
		after := kernel.StallLastTick(0)
		amd64.IrqRestore(fl)
		if after != before {
			t.Errorf("cpu0 recorded a tick with interrupts off (%d, then %d)", before, after)
		}
		if !waitTick(0, after) {
			t.Errorf("cpu0 recorded no tick after interrupts came back on")
		}
	})
}

// Soft lockup: the tick records when its task turned preemption off, and
// forgets it once the task has turned it on again.
func TestStallSoftLockup(t *testing.T) {
	ktest.InKthread(t, "preemptoff", func(k *kernel.Kthread) {
		k.Bind(0)
		start := kernel.Nanotime()
		kernel.PreemptDisable()
		ticked := waitTick(0, kernel.Nanotime())
		now := kernel.Nanotime()
		since, early := kernel.StallSoftLockup(0, now, stallLimit)
		_, late := kernel.StallSoftLockup(0, since+stallLimit, stallLimit)
		kernel.PreemptEnable()
		if !ticked {
			t.Fatalf("cpu0 took no tick in 5 s")
		}
		if since < start || since > now || early || !late {
			t.Errorf("preemption off at %d..%d: the tick saw it off since %d, lockup now %v, a limit later %v",
				start, now, since, early, late)
		}
		if !waitTick(0, kernel.Nanotime()) {
			t.Fatalf("cpu0 took no tick in 5 s")
		}
		if again, _ := kernel.StallSoftLockup(0, kernel.Nanotime(), stallLimit); again == since {
			t.Errorf("the tick still sees preemption off since %d after preempt_enable()", since)
		}
	})
}

// Starved: a task woken on a CPU whose task has preemption off is
// runnable, and not run, until preemption is on again; the time it
// became runnable is forgotten once it runs.
func TestStallStarvedTask(t *testing.T) {
	var victim atomic.Pointer[kernel.Task]
	var woken, ran atomic.Bool
	v := kernel.KthreadRun("victim", func(k *kernel.Kthread) {
		k.Bind(0)
		victim.Store(k.Task())
		for !woken.Load() {
			kernel.SetCurrentState(kernel.TASK_INTERRUPTIBLE)
			if !woken.Load() {
				kernel.Schedule()
			}
			kernel.SetCurrentState(kernel.TASK_RUNNING)
		}
		ran.Store(true)
	})
	ktest.InKthread(t, "holder", func(k *kernel.Kthread) {
		k.Bind(0)
		for victim.Load() == nil {
			time.Sleep(time.Millisecond)
		}
		// Asleep: off its CPU and off the run queue. A victim
		// preempted between setting its state and schedule() is still
		// queued, runnable since its preemption, and a wake-up then
		// only sets it running again (Linux's ttwu_runnable).
		vt := victim.Load()
		for vt.State != kernel.TASK_INTERRUPTIBLE || vt.Running() || vt.Queued() {
			time.Sleep(time.Millisecond)
		}
		kernel.PreemptDisable()
		woken.Store(true)
		before := kernel.Nanotime()
		kernel.WakeUpProcess(vt)
		ktest.Spin(10 * time.Millisecond)
		now := kernel.Nanotime()
		queued, hasRun := vt.Queued(), ran.Load()
		since, early := kernel.StallStarved(vt, now, stallLimit)
		_, late := kernel.StallStarved(vt, since+stallLimit, stallLimit)
		kernel.PreemptEnable()
		if !queued || hasRun {
			t.Fatalf("woken behind preempt_disable(): queued %v, ran %v; want queued and not run", queued, hasRun)
		}
		if since < before || since > now || early || !late {
			t.Errorf("woken at %d..%d: runnable since %d, starved now %v, a limit later %v", before, now, since, early, late)
		}
	})
	select {
	case <-v.Done():
	case <-time.After(30 * time.Second):
		t.Fatalf("the victim did not run within 30 s of preempt_enable()")
	}
	if since, bad := kernel.StallStarved(v.Task(), kernel.Nanotime()+2*stallLimit, stallLimit); bad {
		t.Errorf("the victim has run, but is still runnable since %d", since)
	}
}

// Overslept: a task asleep with a timeout is found once its expiry is a
// limit past, and not while the timeout is ahead or once it is awake.
func TestStallOversleptTask(t *testing.T) {
	const sleep = 2000 // ms
	var armedAfter atomic.Bool
	start := kernel.Nanotime()
	s := kernel.KthreadRun("sleeper", func(k *kernel.Kthread) {
		kernel.Msleep(sleep)
		armedAfter.Store(k.Task().TimerArmed())
	})
	st := s.Task()
	for st.State != kernel.TASK_INTERRUPTIBLE || !st.TimerArmed() {
		if kernel.Nanotime()-start > 1e9 {
			t.Fatalf("the sleeper did not go to sleep with its timer armed within 1 s")
		}
		time.Sleep(time.Millisecond)
	}
	now := kernel.Nanotime()
	expires, early := kernel.StallOverslept(st, now, stallLimit)
	_, late := kernel.StallOverslept(st, expires+stallLimit, stallLimit)
	if expires < start+sleep*1e6 || expires > now+sleep*1e6 || early || !late {
		t.Errorf("asleep %d ms from %d..%d: timer expires %d, overslept now %v, a limit past it %v",
			sleep, start, now, expires, early, late)
	}
	select {
	case <-s.Done():
	case <-time.After(30 * time.Second):
		t.Fatalf("the sleeper did not wake within 30 s")
	}
	if armedAfter.Load() {
		t.Errorf("the sleeper's timer is still armed after its sleep")
	}
}
