package kernel

import (
	"unsafe"

	"gopreempt/internal/addr"
)

// Intrusive doubly linked lists (Linux's struct list_head,
// include/linux/list.h).
//
// An element carries its links, a ListNode, inside itself; the list is a
// ListHead that names the first and the last node. Nothing is allocated
// to link or unlink, which is why wait queues, futex buckets and timer
// queues, which are changed in interrupt context, are built on it. The
// element finds itself from its node as Linux's container_of does: the
// node's address minus the node's offset in the element (each user has
// a one-line xxxOfNode for it).
//
// The links are addresses (uintptr), not Go pointers: the lists join
// memory outside the Go heap (task structs, kernel stacks, static
// tables), which the garbage collector neither scans nor moves, and a
// store of a uintptr needs no write barrier, which interrupt context may
// not run. An element must stay where it is while it is linked; one on
// a goroutine's stack would move when the stack grows.
//
// Where Linux's list is a circle through the head, this one ends in 0 at
// both ends, so that the zero ListHead is an empty list: wait queues and
// timer bases need no INIT_LIST_HEAD. The caller holds whatever lock
// guards the list; the functions are nosplit for the timer interrupt.

// ListNode is the links of an element (the list_head inside a struct).
type ListNode struct {
	next, prev uintptr // *ListNode, 0 at the ends
}

// ListHead is a list: its first and last nodes, 0 when it is empty.
type ListHead struct {
	first, last uintptr // *ListNode
}

func nodeAt(a uintptr) *ListNode { return (*ListNode)(addr.Ptr(a)) }

// Addr is n's address, the value the links hold.
//
//go:nosplit
func (n *ListNode) Addr() uintptr { return uintptr(unsafe.Pointer(n)) }

// Next and Prev return the neighbours' addresses, 0 at the ends.
//
//go:nosplit
func (n *ListNode) Next() uintptr { return n.next }

//go:nosplit
func (n *ListNode) Prev() uintptr { return n.prev }

// First and Last return the end nodes' addresses, 0 for an empty list.
//
//go:nosplit
func (h *ListHead) First() uintptr { return h.first }

//go:nosplit
func (h *ListHead) Last() uintptr { return h.last }

// Empty reports whether h has no nodes (list_empty).
//
//go:nosplit
func (h *ListHead) Empty() bool { return h.first == 0 }

// AddHead links n in first (list_add).
//
//go:nosplit
func (h *ListHead) AddHead(n *ListNode) { h.AddAfter(0, n) }

// AddTail links n in last (list_add_tail).
//
//go:nosplit
func (h *ListHead) AddTail(n *ListNode) { h.AddAfter(h.last, n) }

// AddAfter links n in after the node at prev, or first if prev is 0
// (Linux's __list_add between prev and prev->next).
//
//go:nosplit
func (h *ListHead) AddAfter(prev uintptr, n *ListNode) {
	a := n.Addr()
	n.prev = prev
	if prev == 0 {
		n.next = h.first
		h.first = a
	} else {
		p := nodeAt(prev)
		n.next = p.next
		p.next = a
	}
	if n.next != 0 {
		nodeAt(n.next).prev = a
	} else {
		h.last = a
	}
}

// Del unlinks n and clears its links (list_del_init).
//
//go:nosplit
func (h *ListHead) Del(n *ListNode) {
	if n.prev != 0 {
		nodeAt(n.prev).next = n.next
	} else {
		h.first = n.next
	}
	if n.next != 0 {
		nodeAt(n.next).prev = n.prev
	} else {
		h.last = n.prev
	}
	n.next, n.prev = 0, 0
}
