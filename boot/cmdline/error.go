package cmdline

import "strconv"

// An Error reports a word of the command line that Parse rejected.
type Error struct {
	Word   string // the offending word as written, quotes included
	Reason string // what is wrong with it
}

// Error returns a single line. The word is printed quoted because it
// may itself hold white space or quotes.
func (e *Error) Error() string {
	return "cmdline: " + strconv.Quote(e.Word) + ": " + e.Reason
}
