package kernel

// printk's lines, for the kernel-mode tests (printk_test.go).

var capture lineCapture

// CapturePrintk runs fn with printk's lines diverted from the console,
// and returns them, each with its newline.
func CapturePrintk(fn func()) []string {
	capture.n, capture.lines = 0, 0
	printkCapture = &capture
	fn()
	printkCapture = nil
	var lines []string
	start := 0
	for _, end := range capture.ends[:capture.lines] {
		lines = append(lines, string(capture.buf[start:end]))
		start = end
	}
	return lines
}
