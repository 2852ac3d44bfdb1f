package main

import (
	"strings"
	"testing"
)

func TestKernelCmdline(t *testing.T) {
	cases := []struct {
		opts string
		args []string
		want string
	}{
		{"", nil, ""},
		{"preempt=full loglevel=6", nil, "preempt=full loglevel=6"},
		{"  panic=exit  ", nil, "panic=exit"},
		{"panic=exit", []string{"-test.paniconexit0", "-test.timeout=10m0s", "-test.v=true"},
			"panic=exit -- -test.paniconexit0 -test.timeout=10m0s -test.v=true"},
		{"", []string{"a", "b"}, "-- a b"},
		// "--" among the program's own arguments is passed through: the
		// kernel only splits at the first one.
		{"x=1", []string{"-v", "--", "file"}, "x=1 -- -v -- file"},
	}
	for _, c := range cases {
		got, err := kernelCmdline(c.opts, c.args)
		if err != nil || got != c.want {
			t.Errorf("kernelCmdline(%q, %q) = %q, %v; want %q", c.opts, c.args, got, err, c.want)
		}
	}
}

func TestKernelCmdlineRejects(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"ok", ""}, "argument 2 is empty"},
		{[]string{"two words"}, "whitespace"},
		{[]string{"tab\there"}, "whitespace"},
		{[]string{"new\nline"}, "whitespace"},
		{[]string{"nbsp\u00a0x"}, "whitespace"},
	}
	for _, c := range cases {
		got, err := kernelCmdline("opt=1", c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("kernelCmdline(%q) = %q, %v; want error containing %q", c.args, got, err, c.want)
		}
	}
}
