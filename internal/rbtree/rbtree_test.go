package rbtree

import (
	"math/rand"
	"testing"
	"unsafe"
)

// item is what the test orders: a key and an insertion number, which
// shows that equal keys keep their insertion order.
type item struct {
	node Node
	key  int
	seq  int
}

func itemOf(n *Node) *item { return (*item)(unsafe.Pointer(n)) }

func less(a, b *Node) bool { return itemOf(a).key < itemOf(b).key }

// check verifies every invariant the package comment names and returns
// the nodes in order.
func check(t *testing.T, r *Root) []*item {
	t.Helper()
	var black func(a, parent uintptr) int
	black = func(a, parent uintptr) int {
		if a == 0 {
			return 1
		}
		n := ptr(a)
		if n.parent != parent {
			t.Fatalf("node %d: parent link wrong", itemOf(n).key)
		}
		if n.red && (isRed(n.left) || isRed(n.right)) {
			t.Fatalf("red node %d has a red child", itemOf(n).key)
		}
		l, rr := black(n.left, a), black(n.right, a)
		if l != rr {
			t.Fatalf("node %d: black heights %d and %d", itemOf(n).key, l, rr)
		}
		if !n.red {
			l++
		}
		return l
	}
	if isRed(r.root) {
		t.Fatal("red root")
	}
	black(r.root, 0)
	var out []*item
	for n := r.First(); n != nil; n = Next(n) {
		it := itemOf(n)
		if len(out) > 0 {
			p := out[len(out)-1]
			if p.key > it.key || p.key == it.key && p.seq > it.seq {
				t.Fatalf("out of order: %d/%d before %d/%d", p.key, p.seq, it.key, it.seq)
			}
		}
		out = append(out, it)
	}
	if r.root == 0 && r.leftmost != 0 {
		t.Fatal("empty tree with a leftmost node")
	}
	if r.First() != r.Min() {
		t.Fatal("the cached leftmost node is not the tree's minimum")
	}
	return out
}

func TestInsertEraseKeepsInvariants(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	items := make([]item, 2000) // stays reachable: the tree holds only addresses
	var r Root
	in := map[*item]bool{}
	seq := 0
	for round := 0; round < 20000; round++ {
		it := &items[rng.Intn(len(items))]
		if in[it] {
			r.Erase(&it.node)
			delete(in, it)
		} else {
			it.key = rng.Intn(300) // many equal keys
			seq++
			it.seq = seq
			r.Insert(&it.node, less)
			in[it] = true
		}
		if round%97 == 0 || len(in) < 20 {
			if got := check(t, &r); len(got) != len(in) {
				t.Fatalf("tree has %d nodes, want %d", len(got), len(in))
			}
		}
	}
	for it := range in {
		r.Erase(&it.node)
	}
	if !r.Empty() || r.First() != nil {
		t.Fatal("tree not empty after erasing everything")
	}
}

func TestFirstIsSmallestAndFIFOAmongEquals(t *testing.T) {
	var r Root
	items := []item{{key: 5, seq: 1}, {key: 3, seq: 2}, {key: 3, seq: 3}, {key: 9, seq: 4}}
	for i := range items {
		r.Insert(&items[i].node, less)
	}
	var order []int
	for r.First() != nil {
		n := r.First()
		order = append(order, itemOf(n).seq)
		r.Erase(n)
		check(t, &r)
	}
	want := []int{2, 3, 1, 4}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("taken in order %v, want %v", order, want)
		}
	}
}
