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
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return words, nil
		}
		start := i
		quoted := false
		var b strings.Builder
		for ; i < len(line); i++ {
			c := line[i]
			if c == '"' {
				quoted = !quoted
				continue
			}
			if !quoted && isSpace(c) {
				break
			}
			b.WriteByte(c)
		}
		if quoted {
			return nil, &Error{Word: line[start:], Reason: "unterminated double quote"}
		}
		words = append(words, word{text: b.String(), raw: line[start:i]})
	}
}
