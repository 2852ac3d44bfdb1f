package main

import (
	"testing"
	"time"
)

func TestDeriveTimeout(t *testing.T) {
	goTest := []string{"-test.paniconexit0", "-test.timeout=10m0s", "-test.v=true"}
	cases := []struct {
		name string
		src  timeoutSources
		want time.Duration
	}{
		{"flag wins", timeoutSources{flagSet: true, flag: 30 * time.Second, progArgs: goTest, env: "1h"}, 30 * time.Second},
		{"flag zero means none", timeoutSources{flagSet: true, flag: 0, progArgs: goTest}, 0},
		{"go test timeout plus slack", timeoutSources{progArgs: goTest, env: "1h"}, 10*time.Minute + testTimeoutSlack},
		{"go test timeout disabled", timeoutSources{progArgs: []string{"-test.timeout=0"}, env: "1h"}, 0},
		{"double dash, separate value", timeoutSources{progArgs: []string{"--test.timeout", "2m"}}, 2*time.Minute + testTimeoutSlack},
		{"last occurrence wins", timeoutSources{progArgs: []string{"-test.timeout=1m", "-test.timeout=5m"}}, 5*time.Minute + testTimeoutSlack},
		{"after -- is not a flag", timeoutSources{progArgs: []string{"--", "-test.timeout=1m"}}, defaultTimeout},
		{"env", timeoutSources{progArgs: []string{"-v"}, env: "90s"}, 90 * time.Second},
		{"env zero", timeoutSources{env: "0"}, 0},
		{"default", timeoutSources{}, defaultTimeout},
		{"interactive default", timeoutSources{interactive: true}, 0},
		{"interactive with env", timeoutSources{interactive: true, env: "5m"}, 5 * time.Minute},
	}
	for _, c := range cases {
		got, err := deriveTimeout(c.src)
		if err != nil || got != c.want {
			t.Errorf("%s: deriveTimeout = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

func TestDeriveTimeoutRejects(t *testing.T) {
	for _, src := range []timeoutSources{
		{flagSet: true, flag: -time.Second},
		{progArgs: []string{"-test.timeout=soon"}},
		{progArgs: []string{"-test.timeout"}},
		{env: "forever"},
		{env: "-5s"},
	} {
		if got, err := deriveTimeout(src); err == nil {
			t.Errorf("deriveTimeout(%+v) = %v, want an error", src, got)
		}
	}
}
