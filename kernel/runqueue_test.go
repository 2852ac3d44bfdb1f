package kernel_test

// The fair run queue's invariants, on a queue of its own whose tasks
// never run (kernel.FairSim): the test decides what runs, for how long,
// and how it leaves the CPU, and the real enqueue, placement, charging
// and pick do the rest. What is counted are picks, the kernel's own
// scheduling events; the run times are what the test says they are.
//
// The invariants (docs/sched.md):
//
//   - min_vruntime never goes back;
//   - the tree is in vruntime order and its cached leftmost node is the
//     minimum (kernel.CheckFairRQ's checks);
//   - no task, queued or running, is more than its sleeper credit
//     (sched_latency/2) behind min_vruntime: placement puts a woken task
//     no further back, and min_vruntime cannot pass a task that is
//     queued or running;
//   - so a woken task waits for the running one no longer than that
//     credit: it is picked within a bounded number of picks however far
//     ahead some other queued task is.

import (
	"testing"
	"time"

	"gopreempt/kernel"
)

const ms = uint64(time.Millisecond)

// farAhead runs task ahead (nice 19) for 100 ms while task behind waits
// queued, then preempts it: ahead comes back 6.8 s of virtual time ahead
// of behind, which the pick then runs. Every task given must have been
// started. It returns the picked task.
func farAhead(t *testing.T, s *kernel.FairSim, ahead, behind int) int {
	t.Helper()
	for n := 0; s.Curr() != ahead; n++ {
		if n == 100 {
			t.Fatalf("task %d not picked in 100 picks", ahead)
		}
		s.Run(10 * ms)
		s.Switch(false)
	}
	s.Run(100 * ms)
	next := s.Switch(false)
	if next != behind {
		t.Fatalf("picked %d after the far-ahead task, want %d (vruntimes %d, %d)",
			next, behind, s.Vruntime(ahead), s.Vruntime(behind))
	}
	return next
}

// The task picked is the leftmost; min_vruntime must not move past it
// to the next queued task, here one 6.8 s ahead. (It did: the pick
// recomputed min_vruntime while rq.curr was still the task switched
// away from, which was queued again, and the picked task, out of the
// tree, was left out.)
func TestFairPickKeepsMinVruntimeAtPickedTask(t *testing.T) {
	s := kernel.NewFairSim(0, 19)
	defer s.Free()
	s.Start(0)
	s.Start(1)
	s.Switch(false)
	farAhead(t, s, 1, 0)
	if lag := s.Lag(0); lag < 0 {
		t.Errorf("the picked task runs %v of virtual time behind min_vruntime (the far-ahead task is %v ahead of it)",
			time.Duration(-lag), time.Duration(s.Vruntime(1)-s.Vruntime(0)))
	}
	if bad := s.Check(kernel.SchedLatency()/2, 0); bad != "" {
		t.Error(bad)
	}
}

// A task woken while the picked task runs is placed from min_vruntime,
// so it is picked within its sleeper credit of the running task's run
// time: with a 1 ms turn, sched_latency/2 turns and a few. Before the
// fix it waited the far-ahead task's 6.8 s, about 6800 turns.
func TestFairWokenTaskNotStarvedBehindFarAheadTask(t *testing.T) {
	s := kernel.NewFairSim(0, 19, 0)
	defer s.Free()
	const busy, ahead, sleeper = 0, 1, 2
	for i := range 3 {
		s.Start(i)
	}
	s.Switch(false)
	// The sleeper runs once and sleeps.
	for n := 0; s.Curr() != sleeper; n++ {
		if n == 100 {
			t.Fatal("the sleeper was not picked in 100 picks")
		}
		s.Run(10 * ms)
		s.Switch(false)
	}
	s.Run(ms)
	s.Switch(true)
	farAhead(t, s, ahead, busy)

	s.Run(ms)
	s.Wake(sleeper)
	bound := int(kernel.SchedLatency()/2/ms) + 3
	for turns := 1; ; turns++ {
		s.Run(ms)
		if s.Switch(false) == sleeper {
			t.Logf("the woken task ran after %d turns of 1 ms (bound %d)", turns, bound)
			break
		}
		if turns == bound {
			t.Fatalf("the woken task not picked in %d turns of 1 ms: it is %v ahead of the running task, min_vruntime %v ahead",
				bound, time.Duration(s.Vruntime(sleeper)-s.Vruntime(busy)), time.Duration(s.MinVruntime()-s.Vruntime(busy)))
		}
	}
}

// A long run of the scheduler's events on one queue, with mixed nice
// values (-20 to 19): runs of 0 to 3 ms, preemptions and yields, sleeps
// and wake-ups, new tasks. After every event the invariants at the top
// hold. The sequence is fixed (a linear congruential generator with a
// constant seed), so a failure repeats.
func TestFairRQInvariants(t *testing.T) {
	nices := []int32{0, 0, 19, -20, 5, -5, 10, 0}
	s := kernel.NewFairSim(nices...)
	defer s.Free()
	started := 0
	s.Start(started)
	started++
	asleep := make([]bool, len(nices))
	seed := uint64(1)
	rnd := func(n uint64) uint64 {
		seed = seed*6364136223846793005 + 1442695040888963407
		return (seed >> 33) % n
	}
	credit := kernel.SchedLatency() / 2
	lastMin := s.MinVruntime()
	picks := make([]int, len(nices))
	for step := 0; step < 4000; step++ {
		switch r := rnd(100); {
		case r < 5 && started < len(nices):
			s.Start(started)
			started++
		case r < 30:
			for i := range started {
				if asleep[i] && rnd(4) == 0 {
					s.Wake(i)
					asleep[i] = false
				}
			}
		}
		s.Run(rnd(3*ms + 1))
		cur := s.Curr()
		sleep := cur >= 0 && rnd(5) == 0
		if sleep {
			asleep[cur] = true
		}
		if next := s.Switch(sleep); next >= 0 {
			picks[next]++
		}
		if m := s.MinVruntime(); int64(m-lastMin) < 0 {
			t.Fatalf("step %d: min_vruntime went back from %d to %d", step, lastMin, m)
		} else {
			lastMin = m
		}
		if bad := s.Check(credit, 0); bad != "" {
			t.Fatalf("step %d (task %d ran, then %s): %s", step, cur, map[bool]string{true: "slept", false: "was preempted"}[sleep], bad)
		}
	}
	t.Logf("picks per task: %v (nice %v)", picks, nices)
}
