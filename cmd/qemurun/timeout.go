package main

import (
	"fmt"
	"strings"
	"time"
)

// testTimeoutSlack is added to a test binary's own -test.timeout: the Go
// testing package panics with a goroutine dump when that expires, and the
// kernel needs time to print it and report before QEMU is killed.
const testTimeoutSlack = 30 * time.Second

// defaultTimeout bounds non-interactive runs with nothing better to go on,
// so a hung kernel cannot stall CI forever.
const defaultTimeout = 15 * time.Minute

// timeoutSources are the inputs to deriveTimeout, in priority order.
type timeoutSources struct {
	flagSet     bool          // -timeout given on the command line
	flag        time.Duration // its value
	progArgs    []string      // arguments for the program in the guest
	env         string        // $GOPREEMPT_TIMEOUT
	interactive bool          // -i
	debugger    bool          // -gdb: the machine waits for a person (gdb.go)
}

// deriveTimeout picks how long the guest may run; 0 means no limit.
//
// Under a debugger only -timeout limits the run. A -test.timeout=D
// program argument (what go test passes through -exec) gives D plus
// slack, and -test.timeout=0 (go test -timeout 0, the user asking for no
// limit) gives none.
func deriveTimeout(s timeoutSources) (time.Duration, error) {
	if s.flagSet {
		if s.flag < 0 {
			return 0, fmt.Errorf("-timeout %v is negative", s.flag)
		}
		return s.flag, nil
	}
	if s.debugger {
		return 0, nil // stopped at a breakpoint is not a hang
	}
	if d, ok, err := testTimeoutArg(s.progArgs); err != nil || ok {
		if err != nil || d == 0 {
			return 0, err
		}
		return d + testTimeoutSlack, nil
	}
	if s.env != "" {
		d, err := time.ParseDuration(s.env)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("GOPREEMPT_TIMEOUT=%q is not a duration like 90s or 20m", s.env)
		}
		return d, nil
	}
	if s.interactive {
		return 0, nil
	}
	return defaultTimeout, nil
}

// testTimeoutArg finds the testing package's -test.timeout flag among the
// program arguments, in any spelling the flag package accepts: one or two
// dashes, with "=value" or the value as the next argument.
func testTimeoutArg(args []string) (d time.Duration, ok bool, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break // everything after is positional, not a flag
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "test.timeout" {
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return 0, false, fmt.Errorf("%s needs a value", a)
			}
			i++
			val = args[i]
		}
		d, err = time.ParseDuration(val)
		if err != nil || d < 0 {
			return 0, false, fmt.Errorf("-test.timeout=%q is not a valid duration", val)
		}
		ok = true // the last occurrence wins, as in the flag package
	}
	return d, ok, nil
}
