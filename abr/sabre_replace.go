package abr

import "math"

// SabreReplacer is Sabre's replacement strategy (class Replace, Sabre's
// -r left|right; the "fast switching" of Spiteri, Sitaraman, Sparacio,
// MMSys 2018; UMass-LIDS/sabre src/sabre.py). After each decision for
// rung q it protects skip = ceil(1.5 + f/p) segments at the head of the
// buffer (f = ms already played of the head segment: 2 segments, 3 once
// the head has played more than half) and picks a buffered segment below
// q: the first one past the protected ones ("left") or the last one
// ("right"). The replacement is fetched at q with no delay.
//
// Protection rule: while the replacement downloads, ShouldAbandon gives
// it up (abandon true, rung -1) as soon as L + p·r <= 0, where L is the
// buffer level and r the slot's position counted from the tail (−1 for
// the last buffered segment): the slot has reached the play position.
// After a completed replacement the player writes the slot only if
// L_after + p·r >= 0 (Sabre prints "too late to replace" otherwise).
//
// A SabreReplacer keeps the slot of its last Replace for the protection
// check, so use one per session.
type SabreReplacer struct {
	right     bool
	replacing int // slot counted from the tail (negative); 0 when none
}

// NewSabreLeftReplacer returns Sabre's "left" strategy.
func NewSabreLeftReplacer() *SabreReplacer { return &SabreReplacer{} }

// NewSabreRightReplacer returns Sabre's "right" strategy.
func NewSabreRightReplacer() *SabreReplacer { return &SabreReplacer{right: true} }

// Name returns "left" or "right".
func (r *SabreReplacer) Name() string {
	if r.right {
		return "right"
	}
	return "left"
}

// Replace is Replace.check_replace for the Snapshot: it returns the index
// into s.Buffered of the segment to re-fetch at rung q.
func (r *SabreReplacer) Replace(s *Snapshot, q int) (int, bool) {
	return r.SabreCheckReplace(s.Buffered, sabreMs(s.HeadPlayed), sabreMs(s.Ladder.SegmentDuration), q)
}

// SabreCheckReplace is check_replace in Sabre's units: buffered lists the
// buffer oldest first (the head may be partly played), headPlayedMs is f
// and segmentMs is p. It returns the index into buffered to replace.
func (r *SabreReplacer) SabreCheckReplace(buffered []BufferedSegment, headPlayedMs, segmentMs float64, q int) (int, bool) {
	r.replacing = 0
	skip := int(math.Ceil(1.5 + headPlayedMs/segmentMs))
	n := len(buffered)
	if r.right {
		for i := n - 1; i >= skip; i-- {
			if buffered[i].Rung < q {
				r.replacing = i - n
				return i, true
			}
		}
		return -1, false
	}
	for i := skip; i < n; i++ {
		if buffered[i].Rung < q {
			r.replacing = i - n
			return i, true
		}
	}
	return -1, false
}

// Slot returns the slot of the last replacement counted from the tail
// (−1 for the last buffered segment), and false when the last Replace
// found none.
func (r *SabreReplacer) Slot() (int, bool) { return r.replacing, r.replacing < 0 }

// ShouldAbandon is Replace.check_abandon for replacement downloads: it
// returns abandon true with rung -1 (drop the replacement, fetch nothing
// instead) once the slot has reached the play position. Progress of
// normal downloads is never abandoned here.
func (r *SabreReplacer) ShouldAbandon(s *Snapshot, p Progress) (bool, int, Reason) {
	if !p.Replacement {
		return false, p.Rung, Reason{}
	}
	if r.SabreCheckAbandon(sabreMs(s.Buffer), sabreMs(s.Ladder.SegmentDuration)) {
		return true, -1, Reason{Rule: sabreRuleReplaceProtected, Buffer: s.Buffer, Value: float64(r.replacing)}
	}
	return false, p.Rung, Reason{}
}

// SabreCheckAbandon is check_abandon in Sabre's units: true when
// bufferMs + p·r <= 0.
func (r *SabreReplacer) SabreCheckAbandon(bufferMs, segmentMs float64) bool {
	if r.replacing >= 0 {
		return false
	}
	return bufferMs+float64(segmentMs*float64(r.replacing)) <= 0
}

// SabreReplaceStillValid is Sabre's check after a completed replacement:
// the slot r (negative, from the tail) may be written only if
// bufferAfterMs + p·r >= 0.
func SabreReplaceStillValid(bufferAfterMs, segmentMs float64, slot int) bool {
	return bufferAfterMs+float64(segmentMs*float64(slot)) >= 0
}

// compile-time checks of the Sabre types against the abr interfaces.
var (
	_ Replacer  = (*SabreReplacer)(nil)
	_ Abandoner = (*SabreReplacer)(nil)

	_ SabreAlgorithm    = (*SabreThroughput)(nil)
	_ SabreAlgorithm    = (*SabreBola)(nil)
	_ SabreAlgorithm    = (*SabreBolaE)(nil)
	_ SabreAlgorithm    = (*SabreDynamic)(nil)
	_ SabreAlgorithm    = (*SabreDynamicDash)(nil)
	_ Observer          = (*SabreBolaE)(nil)
	_ Abandoner         = (*SabreBolaE)(nil)
	_ Starter           = (*SabreBolaE)(nil)
	_ EstimatorProvider = (*SabreBolaE)(nil)
	_ Observer          = (*SabreBola)(nil)
	_ Observer          = (*SabreThroughput)(nil)
	_ Observer          = (*SabreDynamic)(nil)
	_ Observer          = (*SabreDynamicDash)(nil)
	_ Abandoner         = (*SabreDynamicDash)(nil)
)
