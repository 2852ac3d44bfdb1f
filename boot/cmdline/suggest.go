package cmdline

import "strings"

// maxSuggest is the largest edit distance at which an unknown name
// still earns a "did you mean".
const maxSuggest = 2

// suggest returns the known option closest to the unknown name, or ""
// when none is close enough. It ignores case, because PREEMPT=full is
// a plausible mistake. A name that looks like a misspelt test flag
// (tset.run) gets the corrected flag (test.run).
//
// A candidate must also be closer than its own length. Otherwise any
// two-letter word would be "close" to hz after two substitutions that
// leave nothing in common.
func suggest(name string) string {
	best, bestDist := "", maxSuggest+1
	consider := func(cand, target string, d int) {
		if d < bestDist && d < len(target) {
			best, bestDist = cand, d
		}
	}
	lower := strings.ToLower(name)
	for _, opt := range options {
		consider(opt.name, opt.name, distance(lower, opt.name))
	}
	if head, tail, ok := strings.Cut(name, "."); ok {
		consider("test."+tail, "test", distance(strings.ToLower(head), "test"))
	} else {
		consider("test.NAME", "test", distance(lower, "test"))
	}
	return best
}

// distance returns the edit distance between a and b. An edit is an
// insertion, a deletion, a substitution or a swap of two adjacent
// bytes (the "optimal string alignment" distance). Swaps count because
// they are the commonest typo: premept is one edit from preempt, not
// two. Names are ASCII, so comparing bytes is enough.
//
// Distances above maxSuggest are never used, so when the lengths alone
// show the distance is too large, distance stops there and returns
// that lower bound.
func distance(a, b string) int {
	if d := len(a) - len(b); d > maxSuggest || -d > maxSuggest {
		return max(d, -d)
	}
	// Row i of the usual dynamic-programming table is d[i][0..len(b)].
	// Only the current row and the two before it are needed.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
