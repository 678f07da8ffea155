package player

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzResponseHeaders feeds arbitrary header values to the driver's
// header parsers (Retry-After, cache hints, Content-Range): they never
// panic and stay in range.
func FuzzResponseHeaders(f *testing.F) {
	for _, s := range []string{"120", "0", "Thu, 26 Nov 2026 12:00:30 GMT", "bytes 746-18481/73980", "bytes */100",
		"HIT, MISS", "Hit from cloudfront", "OriginCache; fwd=miss, CDN; hit", "12", "-1", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		for _, k := range []string{"Retry-After", "Cache-Status", "X-Cache", "CF-Cache-Status", "Age", "Content-Range"} {
			h.Set(k, v)
		}
		d := retryAfter(h, now)
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.LessOrEqual(t, d, 24*time.Hour)
		_ = cacheHit(h)
		if n, ok := contentRangeStart(v); ok {
			require.GreaterOrEqual(t, n, int64(0))
		}
	})
}
