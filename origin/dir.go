package origin

import (
	"fmt"
	"net/http"
	"os"
	"path"
	"strings"
)

// contentTypes maps file extensions to the media types the origin sends.
// Unknown extensions fall back to net/http's sniffing via ServeContent.
var contentTypes = map[string]string{
	".mpd":  contentTypeMPD,
	".m3u8": contentTypeM3U8,
	".m3u":  contentTypeM3U8,
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".cmfv": "video/mp4",
	".m4a":  "audio/mp4",
	".cmfa": "audio/mp4",
	".m4s":  contentTypeSegment,
	".ts":   "video/mp2t",
	".aac":  "audio/aac",
	".vtt":  "text/vtt",
	".webm": "video/webm",
	".json": "application/json",
	".xml":  "application/xml",
}

// ContentType returns the media type the origin sends for a file name,
// or "" when the extension is not one it knows: application/dash+xml for
// .mpd, application/vnd.apple.mpegurl for .m3u8, video/mp4 for .mp4,
// video/iso.segment for .m4s, video/mp2t for .ts, and so on.
func ContentType(name string) string {
	return contentTypes[strings.ToLower(path.Ext(name))]
}

// dirHandler serves the files below a directory with Range support.
// Paths cannot escape the directory (os.Root enforces it, symlinks
// included); directories and missing files are 404.
type dirHandler struct {
	root *os.Root
}

func newDirHandler(dir string) (*dirHandler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("origin: open directory %s: %w", dir, err)
	}
	return &dirHandler{root: root}, nil
}

// ServeHTTP serves one file with http.ServeContent.
func (d *dirHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		http.NotFound(w, r)
		return
	}
	// Missing, unreadable and escaping paths all look the same: 404.
	f, err := d.root.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	if ct := ContentType(name); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	http.ServeContent(w, r, name, info.ModTime(), f)
}

func (d *dirHandler) close() error {
	return d.root.Close()
}
