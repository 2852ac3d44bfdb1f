package fpu

import "gopreempt/arch/amd64"

// What the CPU offers, read once with CPUID at boot (Detect). Only
// statically allocated data: Detect runs before the Go runtime.

// Features is the result of detection.
type Features struct {
	FXSR     bool // FXSAVE/FXRSTOR: CPUID.1:EDX[24]
	XSAVE    bool // XSAVE/XRSTOR/XSETBV/XGETBV: CPUID.1:ECX[26]
	XSAVEOPT bool // CPUID.(EAX=0DH,ECX=1):EAX[0]
	AVX      bool // CPUID.1:ECX[28]
	AVX2     bool // CPUID.(EAX=07H,ECX=0):EBX[5]

	// XCR0Supported is the set of state components XCR0 may hold:
	// CPUID.(EAX=0DH,ECX=0):EDX:EAX (SDM Vol. 1, 13.2).
	XCR0Supported uint64
	// XSaveSizeMax is the size of an XSAVE area for every supported
	// component, CPUID.(EAX=0DH,ECX=0):ECX.
	XSaveSizeMax uint32
	// YMMOffset and YMMSize locate the AVX component in a standard-format
	// XSAVE area: CPUID.(EAX=0DH,ECX=2):EBX and EAX.
	YMMOffset, YMMSize uint32
}

var features Features

// bracketYMM is avxUsable(), once: whether a bracket switches XCR0.
var bracketYMM bool

// Detected returns what Detect found.
// For tests, which print and check what was found.
func Detected() Features { return features }

// HasAVX2 reports whether the CPU can run the AVX2 routines of this
// package inside a bracket: AVX2 itself, and XSAVE for switching XCR0.
func HasAVX2() bool { return features.AVX2 && avxUsable() }

// avxUsable reports whether brackets can enable AVX: the CPU has AVX and
// the XSAVE feature set, and XCR0 may hold SSE and YMM.
func avxUsable() bool { return features.AVX && features.XSAVE && ymmSupported() }

// ymmSupported reports whether XCR0 may enable SSE and YMM together.
func ymmSupported() bool {
	const need = amd64.XCR0SSE | amd64.XCR0YMM
	return features.XCR0Supported&need == need
}

// Detect fills in features. No allocation: it runs at boot.
func Detect() {
	var f Features
	maxLeaf, _, _, _ := amd64.Cpuid(0, 0)
	_, _, c1, d1 := amd64.Cpuid(1, 0)
	f.FXSR = d1&(1<<24) != 0
	f.XSAVE = c1&(1<<26) != 0
	f.AVX = c1&(1<<28) != 0
	if maxLeaf >= 7 {
		_, b7, _, _ := amd64.Cpuid(7, 0)
		f.AVX2 = b7&(1<<5) != 0
	}
	if f.XSAVE && maxLeaf >= 0xd {
		a, _, c, d := amd64.Cpuid(0xd, 0)
		f.XCR0Supported = uint64(d)<<32 | uint64(a)
		f.XSaveSizeMax = c
		a1, _, _, _ := amd64.Cpuid(0xd, 1)
		f.XSAVEOPT = a1&1 != 0
		a2, b2, _, _ := amd64.Cpuid(0xd, 2)
		f.YMMSize, f.YMMOffset = a2, b2
	}
	features = f
	bracketYMM = avxUsable()
}
