package main

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopreempt/internal/mbimage"
	"gopreempt/internal/mbimage/mbtest"
)

func TestMkimage(t *testing.T) {
	dir := t.TempDir()
	kernel := filepath.Join(dir, "kernel.elf")
	if err := os.WriteFile(kernel, mbtest.ELF(elf.EM_X86_64, 0x200000, mbtest.LoadBSS(0x200000, 0x3000, mbtest.Exit(0))), 0o644); err != nil {
		t.Fatal(err)
	}
	imgPath := filepath.Join(dir, "kernel.img")
	var out, errOut strings.Builder
	if code := run([]string{"-o", imgPath, kernel}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got, err := os.ReadFile(imgPath)
	if err != nil {
		t.Fatal(err)
	}
	want, info, err := mbimage.Convert(kernel)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("written image differs from mbimage.Convert's")
	}
	if !strings.Contains(out.String(), info.String()) || !strings.Contains(out.String(), "entry_addr    0x00200000") {
		t.Errorf("addresses not printed: %q", out.String())
	}
}

func TestMkimageErrors(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "x.txt")
	os.WriteFile(notELF, []byte("hello"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage"},
		{[]string{notELF}, 2, "usage"},
		{[]string{"-o", filepath.Join(dir, "o.img")}, 2, "usage"},
		{[]string{"-o", filepath.Join(dir, "o.img"), notELF}, 1, "x.txt"},
		{[]string{"-o", filepath.Join(dir, "missing", "o.img"), notELF}, 1, "mkimage:"},
	}
	for _, c := range cases {
		var out, errOut strings.Builder
		code := run(c.args, &out, &errOut)
		if code != c.code || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("mkimage %q: exit %d, stderr %q; want %d and %q", c.args, code, errOut.String(), c.code, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "o.img")); !os.IsNotExist(err) {
		t.Error("an image was written for a bad input")
	}
}
