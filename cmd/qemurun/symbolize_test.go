package main

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gopreempt/internal/mbimage/mbtest"
)

//go:noinline
func symbolizeMarker() int { return 42 }

// ownSymbols resolves PCs against this test binary, a real Go ELF whose
// answers runtime.FuncForPC can confirm independently of debug/gosym.
func ownSymbols(t *testing.T) resolver {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	typ := f.Type
	f.Close()
	if typ != elf.ET_EXEC {
		// A PIE is loaded at a random base, so runtime PCs would not be
		// the PCs in the file. The kernel is never a PIE.
		t.Skip("test binary is position-independent")
	}
	resolve, err := goSymbols(exe)
	if err != nil {
		t.Fatal(err)
	}
	return resolve
}

func TestAnnotateResolvesGoPC(t *testing.T) {
	resolve := ownSymbols(t)
	pc := reflect.ValueOf(symbolizeMarker).Pointer()
	fn := runtime.FuncForPC(pc)
	file, line := fn.FileLine(pc)
	want := fmt.Sprintf(" %s %s:%d", fn.Name(), file, line)
	if !strings.Contains(want, ".symbolizeMarker ") || !strings.Contains(want, "symbolize_test.go:") {
		t.Fatalf("runtime resolves the marker to %q", want)
	}

	got := pcAnnotation(fmt.Sprintf(" [<0x%016x>] symbolizeMarker+0x0", pc), resolve)
	if got != want {
		t.Errorf("annotation %q, want %q", got, want)
	}
	// Upper-case hex digits are the same PC.
	if got := pcAnnotation(fmt.Sprintf("[<0x%016X>]", pc), resolve); got != want {
		t.Errorf("upper-case annotation %q, want %q", got, want)
	}
	// Two PCs on one line: both, in order; unknown ones add nothing.
	got = pcAnnotation(fmt.Sprintf("[<0x%016x>] <- [<0x0000000000000010>] <- [<0x%016x>]", pc, pc), resolve)
	if got != want+want {
		t.Errorf("multi-PC annotation %q, want %q", got, want+want)
	}
}

func TestAnnotateIgnores(t *testing.T) {
	resolve := ownSymbols(t)
	pc := reflect.ValueOf(symbolizeMarker).Pointer()
	for _, line := range []string{
		"plain text",
		"[<0x0000000000000010>] below any text",
		"[<0xffffffffffffff00>] above any text",
		fmt.Sprintf("[<0x%x>] too few digits", pc), // not zero-padded to 16
		fmt.Sprintf("0x%016x without brackets", pc),
	} {
		if got := pcAnnotation(line, resolve); got != "" {
			t.Errorf("pcAnnotation(%q) = %q, want nothing", line, got)
		}
	}
	if got := pcAnnotation(fmt.Sprintf("[<0x%016x>]", pc), nil); got != "" {
		t.Errorf("without symbols: %q, want nothing", got)
	}
}

func TestGoSymbolsNeedsGoBinary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain.elf")
	if err := os.WriteFile(path, mbtest.ELF(elf.EM_X86_64, 0x200000, mbtest.Load(0x200000, mbtest.Exit(0))), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := goSymbols(path); err == nil || !strings.Contains(err.Error(), ".gopclntab") {
		t.Errorf("goSymbols on a non-Go ELF: %v", err)
	}
}
