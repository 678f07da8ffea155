package abr

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSpec(t *testing.T) {
	cases := []struct {
		spec   string
		name   string
		params map[string]string
	}{
		{"bola", "bola", map[string]string{}},
		{" bola : ", "bola", map[string]string{}},
		{"bola:basic,gp=5", "bola", map[string]string{"basic": "true", "gp": "5"}},
		{"throughput:safety=0.8 , initial = 2000000", "throughput", map[string]string{"safety": "0.8", "initial": "2000000"}},
		{"x:k=a=b", "x", map[string]string{"k": "a=b"}},
	}
	for _, c := range cases {
		name, params, err := ParseSpec(c.spec)
		require.NoError(t, err, c.spec)
		assert.Equal(t, c.name, name, c.spec)
		assert.Equal(t, c.params, params, c.spec)
	}
	for _, bad := range []string{"", ":gp=5", "bola:=5", "bola:gp=1,gp=2", "bola:gp=1,,b=2"} {
		_, _, err := ParseSpec(bad)
		assert.ErrorIs(t, err, ErrBadParam, "%q", bad)
	}
}

type testParams struct {
	Flag     bool          `abr:"flag"`
	Count    int           `abr:"count"`
	Big      int64         `abr:"big"`
	Ratio    float64       `abr:"ratio"`
	Mode     string        `abr:"mode"`
	Wait     time.Duration `abr:"wait"`
	Internal int
}

func TestSetParams(t *testing.T) {
	p := testParams{Count: 1, Ratio: 0.9, Wait: time.Second, Internal: 7}
	require.NoError(t, SetParams(&p, map[string]string{
		"flag": "true", "count": "-3", "big": "9000000000", "ratio": "0.85", "mode": "o", "wait": "250ms",
	}))
	assert.Equal(t, testParams{Flag: true, Count: -3, Big: 9_000_000_000, Ratio: 0.85, Mode: "o", Wait: 250 * time.Millisecond, Internal: 7}, p)

	// A bare number for a duration is seconds: 2.5 s.
	require.NoError(t, SetParams(&p, map[string]string{"wait": "2.5"}))
	assert.Equal(t, 2500*time.Millisecond, p.Wait)

	err := SetParams(&p, map[string]string{"nope": "1"})
	require.ErrorIs(t, err, ErrBadParam)
	assert.Contains(t, err.Error(), `unknown key "nope"`)
	assert.Contains(t, err.Error(), "big, count, flag, mode, ratio, wait")

	for key, val := range map[string]string{"flag": "maybe", "count": "1.5", "ratio": "fast", "wait": "soon"} {
		err := SetParams(&p, map[string]string{key: val})
		assert.ErrorIs(t, err, ErrBadParam, "%s=%s", key, val)
		assert.Contains(t, err.Error(), key)
	}
	assert.Error(t, SetParams(p, nil), "not a pointer")

	assert.Equal(t, []string{"big=9000000000", "count=-3", "flag=true", "mode=o", "ratio=0.85", "wait=2.5s"}, ParamDefaults(&p))
}

type fixedAlg struct{ rung int }

func (f *fixedAlg) Name() string { return "fixed" }
func (f *fixedAlg) Decide(*Snapshot) Decision {
	return Decision{Rung: f.rung, Reason: Reason{Rule: "fixed"}}
}

func TestRegistry(t *testing.T) {
	var r Registry
	assert.Empty(t, r.Names())
	newFixed := func(params map[string]string) (Algorithm, error) {
		p := struct {
			Rung int `abr:"rung"`
		}{}
		if err := SetParams(&p, params); err != nil {
			return nil, err
		}
		return &fixedAlg{rung: p.Rung}, nil
	}
	require.NoError(t, r.Register(Info{Name: "fixed", New: newFixed}))
	assert.Error(t, r.Register(Info{Name: "fixed", New: newFixed}), "duplicate")
	assert.Error(t, r.Register(Info{Name: "", New: newFixed}))
	assert.Error(t, r.Register(Info{Name: "nofactory"}))
	require.NoError(t, r.Register(Info{Name: "another", New: newFixed}))
	assert.Equal(t, []string{"another", "fixed"}, r.Names())

	a, err := r.New("fixed:rung=3")
	require.NoError(t, err)
	assert.Equal(t, 3, a.Decide(&Snapshot{}).Rung)

	_, err = r.New("fixd")
	require.ErrorIs(t, err, ErrUnknownAlgorithm)
	assert.Contains(t, err.Error(), "another, fixed")

	_, err = r.New("fixed:rung=high")
	require.ErrorIs(t, err, ErrBadParam)
	assert.True(t, strings.HasPrefix(err.Error(), `abr "fixed": `), err.Error())
}

