package text

import "sort"

// byteTrie maps byte strings to int32 values and answers common-prefix
// searches: which keys are prefixes of a text, shortest first. Node i's
// children are the edges first[i]:first[i+1], sorted by label.
type byteTrie struct {
	first  []int32 // per node, index of its first edge; len = nodes+1
	labels []byte  // per edge
	child  []int32 // per edge, the node it leads to
	value  []int32 // per node, the key's value or -1
}

// newByteTrie builds a trie of keys; values[i] belongs to keys[i]. When a
// key repeats, the first value wins.
func newByteTrie(keys []string, values []int32) *byteTrie {
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	t := &byteTrie{}
	// Breadth-first over ranges of sorted keys sharing a prefix of length d.
	type span struct{ lo, hi, depth int }
	queue := []span{{0, len(idx), 0}}
	t.first = append(t.first, 0)
	t.value = append(t.value, -1)
	for q := 0; q < len(queue); q++ {
		s := queue[q]
		node := q
		// the key equal to the prefix, if any, sorts first in the span
		lo := s.lo
		for lo < s.hi && len(keys[idx[lo]]) == s.depth {
			if t.value[node] < 0 {
				t.value[node] = values[idx[lo]]
			}
			lo++
		}
		for lo < s.hi {
			c := keys[idx[lo]][s.depth]
			hi := lo + 1
			for hi < s.hi && keys[idx[hi]][s.depth] == c {
				hi++
			}
			t.labels = append(t.labels, c)
			t.child = append(t.child, int32(len(queue)))
			queue = append(queue, span{lo, hi, s.depth + 1})
			t.value = append(t.value, -1)
			lo = hi
		}
		t.first = append(t.first, int32(len(t.labels)))
	}
	return t
}

// step returns the child of node along byte c, or -1.
func (t *byteTrie) step(node int32, c byte) int32 {
	lo, hi := t.first[node], t.first[node+1]
	for lo < hi {
		m := (lo + hi) / 2
		switch l := t.labels[m]; {
		case l == c:
			return t.child[m]
		case l < c:
			lo = m + 1
		default:
			hi = m
		}
	}
	return -1
}

// prefixes calls fn(length, value) for every key that is a prefix of s,
// shortest first.
func (t *byteTrie) prefixes(s string, fn func(n int, v int32)) {
	node := int32(0)
	for i := 0; i < len(s); i++ {
		node = t.step(node, s[i])
		if node < 0 {
			return
		}
		if v := t.value[node]; v >= 0 {
			fn(i+1, v)
		}
	}
}

// longest returns the byte length of the longest key that is a prefix of s,
// or 0.
func (t *byteTrie) longest(s string) int {
	best := 0
	t.prefixes(s, func(n int, _ int32) { best = n })
	return best
}
