package traces

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoTraces is returned when a directory holds no trace files.
var ErrNoTraces = errors.New("traces: no trace files")

// Options configure the loaders.
type Options struct {
	// MahimahiBin is the bin width used to turn Mahimahi packet timestamps
	// into rates; a positive whole number of milliseconds. Default
	// DefaultMahimahiBin (100 ms).
	MahimahiBin time.Duration
}

// DefaultOptions returns the loader defaults.
func DefaultOptions() Options {
	return Options{MahimahiBin: DefaultMahimahiBin}
}

// Detect returns the format of a trace file from the start of its content
// (a few KB are enough), using the file name's extension as a hint when the
// content does not decide:
//
//   - content starting with '[' is Sabre JSON;
//   - a first line that is a comment ('#'), contains a comma or is the CSV
//     header is CSV;
//   - a first line with one integer is Mahimahi;
//   - a first line with two numbers is Pensieve's cooked format;
//   - otherwise the extension decides: .json Sabre, .csv CSV, .down or .up
//     Mahimahi. Anything else returns ErrUnknownFormat.
func Detect(name string, head []byte) (Format, error) {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return FormatSabre, nil
	}
	first, _, _ := bytes.Cut(trimmed, []byte{'\n'})
	first = bytes.TrimSpace(first)
	switch {
	case len(first) == 0:
	case first[0] == '#' || bytes.IndexByte(first, ',') >= 0 || bytes.HasPrefix(first, []byte(csvDuration)):
		return FormatCSV, nil
	default:
		fields := bytes.Fields(first)
		if len(fields) == 1 && allDigits(string(fields[0])) {
			return FormatMahimahi, nil
		}
		if len(fields) == 2 {
			return FormatPensieve, nil
		}
	}
	switch strings.ToLower(path.Ext(filepath.ToSlash(name))) {
	case ".json":
		return FormatSabre, nil
	case ".csv":
		return FormatCSV, nil
	case ".down", ".up":
		return FormatMahimahi, nil
	}
	return FormatUnknown, fmt.Errorf("%s: %w", name, ErrUnknownFormat)
}

// Read reads one trace of format f from r. name is used in error messages
// and as the trace name.
func Read(r io.Reader, name string, f Format, opts Options) (*Trace, error) {
	switch f {
	case FormatPensieve:
		return ReadPensieve(r, name)
	case FormatMahimahi:
		return ReadMahimahi(r, name, opts.MahimahiBin)
	case FormatSabre:
		return ReadSabre(r, name)
	case FormatCSV:
		return ReadCSV(r, name)
	default:
		return nil, fmt.Errorf("%s: %w: cannot read format %v", name, ErrUnknownFormat, f)
	}
}

// Write writes t to w in format f.
func Write(w io.Writer, t *Trace, f Format) error {
	switch f {
	case FormatPensieve:
		return WritePensieve(w, t)
	case FormatMahimahi:
		return WriteMahimahi(w, t)
	case FormatSabre:
		return WriteSabre(w, t)
	case FormatCSV:
		return WriteCSV(w, t)
	default:
		return fmt.Errorf("trace %q: %w: cannot write format %v", t.Name, ErrUnknownFormat, f)
	}
}

// Load reads the trace file at path with DefaultOptions, detecting its
// format with Detect. The trace is named after the file (see TraceName).
func Load(path string) (*Trace, error) {
	return LoadWith(path, DefaultOptions())
}

// LoadWith is Load with explicit options.
func LoadWith(path string, opts Options) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return load(f, path, opts)
}

// LoadFS is LoadWith for a file in fsys (for example an embed.FS).
func LoadFS(fsys fs.FS, name string, opts Options) (*Trace, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return load(f, name, opts)
}

func load(r io.Reader, path string, opts Options) (*Trace, error) {
	br := bufio.NewReaderSize(r, 4096)
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("%s: reading: %w", path, err)
	}
	f, err := Detect(path, head)
	if err != nil {
		return nil, err
	}
	t, err := Read(br, path, f, opts)
	if err != nil {
		return nil, err
	}
	t.Name = TraceName(path)
	return t, nil
}

// TraceName returns the trace name for a file path: the base name without
// a .json, .csv, .down or .up extension. Other extensions are kept, since
// Pensieve names such as "bus.ljansbakken-oslo-report.2010-09-28_1407CEST.log"
// are names, not formats.
func TraceName(p string) string {
	base := path.Base(filepath.ToSlash(p))
	switch ext := path.Ext(base); strings.ToLower(ext) {
	case ".json", ".csv", ".down", ".up":
		return strings.TrimSuffix(base, ext)
	}
	return base
}

// LoadDir loads every trace file directly inside dir (subdirectories are
// not entered) with DefaultOptions, in byte order of file name, so the
// result is the same on every system. Hidden files and documentation files
// are skipped (see IsTraceFileName); every other file must be a valid
// trace. A directory with no trace files returns ErrNoTraces.
func LoadDir(dir string) ([]*Trace, error) {
	return LoadDirWith(dir, DefaultOptions())
}

// LoadDirWith is LoadDir with explicit options.
func LoadDirWith(dir string, opts Options) ([]*Trace, error) {
	return loadDirFS(os.DirFS(dir), ".", dir, opts)
}

// LoadDirFS is LoadDirWith for a directory in fsys.
func LoadDirFS(fsys fs.FS, dir string, opts Options) ([]*Trace, error) {
	return loadDirFS(fsys, dir, dir, opts)
}

func loadDirFS(fsys fs.FS, dir, display string, opts Options) ([]*Trace, error) {
	entries, err := fs.ReadDir(fsys, dir) // sorted by file name
	if err != nil {
		return nil, err
	}
	var out []*Trace
	for _, e := range entries {
		if e.IsDir() || !IsTraceFileName(e.Name()) {
			continue
		}
		f, err := fsys.Open(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		t, err := load(f, filepath.Join(display, e.Name()), opts)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", display, ErrNoTraces)
	}
	return out, nil
}

// IsTraceFileName reports whether LoadDir treats a file name as a trace:
// not hidden (leading '.'), not Markdown, and not one of the documentation
// or checksum names README*, LICENSE*, LICENCE*, NOTICE*, COPYING*,
// SHA256SUMS*, MD5SUMS* (case-insensitive).
func IsTraceFileName(name string) bool {
	if strings.HasPrefix(name, ".") || strings.EqualFold(path.Ext(name), ".md") {
		return false
	}
	upper := strings.ToUpper(name)
	for _, p := range []string{"README", "LICENSE", "LICENCE", "NOTICE", "COPYING", "SHA256SUMS", "MD5SUMS"} {
		if strings.HasPrefix(upper, p) {
			return false
		}
	}
	return true
}
