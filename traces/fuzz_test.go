package traces

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// Fuzz targets: every reader must return a trace that validates or an
// error, never panic or hang; what it accepts must survive a write and a
// second read.

func addSeeds(f *testing.F, inline []string, shared []string) {
	for _, s := range inline {
		f.Add([]byte(s))
	}
	for _, rel := range shared {
		if data := sharedFile(rel); data != nil {
			// Small seeds keep the fuzzer fast; cut at a line end.
			if len(data) > 2048 {
				data = data[:bytes.LastIndexByte(data[:2048], '\n')+1]
			}
			f.Add(data)
		}
	}
}

func FuzzReadPensieve(f *testing.F) {
	addSeeds(f, []string{"0.0\t9\n1.0\t8\n2.5 4\n", "0 0\n5 0\n10 1\n", "1 1\n1 1\n2 3e2\n"},
		[]string{"pensieve-hsdpa/test/norway_bus_1", "pensieve-fcc/train/trace_942598_http---www.youtube.com"})
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ReadPensieve(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		if err := tr.Validate(); err != nil {
			t.Fatalf("accepted an invalid trace: %v", err)
		}
		var buf bytes.Buffer
		if err := WritePensieve(&buf, tr); err != nil {
			t.Fatalf("write: %v", err)
		}
		back, err := ReadPensieve(&buf, "fuzz")
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, buf.String())
		}
		if !equalFloats(back.Cooked.TimeS, tr.Cooked.TimeS) || !equalFloats(back.Cooked.Mbps, tr.Cooked.Mbps) {
			t.Fatalf("round trip changed the columns")
		}
	})
}

func FuzzReadMahimahi(f *testing.F) {
	addSeeds(f, []string{"1\n", "0\n0\n1\n1\n2\n5\n10\n", "1\n1000\n", "3\n3\n3\n"},
		[]string{"mahimahi/Verizon-LTE-short.down", "mahimahi/ATT-LTE-driving-2016.down"})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, bin := range []time.Duration{time.Millisecond, DefaultMahimahiBin} {
			tr, err := ReadMahimahi(bytes.NewReader(data), "fuzz", bin)
			if err != nil {
				return
			}
			if err := tr.Validate(); err != nil {
				t.Fatalf("accepted an invalid trace: %v", err)
			}
			if tr.Duration()%time.Millisecond != 0 {
				t.Fatalf("period %v is not whole milliseconds", tr.Duration())
			}
			if bin != time.Millisecond || tr.Duration() > time.Minute {
				continue // keep the write cheap
			}
			var buf bytes.Buffer
			if err := WriteMahimahi(&buf, tr); err != nil {
				t.Fatalf("write: %v", err)
			}
			back, err := ReadMahimahi(&buf, "fuzz", bin)
			if err != nil {
				t.Fatalf("re-read: %v", err)
			}
			if back.Duration() != tr.Duration() || back.Bits() != tr.Bits() {
				t.Fatalf("1 ms round trip changed the trace: %v/%d vs %v/%d", back.Duration(), back.Bits(), tr.Duration(), tr.Bits())
			}
		}
	})
}

func FuzzReadSabre(f *testing.F) {
	addSeeds(f, []string{`[{"duration_ms": 1013, "bandwidth_kbps": 1285, "latency_ms": 100}]`,
		`[{"duration_ms": 0.5, "bandwidth_kbps": 2.5e3}, {"duration_ms": 1, "bandwidth_kbps": 0, "latency_ms": 0}]`, `[]`, `{}`},
		[]string{"sabre/network.json", "sabre/mmsys18/sd_fs/trace0000.json"})
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ReadSabre(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		if err := tr.Validate(); err != nil {
			t.Fatalf("accepted an invalid trace: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteSabre(&buf, tr); err != nil {
			t.Fatalf("write: %v", err)
		}
		back, err := ReadSabre(&buf, "fuzz")
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, buf.String())
		}
		if len(back.Sabre) != len(tr.Sabre) {
			t.Fatalf("round trip changed the period count")
		}
		for i := range tr.Sabre {
			if back.Sabre[i] != tr.Sabre[i] {
				t.Fatalf("round trip changed period %d: %+v vs %+v", i, back.Sabre[i], tr.Sabre[i])
			}
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	addSeeds(f, []string{"duration_s,rate_bps,latency_s\n1.013,1285000,0.1\n5,320000,0.02\n",
		"# c\nduration_s,rate_bps\n.5,8\n", "duration_s,rate_bps\n\"1\",2\n"}, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ReadCSV(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		if err := tr.Validate(); err != nil {
			t.Fatalf("accepted an invalid trace: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, tr); err != nil {
			t.Fatalf("write: %v", err)
		}
		back, err := ReadCSV(&buf, "fuzz")
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, buf.String())
		}
		if len(back.Samples) != len(tr.Samples) {
			t.Fatalf("round trip changed the sample count")
		}
		for i := range tr.Samples {
			if back.Samples[i] != tr.Samples[i] {
				t.Fatalf("round trip changed sample %d", i)
			}
		}
	})
}

// FuzzDetectAndRead checks that whatever Detect says, reading with that
// format fails cleanly or gives a valid trace.
func FuzzDetectAndRead(f *testing.F) {
	addSeeds(f, []string{"0 1\n1 2\n", "1\n2\n", "[]", "duration_s,rate_bps\n1,1\n"},
		[]string{"sabre/network.json", "pensieve-hsdpa/test/norway_bus_1"})
	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := Detect("fuzz", data)
		if err != nil {
			if !errors.Is(err, ErrUnknownFormat) {
				t.Fatalf("Detect error does not wrap ErrUnknownFormat: %v", err)
			}
			return
		}
		tr, err := Read(bytes.NewReader(data), "fuzz", format, DefaultOptions())
		if err == nil {
			if verr := tr.Validate(); verr != nil {
				t.Fatalf("accepted an invalid trace: %v", verr)
			}
		}
	})
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
