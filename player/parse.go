package player

import (
	"fmt"

	"github.com/abrkit/abrkit/manifest"
)

// parseManifest parses a DASH MPD or HLS playlist loaded from url.
func parseManifest(data []byte, url string) (*manifest.Presentation, error) {
	p, err := manifest.Parse(data, url)
	if err != nil {
		return nil, fmt.Errorf("%w: manifest %s: %w", ErrBadContent, url, err)
	}
	return p, nil
}
