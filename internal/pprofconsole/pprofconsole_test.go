package pprofconsole

import (
	"bytes"
	"strings"
	"testing"
)

// A file written between other console lines, with CRLF line ends and
// another message in its middle, comes back whole; a lost line is an
// error.
func TestRoundTrip(t *testing.T) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	var w bytes.Buffer
	if err := Write(&w, "cpu.pb.gz", data); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	if len(lines) < 5 {
		t.Fatalf("%d lines for 1000 bytes", len(lines))
	}
	var log strings.Builder
	log.WriteString("gopreempt: booting\r\n")
	for i, l := range lines {
		if i == 3 {
			log.WriteString("smp: CPU 1 online\r\n")
		}
		log.WriteString(l + "\r\n")
	}
	log.WriteString("gopreempt: program exited with status 0\r\n")

	files, err := Extract(strings.NewReader(log.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Name != "cpu.pb.gz" || !bytes.Equal(files[0].Data, data) {
		t.Fatalf("got %d files, first %q with %d bytes", len(files), files[0].Name, len(files[0].Data))
	}

	lost := strings.Replace(log.String(), lines[2]+"\r\n", "", 1)
	if _, err := Extract(strings.NewReader(lost)); err == nil {
		t.Fatal("a log with a line lost: no error")
	}
	cut := log.String()[:strings.Index(log.String(), " end ")]
	if _, err := Extract(strings.NewReader(cut)); err == nil {
		t.Fatal("a log cut short: no error")
	}
	if err := Write(&w, "two words", data); err == nil {
		t.Fatal("a name with a space: no error")
	}
}
