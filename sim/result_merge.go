package sim

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MergeInput is one result file to merge, typically one shard's output.
type MergeInput struct {
	// Name identifies the input in errors (usually the file name).
	Name string
	// Data is the file's content.
	Data io.Reader
}

// MergeOptions configures MergeCSV and MergeJSON.
type MergeOptions struct {
	// AllowGaps accepts job indices that do not run 0, 1, 2, … without a
	// gap. By default a gap is an error, because it means a shard is
	// missing or stopped early.
	AllowGaps bool
	// Layout is the layout MergeJSON writes.
	Layout JSONLayout
}

// MergeCSV merges result CSVs (the shards of one sweep) into one, ordered
// by job index, and returns the merged table. Every input must have the
// same header; a job index in two inputs is an error (overlapping shards,
// or one file given twice), and so is a gap in the job indices unless
// opts.AllowGaps. Rows are copied as they are, so merging the shards of a
// sweep gives the bytes the unsharded sweep writes. Errors wrap
// ErrBadResults and name the files.
func MergeCSV(inputs []MergeInput, w io.Writer, opts MergeOptions) (*ResultTable, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%w: no input to merge", ErrBadResults)
	}
	var tables []*ResultTable
	for _, in := range inputs {
		t, err := ReadResultsCSV(in.Data, in.Name)
		if err != nil {
			return nil, err
		}
		if len(tables) > 0 {
			if err := sameHeader(tables[0], t); err != nil {
				return nil, err
			}
		}
		tables = append(tables, t)
	}
	type ref struct{ table, row int }
	var refs []ref
	for ti, t := range tables {
		for ri := range t.Rows {
			refs = append(refs, ref{ti, ri})
		}
	}
	job := func(r ref) int { return tables[r.table].Jobs[r.row] }
	slices.SortStableFunc(refs, func(a, b ref) int { return job(a) - job(b) })
	jobs := make([]int, len(refs))
	origin := make([]string, len(refs))
	for i, r := range refs {
		jobs[i], origin[i] = job(r), tables[r.table].Name
	}
	if err := checkJobs(jobs, origin, opts.AllowGaps); err != nil {
		return nil, err
	}
	merged := &ResultTable{Name: "merged", Header: tables[0].Header, Jobs: jobs}
	cw := csv.NewWriter(w)
	if err := cw.Write(merged.Header); err != nil {
		return nil, err
	}
	for _, r := range refs {
		row := tables[r.table].Rows[r.row]
		merged.Rows = append(merged.Rows, row)
		if err := cw.Write(row); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return merged, cw.Error()
}

// sameHeader checks that t has the header of first.
func sameHeader(first, t *ResultTable) error {
	for i := range min(len(first.Header), len(t.Header)) {
		if first.Header[i] != t.Header[i] {
			return fmt.Errorf("%w: %s and %s have different headers: column %d is %q in %s and %q in %s (were they run with the same --qoe and --profile?)",
				ErrBadResults, first.Name, t.Name, i+1, first.Header[i], first.Name, t.Header[i], t.Name)
		}
	}
	if len(first.Header) != len(t.Header) {
		return fmt.Errorf("%w: %s and %s have different headers: %d columns in %s, %d in %s",
			ErrBadResults, first.Name, t.Name, len(first.Header), first.Name, len(t.Header), t.Name)
	}
	return nil
}

// checkJobs checks sorted job indices for repeats and, unless allowGaps,
// for gaps; origin names the file of each.
func checkJobs(jobs []int, origin []string, allowGaps bool) error {
	for i := 1; i < len(jobs); i++ {
		if jobs[i] == jobs[i-1] {
			return fmt.Errorf("%w: job %d is in both %s and %s: the inputs overlap (the same shard twice?)",
				ErrBadResults, jobs[i], origin[i-1], origin[i])
		}
	}
	if allowGaps {
		return nil
	}
	for i, j := range jobs {
		if j != i {
			missing := jobs[len(jobs)-1] + 1 - len(jobs)
			return fmt.Errorf("%w: job %d is missing (%d jobs missing up to job %d): a shard is missing or stopped early; allow gaps to merge anyway",
				ErrBadResults, i, missing, jobs[len(jobs)-1])
		}
	}
	return nil
}

// MergeJSON merges JSON result files (either layout, mixed) into one in
// opts.Layout, ordered by job index, and returns the merged results.
// Besides the checks of MergeCSV (no job twice, no gap unless allowed), it
// requires every successful session of every input to have the same set of
// QoE models and the same presence of Sabre metrics, the JSON counterpart
// of a matching header. Records are copied as they are (compacted), so
// merging shards gives the bytes of the unsharded sweep.
func MergeJSON(inputs []MergeInput, w io.Writer, opts MergeOptions) ([]SessionResult, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%w: no input to merge", ErrBadResults)
	}
	type rec struct {
		jsonRecord
		file string
	}
	var all []rec
	var shape, shapeFile string
	var shapeJob int
	for _, in := range inputs {
		recs, _, err := readJSONResults(in.Data, in.Name)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if r.res.Failed() {
				all = append(all, rec{r, in.Name})
				continue
			}
			s := resultShape(&r.res)
			if shapeFile == "" {
				shape, shapeFile, shapeJob = s, in.Name, r.res.Job
			} else if s != shape {
				return nil, fmt.Errorf("%w: job %d in %s has %s but job %d in %s has %s (were they run with the same --qoe and --profile?)",
					ErrBadResults, r.res.Job, in.Name, s, shapeJob, shapeFile, shape)
			}
			all = append(all, rec{r, in.Name})
		}
	}
	slices.SortStableFunc(all, func(a, b rec) int { return a.res.Job - b.res.Job })
	jobs := make([]int, len(all))
	origin := make([]string, len(all))
	for i := range all {
		jobs[i], origin[i] = all[i].res.Job, all[i].file
	}
	if err := checkJobs(jobs, origin, opts.AllowGaps); err != nil {
		return nil, err
	}
	jw := NewJSONWriter(w, opts.Layout)
	out := make([]SessionResult, len(all))
	for i := range all {
		out[i] = all[i].res
		if err := jw.writeRaw(all[i].raw); err != nil {
			return nil, err
		}
	}
	return out, jw.Close()
}