func TestDefaultRegistryHasStockAlgorithms(t *testing.T) {
	want := []string{"bb", "bba", "bola", "bola-dashjs", "bolae", "dashjs", "dynamic", "dynamicdash",
		"exoplayer", "festive", "hlsjs", "mpc", "rb", "robustmpc", "robustmpc-fixed", "sabre-throughput", "shaka", "throughput"}
	names := Names()
	for _, n := range want {
		assert.Contains(t, names, n)
		a, err := New(n)
		require.NoError(t, err, n)
		assert.Equal(t, n, a.Name())
	}
}

// TestStockFactoryRejectsWithNilAlgorithm checks that a stock factory
// returning an error returns a nil Algorithm, not an interface holding a
// nil pointer: BBA rejects a zero cushion.
func TestStockFactoryRejectsWithNilAlgorithm(t *testing.T) {
	info, ok := Default.Lookup("bba")
	require.True(t, ok)
	a, err := info.New(map[string]string{"cushion": "0s"})
	require.ErrorIs(t, err, ErrBadParam)
	assert.True(t, a == nil, "want a nil Algorithm, got %#v", a)
}

func FuzzAlgorithmSpec(f *testing.F) {
	for _, s := range []string{"bola", "bola:basic,gp=5", "throughput:safety=0.8", "robustmpc:horizon=3", "dashjs:buffer_time=1e9", "bb:reservoir=-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		a, err := New(spec)
		if err != nil {
			if !errors.Is(err, ErrBadParam) && !errors.Is(err, ErrUnknownAlgorithm) && !strings.HasPrefix(err.Error(), "abr ") {
				t.Fatalf("unexpected error shape: %v", err)
			}
			return
		}
		if a.Name() == "" {
			t.Fatal("algorithm without a name")
		}
		// Whatever parameters were accepted, a decision on a plain state
		// must be a valid rung with a reason.
		ladder := &Ladder{SegmentDuration: 4 * time.Second, Segments: 10}
		for _, k := range []int64{300, 750, 1200, 1850, 2850, 4300} {
			ladder.Rungs = append(ladder.Rungs, Rung{Bitrate: k * 1000})
		}
		s := &Snapshot{Now: 10 * time.Second, Ladder: ladder, Segment: 3, SinceSeek: 3, Buffer: 8 * time.Second,
			MaxBuffer: 30 * time.Second, LastRung: 2, MaxRung: ladder.Top(),
			History:  History{{Segment: 2, Rung: 2, Bytes: 600_000, Start: 5 * time.Second, TTFB: 50 * time.Millisecond, Transfer: 2 * time.Second}},
			Estimate: Estimate{Throughput: 2_000_000, Latency: 50 * time.Millisecond, Valid: true}}
		d := a.Decide(s)
		if d.Rung < 0 || d.Rung > ladder.Top() || d.Reason.Rule == "" {
			t.Fatalf("%s: decision %+v", spec, d)
		}
	})
}

// TestExtremeParamsAreRejectedOrSafe sets every parameter of every stock
// algorithm to edge values: the factory must either reject the value with
// ErrBadParam or build an algorithm whose decisions stay valid.
func TestExtremeParamsAreRejectedOrSafe(t *testing.T) {
	ladder := &Ladder{SegmentDuration: 4 * time.Second, Segments: 10}
	for _, k := range []int64{300, 750, 1200, 1850, 2850, 4300} {
		ladder.Rungs = append(ladder.Rungs, Rung{Bitrate: k * 1000})
	}
	checked := 0
	for _, name := range Names() {
		info, _ := Default.Lookup(name)
		if info.Params == nil {
			continue
		}
		checked++
		for _, kv := range ParamDefaults(info.Params()) {
			key, _, _ := strings.Cut(kv, "=")
			for _, val := range []string{"0", "-1", "1e300", "true", "false", "NaN"} {
				a, err := New(name + ":" + key + "=" + val)
				if err != nil {
					assert.ErrorIs(t, err, ErrBadParam, "%s:%s=%s", name, key, val)
					continue
				}
				for _, buf := range []time.Duration{0, 3 * time.Second, 40 * time.Second} {
					s := &Snapshot{Now: 10 * time.Second, Ladder: ladder, Segment: 3, SinceSeek: 3, Buffer: buf,
						MaxBuffer: 30 * time.Second, LastRung: 2, MaxRung: ladder.Top(),
						History:  History{{Segment: 2, Rung: 2, Bytes: 600_000, Start: 5 * time.Second, TTFB: 50 * time.Millisecond, Transfer: 2 * time.Second}},
						Estimate: Estimate{Throughput: 2_000_000, Latency: 50 * time.Millisecond, Valid: true}}
					d := a.Decide(s)
					assert.True(t, d.Rung >= 0 && d.Rung <= ladder.Top() && d.Reason.Rule != "",
						"%s:%s=%s buffer %v: decision %+v", name, key, val, buf, d)
				}
			}
		}
	}
	assert.GreaterOrEqual(t, checked, 18, "stock algorithms with parameter structs")
}
