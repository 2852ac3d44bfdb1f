package main

import (
	"bytes"
	"strings"
	"testing"
)

// The page has one lane per CPU and fetches nothing.
func TestHTMLLanes(t *testing.T) {
	tr, _ := synthetic(t)
	var buf bytes.Buffer
	if err := writeHTML(&buf, buildTimeline(tr)); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if n := strings.Count(page, `class="lane"`); n != len(tr.CPUs) {
		t.Errorf("%d lanes, want %d (one per CPU)", n, len(tr.CPUs))
	}
	for cpu := range tr.CPUs {
		if !strings.Contains(page, `data-cpu="`+string(rune('0'+cpu))+`"`) {
			t.Errorf("no lane for CPU %d", cpu)
		}
	}
	for _, ext := range []string{"http://", "https://", "<script src", "<link", "@import"} {
		if strings.Contains(page, ext) {
			t.Errorf("page is not self-contained: it contains %q", ext)
		}
	}
}
