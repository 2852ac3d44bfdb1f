package fpu

// A SIMD kernel routine: the XOR checksum of a buffer, 32 bytes wide.
//
// Byte i of the sum is the XOR of every byte of buf whose offset is i
// modulo 32. XorChecksum is the plain Go reference; XorChecksumAVX2 gets
// the same result with AVX2, keeping four 256-bit partial sums in
// YMM0-YMM3 for the whole length of the buffer and folding them at the
// end. Those 128 bytes of live state are exactly what a context switch
// does not save, so XorChecksumAVX2 may only run inside
// KernelFPUBegin/KernelFPUEnd. Outside a bracket its first VPXOR raises
// #UD and is reported ("BUG: AVX instruction outside
// kernel_fpu_begin/end").
//
// No kernel path checksums anything yet: the tests and benchmarks
// (avx_test.go, bench_test.go) run it, as the example of kernel SIMD code.

// XorChecksum is the reference implementation.
func XorChecksum(buf []byte) [32]byte {
	var sum [32]byte
	for i, b := range buf {
		sum[i%32] ^= b
	}
	return sum
}

// XorChecksumAVX2 computes XorChecksum(buf) with AVX2. Call it only
// inside a bracket, on a CPU where HasAVX2 is true.
func XorChecksumAVX2(buf []byte) [32]byte {
	var sum [32]byte
	n := len(buf) &^ 31
	if n > 0 {
		xorBlocksAVX2(&buf[0], n, &sum)
	}
	for i, b := range buf[n:] {
		sum[i] ^= b
	}
	return sum
}

// xorBlocksAVX2 XORs the n bytes at p (n a multiple of 32) into 32 lanes
// and stores the result at out (checksum_amd64.s).
//
//go:noescape
func xorBlocksAVX2(p *byte, n int, out *[32]byte)