// resultShape describes which scores and metrics a successful result has.
func resultShape(r *SessionResult) string {
	models := make([]string, 0, len(r.Scores))
	for m := range r.Scores {
		models = append(models, m)
	}
	slices.Sort(models)
	s := "QoE models [" + strings.Join(models, ",") + "]"
	if r.Sabre != nil {
		s += " and Sabre metrics"
	} else {
		s += " and no Sabre metrics"
	}
	return s
}

// resultFormat is a result file's format as detected from its content.
type resultFormat int

const (
	formatCSV resultFormat = iota
	formatJSON
)

// detectFormat tells a result file's format from its first non-space
// byte: '{' or '[' is JSON, anything else CSV; an empty file counts as
// JSON. It also reports whether JSON is an array.
func detectFormat(data []byte) (resultFormat, JSONLayout) {
	t := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(t) == 0 || t[0] == '{':
		return formatJSON, JSONLines
	case t[0] == '[':
		return formatJSON, JSONArray
	}
	return formatCSV, JSONLines
}

// MergeCommand runs `abrkit sim merge`: it merges result files written by
// shards of one sweep (`abrkit sim --shard i/N`) into one file ordered by
// job index. args are the arguments after "merge"; the merged file goes
// to -o or to stdout, messages to stderr. It returns the exit status: 0 on
// success, 1 when the inputs cannot be merged, 2 for a usage error.
//
//	abrkit sim merge [-o FILE] [-format csv|json|jsonl] [-partial] [-summary] FILE...
//
// Inputs must all be CSV or all JSON (either layout), told apart by their
// content. Flags may come before or after the files.
func MergeCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("abrkit sim merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the merged file here instead of stdout")
	format := fs.String("format", "", "output format: csv, json (an array) or jsonl (one object per line);\ndefault: from -o's extension, else the first input's")
	partial := fs.Bool("partial", false, "accept gaps in the job indices (a missing or interrupted shard)")
	summary := fs.Bool("summary", false, "print the per-algorithm summary table of the merged results on stdout (needs -o)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: abrkit sim merge [-o FILE] [-format csv|json|jsonl] [-partial] [-summary] FILE...")
		fmt.Fprintln(stderr, "Merges the result files of the shards of one sweep into one file ordered by job index.")
		fs.PrintDefaults()
	}
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "abrkit sim merge: no input files")
		fs.Usage()
		return 2
	}
	if *summary && *out == "" {
		fmt.Fprintln(stderr, "abrkit sim merge: -summary needs -o, since the merged file goes to stdout otherwise")
		return 2
	}
	switch *format {
	case "", "csv", "json", "jsonl":
	default:
		fmt.Fprintf(stderr, "abrkit sim merge: unknown -format %q (want csv, json or jsonl)\n", *format)
		return 2
	}
	if err := runMerge(files, *out, *format, *partial, *summary, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "abrkit sim merge: %v\n", err)
		return 1
	}
	return 0
}

// runMerge does MergeCommand's work once the flags are checked.
func runMerge(files []string, out, format string, partial, summary bool, stdout, stderr io.Writer) error {
	inputs := make([]MergeInput, len(files))
	var kind resultFormat
	var firstLayout JSONLayout
	for i, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		k, l := detectFormat(data)
		if i == 0 {
			kind, firstLayout = k, l
		} else if k != kind {
			return fmt.Errorf("%s is %s but %s is %s: merge files of one format", files[0], kind, name, k)
		}
		inputs[i] = MergeInput{Name: name, Data: bytes.NewReader(data)}
	}
	if format == "" && out != "" {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".csv":
			format = "csv"
		case ".json":
			format = "json"
		case ".jsonl", ".ndjson":
			format = "jsonl"
		}
	}
	layout := firstLayout
	switch {
	case kind == formatCSV && format != "" && format != "csv":
		return fmt.Errorf("the inputs are CSV; they cannot be merged into %s", format)
	case kind == formatJSON && format == "csv":
		return errors.New("the inputs are JSON; they cannot be merged into CSV")
	case format == "json":
		layout = JSONArray
	case format == "jsonl":
		layout = JSONLines
	}
	if out != "" {
		for _, in := range files {
			if same, _ := sameFile(in, out); same {
				return fmt.Errorf("the output %s is also an input", out)
			}
		}
	}
	var buf bytes.Buffer
	opts := MergeOptions{AllowGaps: partial, Layout: layout}
	var rep *SweepReport
	var rows int
	if kind == formatCSV {
		t, err := MergeCSV(inputs, &buf, opts)
		if err != nil {
			return err
		}
		rows = len(t.Rows)
		if summary {
			if rep, err = t.Report(); err != nil {
				return err
			}
		}
	} else {
		res, err := MergeJSON(inputs, &buf, opts)
		if err != nil {
			return err
		}
		rows = len(res)
		if summary {
			rep = NewSweepReport(res, nil)
		}
	}
	if out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "merged %d sessions from %d files into %s\n", rows, len(files), out)
	if rep != nil {
		return rep.WriteTable(stdout)
	}
	return nil
}

// String returns "CSV" or "JSON".
func (f resultFormat) String() string {
	if f == formatJSON {
		return "JSON"
	}
	return "CSV"
}

// sameFile reports whether two paths name one existing file.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
