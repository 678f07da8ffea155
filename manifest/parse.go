package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrUnknownFormat is wrapped when Parse can tell neither from the
// content nor from the name whether a manifest is DASH or HLS.
var ErrUnknownFormat = errors.New("neither a DASH MPD nor an HLS playlist")

// Parse reads a DASH MPD or an HLS playlist, telling them apart by
// content, and returns the presentation. url (a URL or a file path) is
// where data came from; relative references resolve against it and
// errors name it. For HLS multivariant playlists the media playlists are
// not read: see LoadHLSMedia.
func Parse(data []byte, url string) (*Presentation, error) {
	switch detectFormat(data, url) {
	case FormatDASH:
		return ParseDASH(data, url)
	case FormatHLS:
		return ParseHLS(data, url)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty manifest: %w", url, ErrUnknownFormat)
	}
	return nil, fmt.Errorf("%s: %w", url, ErrUnknownFormat)
}

// detectFormat decides by the first significant byte: '<' starts XML
// (an MPD), '#' an M3U playlist (#EXTM3U, possibly after comments). When
// the content says neither, the extension of url decides (.mpd and .xml
// for DASH, .m3u8 and .m3u for HLS), so that a broken playlist is
// reported by the HLS parser rather than as an unknown format. The empty
// Format means undecided.
func detectFormat(data []byte, url string) Format {
	s := bytes.TrimPrefix(data, []byte("\uFEFF"))
	s = bytes.TrimLeft(s, " \t\r\n")
	if len(s) > 0 {
		switch s[0] {
		case '<':
			return FormatDASH
		case '#':
			return FormatHLS
		}
	}
	name := url
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		name = name[:i]
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".mpd", ".xml":
		return FormatDASH
	case ".m3u8", ".m3u":
		return FormatHLS
	}
	return ""
}
