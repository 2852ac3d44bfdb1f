package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// chromium runs headless Chromium (Debian's chromium package, which
// make hosttest installs: Makefile, deps-chromium) with args, and
// returns its standard output.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (make hosttest installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.Bytes())
	}
	return out.Bytes()
}

// The page, loaded in a browser, draws one task slice per switch event
// in the trace (it writes the count it drew into the DOM), and its
// screenshot is not blank.
func TestHTMLInChromium(t *testing.T) {
	tr, switches := synthetic(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "trace.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeHTML(f, buildTimeline(tr)); err != nil {
		t.Fatal(err)
	}
	f.Close()

	dom := chromium(t, "--dump-dom", "file://"+page)
	m := regexp.MustCompile(`id="drawn-slices" data-slices="(\d+)"`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("no drawn-slices count in the DOM:\n%.2000s", dom)
	}
	if n, _ := strconv.Atoi(string(m[1])); n != switches {
		t.Errorf("the page drew %d task slices, the trace has %d switch events", n, switches)
	}

	shot := filepath.Join(dir, "shot.png")
	chromium(t, "--window-size=1000,400", "--screenshot="+shot, "file://"+page)
	pf, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer pf.Close()
	img, err := png.Decode(pf)
	if err != nil {
		t.Fatal(err)
	}
	colours := map[uint32]int{}
	b := img.Bounds()
	nonWhite := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[r>>8<<16|g>>8<<8|bl>>8]++
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				nonWhite++
			}
		}
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	if len(colours) < 8 || nonWhite < total/20 {
		t.Errorf("screenshot looks blank: %d colours, %d of %d sampled pixels not white", len(colours), nonWhite, total)
	}
}
