// Command avxoutside runs the AVX2 checksum without kernel_fpu_begin():
// the kernel must trap the first VEX-encoded instruction (XCR0 lacks YMM
// outside a bracket) and report "BUG: AVX instruction outside
// kernel_fpu_begin/end" with the instruction decoded and a Go traceback.
// With the bracket first, the same call must work.
package main

import (
	"fmt"

	_ "gopreempt/boot"
	"gopreempt/fpu"
)

//go:noinline
func checksumOutsideBracket(buf []byte) [32]byte {
	return fpu.XorChecksumAVX2(buf)
}

func main() {
	if !fpu.HasAVX2() {
		fmt.Println("avxoutside test: no AVX2 on this CPU, nothing to test")
		return
	}
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	fpu.KernelFPUBegin()
	sum := fpu.XorChecksumAVX2(buf)
	fpu.KernelFPUEnd()
	ref := fpu.XorChecksum(buf)
	fmt.Printf("avxoutside test: inside a bracket the checksum is %x (reference %x)\n", sum, ref)
	fmt.Println("avxoutside test: now outside a bracket")
	sum = checksumOutsideBracket(buf)
	fmt.Println("avxoutside test: still alive, which is wrong", sum[0])
}
