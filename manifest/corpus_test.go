package manifest

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// corpusDir returns the conformance corpus directory: $ABRKIT_CORPUS, or
// ../../shared/corpus relative to this package. The test is skipped when
// it is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("ABRKIT_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skipf("conformance corpus not found at %s (set ABRKIT_CORPUS): %v", dir, err)
	}
	return dir
}

// corpusEntry is one labelled manifest of the corpus.
type corpusEntry struct {
	path   string // relative to the corpus directory, slash-separated
	expect string // valid, lenient, invalid, malformed, fuzz, partial
}

// readCorpusLabels reads every markdown table of the corpus README that
// has a "File" and an "Expect" column. A file cell is relative to the
// folder named in backquotes in the nearest heading above the table
// ("### `hls/mamba/` (18 files)", "### Manifests inside `media/`").
func readCorpusLabels(readme string) ([]corpusEntry, error) {
	f, err := os.Open(readme)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out               []corpusEntry
		prefix            string
		inTable           bool
		fileCol, expCol   int
		prevRow           []string
		sawSeparatorAfter bool
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			prefix = ""
			if a := strings.IndexByte(line, '`'); a >= 0 {
				if b := strings.IndexByte(line[a+1:], '`'); b >= 0 && strings.HasSuffix(line[a+1:a+1+b], "/") {
					prefix = line[a+1 : a+1+b]
				}
			}
			inTable, prevRow = false, nil
			continue
		}
		if !strings.HasPrefix(line, "|") {
			inTable, prevRow = false, nil
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if !inTable {
			if prevRow == nil {
				prevRow = cells
				continue
			}
			// prevRow is the header and this line the separator.
			sawSeparatorAfter = strings.HasPrefix(cells[0], "---") || strings.HasPrefix(cells[0], ":--")
			fileCol, expCol = -1, -1
			for i, h := range prevRow {
				switch h {
				case "File":
					fileCol = i
				case "Expect":
					expCol = i
				}
			}
			inTable = true
			if !sawSeparatorAfter || fileCol < 0 || expCol < 0 {
				fileCol = -1
			}
			continue
		}
		if fileCol < 0 || len(cells) <= max(fileCol, expCol) {
			continue
		}
		name := strings.Trim(cells[fileCol], "`")
		out = append(out, corpusEntry{path: prefix + name, expect: cells[expCol]})
	}
	return out, sc.Err()
}

// guardedParse runs Parse in a goroutine and reports a panic or a parse
// that takes longer than limit.
func guardedParse(data []byte, name string, limit time.Duration) (p *Presentation, panicked any, hung bool, err error) {
	type result struct {
		p     *Presentation
		err   error
		panic any
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			r.panic = recover()
			done <- r
		}()
		r.p, r.err = Parse(data, name)
	}()
	select {
	case r := <-done:
		return r.p, r.panic, false, r.err
	case <-time.After(limit):
		return nil, nil, true, nil
	}
}

// errNotInCorpus is returned by the corpus fetcher for references that
// are not files of the corpus.
var errNotInCorpus = errors.New("not a file of the corpus")

