package main

import (
	"debug/elf"
	"debug/gosym"
	"errors"
	"fmt"
	"path/filepath"
)

// loadSymbols reads the kernel ELF's Go line table (.gopclntab) and
// returns a function naming a PC as "file.go:line function", so that a
// preemption shows the line it took the CPU from.
func loadSymbols(path string) (func(pc uint64) string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		return nil, errors.New(path + ": no .gopclntab or .text section")
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, err
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil, err
	}
	return func(pc uint64) string {
		file, line, fn := tab.PCToLine(pc)
		if fn == nil {
			return fmt.Sprintf("%#x", pc)
		}
		return fmt.Sprintf("%s:%d %s", filepath.Base(file), line, fn.Name)
	}, nil
}
