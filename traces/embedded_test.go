package traces

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmbedded(t *testing.T) {
	all, err := Embedded()
	require.NoError(t, err)
	byName := map[string]*Trace{}
	var names []string
	for _, tr := range all {
		byName[tr.Name] = tr
		names = append(names, tr.Name)
	}
	assert.Equal(t, []string{
		"pensieve-fcc/train/trace_214390_http---www.amazon.com",
		"pensieve-fcc/train/trace_942598_http---www.youtube.com",
		"sabre/mmsys18/hd_fs/trace0000",
		"sabre/mmsys18/sd_fs/trace0000",
		"sabre/network",
	}, names)

	toy := byName["sabre/network"]
	assert.Equal(t, FormatSabre, toy.Format)
	assert.Equal(t, 2*time.Minute, toy.Duration())
	assert.Equal(t, 75*time.Millisecond, toy.Samples[0].Latency)

	// 228 lines, 5 s apart: 227 intervals = 1135 s.
	amazon := byName["pensieve-fcc/train/trace_214390_http---www.amazon.com"]
	assert.Equal(t, FormatPensieve, amazon.Format)
	assert.Equal(t, 1135*time.Second, amazon.Duration())
	// The youtube trace has zero-throughput intervals.
	zero := 0
	for _, s := range byName["pensieve-fcc/train/trace_942598_http---www.youtube.com"].Samples {
		if s.Rate == 0 {
			zero++
		}
	}
	assert.Positive(t, zero)
	for _, tr := range all {
		assert.True(t, tr.HasCapacity(), tr.Name)
	}

	// Fresh copies every call.
	again, err := Embedded()
	require.NoError(t, err)
	again[0].Samples[0].Rate = -1
	assert.NotEqual(t, again[0].Samples[0].Rate, all[0].Samples[0].Rate)

	notice := EmbeddedNotice()
	assert.Contains(t, notice, "Copyright (c) 2018, Kevin Spiteri")
	assert.Contains(t, notice, "MIT License")
	assert.Contains(t, notice, "Measuring Broadband America")
}

func TestEmbeddedMatchesShared(t *testing.T) {
	shared, err := Load(sharedTraces(t, "sabre/mmsys18/sd_fs/trace0000.json"))
	require.NoError(t, err)
	all, err := Embedded()
	require.NoError(t, err)
	for _, tr := range all {
		if tr.Name == "sabre/mmsys18/sd_fs/trace0000" {
			assert.Equal(t, shared.Sabre, tr.Sabre)
			return
		}
	}
	t.Fatal("embedded sd_fs trace missing")
}

func TestTraceHelpers(t *testing.T) {
	tr := &Trace{Name: "h", Samples: []Sample{
		{Duration: time.Second, Rate: 3},
		{Duration: 500 * time.Millisecond, Rate: 0, Latency: time.Millisecond},
	}}
	require.NoError(t, tr.Validate())
	// 3 bit/s * 1 s = 3 bits over 1.5 s = 2 bit/s.
	assert.Equal(t, int64(3), tr.Bits())
	assert.Equal(t, int64(2), tr.MeanRate())
	c := tr.Clone()
	c.Samples[0].Rate = 9
	assert.Equal(t, int64(3), tr.Samples[0].Rate)
	p := tr.SabrePeriods()
	assert.Equal(t, []SabrePeriod{{1000, 0.003, 0}, {500, 0, 1}}, p)

	assert.False(t, (&Trace{Samples: []Sample{{Duration: time.Second}}}).HasCapacity())
	assert.ErrorIs(t, (&Trace{}).Validate(), ErrInvalid)
	assert.ErrorIs(t, (&Trace{Samples: []Sample{{Duration: -1}}}).Validate(), ErrInvalid)
	assert.ErrorIs(t, (&Trace{Samples: []Sample{{Duration: 1, Latency: -1}}}).Validate(), ErrInvalid)
	// A trace whose total would overflow.
	huge := &Trace{Samples: []Sample{{Duration: 1 << 62}, {Duration: 1 << 62}}}
	assert.ErrorIs(t, huge.Validate(), ErrInvalid)
}
