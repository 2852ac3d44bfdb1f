package cmdline

import "strings"

// A word is one word of the command line.
type word struct {
	text string // with the quotes removed: what the parser reads
	raw  string // as written: what an error shows, so the user can find it
}

// isSpace reports whether c separates words. It matches the ASCII
// white space of C's isspace, as Linux's parser uses.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// split breaks line into words. Each double quote toggles a quoted
// stretch in which white space does not split, and is then dropped.
// The quote can be anywhere in the word, which makes Linux's
// opt="a b" work, along with the "opt=a b" form it also accepts.
// split reads the whole line, including any part after "--", so an
// unterminated quote is an error wherever it is.
func split(line string) ([]word, error) {
	var words []word
	for i := skipSpace(line, 0); i < len(line); i = skipSpace(line, i) {
		end, open := wordEnd(line, i)
		if open {
			return nil, &Error{Word: line[i:], Reason: "unterminated double quote"}
		}
		raw := line[i:end]
		words = append(words, word{text: strings.ReplaceAll(raw, `"`, ""), raw: raw})
		i = end
	}
	return words, nil
}

// skipSpace returns the index of the first byte at or after i that is
// not white space, or len(line).
func skipSpace[S ~string | ~[]byte](line S, i int) int {
	for i < len(line) && isSpace(line[i]) {
		i++
	}
	return i
}

// wordEnd returns the end of the word that starts at line[i]: the first
// white space outside double quotes, or the end of the line. open
// reports a quote left open at the end. It serves Parse and the early
// readers (early.go) alike, so that both split a line the same way.
func wordEnd[S ~string | ~[]byte](line S, i int) (end int, open bool) {
	quoted := false
	for ; i < len(line); i++ {
		c := line[i]
		if c == '"' {
			quoted = !quoted
		} else if !quoted && isSpace(c) {
			break
		}
	}
	return i, quoted
}
