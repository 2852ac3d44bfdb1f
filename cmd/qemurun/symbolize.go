package main

import (
	"debug/elf"
	"debug/gosym"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// rawPC matches how the kernel prints a backtrace entry: the full 64-bit
// program counter, zero-padded, in Linux's "[<...>]" brackets. Requiring
// exactly 16 digits keeps ordinary hex numbers in log lines from matching.
var rawPC = regexp.MustCompile(`\[<0x([0-9a-fA-F]{16})>\]`)

// resolver maps a PC to "function file:line", or reports ok=false.
type resolver func(pc uint64) (where string, ok bool)

// pcAnnotation returns what to append to a console line: " func file:line"
// for every raw PC in it that resolves, in order. Unknown PCs add nothing,
// so a line without known PCs is left exactly as the kernel wrote it.
func pcAnnotation(line string, resolve resolver) string {
	if resolve == nil || !strings.Contains(line, "[<0x") {
		return ""
	}
	var b strings.Builder
	for _, m := range rawPC.FindAllStringSubmatch(line, -1) {
		pc, err := strconv.ParseUint(m[1], 16, 64)
		if err != nil {
			continue
		}
		if where, ok := resolve(pc); ok {
			b.WriteString(" ")
			b.WriteString(where)
		}
	}
	return b.String()
}

// goSymbols loads the Go line table of the kernel ELF. Go binaries carry
// it in .gopclntab (the runtime needs it for tracebacks, so it survives
// stripping); .gosymtab is empty in modern toolchains but is passed along
// when present. The PCs in .gopclntab are relative to the start of .text.
//
// The PC is resolved as printed. For a return address the kernel should
// print the address minus one (as Go's own traceback does) so that a call
// at the very end of a function is attributed to that function.
func goSymbols(elfPath string) (resolver, error) {
	f, err := elf.Open(elfPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pcln := f.Section(".gopclntab")
	text := f.Section(".text")
	if pcln == nil || text == nil {
		return nil, errors.New("no .gopclntab/.text section (not a Go binary?)")
	}
	pclnData, err := pcln.Data()
	if err != nil {
		return nil, fmt.Errorf("reading .gopclntab: %w", err)
	}
	var symData []byte
	if s := f.Section(".gosymtab"); s != nil {
		if symData, err = s.Data(); err != nil {
			return nil, fmt.Errorf("reading .gosymtab: %w", err)
		}
	}
	table, err := gosym.NewTable(symData, gosym.NewLineTable(pclnData, text.Addr))
	if err != nil {
		return nil, fmt.Errorf("parsing Go symbol table: %w", err)
	}
	return func(pc uint64) (string, bool) {
		file, line, fn := table.PCToLine(pc)
		if fn == nil {
			return "", false
		}
		return fmt.Sprintf("%s %s:%d", fn.Name, file, line), true
	}, nil
}
