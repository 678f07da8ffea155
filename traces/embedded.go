package traces

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed embedded
var embeddedFS embed.FS

// embeddedRoot is the directory of the embedded traces inside embeddedFS.
const embeddedRoot = "embedded"

// Embedded returns the small default trace set compiled into the package:
// Sabre's toy trace, one Sabre FCC SD and one FCC HD trace, and two of the
// Pensieve authors' cooked FCC traces (see embedded/README.md). Traces are
// named by their path below the embedded folder without extension, for
// example "sabre/network" or "pensieve-fcc/train/trace_214390_http---www.amazon.com",
// and come in that path order. Every call parses fresh copies.
//
// The Sabre files are BSD-2-Clause licensed: a program that redistributes
// them must reproduce EmbeddedNotice.
func Embedded() ([]*Trace, error) {
	var out []*Trace
	err := fs.WalkDir(embeddedFS, embeddedRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !IsTraceFileName(d.Name()) {
			return err
		}
		t, err := LoadFS(embeddedFS, p, DefaultOptions())
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, embeddedRoot+"/")
		t.Name = path.Join(path.Dir(rel), TraceName(rel))
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EmbeddedNotice returns the origin, attribution and licence texts of the
// embedded traces (the README and the LICENSE files kept next to them).
func EmbeddedNotice() string {
	var b strings.Builder
	for _, p := range []string{"README.md", "sabre/LICENSE", "pensieve-fcc/LICENSE"} {
		data, err := embeddedFS.ReadFile(path.Join(embeddedRoot, p))
		if err != nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n---- " + p + " ----\n\n")
		}
		b.Write(data)
	}
	return b.String()
}
