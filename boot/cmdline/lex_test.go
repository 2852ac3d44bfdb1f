package cmdline

import (
	"errors"
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		line string
		text []string // nil: no words
		raw  []string
	}{
		{"", nil, nil},
		{" \t\n\r\v\f", nil, nil},
		{"a", []string{"a"}, []string{"a"}},
		{"  a\t\tb  ", []string{"a", "b"}, []string{"a", "b"}},
		{"a\nb\r\n", []string{"a", "b"}, []string{"a", "b"}},
		{`opt="a b"`, []string{"opt=a b"}, []string{`opt="a b"`}},
		{`"opt=a b" c`, []string{"opt=a b", "c"}, []string{`"opt=a b"`, "c"}},
		{`a" "b`, []string{"a b"}, []string{`a" "b`}},
		{`x="a"b"c"`, []string{"x=abc"}, []string{`x="a"b"c"`}},
		{`""`, []string{""}, []string{`""`}},
		{`"" ""`, []string{"", ""}, []string{`""`, `""`}},
		{"x=\"\ta\nb\"", []string{"x=\ta\nb"}, []string{"x=\"\ta\nb\""}},
		{"-- a", []string{"--", "a"}, []string{"--", "a"}},
	}
	for _, tt := range tests {
		words, err := split(tt.line)
		if err != nil {
			t.Errorf("split(%q): %v", tt.line, err)
			continue
		}
		var text, raw []string
		for _, w := range words {
			text = append(text, w.text)
			raw = append(raw, w.raw)
		}
		if !slices.Equal(text, tt.text) || !slices.Equal(raw, tt.raw) {
			t.Errorf("split(%q) = text %q raw %q, want text %q raw %q", tt.line, text, raw, tt.text, tt.raw)
		}
	}
}

func TestSplitUnterminated(t *testing.T) {
	tests := []struct{ line, word string }{
		{`"`, `"`},
		{`a="b c`, `a="b c`},
		{`ok x="y" z="w`, `z="w`},
		{"-- \"a b\t", "\"a b\t"},
		{`a""" b`, `a""" b`},
	}
	for _, tt := range tests {
		_, err := split(tt.line)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("split(%q): err = %v, want *Error", tt.line, err)
			continue
		}
		if e.Word != tt.word || e.Reason != "unterminated double quote" {
			t.Errorf("split(%q): Word %q Reason %q, want Word %q, unterminated quote", tt.line, e.Word, e.Reason, tt.word)
		}
	}
}
