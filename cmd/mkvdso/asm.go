package main

import "fmt"

// A very small assembler: the vDSO's code is a list of instructions,
// each written as its encoding (SDM Vol. 2) next to the instruction in
// Intel syntax, exactly as golang.org/x/arch/x86/x86asm prints it. The
// host test disassembles the bytes and compares, so the annotation
// cannot drift from the encoding.
//
// Only two things are not fixed bytes, and both are a displacement in
// the last 1 or 4 bytes of the encoding: a branch to a label (rel8 or
// rel32 from the end of the instruction), and a RIP-relative memory
// operand naming a field of the data page (disp32 from the end of the
// instruction to the field's address). Instruction lengths never
// change, so one pass lays out the addresses and a second fills in the
// displacements.

type relKind int

const (
	relNone  relKind = iota
	relRel8          // 8-bit branch displacement to a label
	relRel32         // 32-bit branch displacement to a label
	relVvar          // RIP-relative disp32 to a data-page field
)

type insn struct {
	label string // a label defined at this instruction, or ""
	code  []byte // the encoding; the displacement bytes are placeholders
	rel   relKind
	to    string // the label (rel8, rel32) or data-page field (relVvar)
	asm   string // Intel syntax, as x86asm.IntelSyntax prints it
}

// assembled is a laid-out program: its bytes, where each label and
// instruction starts (relative to the start of the text), and the text
// of each instruction for the test.
type assembled struct {
	code   []byte
	labels map[string]int
	starts []int
	insns  []insn
}

// assemble lays out prog at text offset textOff within the image,
// whose data page starts at vvarOff (negative: the page below).
func assemble(prog []insn, textOff, vvarOff int, fields map[string]int) (assembled, error) {
	a := assembled{labels: map[string]int{}, insns: prog}
	pc := 0
	for _, in := range prog {
		if in.label != "" {
			if _, dup := a.labels[in.label]; dup {
				return a, fmt.Errorf("label %s defined twice", in.label)
			}
			a.labels[in.label] = pc
		}
		a.starts = append(a.starts, pc)
		pc += len(in.code)
	}
	for i, in := range prog {
		b := append([]byte(nil), in.code...)
		end := a.starts[i] + len(b)
		switch in.rel {
		case relRel8, relRel32:
			t, ok := a.labels[in.to]
			if !ok {
				return a, fmt.Errorf("%q: no label %s", in.asm, in.to)
			}
			d := t - end
			if in.rel == relRel8 {
				if d < -128 || d > 127 {
					return a, fmt.Errorf("%q: %s is %d bytes away, too far for rel8", in.asm, in.to, d)
				}
				b[len(b)-1] = byte(int8(d))
			} else {
				put32(b[len(b)-4:], uint32(int32(d)))
			}
		case relVvar:
			f, ok := fields[in.to]
			if !ok {
				return a, fmt.Errorf("%q: no data-page field %s", in.asm, in.to)
			}
			d := (vvarOff + f) - (textOff + end)
			put32(b[len(b)-4:], uint32(int32(d)))
		}
		a.code = append(a.code, b...)
	}
	return a, nil
}

func put32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
