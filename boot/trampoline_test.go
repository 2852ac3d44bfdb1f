package boot

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/arch/x86/x86asm"

	"gopreempt/internal/addr"
)

// The trampoline is hand-assembled. This test disassembles it as the AP
// runs it (16-bit code until the first far jump, 32-bit until the second,
// then 64-bit) and compares it with the listing it should be, whose
// addresses come from trampoline.go's layout: a byte typo, a layout
// change on one side only, or a far jump to the wrong offset fails here.
func TestTrampolineDisassembly(t *testing.T) {
	code := (*[trampolineCodeLen]byte)(addr.Ptr(trampolineCode()))[:]
	var mb trampolineMailbox
	at := func(field uintptr) uint64 { return trampolineBase + mailboxOff + uint64(field) }
	want := []string{
		"cli",
		"xor ax, ax",
		"mov ds, ax",
		fmt.Sprintf("lgdt ptr [%#x]", at(unsafe.Offsetof(mb.gdtLimit))),
		"mov eax, cr0",
		"or eax, 0x1",
		"mov cr0, eax",
		"jmp far 0x8:%32", // protected mode; target checked below
		"mov eax, 0x10",
		"mov ds, ax",
		"mov es, ax",
		"mov ss, ax",
		"mov eax, 0x620",
		"mov cr4, eax",
		fmt.Sprintf("mov eax, dword ptr [%#x]", at(unsafe.Offsetof(mb.cr3))),
		"mov cr3, eax",
		"mov ecx, 0xc0000080",
		fmt.Sprintf("mov eax, dword ptr [%#x]", at(unsafe.Offsetof(mb.efer))),
		fmt.Sprintf("mov edx, dword ptr [%#x]", at(unsafe.Offsetof(mb.efer)+4)),
		"wrmsr",
		"mov eax, 0x80010023",
		"mov cr0, eax",
		"jmp far 0x18:%64", // 64-bit mode
		fmt.Sprintf("jmp qword ptr [%#x]", at(unsafe.Offsetof(mb.entry))),
	}

	mode, off := 16, 0
	var got []string
	for off < len(code) {
		inst, err := x86asm.Decode(code[off:], mode)
		if err != nil {
			t.Fatalf("offset %#x (%d-bit): %v", off, mode, err)
		}
		off += inst.Len
		s := x86asm.IntelSyntax(inst, uint64(trampolineBase+off-inst.Len), nil)
		if inst.Op == x86asm.LJMP {
			// The far jump must land right after itself, in the next mode.
			sel, ok := inst.Args[0].(x86asm.Imm) // "jmp far sel:offset"
			p, ok2 := inst.Args[1].(x86asm.Imm)
			if !ok || !ok2 {
				t.Fatalf("far jump at %#x: operands %v", off-inst.Len, inst.Args)
			}
			if uint64(p) != uint64(trampolineBase+off) {
				t.Errorf("far jump at %#x goes to %#x, want %#x", off-inst.Len, uint64(p), trampolineBase+off)
			}
			next := map[int]int{16: 32, 32: 64}[mode]
			s = fmt.Sprintf("jmp far %#x:%%%d", uint64(sel), next)
			mode = next
		}
		got = append(got, s)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trampoline disassembles to\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	if mode != 64 {
		t.Errorf("trampoline ends in %d-bit mode", mode)
	}
}

// The mailbox layout that the trampoline's instructions hard-code.
func TestTrampolineMailboxLayout(t *testing.T) {
	var mb trampolineMailbox
	for _, c := range []struct {
		name     string
		got, off uintptr
	}{
		{"gdt", unsafe.Offsetof(mb.gdt), 0x00},
		{"gdtLimit", unsafe.Offsetof(mb.gdtLimit), 0x26},
		{"gdtBase", unsafe.Offsetof(mb.gdtBase), 0x28},
		{"cr3", unsafe.Offsetof(mb.cr3), 0x2c},
		{"efer", unsafe.Offsetof(mb.efer), 0x30},
		{"entry", unsafe.Offsetof(mb.entry), 0x38},
	} {
		if c.got != c.off {
			t.Errorf("mailbox.%s at %#x, want %#x", c.name, c.got, c.off)
		}
	}
	if mailboxOff+unsafe.Sizeof(mb) > 4096 || trampolineCodeLen > mailboxOff {
		t.Errorf("code (%#x bytes) and mailbox (%#x+%#x) do not fit the page apart", trampolineCodeLen, mailboxOff, unsafe.Sizeof(mb))
	}
}