// TestCorpus parses every labelled manifest of the shared conformance
// corpus and checks the label's expectation: valid and lenient parse,
// malformed is rejected, partial is rejected by the top-level entry
// point, fuzz returns within a second without panicking, invalid may go
// either way. HLS multivariant playlists also load their media playlists
// when the corpus holds them.
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	entries, err := readCorpusLabels(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	labels := map[string]string{}
	for _, e := range entries {
		labels[e.path] = e.expect
	}
	counts := map[string]map[string]int{}
	count := func(label, outcome string) {
		if counts[label] == nil {
			counts[label] = map[string]int{}
		}
		counts[label][outcome]++
	}
	siblings := 0

	for _, e := range entries {
		t.Run(e.path, func(t *testing.T) {
			full := filepath.Join(dir, filepath.FromSlash(e.path))
			data, err := os.ReadFile(full)
			if err != nil {
				t.Fatalf("labelled in the README but unreadable: %v", err)
			}
			p, panicked, hung, perr := guardedParse(data, full, time.Second)
			switch {
			case hung:
				count(e.expect, "hang")
				t.Fatalf("%s: Parse did not return within 1s", e.expect)
			case panicked != nil:
				count(e.expect, "panic")
				t.Fatalf("%s: Parse panicked: %v", e.expect, panicked)
			case perr != nil:
				count(e.expect, "error")
			case len(p.Warnings) > 0:
				count(e.expect, "ok+warnings")
			default:
				count(e.expect, "ok")
			}
			switch e.expect {
			case "valid", "lenient":
				if perr != nil {
					t.Fatalf("%s file rejected: %v", e.expect, perr)
				}
				if len(p.Warnings) > 0 {
					t.Logf("%s file accepted with warnings: %q", e.expect, p.Warnings)
				}
				checkPresentation(t, p)
				if p.Format == FormatHLS {
					siblings += loadCorpusSiblings(t, dir, p, labels)
				}
			case "malformed":
				if perr == nil {
					t.Fatalf("malformed file accepted (warnings: %q)", p.Warnings)
				}
				t.Logf("rejected as expected: %v", perr)
			case "partial":
				if perr == nil {
					t.Fatalf("partial document accepted as a top-level manifest")
				}
				t.Logf("rejected as expected: %v", perr)
			case "invalid":
				if perr != nil {
					t.Logf("invalid file rejected: %v", perr)
				} else {
					t.Logf("invalid file accepted, warnings: %q", p.Warnings)
				}
			case "fuzz":
				t.Logf("fuzz input: err=%v", perr)
			default:
				t.Fatalf("unknown label %q", e.expect)
			}
		})
	}

	var unlabelled []string
	for _, top := range []string{"dash", "hls", "media"} {
		_ = filepath.WalkDir(filepath.Join(dir, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".mpd", ".m3u8", ".mpp":
				rel, _ := filepath.Rel(dir, p)
				if _, ok := labels[filepath.ToSlash(rel)]; !ok {
					unlabelled = append(unlabelled, rel)
				}
			}
			return nil
		})
	}
	var summary []string
	for label, byOutcome := range counts {
		var parts []string
		for o, n := range byOutcome {
			parts = append(parts, fmt.Sprintf("%s=%d", o, n))
		}
		sort.Strings(parts)
		summary = append(summary, fmt.Sprintf("%-9s %s", label, strings.Join(parts, " ")))
	}
	sort.Strings(summary)
	t.Logf("corpus %s: %d labelled manifests, %d HLS media playlists loaded through their multivariant playlist, %d manifest files without a label %q",
		dir, len(entries), siblings, len(unlabelled), unlabelled)
	for _, s := range summary {
		t.Logf("  %s", s)
	}
	require.NotEmpty(t, counts["valid"], "no valid files found: README tables not understood")
	require.NotEmpty(t, counts["malformed"], "no malformed files found: README tables not understood")
}

// loadCorpusSiblings loads the media playlists of an HLS multivariant
// playlist that are files of the corpus and checks them; a sibling
// labelled valid or lenient must load. It returns the number loaded.
func loadCorpusSiblings(t *testing.T, dir string, p *Presentation, labels map[string]string) int {
	t.Helper()
	absDir, err := filepath.Abs(dir)
	require.NoError(t, err)
	rel := func(u string) (string, bool) {
		if hlsHasScheme(u) {
			return "", false
		}
		a, err := filepath.Abs(filepath.FromSlash(u))
		if err != nil {
			return "", false
		}
		r, err := filepath.Rel(absDir, a)
		if err != nil || strings.HasPrefix(r, "..") {
			return "", false
		}
		return filepath.ToSlash(r), true
	}
	fetch := func(u string) ([]byte, error) {
		if _, ok := rel(u); !ok {
			return nil, errNotInCorpus
		}
		return os.ReadFile(filepath.FromSlash(u))
	}
	loadErr := LoadHLSMedia(p, fetch)
	loaded := 0
	for _, period := range p.Periods {
		for _, set := range period.AdaptationSets {
			for _, rep := range set.Representations {
				pl := rep.Index.Playlist
				if pl.Loaded {
					loaded++
					checkHLSIndex(t, rep.Index)
					continue
				}
				r, ok := rel(pl.URL)
				if !ok {
					continue
				}
				if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(r))); err != nil {
					continue
				}
				switch labels[r] {
				case "valid", "lenient":
					t.Errorf("media playlist %s (%s) did not load: %v", r, labels[r], loadErr)
				default:
					t.Logf("media playlist %s (%s) did not load: %v", r, labels[r], loadErr)
				}
			}
		}
	}
	return loaded
}
