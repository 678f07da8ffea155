package traces

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// seedStream is the second PCG word; the caller's seed is the first.
const seedStream = 0x9e3779b97f4a7c15

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seedStream))
}

// Constant returns a one-sample trace of the given rate (bit/s) and length.
func Constant(name string, rate int64, d time.Duration) (*Trace, error) {
	t := &Trace{Name: name, Format: FormatSynthetic, Samples: []Sample{{Duration: d, Rate: rate}}}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// Steps returns a trace that holds each rate (bit/s) for step in turn.
func Steps(name string, step time.Duration, rates ...int64) (*Trace, error) {
	t := &Trace{Name: name, Format: FormatSynthetic, Samples: make([]Sample, len(rates))}
	for i, r := range rates {
		t.Samples[i] = Sample{Duration: step, Rate: r}
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// RandomWalk configures a geometric random walk: every Step the logarithm
// of the rate moves by a normal step with standard deviation Sigma and is
// reflected back into [ln Min, ln Max].
type RandomWalk struct {
	Seed     uint64        // random seed; the same seed gives the same trace
	Duration time.Duration // total length (default 10 min)
	Step     time.Duration // length of each sample (default 1 s)
	Start    int64         // first sample's rate, bit/s (default 3 Mbit/s)
	Min      int64         // lowest rate, bit/s, > 0 (default 200 kbit/s)
	Max      int64         // highest rate, bit/s (default 20 Mbit/s)
	Sigma    float64       // std. dev. of the log-rate step (default 0.15)
}

// DefaultRandomWalk returns the RandomWalk defaults with seed 1.
func DefaultRandomWalk() RandomWalk {
	return RandomWalk{
		Seed:     1,
		Duration: 10 * time.Minute,
		Step:     time.Second,
		Start:    3_000_000,
		Min:      200_000,
		Max:      20_000_000,
		Sigma:    0.15,
	}
}

// Generate returns the random-walk trace named name. The last sample is
// shortened so the trace lasts exactly Duration.
func (c RandomWalk) Generate(name string) (*Trace, error) {
	switch {
	case c.Duration <= 0 || c.Step <= 0:
		return nil, fmt.Errorf("%w: random walk %q: Duration and Step must be positive", ErrInvalid, name)
	case c.Min <= 0 || c.Max < c.Min || c.Start < c.Min || c.Start > c.Max:
		return nil, fmt.Errorf("%w: random walk %q: need 0 < Min <= Start <= Max", ErrInvalid, name)
	case !(c.Sigma >= 0) || math.IsInf(c.Sigma, 0):
		return nil, fmt.Errorf("%w: random walk %q: Sigma must be finite and not negative", ErrInvalid, name)
	}
	rng := newRand(c.Seed)
	lo, hi := math.Log(float64(c.Min)), math.Log(float64(c.Max))
	x := math.Log(float64(c.Start))
	t := &Trace{Name: name, Format: FormatSynthetic}
	rate := c.Start
	for left := c.Duration; left > 0; left -= c.Step {
		t.Samples = append(t.Samples, Sample{Duration: min(c.Step, left), Rate: rate})
		x = reflect(x+c.Sigma*rng.NormFloat64(), lo, hi)
		rate = min(max(int64(math.Round(math.Exp(x))), c.Min), c.Max)
	}
	return t, nil
}

// reflect folds x back into [lo, hi] by mirroring at the bounds.
func reflect(x, lo, hi float64) float64 {
	if hi <= lo {
		return lo
	}
	w := hi - lo
	y := math.Mod(x-lo, 2*w)
	if y < 0 {
		y += 2 * w
	}
	if y > w {
		y = 2*w - y
	}
	return lo + y
}

// Markov configures a two-state (Gilbert-Elliott-like) trace: the link
// alternates between a good and a bad state with exponentially distributed
// holding times, and has a constant rate in each state. The first state is
// drawn from the stationary distribution, P(good) = MeanGood/(MeanGood+MeanBad).
type Markov struct {
	Seed       uint64        // random seed; the same seed gives the same trace
	Duration   time.Duration // total length (default 10 min)
	GoodRate   int64         // rate in the good state, bit/s (default 6 Mbit/s)
	BadRate    int64         // rate in the bad state, bit/s (default 500 kbit/s)
	MeanGood   time.Duration // mean holding time in the good state (default 20 s)
	MeanBad    time.Duration // mean holding time in the bad state (default 5 s)
	Resolution time.Duration // holding times are rounded to this, at least one unit (default 100 ms)
}

// DefaultMarkov returns the Markov defaults with seed 1.
func DefaultMarkov() Markov {
	return Markov{
		Seed:       1,
		Duration:   10 * time.Minute,
		GoodRate:   6_000_000,
		BadRate:    500_000,
		MeanGood:   20 * time.Second,
		MeanBad:    5 * time.Second,
		Resolution: 100 * time.Millisecond,
	}
}

// Generate returns the two-state trace named name. The last holding time is
// cut so the trace lasts exactly Duration.
func (c Markov) Generate(name string) (*Trace, error) {
	switch {
	case c.Duration <= 0 || c.Resolution <= 0:
		return nil, fmt.Errorf("%w: markov %q: Duration and Resolution must be positive", ErrInvalid, name)
	case c.GoodRate < 0 || c.BadRate < 0:
		return nil, fmt.Errorf("%w: markov %q: rates must not be negative", ErrInvalid, name)
	case c.MeanGood <= 0 || c.MeanBad <= 0:
		return nil, fmt.Errorf("%w: markov %q: mean holding times must be positive", ErrInvalid, name)
	}
	rng := newRand(c.Seed)
	good := rng.Float64()*float64(c.MeanGood+c.MeanBad) < float64(c.MeanGood)
	t := &Trace{Name: name, Format: FormatSynthetic}
	for left := c.Duration; left > 0; {
		mean, rate := c.MeanBad, c.BadRate
		if good {
			mean, rate = c.MeanGood, c.GoodRate
		}
		units := math.Round(rng.ExpFloat64() * float64(mean) / float64(c.Resolution))
		hold := c.Resolution
		if units > 1 {
			hold = time.Duration(min(units, float64(left/c.Resolution)+1)) * c.Resolution
		}
		hold = min(hold, left)
		t.Samples = append(t.Samples, Sample{Duration: hold, Rate: rate})
		left -= hold
		good = !good
	}
	return t, nil
}
