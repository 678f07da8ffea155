package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CSVWriter writes session results as CSV, one row per session, with the
// header of its ResultColumns. Output depends only on the results written,
// so the same results give the same bytes.
type CSVWriter struct {
	w      *csv.Writer
	cols   ResultColumns
	header bool
	rec    []string
	buf    []byte
}

// NewCSVWriter returns a writer of results with the columns cols. The
// header is written with the first row, or by Close when there is none.
func NewCSVWriter(w io.Writer, cols ResultColumns) (*CSVWriter, error) {
	if err := cols.Validate(); err != nil {
		return nil, err
	}
	return &CSVWriter{w: csv.NewWriter(w), cols: cols}, nil
}

// writeHeader writes the header once.
func (cw *CSVWriter) writeHeader() error {
	if cw.header {
		return nil
	}
	cw.header = true
	return cw.w.Write(cw.cols.Header())
}

// Write writes one result. A failed result has its identifiers, its job
// index and its error; the metric cells are empty. A model without a score
// in r, or Sabre columns without r.Sabre, give empty cells too.
func (cw *CSVWriter) Write(r *SessionResult) error {
	if err := cw.writeHeader(); err != nil {
		return err
	}
	cw.rec = cw.rec[:0]
	cw.cell(append(cw.buf, r.Trace...))
	cw.cell(append(cw.buf, r.ABR...))
	cw.cell(append(cw.buf, r.Profile...))
	cw.cell(append(cw.buf, r.Params...))
	cw.cell(strconv.AppendUint(cw.buf, r.Seed, 10))
	cw.cell(appendInt(cw.buf, int64(r.Job)))
	ok := !r.Failed()
	for _, m := range cw.cols.Models {
		if s, has := r.Scores[m]; ok && has {
			cw.cell(appendFloat(cw.buf, s.Total))
		} else {
			cw.cell(cw.buf)
		}
	}
	if len(cw.cols.Models) > 0 {
		if ok {
			cw.cell(append(cw.buf, conventionLabel(r, cw.cols.Models)...))
		} else {
			cw.cell(cw.buf)
		}
	}
	switch v, fromScore := rebufferSeconds(r, cw.cols.Models); {
	case !ok:
		cw.cell(cw.buf)
	case fromScore:
		cw.cell(appendFloat(cw.buf, v))
	default:
		cw.cell(appendSeconds(cw.buf, r.Summary.StallTime))
	}
	if ok {
		cw.cell(appendKbps(cw.buf, r.Summary.TimeWeightedBitrate))
	} else {
		cw.cell(cw.buf)
	}
	for _, c := range summaryColumns {
		if ok {
			cw.cell(c.format(cw.buf, &r.Summary))
		} else {
			cw.cell(cw.buf)
		}
	}
	for _, m := range cw.cols.Models {
		s, has := r.Scores[m]
		for _, comp := range scoreComponents {
			if ok && has {
				cw.cell(appendFloat(cw.buf, comp.get(&s)))
			} else {
				cw.cell(cw.buf)
			}
		}
	}
	if cw.cols.Sabre {
		for _, c := range sabreColumns {
			switch {
			case !ok || r.Sabre == nil:
				cw.cell(cw.buf)
			case c.count:
				cw.cell(appendInt(cw.buf, int64(c.get(r.Sabre))))
			default:
				cw.cell(appendFloat(cw.buf, c.get(r.Sabre)))
			}
		}
	}
	cw.cell(append(cw.buf, r.Err...))
	if err := cw.w.Write(cw.rec); err != nil {
		return fmt.Errorf("sim: writing CSV row of job %d: %w", r.Job, err)
	}
	return nil
}

// cell appends the bytes formatted into b (cw.buf grown) as the next cell
// and keeps b's storage for the next one.
func (cw *CSVWriter) cell(b []byte) {
	cw.rec = append(cw.rec, string(b))
	cw.buf = b[:0]
}

// Close writes the header if no row was written and flushes. It does not
// close the underlying writer.
func (cw *CSVWriter) Close() error {
	if err := cw.writeHeader(); err != nil {
		return err
	}
	cw.w.Flush()
	return cw.w.Error()
}

// ResultTable is a result CSV as read back: its header and rows, each row
// keyed by its job index. Rows are kept as text, so writing them again
// reproduces the file.
type ResultTable struct {
	// Name is the file name errors refer to.
	Name string
	// Header is the first row.
	Header []string
	// Rows are the data rows, each with len(Header) cells.
	Rows [][]string
	// Jobs[i] is the job index of Rows[i].
	Jobs []int
}

// requiredColumns are the columns every result CSV has.
var requiredColumns = []string{colTrace, colABR, colProfile, colParams, colSeed, colJob, colError}

// Column returns the position of the named column, or -1.
func (t *ResultTable) Column(name string) int {
	for i, h := range t.Header {
		if h == name {
			return i
		}
	}
	return -1
}

// ReadResultsCSV reads a result CSV written by CSVWriter. name is used in
// errors. It checks that the header has the key columns (trace, abr,
// profile, params, seed, job, error) and no duplicate names, that every
// row has as many cells as the header, and that job indices are
// non-negative integers that do not repeat. Errors wrap ErrBadResults and
// name the file and line.
func ReadResultsCSV(r io.Reader, name string) (*ResultTable, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %s: empty file, no CSV header", ErrBadResults, name)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadResults, name, err)
	}
	t := &ResultTable{Name: name, Header: header}
	seen := make(map[string]bool, len(header))
	for _, h := range header {
		if seen[h] {
			return nil, fmt.Errorf("%w: %s: line 1: column %q appears twice", ErrBadResults, name, h)
		}
		seen[h] = true
	}
	for _, c := range requiredColumns {
		if !seen[c] {
			return nil, fmt.Errorf("%w: %s: line 1: no %q column; not a result file of abrkit sim (header %s)",
				ErrBadResults, name, c, abbreviate(strings.Join(header, ","), 120))
		}
	}
	jobCol := t.Column(colJob)
	jobLine := map[int]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadResults, name, err)
		}
		line, _ := cr.FieldPos(0)
		job, err := strconv.Atoi(rec[jobCol])
		if err != nil || job < 0 {
			return nil, fmt.Errorf("%w: %s: line %d: job %q is not a non-negative whole number",
				ErrBadResults, name, line, rec[jobCol])
		}
		if prev, dup := jobLine[job]; dup {
			return nil, fmt.Errorf("%w: %s: line %d: job %d already on line %d", ErrBadResults, name, line, job, prev)
		}
		jobLine[job] = line
		t.Rows = append(t.Rows, rec)
		t.Jobs = append(t.Jobs, job)
	}
	return t, nil
}

// abbreviate shortens s to at most n bytes for an error message.
func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
