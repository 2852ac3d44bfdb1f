// Package rbtree is an intrusive red-black tree for memory outside the Go
// heap: the scheduler's run queues (kernel/sched_fair.go) keep their
// tasks in one, ordered by virtual runtime.
//
// Why a red-black tree: the fair scheduler asks three things of its
// queue, all with interrupts off and a spinlock held: insert a task in
// key order, remove any task (it is picked, it migrates, its CPU is
// taken away), and find the one with the smallest key. A red-black tree
// does the first two in O(log n) and, caching the leftmost node as
// Linux's rb_root_cached does, the third in O(1). Linux's CFS uses the
// same structure (lib/rbtree.c, include/linux/rbtree.h); the algorithms
// here are the textbook ones (Cormen, Leiserson, Rivest and Stein,
// "Introduction to Algorithms", chapter 13), with nil as the zero address
// instead of a sentinel, so a removal tracks the parent of the node that
// replaced the removed one.
//
// Intrusive: a Node is embedded in the structure it orders (a task), the
// links are addresses (uintptr), not Go pointers. Storing a Go pointer can
// run a write barrier, which code with interrupts off must not do, and the
// garbage collector need not know about memory it does not own. The tree
// never allocates; the caller finds its structure from the Node by
// subtracting the Node's offset (Linux's container_of).
//
// Invariants, checked by the host test after every change: keys are in
// order from left to right (equal keys in insertion order: a new node
// goes right of its equals, so among equals the tree is FIFO); no red
// node has a red child; every path from a node down to nil has the same
// number of black nodes; parent links agree with child links; Root's
// leftmost is the first node in order.
//
// Concurrency: none here. The caller serialises all access (the run
// queue's lock).
package rbtree

import (
	"unsafe"

	"gopreempt/internal/addr"
)

// Node is the part of a structure that links it into a tree.
type Node struct {
	parent, left, right uintptr
	red                 bool
}

// Root is a tree with its leftmost node cached (rb_root_cached).
type Root struct {
	root, leftmost uintptr
}

func ptr(a uintptr) *Node { return (*Node)(addr.Ptr(a)) }

func (n *Node) addr() uintptr { return uintptr(unsafe.Pointer(n)) }

func isRed(a uintptr) bool { return a != 0 && ptr(a).red }

// First returns the leftmost node, or nil if the tree is empty.
func (r *Root) First() *Node {
	if r.leftmost == 0 {
		return nil
	}
	return ptr(r.leftmost)
}

// Min walks down from the root to the leftmost node, or nil: what First
// returns from its cache (a check of the cache).
func (r *Root) Min() *Node {
	if r.root == 0 {
		return nil
	}
	a := r.root
	for ptr(a).left != 0 {
		a = ptr(a).left
	}
	return ptr(a)
}

// Empty reports whether the tree has no node (for tests: the kernel's
// users ask First, which they need anyway).
func (r *Root) Empty() bool { return r.root == 0 }

// Next returns the node after n in order, or nil.
func Next(n *Node) *Node {
	if n.right != 0 {
		a := n.right
		for ptr(a).left != 0 {
			a = ptr(a).left
		}
		return ptr(a)
	}
	a := n.addr()
	for p := ptr(a).parent; p != 0; p = ptr(p).parent {
		if ptr(p).left == a {
			return ptr(p)
		}
		a = p
	}
	return nil
}

// Insert links n into the tree. less orders two nodes; n goes after the
// nodes it is not less than.
func (r *Root) Insert(n *Node, less func(a, b *Node) bool) {
	var parent uintptr
	leftmost := true
	for cur := r.root; cur != 0; {
		parent = cur
		if less(n, ptr(cur)) {
			cur = ptr(cur).left
		} else {
			cur = ptr(cur).right
			leftmost = false
		}
	}
	n.parent, n.left, n.right, n.red = parent, 0, 0, true
	switch {
	case parent == 0:
		r.root = n.addr()
	case less(n, ptr(parent)):
		ptr(parent).left = n.addr()
	default:
		ptr(parent).right = n.addr()
	}
	if leftmost {
		r.leftmost = n.addr()
	}
	r.insertFixup(n.addr())
}

