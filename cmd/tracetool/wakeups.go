package main

// The wake-up report (-wakeups): each cross-CPU wake-up followed through
// the trace, from the waker's sched_wakeup to its ipi_send, to the
// target CPU's ipi_recv, to the switch to the woken task there, and
// what the target CPU was doing when it was woken. It answers, from the
// kernel's own records, whether a slow wake-up waited in the kernel (an
// IPI sent late or not at all, a halt that a timer rather than the IPI
// ended) or outside it: a step of a few hundred instructions that took
// milliseconds means the virtual CPU was not running. docs/benchmarks.md
// reads a futex ping-pong with it.

import (
	"fmt"
	"io"
	"sort"

	"gopreempt/trace/format"
)

// wakeChain is one cross-CPU wake-up and the times of its steps (0: not
// seen).
type wakeChain struct {
	pid              uint32
	from, to         int
	wake, send, recv uint64
	run              uint64
	targetIdle       bool
	haltEnd          uint32 // the vector of the interrupt that ended the target's halt, 0 if none did
	haltEndSeen      bool
}

// followWakeups merges the CPUs' records in time order and builds the
// chain of every wake-up whose target is another CPU, and counts, per
// CPU and vector, the interrupts that ended an idle halt (the first
// interrupt taken while the idle task runs, and each one after it until
// the CPU switches away: the idle loop halts again after an interrupt
// that wakes nothing).
// With pids non-empty, only the wake-ups of those tasks are followed.
func followWakeups(tr *format.Trace, pids map[uint32]bool) ([]*wakeChain, map[[2]uint32]int) {
	var all []format.Record
	for _, c := range tr.CPUs {
		all = append(all, c.Records...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].TSC < all[j].TSC })
	n := 0
	for _, r := range all {
		n = max(n, int(r.CPU)+1)
	}
	cur := make([]int64, n)
	for i := range cur {
		cur[i] = -1
	}
	awaitSend := make([]*wakeChain, n) // by waker CPU
	awaitRecv := make([]*wakeChain, n) // by target CPU
	awaitRun := map[uint32]*wakeChain{}
	haltEnds := map[[2]uint32]int{}
	var chains []*wakeChain
	for _, r := range all {
		c := int(r.CPU)
		switch r.Type {
		case format.SchedSwitch:
			cur[c] = int64(r.C)
			if w := awaitRun[uint32(r.C)]; w != nil && w.to == c {
				w.run = r.TSC
				delete(awaitRun, uint32(r.C))
			}
		case format.SchedWakeup:
			to := int(r.B)
			if to == c || to >= n || len(pids) > 0 && !pids[r.A] {
				continue
			}
			w := &wakeChain{pid: r.A, from: c, to: to, wake: r.TSC, targetIdle: cur[to] == 0}
			chains = append(chains, w)
			awaitSend[c] = w
			awaitRun[r.A] = w
		case format.IPISend:
			if w := awaitSend[c]; w != nil && int(r.B) == w.to {
				w.send = r.TSC
				awaitSend[c] = nil
				awaitRecv[w.to] = w
			}
		case format.IRQEnter:
			if cur[c] == 0 {
				haltEnds[[2]uint32{uint32(c), r.A}]++
				if w := awaitRecv[c]; w != nil && !w.haltEndSeen {
					w.haltEnd, w.haltEndSeen = r.A, true
				}
			}
		case format.IPIRecv:
			if w := awaitRecv[c]; w != nil {
				w.recv = r.TSC
				awaitRecv[c] = nil
			}
		}
	}
	return chains, haltEnds
}

// writeWakeups prints the report: the steps' distributions, the
// wake-ups that sent no IPI, what the targets were doing, and the
// interrupts that ended idle halts (on every CPU, whatever pids says).
func writeWakeups(w io.Writer, tr *format.Trace, pids map[uint32]bool) {
	hz := float64(tr.TSCHz)
	if hz == 0 {
		hz = 1e9
	}
	us := func(a, b uint64) float64 { return float64(b-a) * 1e6 / hz }
	chains, haltEnds := followWakeups(tr, pids)
	var send, deliver, switchIn []float64
	noIPI, idle := 0, 0
	endedBy := map[string]int{}
	for _, c := range chains {
		if c.targetIdle {
			idle++
		}
		switch {
		case !c.haltEndSeen:
			endedBy["not halted"]++
		default:
			endedBy[fmt.Sprintf("%#x", c.haltEnd)]++
		}
		if c.send == 0 {
			noIPI++
			continue
		}
		send = append(send, us(c.wake, c.send))
		if c.recv >= c.send {
			deliver = append(deliver, us(c.send, c.recv))
			if c.run >= c.recv {
				switchIn = append(switchIn, us(c.recv, c.run))
			}
		}
	}
	fmt.Fprintf(w, "%d cross-CPU wake-ups: %d found the target CPU idle, %d sent no IPI\n", len(chains), idle, noIPI)
	perPid := map[uint32]int{}
	for _, c := range chains {
		perPid[c.pid]++
	}
	var most []uint32
	for pid := range perPid {
		most = append(most, pid)
	}
	sort.Slice(most, func(i, j int) bool {
		return perPid[most[i]] > perPid[most[j]] || perPid[most[i]] == perPid[most[j]] && most[i] < most[j]
	})
	fmt.Fprint(w, "most woken:")
	for i, pid := range most {
		if i == 4 {
			break
		}
		fmt.Fprintf(w, " pid %d (%d)", pid, perPid[pid])
	}
	fmt.Fprintln(w)
	keys := make([]string, 0, len(endedBy))
	for k := range endedBy {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprint(w, "what the target took first after the wake-up:")
	for _, k := range keys {
		fmt.Fprintf(w, " %s %d", k, endedBy[k])
	}
	fmt.Fprintln(w)
	step := func(name string, v []float64) {
		if len(v) == 0 {
			fmt.Fprintf(w, "%-22s none\n", name)
			return
		}
		sort.Float64s(v)
		over := 0
		for _, x := range v {
			if x > 1000 {
				over++
			}
		}
		fmt.Fprintf(w, "%-22s %6d  p50 %9.2f  p99 %9.2f  max %9.2f us, %d over 1 ms\n",
			name, len(v), v[len(v)/2], v[len(v)*99/100], v[len(v)-1], over)
	}
	step("wakeup->ipi_send", send)
	step("ipi_send->ipi_recv", deliver)
	step("ipi_recv->switch-in", switchIn)
	var ends [][2]uint32
	for k := range haltEnds {
		ends = append(ends, k)
	}
	sort.Slice(ends, func(i, j int) bool {
		return ends[i][0] < ends[j][0] || ends[i][0] == ends[j][0] && ends[i][1] < ends[j][1]
	})
	fmt.Fprint(w, "interrupts taken by an idle CPU (cpu:vector count):")
	for _, k := range ends {
		fmt.Fprintf(w, " %d:%#x %d", k[0], k[1], haltEnds[k])
	}
	fmt.Fprintln(w)
}

// pidSet is the -pid flag: task ids, repeatable.
type pidSet map[uint32]bool

func (p *pidSet) String() string { return fmt.Sprint(map[uint32]bool(*p)) }

func (p *pidSet) Set(s string) error {
	var pid uint32
	if _, err := fmt.Sscan(s, &pid); err != nil {
		return fmt.Errorf("-pid %q: %v", s, err)
	}
	if *p == nil {
		*p = pidSet{}
	}
	(*p)[pid] = true
	return nil
}
