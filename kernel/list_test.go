package kernel_test

import (
	"testing"

	"gopreempt/kernel"
)

// listNodes are static: a linked node must not move, and one on the
// test's goroutine stack would move when the stack grows (list.go).
var listNodes [5]kernel.ListNode

// The intrusive list (list.go): the order that AddHead, AddTail and
// AddAfter give, both directions of the links, the ends, and unlinking
// from the front, the middle and the back down to the empty list.
func TestListOrder(t *testing.T) {
	nodes := &listNodes
	index := func(a uintptr) int {
		for i := range nodes {
			if nodes[i].Addr() == a {
				return i
			}
		}
		return -1
	}
	check := func(h *kernel.ListHead, want ...int) {
		t.Helper()
		var fwd, back []int
		for a := h.First(); a != 0; a = nodes[index(a)].Next() {
			fwd = append(fwd, index(a))
		}
		for a := h.Last(); a != 0; a = nodes[index(a)].Prev() {
			back = append([]int{index(a)}, back...)
		}
		if len(fwd) != len(want) || len(back) != len(want) {
			t.Fatalf("list forward %v, backward %v, want %v", fwd, back, want)
		}
		for i := range want {
			if fwd[i] != want[i] || back[i] != want[i] {
				t.Fatalf("list forward %v, backward %v, want %v", fwd, back, want)
			}
		}
		if h.Empty() != (len(want) == 0) {
			t.Fatalf("Empty() = %v with %d nodes", h.Empty(), len(want))
		}
	}

	var h kernel.ListHead
	check(&h)
	h.AddTail(&nodes[1])
	check(&h, 1)
	h.AddHead(&nodes[0])
	check(&h, 0, 1)
	h.AddTail(&nodes[3])
	check(&h, 0, 1, 3)
	h.AddAfter(nodes[1].Addr(), &nodes[2])
	check(&h, 0, 1, 2, 3)
	h.AddAfter(h.Last(), &nodes[4])
	check(&h, 0, 1, 2, 3, 4)

	h.Del(&nodes[2]) // middle
	check(&h, 0, 1, 3, 4)
	if nodes[2].Next() != 0 || nodes[2].Prev() != 0 {
		t.Fatalf("an unlinked node keeps its links: next %#x prev %#x", nodes[2].Next(), nodes[2].Prev())
	}
	h.Del(&nodes[0]) // first
	check(&h, 1, 3, 4)
	h.Del(&nodes[4]) // last
	check(&h, 1, 3)
	h.AddAfter(0, &nodes[2]) // AddAfter(0) is AddHead
	check(&h, 2, 1, 3)
	h.Del(&nodes[1])
	h.Del(&nodes[2])
	h.Del(&nodes[3])
	check(&h)
}