// insertFixup restores the colour rules after z was linked in red.
func (r *Root) insertFixup(z uintptr) {
	for isRed(ptr(z).parent) {
		p := ptr(z).parent
		g := ptr(p).parent // p is red, so it is not the root
		if p == ptr(g).left {
			if u := ptr(g).right; isRed(u) {
				ptr(p).red, ptr(u).red, ptr(g).red = false, false, true
				z = g
				continue
			}
			if z == ptr(p).right {
				z = p
				r.rotateLeft(z)
				p = ptr(z).parent
			}
			ptr(p).red, ptr(g).red = false, true
			r.rotateRight(g)
		} else {
			if u := ptr(g).left; isRed(u) {
				ptr(p).red, ptr(u).red, ptr(g).red = false, false, true
				z = g
				continue
			}
			if z == ptr(p).left {
				z = p
				r.rotateRight(z)
				p = ptr(z).parent
			}
			ptr(p).red, ptr(g).red = false, true
			r.rotateLeft(g)
		}
	}
	ptr(r.root).red = false
}

// Erase unlinks n, which must be in the tree.
func (r *Root) Erase(n *Node) {
	z := n.addr()
	if r.leftmost == z {
		if nx := Next(n); nx != nil {
			r.leftmost = nx.addr()
		} else {
			r.leftmost = 0
		}
	}
	var x, xParent uintptr
	removedRed := n.red
	switch {
	case n.left == 0:
		x, xParent = n.right, n.parent
		r.transplant(z, n.right)
	case n.right == 0:
		x, xParent = n.left, n.parent
		r.transplant(z, n.left)
	default:
		y := n.right // the successor takes n's place
		for ptr(y).left != 0 {
			y = ptr(y).left
		}
		removedRed = ptr(y).red
		x = ptr(y).right
		if ptr(y).parent == z {
			xParent = y
		} else {
			xParent = ptr(y).parent
			r.transplant(y, ptr(y).right)
			ptr(y).right = n.right
			ptr(n.right).parent = y
		}
		r.transplant(z, y)
		ptr(y).left = n.left
		ptr(n.left).parent = y
		ptr(y).red = n.red
	}
	if !removedRed {
		r.eraseFixup(x, xParent)
	}
	n.parent, n.left, n.right, n.red = 0, 0, 0, false
}

// eraseFixup restores the colour rules after a black node was removed
// from above x (x may be nil; xParent is its parent).
func (r *Root) eraseFixup(x, xParent uintptr) {
	for x != r.root && !isRed(x) {
		p := xParent
		if x == ptr(p).left {
			w := ptr(p).right // x's path lacks a black: w exists
			if isRed(w) {
				ptr(w).red, ptr(p).red = false, true
				r.rotateLeft(p)
				w = ptr(p).right
			}
			if !isRed(ptr(w).left) && !isRed(ptr(w).right) {
				ptr(w).red = true
				x, xParent = p, ptr(p).parent
				continue
			}
			if !isRed(ptr(w).right) {
				ptr(ptr(w).left).red, ptr(w).red = false, true
				r.rotateRight(w)
				w = ptr(p).right
			}
			ptr(w).red, ptr(p).red = ptr(p).red, false
			ptr(ptr(w).right).red = false
			r.rotateLeft(p)
		} else {
			w := ptr(p).left
			if isRed(w) {
				ptr(w).red, ptr(p).red = false, true
				r.rotateRight(p)
				w = ptr(p).left
			}
			if !isRed(ptr(w).left) && !isRed(ptr(w).right) {
				ptr(w).red = true
				x, xParent = p, ptr(p).parent
				continue
			}
			if !isRed(ptr(w).left) {
				ptr(ptr(w).right).red, ptr(w).red = false, true
				r.rotateLeft(w)
				w = ptr(p).left
			}
			ptr(w).red, ptr(p).red = ptr(p).red, false
			ptr(ptr(w).left).red = false
			r.rotateRight(p)
		}
		x = r.root
	}
	if x != 0 {
		ptr(x).red = false
	}
}

// transplant puts v (maybe nil) where u was under u's parent.
func (r *Root) transplant(u, v uintptr) {
	p := ptr(u).parent
	switch {
	case p == 0:
		r.root = v
	case ptr(p).left == u:
		ptr(p).left = v
	default:
		ptr(p).right = v
	}
	if v != 0 {
		ptr(v).parent = p
	}
}

func (r *Root) rotateLeft(x uintptr) {
	y := ptr(x).right
	ptr(x).right = ptr(y).left
	if l := ptr(y).left; l != 0 {
		ptr(l).parent = x
	}
	r.transplant(x, y)
	ptr(y).left = x
	ptr(x).parent = y
}

func (r *Root) rotateRight(x uintptr) {
	y := ptr(x).left
	ptr(x).left = ptr(y).right
	if rr := ptr(y).right; rr != 0 {
		ptr(rr).parent = x
	}
	r.transplant(x, y)
	ptr(y).right = x
	ptr(x).parent = y
}
