package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// maxManifestBytes bounds how much of a manifest or playlist is read.
const maxManifestBytes = 32 << 20

// isURL reports whether ref is an http or https URL rather than a path.
func isURL(ref string) bool {
	return strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://")
}

// fetchRef reads a local file or an HTTP(S) resource, bounded in size and,
// for HTTP, in time.
func fetchRef(ctx context.Context, ref string) ([]byte, error) {
	if !isURL(ref) {
		f, err := os.Open(ref)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readBounded(f, ref)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP status %s", ref, resp.Status)
	}
	return readBounded(resp.Body, ref)
}

func readBounded(r io.Reader, ref string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	if len(data) > maxManifestBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", ref, maxManifestBytes)
	}
	return data, nil
}
