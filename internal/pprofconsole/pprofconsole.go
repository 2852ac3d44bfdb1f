// Package pprofconsole carries a profile (or any file) from a program in
// the kernel to the host over the one channel every run has: the serial
// console. Write prints it as base64 lines that each carry a prefix and
// the file's name; Extract, on the host, finds those lines in a console
// log (cmd/pprofextract) and puts the files together again.
//
// Every line of a file stands alone, so the kernel's own messages may
// fall between them (printk from another CPU, a stall report) without
// spoiling it: Extract ignores whatever does not carry the prefix. The
// last line gives the length and a CRC-32 of the file, so a log cut
// short or a line lost is an error, not a damaged profile.
//
//	pprof: cpu.pb.gz begin
//	pprof: cpu.pb.gz H4sIAAAAAAAE/6xaC3hU1bU+...
//	pprof: cpu.pb.gz end 1873 crc32 4c2a0f1e
//
// The program side uses only encoding/base64 and fmt: it runs in task
// context like any Go code, after the profile is written (Write is not
// for interrupt context).
package pprofconsole

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

const (
	prefix  = "pprof: "
	lineLen = 76 // base64 characters per line: 57 bytes
)

// Write prints data under name (a file name without spaces) to w. A
// program linked with the kernel calls it (tests/system/testdata/pprof).
func Write(w io.Writer, name string, data []byte) error {
	if name == "" || strings.ContainsAny(name, " \t\n/") {
		return fmt.Errorf("pprofconsole: bad file name %q", name)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s%s begin\n", prefix, name)
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 0 {
		n := min(lineLen, len(enc))
		fmt.Fprintf(bw, "%s%s %s\n", prefix, name, enc[:n])
		enc = enc[n:]
	}
	fmt.Fprintf(bw, "%s%s end %d crc32 %08x\n", prefix, name, len(data), crc32.ChecksumIEEE(data))
	return bw.Flush()
}

// File is one file found in a console log.
type File struct {
	Name string
	Data []byte
}

// Extract reads a console log and returns the files written into it, in
// the order they ended. A file that began and did not end, or whose
// length or CRC does not match, is an error. Carriage returns (a serial
// console's line ends) are ignored.
func Extract(r io.Reader) ([]File, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	open := map[string]*strings.Builder{}
	var files []File
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		i := strings.Index(line, prefix)
		if i < 0 {
			continue
		}
		name, rest, ok := strings.Cut(line[i+len(prefix):], " ")
		if !ok {
			continue
		}
		b := open[name]
		switch {
		case rest == "begin":
			open[name] = new(strings.Builder)
		case b == nil:
			// A line of a file whose beginning is not in the log.
		case strings.HasPrefix(rest, "end "):
			delete(open, name)
			f, err := finish(name, b.String(), rest)
			if err != nil {
				return files, err
			}
			files = append(files, f)
		default:
			b.WriteString(rest)
		}
	}
	if err := sc.Err(); err != nil {
		return files, err
	}
	for name := range open {
		return files, fmt.Errorf("pprofconsole: %s began but did not end (the log was cut short?)", name)
	}
	return files, nil
}

func finish(name, enc, end string) (File, error) {
	var n int
	var sum uint32
	if _, err := fmt.Sscanf(end, "end %d crc32 %x", &n, &sum); err != nil {
		return File{}, fmt.Errorf("pprofconsole: %s: bad end line %q", name, end)
	}
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return File{}, fmt.Errorf("pprofconsole: %s: %v", name, err)
	}
	if len(data) != n || crc32.ChecksumIEEE(data) != sum {
		return File{}, fmt.Errorf("pprofconsole: %s: %d bytes with crc32 %08x, the end line says %d and %08x (a line lost?)",
			name, len(data), crc32.ChecksumIEEE(data), n, sum)
	}
	return File{name, data}, nil
}
